/**
 * End-to-end checks of the `hetmem` binary: exit codes, stderr messages, stdout data, and that a
 * failed ingest leaves no output. Each spawn costs ~0.5 s, so only a handful.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'hetmem-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hetmem(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/hetmem.mjs'), ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('hetmem CLI', () => {
  it('ingests a fixture (exit 0) and inspects it as JSON on stdout', () => {
    const out = join(dir, 'mig.arrow');
    const ing = hetmem('ingest', 'fixtures/migrate-then-cpu-reads-half.csv', '-o', out);
    expect(ing.code, ing.stderr).toBe(0);
    expect(ing.stdout).toBe('');
    expect(ing.stderr).toMatch(/wrote .*mig\.arrow: 7 rows/);
    const ins = hetmem('inspect', out, '--json');
    expect(ins.code, ins.stderr).toBe(0);
    const s = JSON.parse(ins.stdout) as { rows: number; objects: { name: string; bytes: number; mem: string }[]; ops: Record<string, { count: number; bytes: number }> };
    // The fixture has 7 data rows; one 4 MiB managed object; cpu0 reads half of it (2 MiB) and the GPU all (4 MiB).
    expect(s.rows).toBe(7);
    expect(s.objects).toMatchObject([{ name: 'buf', bytes: 4 << 20, mem: 'managed' }]);
    expect(s.ops.read).toEqual({ count: 2, bytes: 6 << 20 });
  });

  it('a malformed CSV exits 2 with file:line: column and leaves no output', () => {
    const sub = mkdtempSync(join(dir, 'bad-'));
    const bad = join(sub, 'bad.csv');
    writeFileSync(bad, '# expect: error on line 4\nts,op,agent,obj,bytes,mem\n0,alloc,cpu0,x,4KiB,anon\n10,read,cpu0,x,-5,\n');
    const r = hetmem('ingest', bad, '-o', join(sub, 'out.arrow'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`hetmem: ${bad}:4: bytes: must not be negative (got "-5")\n`);
    expect(readdirSync(sub)).toEqual(['bad.csv']);
  });

  it('usage errors and missing traces exit 2 without a stack trace', () => {
    const noOut = hetmem('ingest', 'fixtures/rdma-ring-4.csv');
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/missing required option -o, --out <trace.arrow>/);
    const missing = hetmem('inspect', join(dir, 'nope.arrow'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.arrow: cannot open trace \(ENOENT\)/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
