import type { Command } from 'commander';
import { EXPORT_FORMATS, exportRun, type ExportFormat } from '../analysis/export/index.ts';

/** `hetmem export <run-dir | trace.arrow> --format perfetto|parquet -o <file>`. */
export function registerExport(program: Command): void {
  program
    .command('export')
    .description('Write a run as Chrome trace-event JSON (open it in ui.perfetto.dev or chrome://tracing), or a canonical trace as Parquet (for DuckDB, pandas, polars).')
    .argument('<input>', 'a run directory (or a sweep with --run) for perfetto; a canonical trace (.arrow) for parquet')
    .option('--format <format>', `${EXPORT_FORMATS.join(' | ')} (default: perfetto for a directory, parquet for a trace file)`)
    .requiredOption('-o, --out <file>', 'file to write (replaced atomically; never a file hetmem did not write)')
    .option('--force', 'replace a hetmem output of another kind at --out')
    .option('--run <id>', 'which run of a sweep to export, e.g. platform=a100-pcie4/gpu0.bar=256MiB')
    .addHelpText('after', `
Perfetto layout: "hetmem agents" has a track per agent (faults, fault batches, throttles, peer maps,
fallbacks, PTE zaps …); "hetmem transfers" a track per memory-to-memory direction (migrations,
evictions and bounces; migrations are gpu_memcpy slices named as CUPTI names Unified Memory copies);
"hetmem counters" has BAR-mapped bytes per GPU, resident bytes per memory and utilisation per link
direction (up = towards the CPU / root complex, down = towards the device). Overlapping slices of one
track go to extra lanes ("gpu0 #2").

Examples:
  hetmem export run/ --format perfetto -o run.json
  hetmem export sweep/ --run gpu0.bar=256MiB -o bar256.json
  hetmem export trace.arrow --format parquet -o trace.parquet
  duckdb -c "SELECT op, count(*) FROM 'trace.parquet' GROUP BY op"`)
    .action(async (input: string, opts: { format?: ExportFormat; out: string; run?: string; force?: boolean }) => {
      const r = await exportRun(input, { format: opts.format, out: opts.out, run: opts.run, force: opts.force });
      if (r.format === 'perfetto') {
        const n = Object.values(r.slices).reduce((a, b) => a + b, 0);
        process.stderr.write(`hetmem: ${n} events on ${r.tracks} tracks, ${r.counters} counter samples → ${r.file}\n`);
      } else {
        process.stderr.write(`hetmem: ${r.rows} rows → ${r.file}\n`);
      }
      process.stdout.write(`${r.file}\n`);
    });
}
