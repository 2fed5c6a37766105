/**
 * The answers a report opens with: sentences with numbers for what this run or sweep can answer,
 * per workload group, each naming the chart that shows it. A question the data cannot inform (no
 * memory axis swept, no peer mapping made, nothing migrated) gets one sentence saying why instead of
 * an empty chart.
 *
 * Groups: a sweep with a `workload` key is answered per workload (a BAR answer for a GPU kernel with
 * no peer mappings would say nothing); otherwise the whole run or sweep is one group.
 */
import type { Dataset, RunRef } from '../analysis/dataset.ts';
import { resolveQuery } from '../analysis/query.ts';
import { formatBytes, formatNs } from '../ingest/trace/units.ts';
import { barCapacity, memoryCapacity, MEMORY_KEY } from './capacity.ts';
import { variantMagnitude } from '../analysis/variant-order.ts';
import { chartData, num, str, type ReportContext } from './chart.ts';
import { loadRunFacts } from './run-facts.ts';
import { readSummary } from '../analysis/views.ts';
import { mergedHeading } from './identical-figures.ts';
import { join } from 'node:path';
import { readRunInfo } from '../replay/run-schema.ts';
import { RUN_FILES } from '../replay/run-output.ts';
import { traceFootprint, traceFormat, tracePathOf } from './trace-footprint.ts';
import { whatWasModeled, type ModeledTopic } from './what-was-modeled.ts';

/** The key whose values split a sweep into independent workloads. */
export const GROUP_KEY = 'workload';

export interface Answer {
  /** the sentence, plain text (escaped when rendered) */
  text: string;
  /** id of the chart that shows it, when one does */
  chart?: string;
}

export interface AnswerGroup {
  /** the workload, or null for the whole run/sweep */
  group: string | null;
  runs: RunRef[];
  answers: Answer[];
}

/** Splits the dataset's runs by workload (dataset order kept). */
export function groupRuns(dataset: Dataset): { group: string | null; runs: RunRef[] }[] {
  if (!dataset.keys.includes(GROUP_KEY)) return [{ group: null, runs: dataset.runs }];
  const groups = new Map<string, RunRef[]>();
  for (const r of dataset.runs) {
    const g = r.keys[GROUP_KEY] ?? '';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(r);
  }
  return [...groups].map(([group, runs]) => ({ group, runs }));
}

