import { Option, type Command } from 'commander';
import { FORMAT_NAMES, type FormatName } from '../ingest/format.ts';
import { FORMATS } from '../ingest/formats.ts';
import { ingest } from '../ingest/ingest.ts';
import { addOutOption, outPath, type OutFlags } from './output-option.ts';
import { PLACEMENT_BASE } from '../ingest/trace/placement.ts';
import { UsageError } from '../common/bad-input.ts';

/** A commander parser for a flag that takes a non-negative integer (a usage error otherwise). */
function nonNegativeInteger(flag: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`${flag} must be a non-negative integer (got "${v}")`);
    return Number(v);
  };
}

/** `hetmem ingest <file...> [--format f] -o trace.arrow`: source traces → canonical trace. */
export function registerIngest(program: Command): void {
  // Listed from the registry, so new format modules show up without touching this file.
  const formats = FORMATS.map((f) => `  ${f.name.padEnd(9)} ${f.description}`).join('\n');
  const cmd = program
    .command('ingest')
    .description('Convert source trace files into a canonical trace (hetmem.trace/1 Arrow IPC file), sorted by ts.')
    .argument('<file...>', 'source trace file(s); .gz is read where the format allows')
    .addOption(new Option('--format <name>', 'source format (auto sniffs each file\'s first bytes)').choices(['auto', ...FORMAT_NAMES]).default('auto'))
    .option('--rank <n>', 'Kineto: keep only the file of distributedInfo.rank n; its process becomes cpu0 and its GPUs gpu0… (replays on a one-GPU platform without --map)', nonNegativeInteger('--rank'))
    .option('--pid <p>', 'Kineto: keep only the file whose runtime calls come from process p (renumbered as --rank)', nonNegativeInteger('--pid'));
  addOutOption(cmd, 'trace.arrow', 'canonical trace to write (written atomically; nothing is left on error)')
    .addHelpText('after', `
Formats:
${formats}

Canonical CSV: a header of trace columns (ts, op, agent required; dur, addr, bytes, obj, peer, mem,
cause, stream, corr, name, offset optional), '#' comment lines, sizes like 64KiB/2MiB/1GiB, 0x hex
addresses, times in ns or with ns/us/ms/s. Rows naming an obj without addr are placed 2 MiB-aligned
in alloc order from 0x${PLACEMENT_BASE.toString(16)}; rows may be unsorted (sorted stably by ts).

Examples:
  hetmem ingest fixtures/rdma-ring-4.csv -o ring.arrow
  hetmem ingest --format kineto rank0.json.gz rank1.json.gz -o train.arrow
  hetmem ingest rank*.json.gz --rank 3 -o rank3.arrow               # one rank: cpu0 + gpu0, whatever its device id
  hetmem ingest step_et.json.gz step_kineto.json.gz -o step.arrow   # ET + the same run's Kineto (either order)
  hetmem ingest step_et.json.gz -o step.arrow                       # ET alone: nominal 10 us kernels in op order

Limits: a line, CSV record or JSON event longer than 16 MiB is rejected with its line number
(HETMEM_MAX_RECORD_BYTES=<bytes> raises it). A forced --format that finds no rows of its kind is an error.

Exit codes: 0 ok, 2 bad input (message "file:line: column: problem"), 1 internal error.
`)
    .action(async (files: string[], opts: { format: FormatName | 'auto'; rank?: number; pid?: number } & OutFlags) => {
      const select = opts.rank !== undefined || opts.pid !== undefined ? { ...(opts.rank !== undefined ? { rank: opts.rank } : {}), ...(opts.pid !== undefined ? { pid: opts.pid } : {}) } : undefined;
      const r = await ingest(files, { format: opts.format, output: outPath(opts, 'trace.arrow'), force: opts.force, ...(select ? { select } : {}) });
      const unmapped = Object.entries(r.unmapped).map(([k, v]) => `${k}=${v}`).join(', ');
      process.stderr.write(`hetmem: wrote ${r.output}: ${r.rows} rows from ${r.sourceFiles.length} ${r.format} file(s)` +
        `${unmapped ? ` (unmapped: ${unmapped})` : ''}\n`);
    });
}

