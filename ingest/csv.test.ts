import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../common/bad-input.ts';
import { sniffCsvHeader } from './csv.ts';
import { PLACEMENT_BASE as CSV_PLACEMENT_BASE } from './trace/placement.ts';
import { parseNs } from './trace/units.ts';
import { ingest } from './ingest.ts';
import { TraceReader, readAllRows } from './trace/reader.ts';
import { META } from './trace/schema.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;

/** Writes `text` to a fresh directory and ingests it; returns the rows (and the directory). */
async function ingestText(text: string, name = 'in.csv') {
  const sub = mkdtempSync(join(dir, `t${seq++}-`));
  const file = join(sub, name);
  writeFileSync(file, name.endsWith('.gz') ? gzipSync(text) : text);
  const out = join(sub, 'out.arrow');
  const result = await ingest([file], { output: out });
  return { rows: await readAllRows(out), result, file, out, sub };
}

/** Ingests text that must fail; returns the error and what is left in its directory. */
async function ingestBad(text: string) {
  const sub = mkdtempSync(join(dir, `bad${seq++}-`));
  const file = join(sub, 'bad.csv');
  writeFileSync(file, text);
  const err = await ingest([file], { output: join(sub, 'out.arrow'), format: 'csv' }).then(() => null, (e: unknown) => e);
  return { err: err as Error, left: readdirSync(sub).filter((f) => f !== 'bad.csv'), file };
}

const BASE = CSV_PLACEMENT_BASE as number;
const MiB = 1024 * 1024;

