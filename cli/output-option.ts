/**
 * The one spelling of the output flag on every verb: `-o, --out <path>`, with `--output` accepted as
 * a hidden alias, plus `--force`. Required options are checked in the action (not by commander's
 * `requiredOption`), because commander checks required options before unknown ones: a misspelled
 * `--platfrom` must be reported as unknown, not as a missing `--platform`.
 */
import { Option, type Command } from 'commander';
import { UsageError } from '../common/bad-input.ts';

export interface OutFlags {
  out?: string;
  output?: string;
  force?: boolean;
}

/**
 * Adds `-o, --out <valueName>` (+ the `--output` alias) and `--force` to `cmd`.
 * `defaultValue` makes the flag optional (`report -o` defaults to report.html).
 */
export function addOutOption(cmd: Command, valueName: string, description: string, defaultValue?: string): Command {
  const out = new Option(`-o, --out <${valueName}>`, description);
  if (defaultValue !== undefined) out.default(defaultValue);
  return cmd
    .addOption(out)
    .addOption(new Option(`--output <${valueName}>`, 'same as --out').hideHelp())
    .addOption(new Option('--force', 'replace a hetmem output of another kind at the output path (never a file or directory hetmem did not write)'));
}

/** The output path given as `--out` or `--output`; a UsageError when neither was given. */
export function outPath(opts: OutFlags, valueName: string): string {
  // --output wins only when --out was not given explicitly (a default --out is not "given")
  const path = opts.output ?? opts.out;
  if (path === undefined || path === '') throw new UsageError(`missing required option -o, --out <${valueName}>`);
  return path;
}

/** A required option's value, or a UsageError naming the flag. */
export function requiredValue<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new UsageError(`missing required option ${flag}`);
  return value;
}

/**
 * Rewrites commander's unknown-option error (`error: unknown option '--platfrom'\n(Did you mean
 * --platform?)`) into hetmem's one-line form: `unknown option --platfrom (did you mean --platform?)`.
 * Other messages pass through unchanged.
 */
export function rewriteCommanderError(message: string): string {
  const m = /^error: unknown option '([^']*)'(?:\s*\(Did you mean (one of )?([^?]*)\?\))?\s*$/s.exec(message.trim());
  if (!m) return message;
  const hint = m[3] ? ` (did you mean ${m[2] ? 'one of ' : ''}${m[3]}?)` : '';
  return `error: unknown option ${m[1]}${hint}\n`;
}
