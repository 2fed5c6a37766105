import { Option, type Command } from 'commander';
import { WORKLOADS, synth } from '../ingest/synth/index.ts';
import { addOutOption, outPath, type OutFlags } from './output-option.ts';
import { SEED_PARAM, formatParamValue, unitHelp, type ParamSpec, type ParamValue, type Workload } from '../ingest/synth/workload.ts';

/**
 * `hetmem synth <workload> [--param value]… [--seed N] -o trace.arrow`: one subcommand per workload,
 * one flag per parameter (kebab-case). Values stay strings here; the library parses them so that the
 * CLI and library callers get the same checks and the same `UsageError` naming the flag.
 */
export function registerSynth(program: Command): void {
  const cmd = program
    .command('synth')
    .description('Write a synthetic workload as a canonical trace (seeded, deterministic).')
    .addHelpText('after', `
Every workload takes --seed N and -o trace.arrow; \`hetmem synth <workload> --help\` documents
its parameters (sizes accept KiB/MiB/GiB, durations ns/us/ms/s, rates GB/s or Gbit/s).

Examples:
  hetmem synth vecadd --n 67108864 -o v.arrow
  hetmem synth gpu-kernel --pattern random --oversubscription 1.5 --device-memory 1GiB --seed 7 -o g.arrow
  hetmem synth rdma-stream --chunk-size 1MiB --ring-depth 8 --rate 100Gbit/s --duration 10ms -o r.arrow
  hetmem synth progress-monitor --kernel-duration 10ms --peek-interval 100us -o p.arrow`);
  for (const w of WORKLOADS) registerWorkload(cmd, w);
}

function registerWorkload(parent: Command, w: Workload): void {
  const sub = parent
    .command(w.name)
    .summary(w.summary)
    .description(`${w.summary}.`);
  addOutOption(sub, 'trace.arrow', 'the canonical trace to write (Arrow IPC file)');
  const specs: ParamSpec[] = [...w.params, SEED_PARAM];
  for (const s of specs) {
    const help = `${s.help} [default: ${formatParamValue(s, s.default)}; ${unitHelp(s)}]`;
    if (s.type === 'bool') {
      sub.addOption(new Option(`--${s.name} [bool]`, help));
      if (s.default === true) sub.addOption(new Option(`--no-${s.name}`, `same as --${s.name} false`));
    } else {
      sub.addOption(new Option(`--${s.name} <${valueName(s)}>`, help));
    }
  }
  // After the options, unwrapped: the row-by-row description is laid out by hand.
  sub.addHelpText('after', `\n${w.description}\n\nExample:\n  hetmem synth ${w.name} -o ${w.name}.arrow`);
  sub.action((opts: Record<string, string | boolean | undefined> & OutFlags) => {
    const output = outPath(opts, 'trace.arrow');
    const params: Record<string, ParamValue> = {};
    for (const s of specs) {
      const v = opts[camelCase(s.name)];
      if (v !== undefined) params[s.name] = v;
    }
    const { rows } = synth(w.name, params, output, { progress: true, force: opts.force === true });
    process.stderr.write(`hetmem synth ${w.name}: ${rows} rows → ${output}\n`);
  });
}

function valueName(s: ParamSpec): string {
  return s.type === 'enum' ? s.allowed!.join('|') : s.type;
}

/** Commander's attribute name for a kebab-case flag. */
function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