describe('canonical CSV: happy paths', () => {
  it('places obj+offset objects 2 MiB-aligned in alloc order', async () => {
    const { rows } = await ingestText([
      '# placement',
      'ts,op,agent,obj,offset,bytes,mem',
      '0,alloc,cpu0,a,,3MiB,managed',
      '1,alloc,gpu0,b,,4KiB,device',
      '2,alloc,cpu0,c,,2MiB,anon',
      '3,read,gpu0,a,1MiB,4096,',
      '4,write,cpu0,c,,,',
      '5,read,cpu0,b,0x10,16,',
      '6,kernel,gpu0,a,,,',
    ].join('\n'));
    // By hand: a at BASE (3 MiB → ends at BASE+3 MiB); b at the next 2 MiB boundary BASE+4 MiB
    // (4 KiB → ends at BASE+4 MiB+4 KiB); c at BASE+6 MiB.
    expect(BASE).toBe(0x7f0000000000);
    expect(rows.map((r) => [r.op, r.obj, r.addr, r.bytes])).toEqual([
      ['alloc', 'a', BASE, 3 * MiB],
      ['alloc', 'b', BASE + 4 * MiB, 4096],
      ['alloc', 'c', BASE + 6 * MiB, 2 * MiB],
      ['read', 'a', BASE + 1 * MiB, 4096],
      ['write', 'c', BASE + 6 * MiB, 2 * MiB], // no offset/bytes: the whole object
      ['read', 'b', BASE + 4 * MiB + 16, 16],
      ['kernel', 'a', null, null], // names the object without addressing it
    ]);
    expect(rows[1]).toMatchObject({ agent: 'gpu0', mem: 'device' });
  });

  it('accepts suffixes, hex, columns in any order, quotes, CRLF, comments and blank lines', async () => {
    const { rows } = await ingestText([
      '# a comment line',
      '',
      'name,bytes,addr,agent,op,ts,dur,stream,corr,peer,cause',
      '"k, ""1""",64KiB,0x7f0000001000,gpu1,read,1.5us,2ms,3,0x10,,fault',
      '  ,0x1000,4096,cpu0,copy,2s,10ns,,,gpu0,',
      '# trailing comment',
    ].join('\r\n'));
    expect(rows).toEqual([
      { ts: 1500, dur: 2_000_000, op: 'read', agent: 'gpu1', addr: 0x7f0000001000, bytes: 65536, obj: null, peer: null, mem: null, cause: 'fault', stream: 3, corr: 16, name: 'k, "1"' },
      { ts: 2_000_000_000, dur: 10, op: 'copy', agent: 'cpu0', addr: 4096, bytes: 4096, obj: null, peer: 'gpu0', mem: null, cause: null, stream: null, corr: null, name: null },
    ]);
  });

  it('sorts unsorted rows stably by ts', async () => {
    const { rows } = await ingestText([
      'ts,op,agent,name',
      '30,sync,cpu0,a',
      '10,sync,cpu0,b',
      '30,sync,gpu0,c',
      '10,sync,gpu0,d',
      '20,sync,cpu0,e',
    ].join('\n'));
    // ts 10: b, d (input order); 20: e; 30: a, c.
    expect(rows.map((r) => r.name)).toEqual(['b', 'd', 'e', 'a', 'c']);
  });

  it('resolves objects in file order: an unsorted free after its uses is fine, a name can be reused', async () => {
    const { rows } = await ingestText([
      'ts,op,agent,obj,bytes,mem',
      '0,alloc,cpu0,x,4KiB,anon',
      '50,read,cpu0,x,,',
      '20,write,cpu0,x,,',
      '60,free,cpu0,x,,',
      '70,alloc,cpu0,x,8KiB,anon',
    ].join('\n'));
    // The second x is placed after the first: BASE + 2 MiB (placement does not reuse freed space).
    expect(rows.map((r) => [r.ts, r.op, r.addr, r.bytes])).toEqual([
      [0, 'alloc', BASE, 4096], [20, 'write', BASE, 4096], [50, 'read', BASE, 4096], [60, 'free', BASE, 4096], [70, 'alloc', BASE + 2 * MiB, 8192],
    ]);
  });

  it('reads gzip files and records the source in the metadata', async () => {
    const text = 'ts,op,agent\n5,sync,gpu0\n';
    const { rows, result, file, out } = await ingestText(text, 'trace.csv.gz');
    expect(rows).toHaveLength(1);
    expect(result.format).toBe('csv');
    const t = await TraceReader.open(out);
    expect(t.metadata.get(META.sourceFormat)).toBe('csv');
    expect(t.metadata.get(META.sourceFiles)).toBe('["trace.csv.gz"]');
    // sha256 of the raw (compressed) source bytes, computed independently.
    expect(t.metadata.get(META.sourceSha256)).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(t.metadata.get(META.ingestVersion)).toBe(pkg.version);
    expect(t.metadata.get(META.unmapped)).toBe('{}');
    await t.close();
  });

  it('decides gzip by the content, not the name (as the JSON readers do)', async () => {
    const text = 'ts,op,agent\n5,sync,gpu0\n7,sync,gpu1\n';
    const sub = mkdtempSync(join(dir, `gzname${seq++}-`));
    const gzNoSuffix = join(sub, 'trace.csv');
    const plainWithSuffix = join(sub, 'plain.csv.gz');
    writeFileSync(gzNoSuffix, gzipSync(text));
    writeFileSync(plainWithSuffix, text);
    // Both hold the same two rows of `text`: sync of gpu0 at 5 ns, sync of gpu1 at 7 ns.
    for (const file of [gzNoSuffix, plainWithSuffix]) {
      const out = join(sub, `${seq++}.arrow`);
      await ingest([file], { output: out, format: 'csv' });
      expect((await readAllRows(out)).map((r) => [r.ts, r.op, r.agent])).toEqual([[5, 'sync', 'gpu0'], [7, 'sync', 'gpu1']]);
    }
  });

  it('is deterministic: the same input gives byte-identical files', async () => {
    const text = readFileSync(new URL('../fixtures/rdma-ring-4.csv', import.meta.url), 'utf8');
    const a = await ingestText(text);
    const b = await ingestText(text);
    expect(readFileSync(a.out).equals(readFileSync(b.out))).toBe(true);
  });

  it('reads several files as one trace: objects carry over, metadata lists them all', async () => {
    const sub = mkdtempSync(join(dir, 'multi-'));
    const a = join(sub, 'a.csv');
    const b = join(sub, 'b.csv');
    writeFileSync(a, 'ts,op,agent,obj,bytes,mem\n0,alloc,cpu0,x,4KiB,anon\n');
    writeFileSync(b, '# part 2: different columns\nop,ts,agent,obj\nread,5,gpu0,x\nfree,9,cpu0,x\n');
    const out = join(sub, 'o.arrow');
    const res = await ingest([a, b], { output: out });
    expect(res).toMatchObject({ rows: 3, format: 'csv', sourceFiles: ['a.csv', 'b.csv'] });
    const rows = await readAllRows(out);
    expect(rows.map((r) => [r.op, r.addr, r.bytes])).toEqual([['alloc', BASE, 4096], ['read', BASE, 4096], ['free', BASE, 4096]]);
    // The hash covers the bytes of both files in order.
    expect(res.sourceSha256).toBe(createHash('sha256').update(readFileSync(a)).update(readFileSync(b)).digest('hex'));
  });

  it('ingests every fixture, each opening with its expected outcome in a comment', async () => {
    const fixtures = readdirSync(new URL('../fixtures/', import.meta.url)).filter((f) => f.endsWith('.csv')).sort();
    expect(fixtures).toEqual(expect.arrayContaining(['devobj-submit-twice.csv', 'migrate-then-cpu-reads-half.csv', 'progress-peek.csv', 'rdma-ring-4.csv']));
    for (const f of fixtures) {
      const text = readFileSync(new URL(`../fixtures/${f}`, import.meta.url), 'utf8');
      expect(text.startsWith('# '), f).toBe(true);
      expect(text).toMatch(/Expected outcome/);
      // Independent count: non-blank, non-comment lines minus the header.
      const dataLines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).length - 1;
      const { rows } = await ingestText(text, f);
      expect(rows.length, f).toBe(dataLines);
    }
  });

  it('rejects an unknown --format name as a usage error', async () => {
    await expect(ingest(['x.csv'], { output: join(dir, 'never.arrow'), format: 'parquet' as 'csv' })).rejects.toThrow(/unknown format "parquet"/);
  });

  it('parses times exactly', () => {
    expect(parseNs('1.5us')).toBe(1500);
    expect(parseNs('0.000000001s')).toBe(1);
    expect(parseNs('1.1ms')).toBe(1_100_000); // 1.1 * 1e6 in doubles is 1100000.0000000002
    expect(parseNs('1.5ns')).toMatch(/whole number of ns/);
    expect(parseNs('3 days')).toMatch(/unknown time unit "days"/);
    expect(parseNs('1e3')).toMatch(/not a time/);
    expect(parseNs('-1')).toMatch(/negative/);
  });

  it('sniffs a header with ts and op after comments', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(sniffCsvHeader(enc('# x\n\n"ts",agent,op\n1,cpu0,sync'))).toBe(true);
    expect(sniffCsvHeader(enc('\uFEFFts,op,agent\n'))).toBe(true); // BOM of spreadsheet exports
    expect(sniffCsvHeader(enc('time,op\n'))).toBe(false);
    expect(sniffCsvHeader(enc('{"traceEvents": []}'))).toBe(false);
  });
});

