import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { realTraces } from '../common/testing/requirements.ts';
import { BadInputError } from '../common/bad-input.ts';
import { CollectingSink, quietContext } from '../fixtures/ingest/collecting-sink.ts';
import { fuzzParser } from '../fixtures/ingest/fuzz.ts';
import { textLineChunks } from './io/line-chunks.ts';
import { parseUvmLog, uvmLogFormat } from './uvm-log.ts';
import { nsysFormat } from './nsys.ts';

const ABC = realTraces.file('uvm-eval/abc/short_log_32_ts/abc_1');
const WQ = realTraces.file('uvm-eval/wq256-3');

async function parse(text: string, file = 'log'): Promise<CollectingSink> {
  const sink = new CollectingSink();
  await parseUvmLog(file, textLineChunks(text), sink);
  return sink;
}

realTraces.describe('uvm-log: the real fault log uvm-eval/abc_1', async () => {
  const text = readFileSync(ABC, 'utf8');
  const sink = new CollectingSink();
  await uvmLogFormat.read([ABC], sink, quietContext);
  // Independent reading: split each line at ';' and ',' by hand.
  const msgs = text.split('\n').filter((l) => l.includes(';')).map((l) => l.slice(l.indexOf(';') + 1));
  const faults = msgs.filter((m) => m.startsWith('f,')).map((m) => m.split(','));

  it('sniffs as uvm-log (and the nsys sniffer declines)', () => {
    const head = readFileSync(ABC).subarray(0, 4096);
    expect(uvmLogFormat.sniff(ABC, head)).toBe(true);
    expect(nsysFormat.sniff(ABC, head)).toBe(false);
  });

  it('has one obs_fault per f line and the access its access_type says', () => {
    expect(sink.op('obs_fault').length).toBe(faults.length);
    expect(faults.length).toBe(24 + 32 + 8 + 32); // batch 1 touches 24 + 32 pages of two VA blocks, then 8, then 32
    expect(sink.op('read').length).toBe(faults.filter((f) => f[4] === '1').length);
    expect(sink.op('write').length).toBe(faults.filter((f) => f[4] === '2').length);
    expect(CollectingSink.bytes(sink.op('obs_fault'))).toBe(faults.length * 4096);
    expect(sink.op('obs_fault').map((r) => r.addr)).toEqual(faults.map((f) => Number.parseInt(f[1]!, 16)));
  });

  it('groups the faults of a batch under corr = batch number', () => {
    let batch = 0;
    const expected: number[] = [];
    for (const m of msgs) {
      if (m.startsWith('s,')) batch++;
      if (m.startsWith('f,')) expected.push(batch);
    }
    expect(sink.op('obs_fault').map((r) => r.corr)).toEqual(expected);
    expect(new Set(expected).size).toBe(3);
  });

  it('puts every derived access of a batch at its s line time, so replay forms the same batches', () => {
    // Independent: the kmsg usec (3rd field) of each `s,` line, relative to the first line, in ns.
    const lines = text.split('\n').filter((l) => l.includes(';'));
    const first = Number(lines[0]!.split(',')[2]);
    const batchTs: number[] = [];
    const expected: number[] = [];
    for (const l of lines) {
      const m = l.slice(l.indexOf(';') + 1);
      if (m.startsWith('s,')) batchTs.push((Number(l.split(',')[2]) - first) * 1000);
      if (m.startsWith('f,') && m.split(',')[4] !== '0') expected.push(batchTs[batchTs.length - 1]!);
    }
    const accesses = sink.rows.filter((r) => r.name === 'derived:fault');
    expect(accesses.map((r) => r.ts)).toEqual(expected);
    expect(new Set(accesses.map((r) => r.ts)).size).toBe(3);
  });

  it('implies a managed allocation per destroyed range, and the faulting blocks lie inside them', () => {
    const destroyed = msgs.filter((m) => m.startsWith('uvm range destroy')).map((m) => {
      const [, hex, size] = /0x([0-9a-f]+), (\d+)/.exec(m)!;
      return [Number.parseInt(hex!, 16), Number.parseInt(hex!, 16) + Number(size)] as const;
    });
    expect(sink.op('alloc').map((r) => [r.addr, r.addr! + r.bytes!])).toEqual([...destroyed].sort((a, b) => a[0] - b[0]));
    expect(sink.op('alloc').every((r) => r.mem === 'managed' && r.ts === 0)).toBe(true);
    for (const f of faults) {
      const a = Number.parseInt(f[1]!, 16);
      expect(destroyed.some(([s, e]) => a >= s && a < e)).toBe(true);
    }
  });

  it('turns range destroys into frees and times rows by the kernel log clock', () => {
    const destroys = msgs.filter((m) => m.startsWith('uvm range destroy'));
    expect(sink.op('free').length).toBe(destroys.length);
    expect(CollectingSink.bytes(sink.op('free'))).toBe(destroys.length * 2097152);
    // first line at 2567418411941 µs; the first fault line at 2567418458447 µs
    expect(sink.op('obs_fault')[0]!.ts).toBe((2567418458447 - 2567418411941) * 1000);
  });
});

