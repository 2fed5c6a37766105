import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLog } from '../events.ts';
import { query } from '../testing/events-query.ts';
import { openDuckDb } from './parquet.ts';
import { writeEventsParquet } from './events-parquet.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-events-parquet-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeEventsParquet', () => {
  for (const objects of [10, 300, 70000]) {
    it(`${objects} object names (an obj ENUM of ${objects <= 255 ? 1 : objects <= 65535 ? 2 : 4} bytes): strings, nulls and numbers come back as written`, async () => {
      const log = new EventLog();
      const names = Array.from({ length: objects }, (_, i) => `obj'${i}`); // a quote, to check escaping
      const ids = names.map((s) => log.id(s));
      const migrate = log.id('migrate');
      const gpu = log.id('gpu0');
      // 5000 rows in ts order; nulls only from row 2500 on (so a reused chunk must take a fresh mask),
      // every 7th obj and every 5th addr null there.
      const want: unknown[][] = [];
      for (let i = 0; i < 5000; i++) {
        const objNull = i >= 2500 && i % 7 === 0;
        const addrNull = i >= 2500 && i % 5 === 0;
        const o = ids[(i * 37) % objects]!;
        log.emit(i * 3 + 0.5, 2.5, migrate, gpu, -1, gpu, addrNull ? Number.NaN : i * 4096, 4096, -1, objNull ? -1 : o);
        // DuckDB casts DOUBLE to BIGINT rounding half to even: 3i + 0.5 → 3i when 3i is even, else 3i + 1; 2.5 → 2.
        const t = i * 3;
        want.push([t % 2 === 0 ? t : t + 1, 2, 'migrate', 'gpu0', null, 'gpu0', addrNull ? null : i * 4096, 4096, null, objNull ? null : names[(i * 37) % objects]]);
      }
      const db = await openDuckDb();
      const file = join(dir, `ev-${objects}.parquet`);
      try {
        const { source } = log.finish();
        expect(await writeEventsParquet(db.conn, source, log.dictionaries(), file)).toBe(5000);
      } finally {
        db.close();
        log.close();
      }
      const got = (await query(`SELECT * EXCLUDE (file_row_number) FROM read_parquet('${file}', file_row_number = true) ORDER BY file_row_number`))
        .map((r) => Object.values(r));
      expect(got).toEqual(want);
    });
  }

  it('writes the same bytes with 1, 2 or 4 DuckDB threads, over five row groups', async () => {
    // 600,000 rows = four full row groups of 122,880 and one of 108,480 (past the four row groups from
    // which the COPY goes parallel): each thread count must give one file, byte for byte (the run
    // contract: outputs do not depend on the machine's core count).
    const files: Buffer[] = [];
    for (const threads of [1, 2, 4]) {
      const log = new EventLog();
      const kinds = [log.id('migrate'), log.id('fault'), log.id('evict')];
      const gpu = log.id('gpu0');
      const sys = log.id('sys0');
      for (let i = 0; i < 600_000; i++) log.emit(i * 7 + (i % 3) * 0.5, i % 11, kinds[i % 3]!, gpu, i % 2 ? sys : gpu, gpu, i % 13 === 0 ? Number.NaN : (i * 4096) % 2 ** 40, 4096 * (1 + (i % 16)), -1, -1);
      const db = await openDuckDb();
      const file = join(dir, `threads-${threads}.parquet`);
      try {
        const { source } = log.finish();
        expect(await writeEventsParquet(db.conn, source, log.dictionaries(), file, threads)).toBe(600_000);
      } finally {
        db.close();
        log.close();
      }
      files.push(readFileSync(file));
    }
    const groups = await query(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${join(dir, 'threads-4.parquet')}')`);
    expect(Number(groups[0]!.n)).toBe(5);
    expect(files[1]!.equals(files[0]!)).toBe(true);
    expect(files[2]!.equals(files[0]!)).toBe(true);
  });
});
