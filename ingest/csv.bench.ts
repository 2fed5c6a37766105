/**
 * CSV ingest throughput: a generated canonical CSV of ~1.5 M rows (obj+offset addressing, size
 * suffixes, a kernel row every 64 accesses) → Arrow trace, end to end through `ingest()`; once sorted,
 * once with shuffled blocks of rows so the sorter has to sort and spill runs. Also csv-parse alone on the
 * same file, for the ceiling.
 */
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { ingest } from './ingest.ts';

const ROWS = 1_500_000;

function generate(file: string, shuffled: boolean): void {
  const lines: string[] = ['# bench', 'ts,op,agent,obj,offset,bytes,mem,dur,corr,name'];
  for (let k = 0; k < 8; k++) lines.push(`0,alloc,cpu0,buf${k},,256MiB,managed,,,`);
  let ts = 1000;
  const block: string[] = [];
  const flush = () => {
    if (shuffled) block.reverse(); // every 1000-row block out of order: the sorter must reorder it
    lines.push(...block);
    block.length = 0;
  };
  for (let i = lines.length - 2; i < ROWS; i++) {
    ts += 37;
    if (i % 64 === 0) block.push(`${ts},kernel,gpu${i % 2},,,,,15us,${i},stencil_${i % 7}`);
    else block.push(`${ts},${i % 3 ? 'read' : 'write'},gpu${i % 2},buf${i % 8},${(i % 65536) * 4096},4KiB,,,${i - (i % 64)},`);
    if (block.length === 1000) flush();
  }
  flush();
  writeFileSync(file, lines.join('\n') + '\n');
}

async function parseOnly(file: string): Promise<number> {
  let n = 0;
  await pipeline(createReadStream(file), parse({ comment: '#', comment_no_infix: true, skip_empty_lines: true, trim: true, relax_column_count: true, on_record: () => { n++; return null; } }), async (s: AsyncIterable<unknown>) => { for await (const _ of s) { /* none */ } });
  return n;
}

export default async function bench(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'hetmem-csvbench-'));
  try {
    const results: Record<string, unknown> = { rows: ROWS };
    for (const shuffled of [false, true]) {
      const file = join(dir, `b${shuffled ? 's' : ''}.csv`);
      generate(file, shuffled);
      const label = shuffled ? 'shuffled_1m_runs' : 'sorted';
      if (!shuffled) {
        const t0 = performance.now();
        const n = await parseOnly(file);
        const s = (performance.now() - t0) / 1000;
        results.csv_parse_only = { seconds: +s.toFixed(2), rows_per_s: Math.round(n / s) };
      }
      const t0 = performance.now();
      const r = await ingest([file], { output: join(dir, 'out.arrow'), format: 'csv' });
      const s = (performance.now() - t0) / 1000;
      results[label] = {
        csv_mib: +(statSync(file).size / 2 ** 20).toFixed(1), arrow_mib: +(statSync(join(dir, 'out.arrow')).size / 2 ** 20).toFixed(1),
        seconds: +s.toFixed(2), rows_per_s: Math.round(r.rows / s),
      };
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
