import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../common/bad-input.ts';
import { JsonStreamScanner, TraceJsonScanner, type JsonPath } from './json-scanner.ts';

interface Scanned { top: Record<string, unknown>; events: unknown[]; lines: number[] }

/** Feeds `doc` to a scanner in chunks cut at `cuts` (byte offsets). */
function scan(doc: Buffer, cuts: number[] = []): Scanned {
  const out: Scanned = { top: {}, events: [], lines: [] };
  const s = new TraceJsonScanner('doc.json', {
    topLevel: (key, value) => { out.top[key] = value; },
    event: (value, _text, line) => { out.events.push(value); out.lines.push(line); },
  });
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) { s.push(doc.subarray(at, c)); at = c; }
  s.push(doc.subarray(at));
  s.end();
  return out;
}

function scanError(doc: string): BadInputError {
  try {
    scan(Buffer.from(doc));
  } catch (e) {
    expect(e).toBeInstanceOf(BadInputError);
    return e as BadInputError;
  }
  throw new Error('expected a BadInputError');
}

// Escapes, quotes and brackets inside strings, multi-byte UTF-8, nested values, keys in any order.
const TRICKY = Buffer.from(`\uFEFF{
  "before": {"a": [1, {"b": "}]\\"["}], "c": "\\\\"},
  "traceEvents": [
    {"name": "k<\\"x\\">\\\\", "args": {"grid": [1, 2, 3], "s": "a{b[c"}},
    {"name": "µs → ✓ 𝄞", "ts": 1.5},
    [1, 2],
    "str\\\\",
    42
  ],
  "after": "\\u00e9\\"}"
}
`);

