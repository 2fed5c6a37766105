import { describe, expect, it } from 'vitest';
import type { InspectedObject, TraceInspection } from '../ingest/inspect.ts';
import { INSPECT_TOP, renderInspection } from './inspect.ts';

/** 25 objects of 1 … 25 MiB (object k has k MiB) and 23 unmapped kinds u1 … u23 with k records each. */
function inspection(): TraceInspection {
  const MiB = 1 << 20;
  const objects: InspectedObject[] = Array.from({ length: 25 }, (_, i) => ({
    name: `o${String(i + 1).padStart(2, '0')}`, addr: 0x1000 * (i + 1), bytes: (i + 1) * MiB, mem: 'managed', agent: 'cpu0', allocTs: i, freed: false, freeTs: null,
  }));
  const unmapped = Object.fromEntries(Array.from({ length: 23 }, (_, i) => [`u${i + 1}`, i + 1]));
  return {
    path: 't.arrow', rows: 50, batches: 1, time: { first: 0, last: 24, end: 24, span: 24 },
    ops: { alloc: { count: 25, bytes: 325 * MiB } }, agents: { cpu0: { count: 25, bytes: 325 * MiB, ops: { alloc: { count: 25, bytes: 325 * MiB } } } },
    objects, metadata: { 'hetmem.source.info': 'x'.repeat(500) }, unmapped,
  };
}

describe('inspect text form', () => {
  it('lists the 20 largest objects and counts the rest with their bytes', () => {
    const text = renderInspection(inspection());
    const objectLines = text.split('\n').filter((l) => /^ {2}o\d\d /.test(l));
    expect(INSPECT_TOP).toBe(20);
    // largest first: o25 … o06 (25 MiB down to 6 MiB)
    expect(objectLines.map((l) => l.trim().split(/\s+/)[0])).toEqual(Array.from({ length: 20 }, (_, i) => `o${25 - i}`.replace(/^o(\d)$/, 'o0$1')));
    // the rest: o01 … o05 = 1+2+3+4+5 = 15 MiB
    expect(text).toContain('  … and 5 more objects (15 MiB); --all lists them');
    expect(text).toContain('objects (25), the 20 largest:');
    // unmapped: the 20 most frequent (u23 … u4) and the rest u3+u2+u1 = 6 records in 3 kinds
    expect(text).toMatch(/unmapped: u23=23, u22=22, .*u4=4, … and 3 more kinds \(6 records; --all lists them\)\n$/);
    // long metadata is cut at 160 characters
    expect(text).toContain(`hetmem.source.info: ${'x'.repeat(160)}… (500 chars; --all or --json for all)`);
  });

  it('--all lists everything whole', () => {
    const text = renderInspection(inspection(), { all: true });
    expect(text.split('\n').filter((l) => /^ {2}o\d\d /.test(l))).toHaveLength(25);
    expect(text).not.toContain('more objects');
    expect(text).toContain(`hetmem.source.info: ${'x'.repeat(500)}\n`);
    expect(text).toContain('u1=1\n');
  });
});
