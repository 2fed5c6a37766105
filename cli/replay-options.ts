/** Flags shared by `hetmem replay` and `hetmem sweep`. */
import { UsageError } from '../common/bad-input.ts';
import { parseEventSelection, type EventSelection } from '../replay/events.ts';
import { EVENT_KINDS } from '../replay/run-output.ts';

/** Collects repeated `--set key=value` flags. */
export function collectSet(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set ${value}: expected key=value (e.g. --set gpu0.memory=8GiB)`);
  return { ...previous, [value.slice(0, eq).trim()]: value.slice(eq + 1).trim() };
}

/** Collects repeated `--map trace-agent=platform-agent` flags. */
export function collectMap(value: string, previous: Record<string, string>): Record<string, string> {
  const m = /^([a-z]+\d+)=([a-z]+\d+)$/.exec(value.trim());
  if (!m) throw new UsageError(`--map ${value}: expected trace-agent=platform-agent (e.g. --map gpu3=gpu0)`);
  return { ...previous, [m[1]!]: m[2]! };
}

/** `--events all|none|kind,kind,…`: what events.parquet keeps (kinds from run-output.ts EVENT_KINDS). */
export function parseEvents(value: string): EventSelection {
  return parseEventSelection(value, Object.keys(EVENT_KINDS));
}

/** Parses a positive integer flag value (`--workers 4`). */
export function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < 1) throw new UsageError(`${flag}: expected a positive integer (got "${v}")`);
  return n;
}
