/**
 * The report's own queries: one `.sql` file each under analysis/queries/report/ (named for what it
 * answers; not listed by `hetmem query --list`, which shows the top-level named queries). The
 * time-binned charts share one parameter, `$bins`: each run's span is cut into that many equal bins
 * (width = ceil(end / bins) ns), so a chart's size does not grow with the run.
 */
import { readFileSync } from 'node:fs';

/** Parameters of a report query. */
export interface ReportQueryParams {
  /** time bins per run, for the time-binned charts (e.g. 100) */
  bins?: number;
}

/** The SQL of report query `name` with its parameters bound. */
export function reportQuery(name: string, params: ReportQueryParams = {}): string {
  let sql = readFileSync(new URL(`../analysis/queries/report/${name}.sql`, import.meta.url), 'utf8').trim().replace(/;\s*$/, '');
  if (sql.includes('$bins')) {
    const bins = params.bins;
    if (bins === undefined || !Number.isInteger(bins) || bins < 1) throw new Error(`report query ${name} needs a whole number of bins (got ${bins})`);
    sql = sql.replaceAll('$bins', String(bins));
  }
  return sql;
}
