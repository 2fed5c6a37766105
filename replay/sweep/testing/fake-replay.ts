/**
 * A stand-in replay engine for sweep tests: writes a small run directory whose numbers are a
 * function of the trace size, platform and overrides, after a delay that differs per variant (so
 * workers finish out of order). `set.fail=yes` fails with bad input, like an unknown platform key.
 * For tests of killed and failing tasks, the variant `<platform>/<gpu0.bar>` named by the environment
 * variable HETMEM_FAKE_HANG never finishes, and the one named by HETMEM_FAKE_CRASH fails (not bad input).
 */
import { statSync } from 'node:fs';
import { BadInputError } from '../../../common/bad-input.ts';
import { writeDirectoryAtomic } from '../../../common/atomic-output.ts';
import { writeTestRun } from '../../../analysis/testing/test-run.ts';
import type { ReplayCall } from '../run-variant.ts';

export async function replay(call: ReplayCall): Promise<void> {
  const set = call.set ?? {};
  if (set.fail === 'yes') throw new BadInputError('--set', undefined, 'fail', 'the fake engine refuses this variant');
  const name = `${call.platform}/${set['gpu0.bar'] ?? ''}`;
  if (process.env.HETMEM_FAKE_CRASH === name) throw new Error(`the fake engine crashed on ${name}`);
  if (process.env.HETMEM_FAKE_HANG === name) await new Promise((r) => setTimeout(r, 600_000));
  const bar = Number.parseInt(set['gpu0.bar'] ?? '1', 10);
  const size = statSync(call.trace).size;
  const end = size * 1000 + bar * (call.platform.length + 1);
  await new Promise((r) => setTimeout(r, (bar * 37 + call.platform.length * 11) % 60));
  await writeDirectoryAtomic(call.out, (tmp) =>
    writeTestRun(tmp, {
      platform: call.platform,
      overrides: set,
      events: [{ ts: 0, dur: end, kind: 'migrate', agent: 'gpu0', src: 'sys0', dst: 'gpu0', bytes: bar * 4096, cause: 'fault', obj: 'x' }],
      timeline: [{ ts: 0, dur: end, metric: 'stall_ns', entity: 'gpu0', value: bar }],
      summary: { end_ns: end },
    }));
}
