/**
 * Test support for the synthetic workloads: a scratch directory, and per-op / per-agent counts read
 * back from a trace file with `TraceReader` (columnar, so big traces such as vecadd N = 2^26 stay cheap).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceReader } from '../trace/reader.ts';

export interface Tally { count: number; bytes: number }

export interface TraceTally {
  rows: number;
  /** By op, e.g. `read`. */
  ops: Record<string, Tally>;
  /** By `agent op`, e.g. `gpu0 read`. */
  agentOps: Record<string, Tally>;
  metadata: Map<string, string>;
}

export async function tallyTrace(path: string): Promise<TraceTally> {
  const t = await TraceReader.open(path);
  const out: TraceTally = { rows: 0, ops: {}, agentOps: {}, metadata: new Map(t.metadata) };
  const add = (rec: Record<string, Tally>, k: string, b: number) => {
    const e = (rec[k] ??= { count: 0, bytes: 0 });
    e.count++;
    e.bytes += b;
  };
  try {
    for await (const batch of t.batches()) {
      const op = batch.codes('op');
      const agent = batch.codes('agent');
      const bytes = batch.num('bytes');
      const ops = batch.dictionary('op');
      const agents = batch.dictionary('agent');
      for (let i = 0; i < batch.length; i++) {
        const b = Number.isNaN(bytes[i]!) ? 0 : bytes[i]!;
        add(out.ops, ops[op[i]!]!, b);
        add(out.agentOps, `${agents[agent[i]!]} ${ops[op[i]!]}`, b);
        out.rows++;
      }
    }
  } finally {
    await t.close();
  }
  return out;
}

/** A fresh scratch directory; `cleanup()` removes it. */
export function scratchDir(): { dir: string; path: (name: string) => string; files: () => string[]; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-synth-test-'));
  return {
    dir,
    path: (name) => join(dir, name),
    files: () => readdirSync(dir),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const fileBytes = (path: string): Buffer => readFileSync(path);
