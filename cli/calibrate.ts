import type { Command } from 'commander';
import type { FormatName } from '../ingest/format.ts';
import { calibrate } from '../replay/calibrate/calibrate.ts';
import { calibrationTable } from '../replay/calibrate/table.ts';
import { collectMap, collectSet } from './replay-options.ts';

/** `hetmem calibrate <observed> --platform P [--set k=v]… [--map a=b]… -o cal/`. */
export function registerCalibrate(program: Command): void {
  program
    .command('calibrate')
    .description('Replay the accesses derived from an observed profile and compare predicted with observed transfers; writes calibration.json, calibrated.yaml, run/.')
    .argument('<observed>', 'observed profile with Unified Memory rows (nsys SQLite, nvprof, uvm-eval log, ftrace) or a canonical trace (.arrow)')
    .requiredOption('--platform <name|file.yaml>', 'a preset (see hetmem platforms) or a platform YAML file')
    .option('--format <name>', 'ingest format of the profile (default: sniffed)', 'auto')
    .option('--set <key=value>', 'override a platform field, repeatable (as hetmem replay)', collectSet, {})
    .option('--map <trace=platform>', 'replay a trace agent as a platform agent, repeatable (as hetmem replay)', collectMap, {})
    .requiredOption('-o, --output <dir>', 'calibration directory to write (replaced atomically)')
    .addHelpText('after', `
Examples:
  hetmem calibrate report.sqlite --platform a100-pcie4 -o cal/
  hetmem replay v.arrow --platform cal/calibrated.yaml -o run/     # what-ifs on the tuned model

Exit codes: 0 ok, 2 bad input (nothing observed to compare, bad profile or platform), 1 internal error.
`)
    .action(async (observed: string, opts: { platform: string; format: string; set: Record<string, string>; map: Record<string, string>; output: string }) => {
      const c = await calibrate({ source: observed, format: opts.format as FormatName | 'auto', platform: opts.platform, set: opts.set, agents: opts.map, out: opts.output });
      process.stdout.write(calibrationTable(c));
      process.stderr.write(`hetmem: calibration → ${opts.output} (calibration.json, calibrated.yaml, run/)\n`);
    });
}