describe('canonical CSV: every bad row stops the ingest with file:line: column and leaves nothing', () => {
  const H = '# expect: error\nts,op,agent,obj,offset,bytes,mem,addr,peer,stream'; // header on line 2
  const alloc = '0,alloc,cpu0,x,,8KiB,anon,,,';
  // [case, rows after the header (first is line 3), line, column, problem]
  const cases: [string, string[], number, string | null, RegExp][] = [
    ['unknown op', ['1,reed,cpu0,,,,,0x10,,'], 3, 'op', /unknown op "reed"/],
    ['missing agent', ['1,sync,,,,,,,,'], 3, 'agent', /missing/],
    ['missing ts', [alloc, ',sync,cpu0,,,,,,,'], 4, 'ts', /missing/],
    ['non-numeric ts', ['abc,sync,cpu0,,,,,,,'], 3, 'ts', /not a time/],
    ['negative size', [alloc, '1,read,cpu0,x,,-4,,,,'], 4, 'bytes', /negative/],
    ['non-numeric size', [alloc, '1,read,cpu0,x,,lots,,,,'], 4, 'bytes', /not a size/],
    ['alloc without size', ['0,alloc,cpu0,x,,,anon,,,'], 3, 'bytes', /missing/],
    ['access to an unknown object', [alloc, '', '# gap', '1,read,cpu0,y,,,,,,'], 6, 'obj', /unknown object "y"/],
    ['access to a freed object', [alloc, '1,free,cpu0,x,,,,,,', '2,write,cpu0,x,,,,,,'], 5, 'obj', /freed on line 4/],
    ['free of an unknown object', ['1,free,cpu0,nope,,,,,,'], 3, 'obj', /free of unknown object "nope"/],
    ['alloc of a live name', [alloc, '1,alloc,gpu0,x,,4KiB,device,,,'], 4, 'obj', /already allocated \(line 3\)/],
    ['out-of-range address', ['1,read,cpu0,,,4,,9007199254740993,,'], 3, 'addr', /out of range/],
    ['out-of-range stream', ['1,sync,cpu0,,,,,,,2147483648'], 3, 'stream', /out of range/],
    ['range past 2^53', ['1,read,cpu0,,,4KiB,,9007199254740000,,'], 3, 'bytes', /out of range/],
    ['access past the object end', [alloc, '1,read,cpu0,x,4KiB,8KiB,,,,'], 4, 'bytes', /past the end of object "x"/],
    ['offset outside the object', [alloc, '1,read,cpu0,x,8KiB,,,,,'], 4, 'offset', /outside object "x"/],
    ['offset without obj', ['1,read,cpu0,,16,4,,0x1000,,'], 3, 'offset', /without obj/],
    ['access without addr or obj', ['1,write,cpu0,,,4,,,,'], 3, 'addr', /needs addr, or obj/],
    ['bad agent', ['1,sync,cpu,,,,,,,'], 3, 'agent', /not an agent/],
    ['copy without peer', ['1,copy,cpu0,,,4,,0x1000,,'], 3, 'peer', /missing \(required for copy\)/],
    ['unknown memory kind', ['0,alloc,cpu0,x,,4KiB,vram,,,'], 3, 'mem', /unknown memory kind "vram"/],
    ['access before the alloc in time', ['5,alloc,cpu0,x,,4KiB,anon,,,', '1,read,cpu0,x,,,,,,'], 4, 'ts', /earlier than the alloc/],
    ['realloc before the free in time', [alloc, '9,free,cpu0,x,,,,,,', '5,alloc,cpu0,x,,4KiB,anon,,,'], 5, 'ts', /earlier than the free of the previous "x" at 9 ns \(line 4\)/],
    ['free before a use in time', [alloc, '9,read,cpu0,x,,,,,,', '5,free,cpu0,x,,,,,,'], 5, 'ts', /earlier than a use/],
    ['wrong number of fields', ['1,sync,cpu0'], 3, null, /has 3 fields, the header has 10/],
  ];
  for (const [what, rows, line, column, problem] of cases) {
    it(what, async () => {
      const { err, left, file } = await ingestBad([H, ...rows].join('\n') + '\n');
      expect(err).toBeInstanceOf(BadInputError);
      const prefix = column === null ? `${file}:${line}: ` : `${file}:${line}: ${column}: `;
      expect(err.message.startsWith(prefix), err.message).toBe(true);
      expect(err.message.slice(prefix.length)).toMatch(problem);
      expect(left).toEqual([]);
    });
  }

  it('header problems name the column', async () => {
    const unknown = await ingestBad('ts,op,agnet\n');
    expect(unknown.err.message).toBe(`${unknown.file}:1: agnet: unknown column in the header (expected: ts, dur, op, agent, addr, bytes, obj, peer, mem, cause, stream, corr, name, offset)`);
    const missing = await ingestBad('# c\nts,op\n');
    expect(missing.err.message).toBe(`${missing.file}:2: agent: required column missing from the header`);
    const empty = await ingestBad('# only a comment\n');
    expect(empty.err.message).toMatch(/bad\.csv: has no header row/);
    const quote = await ingestBad('ts,op,agent\n1,sync,"cpu0\n');
    expect(quote.err.message).toBe(`${quote.file}:2: Quote Not Closed: the parsing is finished with an opening quote`);
    expect(quote.left).toEqual([]);
  });

  it('auto-detection fails clearly on an unknown format', async () => {
    const sub = mkdtempSync(join(dir, 'auto-'));
    const file = join(sub, 'mystery.txt');
    writeFileSync(file, 'hello world\n');
    await expect(ingest([file], { output: join(sub, 'o.arrow') })).rejects.toThrow(`${file}: format not recognised`);
    expect(readdirSync(sub)).toEqual(['mystery.txt']);
  });
});
