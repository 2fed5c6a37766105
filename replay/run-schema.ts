/**
 * Schemas (zod) of the run directory's JSON files, summary.json and run.json (run-output.ts
 * RunSummary, RunInfo), used wherever a run is read back: a file of another schema version, or one
 * that does not match, is bad input (exit 2) with a message naming the file and the key path.
 * Keys a schema does not name are dropped from what the reader sees (a file of the same schema version
 * has none).
 *
 * Kept apart from run-output.ts so that writing a run does not load zod.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BadInputError } from '../common/bad-input.ts';
import type { RunInfo, RunSummary } from './run-output.ts';

export const SUMMARY_SCHEMA = 'hetmem.summary/1';
export const RUN_SCHEMA = 'hetmem.run/1';

const num = z.number();
const countBytes = z.object({ count: num, bytes: num });
const linkDirection = z.object({ bytes: num, busy_ns: num, peak_util: num, transfers: num });
const barSummary = z.object({ aperture_bytes: num, peak_bytes: num, p50_bytes: num, p99_bytes: num, full_ns: num });

export const runSummarySchema = z.object({
  schema: z.literal(SUMMARY_SCHEMA),
  platform: z.string(),
  trace: z.object({ rows: num, sha256: z.string() }),
  end_ns: num,
  migrations: z.object({
    total: countBytes,
    by_direction: z.record(z.string(), countBytes),
    by_cause: z.record(z.string(), countBytes),
    by_direction_cause: z.record(z.string(), countBytes),
  }),
  faults: z.object({ gpu: num, cpu: num, gpu_batches: num, batch_service_ns: num }),
  evictions: countBytes,
  remote: countBytes,
  thrashing: z.object({ throttles: num, pins: num }),
  stall_ns: z.record(z.string(), num),
  links: z.record(z.string(), z.record(z.string(), linkDirection)),
  bar: z.record(z.string(), barSummary),
  p2p: z.object({ peer_maps: num, peer_unmaps: num, fallbacks: num, bounce_bytes: num, revocations: num, refused: num }),
  odp: z.object({ invalidations: num, nic_faults: num, invalidation_ns: num }),
  devobj: z.object({ cpu_faults: num, pte_zaps: num, moves: num, move_bytes: num }),
  hazards: num,
  unmapped_rows: num.optional(),
  events_by_kind: z.record(z.string(), countBytes).optional(),
  trace_ops: z.record(z.string(), num).optional(),
  stream_order: z.object({ kernels: num, copies: num, memsets: num, streams: num, cpu_threads: num, observed_end_ns: num }).optional(),
});

export const runInfoSchema = z.object({
  schema: z.literal(RUN_SCHEMA),
  platform: z.object({ name: z.string(), source: z.string(), resolved: z.unknown() }),
  overrides: z.record(z.string(), z.string()),
  agents: z.record(z.string(), z.string()).optional(),
  trace: z.object({ path: z.string(), sha256: z.string(), rows: num }),
  versions: z.object({ hetmem: z.string(), node: z.string(), arrow: z.string(), duckdb: z.string() }),
});

// The schemas and the contract's interfaces describe the same shape: each must accept what the other
// types (a compile error here means one of them changed without the other).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const summaryMatches: Same<RunSummary, z.infer<typeof runSummarySchema>> = true;
const infoMatches: Same<RunInfo, z.infer<typeof runInfoSchema>> = true;
void summaryMatches; void infoMatches;

/** `key.path` of a zod issue, as the platform loader and the trace readers name fields. */
function keyPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || '(top level)';
}

function parse<T>(schema: z.ZodType<T>, expected: string, text: string, shown: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BadInputError(shown, undefined, undefined, `is not valid JSON (${(e as Error).message})`);
  }
  const found = typeof json === 'object' && json !== null ? (json as { schema?: unknown }).schema : undefined;
  if (found !== expected) {
    const what = typeof found === 'string' ? `is "${found}"` : 'is missing';
    throw new BadInputError(shown, undefined, 'schema', `${what}, this hetmem reads "${expected}" (a run written by another hetmem version: replay it again with this one)`);
  }
  const r = schema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new BadInputError(shown, undefined, keyPath(issue.path), issue.message.toLowerCase());
  }
  return r.data;
}

/** Reads and validates a summary.json; `shown` names the file in errors. */
export function readRunSummary(file: string, shown: string = file): RunSummary {
  return parse(runSummarySchema, SUMMARY_SCHEMA, readText(file, shown), shown);
}

/** Reads and validates a run.json; `shown` names the file in errors. */
export function readRunInfo(file: string, shown: string = file): RunInfo {
  return parse(runInfoSchema, RUN_SCHEMA, readText(file, shown), shown);
}

function readText(file: string, shown: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new BadInputError(shown, undefined, undefined, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}
