import type { Command } from 'commander';
import { formatBytes } from '../ingest/trace/units.ts';
import { loadPlatform, presetNames } from '../replay/platform-loader.ts';
import { formatP2pRule, type GpuAgent } from '../replay/platform.ts';

/** `hetmem platforms [--json]`: the platform presets, one line each. */
export function registerPlatforms(program: Command): void {
  program
    .command('platforms')
    .description('List the platform presets (replay/platforms/*.yaml), one line each.')
    .option('--json', 'print JSON (name, description, gpus, links, p2p) instead')
    .action((opts: { json?: boolean }) => {
      const rows = presetNames().map((n) => {
        const { platform: p, source } = loadPlatform(n);
        const gpus = p.agents.filter((a): a is GpuAgent => a.kind === 'gpu')
          .map((g) => ({ name: g.name, memory: g.memory, bar: g.bar, coherence: g.coherence }));
        return {
          name: p.name, description: p.description, source, gpus,
          nics: p.agents.filter((a) => a.kind === 'nic').map((a) => a.name),
          links: p.links.map((l) => ({ name: l.name, type: l.type, gen: l.gen, lanes: l.lanes, bandwidth_gbps: l.bandwidth, latency_ns: l.latency })),
          p2p: { host_bridge: formatP2pRule(p.p2p.host_bridge), cross_socket: formatP2pRule(p.p2p.cross_socket) },
        };
      });
      if (opts.json) { process.stdout.write(JSON.stringify(rows, null, 2) + '\n'); return; }
      const w = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows) {
        const g = r.gpus.map((x) => `${x.name} ${formatBytes(x.memory)} bar ${formatBytes(x.bar)}${x.coherence === 'coherent' ? ' coherent' : ''}`).join(', ');
        process.stdout.write(`${r.name.padEnd(w)}  ${g}; ${r.description}\n`);
      }
    });
}
