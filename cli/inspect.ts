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
    .addHelpText('after', `
Examples:
  hetmem inspect trace.arrow
  hetmem inspect trace.arrow --json | jq '.ops.read.count'`)
    .action(async (path: string, opts: { json?: boolean }) => {
      const r = await inspect(path);
      process.stdout.write(opts.json ? JSON.stringify(r, null, 2) + '\n' : renderInspection(r));
    });
}

/** Human-readable form: aligned text tables. */
export function renderInspection(r: TraceInspection): string {
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
  if (r.objects.length > 0) {
    out.push(...table(['name', 'addr', 'bytes', 'mem', 'owner', 'alloc ts', 'freed'], r.objects.map((o) => [
      o.name, o.addr === null ? '-' : `0x${o.addr.toString(16)}`, o.bytes === null ? '-' : formatBytes(o.bytes), o.mem ?? '-', o.agent,
      formatNs(o.allocTs), o.freed ? formatNs(o.freeTs!) : 'no',
    ])));
  }
  out.push('', 'metadata');
  for (const [k, v] of Object.entries(r.metadata)) out.push(`  ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const unmapped = Object.entries(r.unmapped);
  out.push('', unmapped.length === 0 ? 'unmapped: none' : `unmapped: ${unmapped.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  return out.join('\n') + '\n';
}

/** Left-aligned text columns, numbers right-aligned. */
function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const width = header.map((_, k) => Math.max(...all.map((r) => r[k]!.length)));
  const numeric = header.map((_, k) => rows.length > 0 && rows.every((r) => /^[\d.]+( \S+)?$|^-$/.test(r[k]!)));
  return all.map((r) => '  ' + r.map((c, k) => (numeric[k] ? c.padStart(width[k]!) : c.padEnd(width[k]!))).join('  ').trimEnd());
}
