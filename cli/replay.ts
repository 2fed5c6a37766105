import { whatWasModeled } from '../reports/what-was-modeled.ts';
import type { Command } from 'commander';
import { collectMap, collectSet, parseEvents } from './replay-options.ts';
import type { EventSelection } from '../replay/events.ts';
import { addOutOption, outPath, requiredValue, type OutFlags } from './output-option.ts';
import { formatBytes, formatNs } from '../ingest/trace/units.ts';
import { replay, type RunSummary } from '../replay/index.ts';

/** `hetmem replay <trace.arrow> --platform P [--set k=v]… [--map a=b]… -o run/`. */
export function registerReplay(program: Command): void {
  const cmd = program
    .command('replay')
    .description('Replay a canonical trace on a platform model; writes events.parquet, timeline.parquet, summary.json, run.json.')
    .argument('<trace>', 'canonical trace (Arrow IPC file from hetmem ingest / synth)')
    .option('--platform <name|file.yaml>', 'a preset (see hetmem platforms) or a platform YAML file')
    .option('--set <key=value>', 'override a platform field, repeatable (gpu0.memory=8GiB, policy.prefetch=off, policy.prefetch_threshold=75)', collectSet, {})
    .option('--map <trace=platform>', 'replay a trace agent as a platform agent, repeatable (gpu3=gpu0: one rank of an 8-GPU job on a one-GPU platform)', collectMap, {})
    .option('--events <all|none|kinds>', 'what events.parquet keeps: all, none (timeline and summary only), or a comma list of event kinds (migrate,evict,fault,…); summary.json counts every event either way', parseEvents, 'all' as EventSelection);
  addOutOption(cmd, 'dir', 'run directory to write (replaced atomically; only a run directory hetmem wrote is replaced)')
    .addHelpText('after', `
Examples:
  hetmem replay v.arrow --platform a100-pcie4 -o run/
  hetmem replay rank3.arrow --platform h100-pcie5 --map gpu3=gpu0 -o run-rank3/
  hetmem replay v.arrow --platform gtx1080ti-pcie3 --set gpu0.memory=256MiB --set policy.prefetch=off -o run-oversub/
  hetmem replay big.arrow --platform a100-pcie4 --events migrate,evict -o run-big/   # keep only migrations and evictions
  hetmem replay step.arrow --platform a100-pcie4 --set policy.device_alloc=managed --set gpu0.memory=192MiB -o run-managed/
      (policy.device_alloc=managed replays the trace's cudaMalloc memory as managed memory: the what-if
       "this training step, oversubscribed on a smaller GPU")

Exit codes: 0 ok, 2 bad input (trace row, platform key or --set problem), 1 internal error.
`)
    .action(async (trace: string, opts: { platform?: string; set: Record<string, string>; map: Record<string, string>; events: EventSelection } & OutFlags) => {
      const platform = requiredValue(opts.platform, '--platform <name|file.yaml>');
      const out = outPath(opts, 'dir');
      const s = await replay({ trace, platform, set: opts.set, agents: opts.map, events: opts.events, out, force: opts.force });
      const m = s.migrations;
      const dirs = Object.entries(m.by_direction).map(([k, v]) => `${k} ${v.count}× ${formatBytes(v.bytes)}`).join(', ');
      process.stderr.write(
        `hetmem: replayed ${s.trace.rows} rows on ${s.platform} → ${out}\n` +
        `  modeled end ${formatNs(s.end_ns)}; migrations ${m.total.count} (${formatBytes(m.total.bytes)})${dirs ? `: ${dirs}` : ''}\n` +
        `  faults: gpu ${s.faults.gpu} in ${s.faults.gpu_batches} batches, cpu ${s.faults.cpu}; evictions ${s.evictions.count}; remote ${formatBytes(s.remote.bytes)}\n` +
        `  stall: ${Object.entries(s.stall_ns).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${formatNs(v)}`).join(', ') || 'none'}\n` +
        p2pLine(s) +
        // what the trace gave the model nothing to do for, in a sentence each
        whatWasModeled(s).map((m) => `  ${m.text.charAt(0).toUpperCase()}${m.text.slice(1)}\n`).join(''),
      );
    });
}

/** P2P / BAR / ODP / driver-object / hazard figures, only when the run has any (most runs have none: no empty lines). */
function p2pLine(s: RunSummary): string {
  const p = s.p2p;
  const bar = Object.entries(s.bar).filter(([, b]) => b.peak_bytes > 0).map(([g, b]) => `${g} peak ${formatBytes(b.peak_bytes)} of ${formatBytes(b.aperture_bytes)}`);
  const any = p.peer_maps + p.fallbacks + p.refused + s.odp.nic_faults + s.devobj.cpu_faults + s.hazards > 0 || bar.length > 0;
  if (!any) return '';
  return `  p2p: ${p.peer_maps} peer maps, ${p.fallbacks} fallbacks (bounce ${formatBytes(p.bounce_bytes)}), ${p.revocations} revoked, ${p.refused} refused` +
    `${bar.length ? `; BAR ${bar.join(', ')}` : ''}; odp: ${s.odp.invalidations} invalidations, ${s.odp.nic_faults} NIC faults; ` +
    `devobj: ${s.devobj.cpu_faults} PTE faults, ${s.devobj.pte_zaps} zaps, ${s.devobj.moves} moves; hazards ${s.hazards}\n`;
}
