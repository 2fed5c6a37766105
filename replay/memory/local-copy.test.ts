/**
 * A copy within one memory (cudaMemcpy DtoD on one GPU) crosses no link but is not free: the copy
 * engine reads and writes each byte once in that memory. On a100-pcie4 (replay/platforms/a100-pcie4.yaml):
 * HBM 1555 GB/s = 1555 bytes/ns, transfer_fixed 1 µs. A 1,555,000-byte copy therefore takes
 * 1000 + ceil(2 × 1,555,000 / 1555) = 1000 + 2000 = 3000 ns, and moves no byte over any link.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { replay } from '../index.ts';
import { query } from '../testing/events-query.ts';
import { writeTrace } from '../testing/trace-builder.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-localcopy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('costs a device-local copy at device-memory bandwidth, on no link', async () => {
  const trace = join(dir, 't.arrow');
  writeTrace(trace, [{ ts: 0, op: 'copy', agent: 'gpu0', peer: 'gpu0', bytes: 1_555_000, name: 'Memcpy DtoD (Device -> Device)' }]);
  const out = join(dir, 'run');
  const summary = await replay({ trace, platform: 'a100-pcie4', out });
  const rows = await query(`SELECT kind, src, dst, bytes, dur FROM '${out}/events.parquet'`);
  expect(rows).toEqual([{ kind: 'copy', src: 'gpu0', dst: 'gpu0', bytes: 1_555_000, dur: 3000 }]);
  const linkBytes = Object.values(summary.links).flatMap((dirs) => Object.values(dirs)).reduce((s, d) => s + d.bytes, 0);
  expect(linkBytes).toBe(0);
  expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).end_ns).toBe(3000);
});