realTraces.describe('uvm-log: the BC batch lines of uvm-eval/wq256-3', () => {
  it('sniffs as uvm-log and counts every BC line as an unmapped batch summary', async () => {
    const text = readFileSync(WQ, 'utf8');
    expect(uvmLogFormat.sniff(WQ, readFileSync(WQ).subarray(0, 4096))).toBe(true);
    const sink = new CollectingSink();
    await uvmLogFormat.read([WQ], sink, quietContext);
    expect(sink.rows.length).toBe(0);
    expect(sink.unmappedCounts.get('uvm:batch_summary')).toBe(text.split('\n').filter((l) => l.includes('] BC:')).length);
  });
});

describe('uvm-log: dmesg form, prefetch and eviction entries, atomics', () => {
  // Imitates the same driver's lines as `dmesg` prints them (abc_1 is the /dev/kmsg form).
  const fixture = [
    '[  100.000001] s,',
    '[  100.000010] f,7f0000000000,1606348764141810176,3,3,8,1,0,0,0,127,1,0,1,63',
    '[  100.000020] f,7f0000001000,1606348764141810200,0,4,16,1,0,0,0,127,1,0,1,63',
    '[  100.000030] f,7f0000002000,1606348764141810300,0,0,1,1,0,0,0,127,1,0,1,63',
    '[  100.000040] p,7f0000003000,1606348764141810400,0,0,1,1,0,0,0,127,1,0,1,63',
    '[  100.000050] e,7f0000200000,1606348764141810500,0,0,1,1,0,0,0,127,1,0,1,63',
    '[  100.000060] b,',
    '[  100.000070] nvidia-uvm: something else',
  ].join('\n');

  it('maps each entry kind', async () => {
    const s = await parse(fixture);
    expect(s.op('atomic').map((r) => r.addr)).toEqual([0x7f0000000000, 0x7f0000001000]);
    expect(s.op('obs_fault').length).toBe(3);
    expect(s.unmappedCounts.get('fault_without_access:prefetch')).toBe(1);
    expect(s.op('obs_migrate').map((r) => [r.agent, r.peer, r.cause, r.ts])).toEqual([['cpu0', 'gpu0', 'prefetch', 39000], ['gpu0', 'cpu0', 'eviction', 49000]]);
    expect(s.unmappedCounts.get('kmsg:other')).toBe(1);
    expect(s.op('obs_fault').every((r) => r.corr === 1)).toBe(true);
  });

  it('reports a bad field with file, line and field', async () => {
    await expect(parse(fixture.replace('f,7f0000001000,1606348764141810200,0,4', 'f,7f0000001000,1606348764141810200,0,9'), 'x.log'))
      .rejects.toThrow('x.log:3: access_type: must be 0-4');
    await expect(parse(fixture.replace('f,7f0000000000', 'f,zz'), 'x.log')).rejects.toThrow(BadInputError);
    await expect(parse(fixture.replace('f,7f0000000000', 'f,zz'), 'x.log')).rejects.toThrow('x.log:2: fault_address: is not a hex address (got "zz")');
  });

  realTraces.it('fuzz: mutations of a valid log fail only with BadInputError', async () => {
    await fuzzParser(readFileSync(ABC, 'utf8').split('\n').slice(0, 40).join('\n') + '\n' + fixture, (t) => parse(t));
  });
});
