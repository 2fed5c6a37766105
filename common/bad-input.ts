/**
 * The one error type for bad input (a malformed trace row, an unknown platform key, a bad flag).
 * The CLI prints its message alone, without a stack, and exits with code 2.
 *
 * Message form: `file:line: field: problem` (or `file:table:rowid: field: problem` for SQLite sources,
 * `file: field: problem` when no line applies).
 */
export class BadInputError extends Error {
  override readonly name = 'BadInputError';
  constructor(
    readonly file: string,
    readonly where: string | number | undefined,
    readonly field: string | undefined,
    readonly problem: string,
  ) {
    super(formatBadInput(file, where, field, problem));
  }
}

export function formatBadInput(file: string, where: string | number | undefined, field: string | undefined, problem: string): string {
  let s = file;
  if (where !== undefined && where !== '') s += `:${where}`;
  if (field) s += `: ${field}`;
  return `${s}: ${problem}`;
}

/** A usage error (bad flag or argument): exit code 2, message only. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_BAD_INPUT = 2;

export function isBadInput(e: unknown): e is BadInputError | UsageError {
  return e instanceof BadInputError || e instanceof UsageError;
}

/**
 * A full disk (or quota) is the user's environment, not a bug: the message says so, names the path
 * when the error carries one, and promises what the atomic writers guarantee (nothing left behind).
 * DuckDB reports it in its message text ("No space left on device"); Node as code ENOSPC/EDQUOT.
 * Undefined when `e` is another error.
 */
export function diskFullMessage(e: unknown): string | undefined {
  const err = e as NodeJS.ErrnoException | undefined;
  const code = err?.code;
  const text = String(err?.message ?? '');
  if (code !== 'ENOSPC' && code !== 'EDQUOT' && !/No space left on device|ENOSPC|Disk quota exceeded/i.test(text)) return undefined;
  const where = err?.path ? `${err.path}: ` : '';
  return `${where}disk full (${code ?? 'no space left on device'}); nothing was written — free some space or choose another output path`;
}
