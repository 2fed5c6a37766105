import type { Command } from 'commander';
import { UsageError } from '../common/bad-input.ts';
import { EXIT_INCOMPLETE, ExitStatus } from '../common/exit-status.ts';
import { slurmJobQueued } from '../replay/sweep/slurm.ts';
import { formatStatus, isSweepComplete, sweepStatus, waitForSweep, type SweepStatus } from '../replay/sweep/status.ts';

/** `hetmem sweep status <dir> [--wait]`: variants done / failed / missing, read from the sweep folder. */
export function registerSweepStatus(sweepCommand: Command): void {
  sweepCommand
    .command('status')
    .description('How far a sweep is: variants done, failed (with the error) and missing, from the sweep folder itself.')
    .argument('<dir>', 'sweep folder (with its sweep.json plan)')
    .option('--wait', 'block until every variant is done (or the timeout passes, or the sweep\'s Slurm job has left the queue)')
    .option('--timeout <duration>', 'with --wait: give up after this long (90, 90s, 15m, 2h)', '1h')
    .option('--poll <duration>', 'with --wait: time between looks at the folder', '5s')
    .option('--json', 'print the status as JSON')
    .addHelpText('after', `
Exit code: 0 when every variant is done, 3 when some are failed or missing, 2 for a folder without a plan.

Examples:
  hetmem sweep status sweep/
  hetmem sweep status sweep/ --wait --timeout 2h && hetmem report sweep/ -o report.html`)
    .action(async (dir: string, opts: { wait?: boolean; timeout: string; poll: string; json?: boolean }) => {
      let status: SweepStatus;
      let note = '';
      if (opts.wait) {
        let shown = '';
        const r = await waitForSweep(dir, {
          timeoutMs: parseDuration(opts.timeout, '--timeout'),
          pollMs: parseDuration(opts.poll, '--poll'),
          stillRunning: () => slurmJobQueued(dir) !== false,
          onPoll: (s) => {
            const line = `sweep status: ${s.done.length} of ${s.total} done, ${s.failed.length} failed, ${s.missing.length} missing`;
            if (line !== shown) process.stderr.write(`${line}\n`);
            shown = line;
          },
        });
        status = r.status;
        if (r.ended === 'timeout') note = `sweep status: gave up waiting after ${opts.timeout}\n`;
        if (r.ended === 'job-gone') note = 'sweep status: the Slurm job has left the queue with variants unfinished; resubmit with the same hetmem sweep … --slurm (see _slurm/*.out for the tasks\' output)\n';
      } else {
        status = sweepStatus(dir);
      }
      process.stdout.write(opts.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status));
      if (note) process.stderr.write(note);
      if (!isSweepComplete(status)) throw new ExitStatus(EXIT_INCOMPLETE);
    });
}

/** `90` and `90s` are seconds; `15m`, `2h` minutes and hours; returns milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} ${text}: expected a duration such as 90, 90s, 15m or 2h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}
