import type { Command } from 'commander';
import { inspect, type TraceInspection } from '../ingest/inspect.ts';
import { formatBytes, formatNs } from '../ingest/trace/units.ts';

/** `hetmem inspect <trace.arrow> [--json]`: what a canonical trace holds. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('Summarise a canonical trace: rows, time span, rows and bytes per op and per agent, objects, metadata.')
    .argument('<trace.arrow>', 'canonical trace (from hetmem ingest or hetmem synth)')
    .option('--json', 'print the summary as JSON on stdout (exact numbers, for scripts)')
    .option('--all', `list every object and unmapped kind and print metadata whole (default: the ${INSPECT_TOP} largest, the rest counted)`)
    .addHelpText('after', `
Examples:
  hetmem inspect trace.arrow
  hetmem inspect trace.arrow --json | jq '.ops.read.count'`)
    .action(async (path: string, opts: { json?: boolean; all?: boolean }) => {
      const r = await inspect(path);
      process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : renderInspection(r, { all: opts.all }));
    });
}

/** How many objects and unmapped kinds the text form lists before it counts the rest. */
export const INSPECT_TOP = 20;
/** Metadata values longer than this are cut in the text form (`--all` prints them whole). */
const METADATA_WIDTH = 160;

/**
 * Human-readable form: aligned text tables. A real trace can hold tens of thousands of objects, so
 * unless `all` the objects and unmapped kinds are the largest {@link INSPECT_TOP} with the rest
 * counted in one line, and long metadata values are cut.
 */
export function renderInspection(r: TraceInspection, options: { all?: boolean } = {}): string {
  const all = options.all ?? false;
  const out: string[] = [];
  const t = r.time;
  out.push(`trace   ${r.path}`);
  out.push(`rows    ${r.rows} in ${r.batches} batch(es)`);
  out.push(t.first === null ? 'time    (empty)' : `time    ${formatNs(t.first)} .. ${formatNs(t.last!)} (span to last end ${formatNs(t.span)})`);
  out.push('', 'per op');
  out.push(...table(['op', 'rows', 'bytes'], Object.entries(r.ops).map(([op, s]) => [op, String(s.count), formatBytes(s.bytes)])));
  out.push('', 'per agent');
  const agentRows: string[][] = [];
  for (const [agent, s] of Object.entries(r.agents)) {
    agentRows.push([agent, '(all)', String(s.count), formatBytes(s.bytes)]);
    for (const [op, o] of Object.entries(s.ops)) agentRows.push(['', op, String(o.count), formatBytes(o.bytes)]);
  }
  out.push(...table(['agent', 'op', 'rows', 'bytes'], agentRows));
  out.push('', `objects (${r.objects.length})`);
  const objects = all ? r.objects : [...r.objects].sort((a, b) => (b.bytes ?? -1) - (a.bytes ?? -1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).slice(0, INSPECT_TOP);
  if (objects.length > 0) {
    if (!all && objects.length < r.objects.length) out[out.length - 1] += `, the ${objects.length} largest:`;
    out.push(...table(['name', 'addr', 'bytes', 'mem', 'owner', 'alloc ts', 'freed'], objects.map((o) => [
      o.name, o.addr === null ? '-' : `0x${o.addr.toString(16)}`, o.bytes === null ? '-' : formatBytes(o.bytes), o.mem ?? '-', o.agent,
      formatNs(o.allocTs), o.freed ? formatNs(o.freeTs!) : 'no',
    ])));
    const rest = r.objects.length - objects.length;
    if (rest > 0) {
      const restBytes = r.objects.reduce((a, o) => a + (o.bytes ?? 0), 0) - objects.reduce((a, o) => a + (o.bytes ?? 0), 0);
      out.push(`  … and ${rest} more object${rest === 1 ? '' : 's'} (${formatBytes(restBytes)}); --all lists them`);
    }
  }
  out.push('', 'metadata');
  for (const [k, v] of Object.entries(r.metadata)) {
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    out.push(`  ${k}: ${all || text.length <= METADATA_WIDTH ? text : `${text.slice(0, METADATA_WIDTH)}… (${text.length} chars; --all or --json for all)`}`);
  }
  const unmapped = Object.entries(r.unmapped).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  const shown = all ? unmapped : unmapped.slice(0, INSPECT_TOP);
  const more = unmapped.length - shown.length;
  out.push('', unmapped.length === 0 ? 'unmapped: none'
    : `unmapped: ${shown.map(([k, v]) => `${k}=${v}`).join(', ')}${more > 0 ? `, … and ${more} more kinds (${unmapped.slice(shown.length).reduce((a, [, v]) => a + v, 0)} records; --all lists them)` : ''}`);
  return out.join('\n') + '\n';
}

/** Left-aligned text columns, numbers right-aligned. */
function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const width = header.map((_, k) => Math.max(...all.map((r) => r[k]!.length)));
  const numeric = header.map((_, k) => rows.length > 0 && rows.every((r) => /^[\d.]+( \S+)?$|^-$/.test(r[k]!)));
  return all.map((r) => '  ' + r.map((c, k) => (numeric[k] ? c.padStart(width[k]!) : c.padEnd(width[k]!))).join('  ').trimEnd());
}
