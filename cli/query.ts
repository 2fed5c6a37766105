import { Option, type Command } from 'commander';
import { formatResult, RESULT_FORMATS, type ResultFormat } from '../analysis/format-result.ts';
import { namedQueryDescription, namedQueryNames } from '../analysis/named-queries.ts';
import { UsageError } from '../common/bad-input.ts';
import { query } from '../analysis/query.ts';
import { PARTIAL_FLAG, warnIfPartial } from './partial-sweep.ts';

/** `hetmem query <dir> <name | "SQL"> [--format table|csv|json]`: DuckDB over a run or a sweep. */
export function registerQuery(program: Command): void {
  program
    .command('query')
    .description('Run a named query or free SQL (DuckDB) over a run directory, a sweep directory, or a canonical trace file (relation "trace").')
    .argument('[dir]', 'run directory (hetmem replay), sweep directory (hetmem sweep), or trace file (.arrow: relation "trace")')
    .argument('[query]', `a named query (${namedQueryNames().join(', ')}; see --list) or SQL`)
    .option('--list', 'list the named queries, one line each, and exit')
    .option('--raw', 'table format: plain numbers instead of human units for byte and ns columns')
    .addOption(new Option('--format <format>', 'output format').choices([...RESULT_FORMATS]).default('table'))
    .option(...PARTIAL_FLAG)
    .option('--threads <n>', 'DuckDB threads (default 1: deterministic float sums)', (v) => Number.parseInt(v, 10))
    .addHelpText('after', `
Free SQL is read-only: SELECT statements only (COPY, ATTACH, INSTALL/LOAD, SET, CREATE … are
refused with exit 2), and files outside the run/sweep directory cannot be read.

Relations (every one has a "run" column and one column per sweep key):
  events, timeline           events.parquet / timeline.parquet of every run
  runs                       one row per run: headline numbers of summary.json
  summary_metrics            every number of summary.json (metric = dotted path, value)
  bar, links                 BAR and link figures of summary.json
On a trace file (.arrow):
  trace                      the canonical trace: ts, dur, op, agent, addr, bytes, obj, peer, mem, …

Tables show byte columns (bytes, *_bytes) and time columns (ts, dur, *_ns) in human units;
--raw, --format csv and --format json keep the exact numbers.

Examples:
  hetmem query --list
  hetmem query run/ migrations_by_cause
  hetmem query sweep/ compare_variants --format csv > variants.csv
  hetmem query trace.arrow "SELECT op, agent, count(*), sum(bytes) FROM trace GROUP BY ALL"
  hetmem query sweep/ "SELECT \\"gpu0.bar\\", sum(bytes) FROM events WHERE kind = 'bounce' GROUP BY ALL" --format json`)
    .action(async (dir: string | undefined, q: string | undefined, opts: { format: ResultFormat; threads?: number; partial?: boolean; list?: boolean; raw?: boolean }) => {
      if (opts.list) {
        const names = namedQueryNames();
        const width = Math.max(...names.map((n) => n.length));
        process.stdout.write(names.map((n) => `${n.padEnd(width)}  ${namedQueryDescription(n)}`).join('\n') + '\n');
        return;
      }
      if (dir === undefined || q === undefined) throw new UsageError(`query needs <dir> and <query> (named queries: hetmem query --list)`);
      const result = await query(dir, q, { threads: opts.threads, partial: opts.partial });
      warnIfPartial(dir, opts.partial);
      process.stdout.write(formatResult(result, opts.format, { raw: opts.raw }));
    });
}
