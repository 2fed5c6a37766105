/**
 * Old Kineto versions wrote bare `inf` / `nan` for the bandwidth of zero-duration copies
 * (pytorch/kineto#105: `"memory bandwidth (GB/s)": inf`), which is not JSON. This rewrites such bare
 * tokens — outside strings, in value position — to `null`, so the event still parses. Only called
 * after JSON.parse has failed, so valid documents never pay for it.
 */

const NON_FINITE = ['-Infinity', 'Infinity', '-inf', 'inf', '-nan', 'nan', 'NaN', '-NaN'] as const;

const isDelimiter = (c: string | undefined): boolean => c === undefined || c === ',' || c === '}' || c === ']' || c === ' ' || c === '\n' || c === '\r' || c === '\t';

/** `text` with bare non-finite number tokens replaced by `null`, or null when it has none. */
export function replaceNonFiniteNumbers(text: string): string | null {
  let out = '';
  let from = 0;
  let inString = false;
  let lastSignificant = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') { inString = false; lastSignificant = '"'; }
      continue;
    }
    if (c === '"') { inString = true; continue; }
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t') continue;
    if (lastSignificant === ':' || lastSignificant === '[' || lastSignificant === ',') {
      const token = NON_FINITE.find((t) => text.startsWith(t, i) && isDelimiter(text[i + t.length]));
      if (token) {
        out += `${text.slice(from, i)}null`;
        i += token.length - 1;
        from = i + 1;
        lastSignificant = 'l';
        continue;
      }
    }
    lastSignificant = c;
  }
  return from === 0 ? null : out + text.slice(from);
}
