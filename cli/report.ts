import type { Command } from 'commander';
import { report } from '../reports/report.ts';
import { NO_FONT_HINT, pngFont } from '../reports/chart-files.ts';
import { addOutOption, outPath, type OutFlags } from './output-option.ts';
import { PARTIAL_FLAG, warnIfPartial } from './partial-sweep.ts';

/** `hetmem report <run-or-sweep-dir> -o report.html`: the self-contained HTML report. */
export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description('Write a self-contained HTML report (server-rendered SVG charts) of a run or a sweep, with every chart\'s data as CSV beside it.')
    .argument('<dir>', 'run directory or sweep directory');
  addOutOption(cmd, 'file.html', 'report file; the CSVs go to <name>-data/ beside it', 'report.html')
    .option('--title <text>', 'page title')
    .option(...PARTIAL_FLAG)
    .option('--charts-dir <dir>', 'also write every chart as a standalone SVG and PNG into this folder (<chart>.svg, <chart>.png, charts.csv)')
    .addHelpText('after', `
Examples:
  hetmem report run/ -o run.html
  hetmem report sweep/ -o out/report.html     # adds variant comparison and capacity planning
  hetmem report sweep/ -o out/report.html --charts-dir out/charts   # plus one SVG and PNG per chart`)
    .action(async (dir: string, opts: { title?: string; partial?: boolean; chartsDir?: string } & OutFlags) => {
      if (opts.chartsDir !== undefined && !pngFont()) process.stderr.write(`hetmem report: ${NO_FONT_HINT}\n`);
      const r = await report(dir, { out: outPath(opts, 'file.html'), title: opts.title, force: opts.force, partial: opts.partial, chartsDir: opts.chartsDir });
      warnIfPartial(dir, opts.partial);
      process.stdout.write(`${r.html}\n`);
    });
}
