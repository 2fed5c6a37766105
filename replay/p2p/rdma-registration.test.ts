/**
 * RDMA registration of process memory (rdma-registration.ts): ODP invalidations and network page faults
 * when the GPU migrates NIC-mapped pages, against pinned registration. Numbers worked out by hand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replay } from '../index.ts';
import { writeTrace, type Row } from '../testing/trace-builder.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-odp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const B = 0x7f0000000000;
const K64 = 65536;

// A 64 KiB anon buffer (16 pages, all in VA block 0) registered by nic0; three rounds of "the NIC writes it
// all, then the GPU reads it all", 1 ms apart.
const ROUNDS = 3;
const rows: Row[] = [
  { ts: 0, op: 'alloc', agent: 'cpu0', addr: B, bytes: K64, obj: 'buf', mem: 'anon' },
  { ts: 1000, op: 'peer_map', agent: 'nic0', addr: B, bytes: K64, obj: 'buf', peer: 'gpu0' },
  ...Array.from({ length: ROUNDS }, (_, r): Row[] => [
    { ts: 100_000 + r * 1_000_000, op: 'write', agent: 'nic0', addr: B, bytes: K64, obj: 'buf' },
    { ts: 600_000 + r * 1_000_000, op: 'read', agent: 'gpu0', addr: B, bytes: K64, obj: 'buf' },
  ]).flat(),
  { ts: 4_000_000, op: 'peer_unmap', agent: 'nic0', addr: B, bytes: K64, obj: 'buf', peer: 'gpu0' },
];
const trace = join(dir, 'odp.arrow');
writeTrace(trace, rows);

describe('RDMA registration of an anon buffer the NIC and the GPU take turns on (a100-pcie4)', () => {
  it('odp: every GPU migration of the NIC-mapped pages invalidates, every NIC write after it faults', async () => {
    const s = await replay({ trace, platform: 'a100-pcie4', set: { 'policy.rdma_registration': 'odp' }, out: join(dir, 'odp') });
    // Round 1: the NIC's write faults (the mirror is empty; pages populate in sys0), the GPU's read faults the 16
    // pages over (one run → one invalidation). Rounds 2 and 3: the NIC faults again and hmm_range_fault brings the
    // pages back to RAM (cause odp), the GPU migrates them over again → one invalidation each.
    expect(s.odp).toEqual({ nic_faults: ROUNDS, invalidations: ROUNDS, invalidation_ns: ROUNDS * 3_000 });
    expect(s.migrations.by_direction_cause['sys0->gpu0:fault']).toEqual({ count: ROUNDS, bytes: ROUNDS * K64 });
    expect(s.migrations.by_direction_cause['gpu0->sys0:odp']).toEqual({ count: ROUNDS - 1, bytes: (ROUNDS - 1) * K64 });
    // Each network page fault backs the requester off for the RNR timer (0.64 ms).
    expect(s.stall_ns.nic0).toBe(ROUNDS * 640_000);
    expect(s.p2p).toMatchObject({ peer_maps: 1, peer_unmaps: 1, fallbacks: 0 });
  });

  it('pinned: the pages stay in RAM; the GPU reads them zero-copy; no invalidation, no NIC fault', async () => {
    const s = await replay({ trace, platform: 'a100-pcie4', out: join(dir, 'pinned') });
    expect(s.odp).toEqual({ nic_faults: 0, invalidations: 0, invalidation_ns: 0 });
    expect(s.migrations.total.count).toBe(0);
    expect(s.faults.gpu).toBe(0);
    // 3 NIC writes + 3 GPU reads of 64 KiB, all remote to sys0.
    expect(s.remote).toEqual({ count: 2 * ROUNDS, bytes: 2 * ROUNDS * K64 });
    expect(s.links['cpu0-sw0']!.down!.bytes).toBe(ROUNDS * K64); // the GPU's reads come down from the host
  });
});