describe('TraceJsonScanner', () => {
  it('finds every element and top-level value, whatever the chunking (byte by byte too)', () => {
    const expected = JSON.parse(TRICKY.toString('utf8').replace(/^\uFEFF/, '')) as { traceEvents: unknown[]; before: unknown; after: unknown };
    const whole = scan(TRICKY);
    expect(whole.events).toEqual(expected.traceEvents);
    expect(whole.top).toEqual({ before: expected.before, after: expected.after });
    // Element lines, counted by hand in TRICKY: elements start on lines 4–8.
    expect(whole.lines).toEqual([4, 5, 6, 7, 8]);
    const everyByte = Array.from({ length: TRICKY.length - 1 }, (_, i) => i + 1);
    expect(scan(TRICKY, everyByte)).toEqual(whole);
  });

  it('property: random documents split at random points scan like JSON.parse', () => {
    const event = fc.dictionary(fc.string({ unit: fc.constantFrom('a', '"', '\\', '{', '}', '[', ']', ',', ':', ' ', 'é', '\n') }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
    fc.assert(fc.property(fc.array(event, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (events, cutSeeds, pretty) => {
      const text = JSON.stringify({ x: { y: [1] }, traceEvents: events, z: 'w' }, null, pretty ? 2 : undefined);
      const doc = Buffer.from(text);
      const cuts = cutSeeds.map((c) => c % (doc.length + 1));
      const got = scan(doc, cuts);
      expect(got.events).toEqual(JSON.parse(JSON.stringify(events)));
      expect(got.top).toEqual({ x: { y: [1] }, z: 'w' });
    }), { numRuns: 300, seed: 61 });
  });

  it('reports structural errors with their line', () => {
    expect(scanError('{"a": 1,\n "traceEvents": [\n {"x": 1}\n {"y": 2}]}').message).toBe('doc.json:4: expected "," or "]" after traceEvents element 0, found "{"');
    expect(scanError('{"a": 1 "b": 2}').message).toBe('doc.json:1: expected "," or "}" after the top-level value of "a", found """');
    expect(scanError('{"traceEvents": [\n{"x": 1},\n').message).toBe('doc.json:3: truncated JSON: the input ends inside traceEvents (after 1 complete element)');
    expect(scanError('{"traceEvents": [{"x": "a\\"}]}').message).toMatch(/^doc\.json:1: truncated JSON/);
    expect(scanError('{"traceEvents": [\n{"x": tru}]}').message).toMatch(/^doc\.json:2: traceEvents\[0\]: is not valid JSON/);
    expect(scanError('{"traceEvents": [1,,2]}').message).toBe('doc.json:1: expected a traceEvents element, found ","');
    expect(scanError('{"traceEvents": []}\n]').message).toBe('doc.json:2: unexpected "]" after the end of the JSON document');
  });

  it('reads bare inf/nan (old Kineto bandwidths, kineto#105) as null, and only outside strings', () => {
    const doc = Buffer.from('{"traceEvents": [{"bw": inf, "s": "a: inf, b", "l": [nan, -inf, 1]}, {"ok": 1}]}');
    const s = new TraceJsonScanner('doc.json', { topLevel: () => {}, event: (v) => { out.push(v); } });
    const out: unknown[] = [];
    s.push(doc);
    s.end();
    expect(out).toEqual([{ bw: null, s: 'a: inf, b', l: [null, null, 1] }, { ok: 1 }]);
    expect(s.repaired).toBe(1);
    // Anything else that is not JSON stays an error.
    expect(scanError('{"traceEvents": [{"bw": infinite}]}').message).toMatch(/traceEvents\[0\]: is not valid JSON/);
  });

  it('peek can take an element without it being parsed', () => {
    const seen: string[] = [];
    const s = new TraceJsonScanner('doc.json', {
      topLevel: () => {},
      event: (v) => { seen.push(JSON.stringify(v)); },
      peek: (bytes, start, end) => bytes.toString('utf8', start, end).includes('skip'),
    });
    s.push(Buffer.from('{"traceEvents": [{"skip": [1}], {"keep": 1}]}'));
    s.end();
    // The skipped element is not valid JSON (its brackets balance but do not match): peek took it unparsed.
    expect(seen).toEqual(['{"keep":1}']);
    expect(s.events).toBe(2);
  });
});

describe('JsonStreamScanner: arrays streamed at nested paths', () => {
  /** rocprofv3-like plan: descend into root[i].groups, stream each groups.<kind> array. */
  const plan = (path: JsonPath): 'descend' | 'stream' | 'value' => {
    if (path.length <= 2) return path.length === 0 || path[0] === 'root' ? 'descend' : 'value';
    if (path.length === 3) return path[2] === 'groups' ? 'descend' : 'value';
    return path.length === 4 && path[2] === 'groups' ? 'stream' : 'value';
  };
  function nestedScan(doc: Buffer, cuts: number[] = []): { values: [string, unknown][]; elements: [string, number, unknown, number][]; opened: string[] } {
    const out = { values: [] as [string, unknown][], elements: [] as [string, number, unknown, number][], opened: [] as string[] };
    const s = new JsonStreamScanner('doc.json', {
      plan,
      open: (path, object) => { out.opened.push(`${path.join('/')}:${object ? '{' : '['}`); },
      value: (path, value) => { out.values.push([path.join('/'), value]); },
      element: (path, value, _text, line, index) => { out.elements.push([path.join('/'), index, value, line]); },
    });
    let at = 0;
    for (const c of [...cuts].sort((a, b) => a - b)) { s.push(doc.subarray(at, c)); at = c; }
    s.push(doc.subarray(at));
    s.end();
    return out;
  }

  it('streams each nested array element, parses the rest whole, whatever the chunking', () => {
    const doc = Buffer.from('{"root": [\n {"meta": {"a": "]}"},\n  "groups": {"k": [{"x": 1},\n {"x": "[{"}], "empty": [], "n": [2]}},\n {"groups": {"k": [3]}}\n], "tail": 1}');
    const whole = nestedScan(doc);
    expect(whole.values).toEqual([['root/0/meta', { a: ']}' }], ['tail', 1]]);
    expect(whole.elements).toEqual([['root/0/groups/k', 0, { x: 1 }, 3], ['root/0/groups/k', 1, { x: '[{' }, 4], ['root/0/groups/n', 0, 2, 4], ['root/1/groups/k', 0, 3, 5]]);
    expect(whole.opened).toEqual(['root:[', 'root/0:{', 'root/0/groups:{', 'root/1:{', 'root/1/groups:{']);
    const everyByte = Array.from({ length: doc.length - 1 }, (_, i) => i + 1);
    expect(nestedScan(doc, everyByte)).toEqual(whole);
  });

  it('names nested paths in its errors', () => {
    const err = (doc: string): string => {
      try { nestedScan(Buffer.from(doc)); } catch (e) { expect(e).toBeInstanceOf(BadInputError); return (e as Error).message; }
      throw new Error('expected a BadInputError');
    };
    expect(err('{"root": [{"groups": {"k": {}}}]}')).toBe('doc.json:1: root[0].groups.k: is not an array (found "{")');
    expect(err('{"root": [{"groups": {"k": [1 2]}}]}')).toBe('doc.json:1: expected "," or "]" after root[0].groups.k element 0, found "2"');
    expect(err('{"root": [{"groups": {"k": [1,\n')).toBe('doc.json:2: truncated JSON: the input ends inside root[0].groups.k (after 1 complete element)');
    expect(err('{"root": [{"groups": {"k": [{"a": tru}]}}]}')).toMatch(/^doc\.json:1: root\[0\]\.groups\.k\[0\]: is not valid JSON/);
    expect(err('{"root": [{"meta" 1}]}')).toBe('doc.json:1: expected ":" after key "root[0].meta", found "1"');
  });
});