/** The dataset restricted to some runs (keys that no longer vary are kept: labels stay stable). */
export function subset(dataset: Dataset, runs: RunRef[]): Dataset {
  return { ...dataset, runs };
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** What `down`/`up` mean on a link direction: links are named a-b, `down` runs a → b. */
export function directionWords(linkDir: string): string {
  const m = /^(.+)-(.+):(up|down)$/.exec(linkDir);
  if (!m) return linkDir;
  const [, a, b, d] = m;
  return d === 'down' ? `${a} → ${b}` : `${b} → ${a}`;
}

export async function buildAnswers(ctx: ReportContext): Promise<AnswerGroup[]> {
  const facts = await loadRunFacts(ctx);
  const runs = (await chartData(ctx, 'SELECT * FROM runs')).rows;
  const byRun = new Map(runs.map((r) => [str(r.run), r]));
  const links = (await chartData(ctx, resolveQuery('link_utilisation'))).rows;
  const out: AnswerGroup[] = [];
  for (const { group, runs: groupRunsList } of groupRuns(ctx.dataset)) {
    // Within a workload group, the workload key says nothing: leave it out of the group labels.
    const ds = { ...subset(ctx.dataset, groupRunsList), keys: ctx.dataset.keys.filter((k) => group === null || k !== GROUP_KEY) };
    const ids = new Set(groupRunsList.map((r) => r.id));
    const mine = facts.filter((f) => ids.has(f.id));
    const rows = groupRunsList.map((r) => byRun.get(r.id)!).filter(Boolean);
    const answers: Answer[] = [];
    const sweep = ctx.dataset.kind === 'sweep';
    const where = (id: string) => (sweep ? ` (${ctx.label(id)})` : '');

    // A training step's footprint, when the trace is a PyTorch ET or its GPU allocations replay as managed memory.
    const footprint = await footprintAnswer(groupRunsList);
    if (footprint) answers.push(footprint);

    // Device memory for a slowdown budget, when the memory axis was swept.
    const memory = memoryCapacity(ds, mine);
    // Groups with the same answer (an axis that does not matter, like the BAR of a kernel that maps
    // no peer) are said once, headed with the values they stand for.
    const memoryBodies = new Map<string, string[]>();
    for (const a of memory.answers) {
      const base = `${a.baseline.value} runs in ${formatNs(a.baseline.end_ns)}`;
      const smallest = a.tried[0]!;
      const body = `device memory for a ${Math.round(memory.budget * 100)} % slowdown budget: ${a.needed ? a.needed.value : 'none of the sizes tried'}`
        + ` — ${base}${a.fullyResident ? ' with no eviction' : ` and still evicts ${plural(a.baseline.evictions, 'chunk')}`}`
        + (smallest.value !== a.baseline.value ? `; at ${smallest.value} it takes ${formatNs(smallest.end_ns)} (${smallest.ratio.toFixed(2)}×) with ${plural(smallest.evictions, 'eviction')}.` : '.');
      memoryBodies.set(body, [...(memoryBodies.get(body) ?? []), a.group]);
    }
    for (const [body, groupsWithIt] of memoryBodies) {
      answers.push({ chart: 'capacity-memory', text: memory.answers.length > 1 ? `${mergedHeading(groupsWithIt)}: ${body}` : body });
    }

    // Smallest BAR with no fallback, when the BAR axis was swept and peer mappings happened.
    const bar = barCapacity(ds, mine);
    if (bar.answers.length > 0 && bar.answers.every((a) => !a.p2p)) answers.push({ text: 'no peer mappings were made, so the BAR size does not matter for this workload.' });
    for (const a of bar.answers) {
      const prefix = bar.answers.length > 1 ? `${a.group}: ` : '';
      if (!a.p2p) continue;
      const worst = a.tried[0]!;
      answers.push({
        chart: 'capacity-bar',
        text: `${prefix}smallest BAR with no fallback to system memory: ${a.smallest ? a.smallest.value : `none up to ${a.tried[a.tried.length - 1]!.value}`}`
          + (worst.fallbacks > 0 ? `; at ${worst.value} the exporter fell back ${plural(worst.fallbacks, 'time')}` : '')
          + (a.verdict.includes('; other fallbacks') ? a.verdict.slice(a.verdict.indexOf(';')) : '') + '.',
      });
    }
    // A lone run (or a sweep without a BAR axis) that mapped peers: how full the BAR got.
    if (bar.key === null) {
      for (const r of rows) {
        if (num(r.peer_maps) + num(r.fallbacks) + num(r.map_refused) === 0) continue;
        answers.push({
          chart: 'bar-over-time',
          text: `BAR${where(str(r.run))}: peak ${formatBytes(num(r.bar_peak_bytes))} mapped of ${formatBytes(num(r.bar_aperture_bytes))}`
            + ` (${pct(num(r.bar_peak_bytes) / Math.max(1, num(r.bar_aperture_bytes)))}); ${plural(num(r.peer_maps), 'peer mapping')}, ${plural(num(r.fallbacks), 'fallback')}`
            + (num(r.bounce_bytes) > 0 ? `, ${formatBytes(num(r.bounce_bytes))} bounced through host memory` : '') + '.',
        });
      }
    }

    // The busiest link direction and its headroom.
    const mineLinks = links.filter((l) => ids.has(str(l.run)) && num(l.bytes) > 0);
    if (mineLinks.length > 0) {
      const top = [...mineLinks].sort((x, y) => num(y.peak_util) - num(x.peak_util) || (str(x.run) < str(y.run) ? -1 : 1))[0]!;
      const ld = `${str(top.link)}:${str(top.dir)}`;
      answers.push({
        chart: 'link-headroom',
        text: `busiest link direction: ${ld} (${directionWords(ld)}) at ${pct(num(top.peak_util))} peak utilisation${where(str(top.run))}`
          + ` — ${pct(Math.max(0, num(top.headroom)))} headroom; it carried ${formatBytes(num(top.bytes))}.`,
      });
    } else {
      answers.push({ text: 'no link carried any traffic.' });
    }

    // What moved; and, for a part of the model the trace gave nothing to do, one sentence saying so.
    const migrated = rows.reduce((s, r) => s + num(r.migrated_bytes), 0);
    const faults = rows.reduce((s, r) => s + num(r.gpu_faults) + num(r.cpu_faults), 0);
    if (migrated > 0 || faults > 0) {
      const most = [...rows].sort((x, y) => num(y.migrated_bytes) - num(x.migrated_bytes))[0]!;
      const least = [...rows].sort((x, y) => num(x.migrated_bytes) - num(y.migrated_bytes))[0]!;
      answers.push({
        chart: 'migrations-over-time',
        text: sweep && rows.length > 1
          ? `migrations: from ${formatBytes(num(least.migrated_bytes))} (${ctx.label(str(least.run))}) to ${formatBytes(num(most.migrated_bytes))} in ${plural(num(most.migrations), 'transfer')} (${ctx.label(str(most.run))}).`
          : `migrations: ${formatBytes(num(most.migrated_bytes))} in ${plural(num(most.migrations), 'transfer')}, ${plural(num(most.gpu_faults), 'GPU fault')}, ${plural(num(most.cpu_faults), 'CPU fault')}, ${plural(num(most.evictions), 'eviction')}.`,
      });
    }
    // the BAR answer above already says when no peer was mapped
    answers.push(...modeledAnswers(ctx, groupRunsList, bar.answers.length > 0 ? ['p2p'] : []));
    out.push({ group, runs: groupRunsList, answers });
  }
  return out;
}

/**
 * The what-was-modeled sentences (what-was-modeled.ts) of a group of runs: a topic is said when every
 * run of the group has it (when some variants did model it, the other answers speak for them), once
 * when the runs agree, else with the first run's numbers named.
 */
function modeledAnswers(ctx: ReportContext, runs: RunRef[], skip: readonly ModeledTopic[]): Answer[] {
  const per = runs.map((r) => whatWasModeled(readSummary(r, ctx.dataset.root)));
  const topics = [...new Set(per.flatMap((list) => list.map((m) => m.topic)))].filter((t) => !skip.includes(t));
  const out: Answer[] = [];
  for (const topic of topics) {
    const texts = per.map((list) => list.find((m) => m.topic === topic)?.text);
    if (texts.some((t) => t === undefined)) continue;
    const distinct = [...new Set(texts as string[])];
    out.push({ text: distinct.length === 1 ? distinct[0]! : `${distinct[0]!.replace(/\.$/, '')} (${ctx.label(runs[0]!.id)}; the numbers differ between variants).` });
  }
  return out;
}

/** Said for a trace ingested from a PyTorch Execution Trace, or replayed with `policy.device_alloc=managed`. */
async function footprintAnswer(runs: RunRef[]): Promise<Answer | undefined> {
  const infos = runs.map((r) => readRunInfo(join(r.dir, RUN_FILES.run), join(r.dir, RUN_FILES.run)));
  const first = infos[0];
  if (!first || infos.some((i) => i.trace.sha256 !== first.trace.sha256)) return undefined; // one trace per group, or say nothing
  const path = tracePathOf(first.trace.path);
  if (!path) return undefined;
  const managed = infos.some((i) => (i.platform.resolved as { policy?: { device_alloc?: string } } | null)?.policy?.device_alloc === 'managed');
  const format = await traceFormat(path);
  if (format !== 'et' && !managed) return undefined;
  const kinds = await traceFootprint(path, first.trace.sha256);
  if (!kinds || kinds.length === 0) return undefined;
  const what = format === 'et' ? "the step's footprint" : "the trace's GPU footprint";
  // a memory sweep that stops below the footprint cannot find the size that needs no eviction: say so
  const peak = Math.max(...kinds.map((k) => k.peakLive));
  const memKey = Object.keys(runs[0]!.keys).find((k) => MEMORY_KEY.test(k));
  const tried = memKey === undefined ? [] : runs.map((r) => ({ value: r.keys[memKey]!, bytes: variantMagnitude(r.keys[memKey]!) ?? 0 }));
  const largest = tried.sort((a, b) => b.bytes - a.bytes)[0];
  return {
    text: `${what}: ${kinds.map((k) => `at most ${formatBytes(k.peakLive)} of ${k.mem} allocations live at once`
      + ` (the peak of the sum of live allocation sizes; ${formatBytes(k.allocated)} allocated in total in ${plural(k.allocations, 'allocation')})`).join('; ')}`
      + (largest && largest.bytes < peak ? `; the largest ${memKey} tried (${largest.value}) is below it, so every variant evicts: sweep up to at least ${formatBytes(peak)}` : '') + '.',
  };
}
