import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTable, tableToIPC } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { synth } from '../ingest/synth/index.ts';
import { existingKind } from './output-guard.ts';

const dir = mkdtempSync(join(tmpdir(), 'hetmem-output-guard-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('existingKind on Arrow files', () => {
  it('recognises a hetmem trace whose schema is only in the footer, past the first 64 KiB', () => {
    // 20,004 rows of random reads: the batches alone are far over 64 KiB, and the file opens with
    // dictionary batches, so the marker can only be found in the footer.
    const path = join(dir, 'big.arrow');
    synth('random-access', { reads: 20_000, footprint: '64MiB', 'device-memory': '16MiB', seed: 1 }, path);
    const bytes = readFileSync(path);
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    expect(bytes.subarray(0, 64 * 1024).includes('hetmem.schema')).toBe(false);
    expect(existingKind(path)).toBe('trace');
  });

  it('does not take an Arrow file without hetmem metadata, or one with a broken tail, for a trace', () => {
    // Another tool's Arrow IPC file: the right magic at both ends, a footer without the marker.
    const other = join(dir, 'other.arrow');
    writeFileSync(other, tableToIPC(makeTable({ x: Int32Array.from({ length: 40_000 }, (_, i) => i) }), 'file'));
    expect(existingKind(other)).toBe('foreign-file');
    // ARROW1 at both ends, but a footer length larger than the file: not read, not ours.
    const broken = Buffer.alloc(100_000);
    broken.write('ARROW1', 0, 'latin1');
    broken.writeInt32LE(1_000_000, broken.length - 10);
    broken.write('ARROW1', broken.length - 6, 'latin1');
    writeFileSync(join(dir, 'broken.arrow'), broken);
    expect(existingKind(join(dir, 'broken.arrow'))).toBe('foreign-file');
  });
});
