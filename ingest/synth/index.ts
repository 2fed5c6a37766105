/**
 * The synthetic workloads and `synth()`, the library form of `hetmem synth`: resolves the parameters,
 * seeds the PRNG and writes the trace through `TraceWriter` (temp name, renamed on success; nothing is
 * left behind on an error).
 *
 * Metadata: `hetmem.source.format` = `synth:<name>`, `hetmem.synth.params` = the resolved parameters
 * (sizes in bytes, durations in ns, rates in bytes/s, plus `seed`) as JSON with sorted keys,
 * `hetmem.devices` = the agents the workload uses, `hetmem.ingest.version` = the package version.
 */
import { UsageError } from '../../common/bad-input.ts';
import { HETMEM_VERSION } from '../../common/package-version.ts';
import { startProgress, type Progress } from '../../common/progress.ts';
import { META } from '../trace/schema.ts';
import { claimOutput } from '../../common/output-guard.ts';
import { TraceWriter, type TraceRow } from '../trace/writer.ts';
import { gpuKernel } from './gpu-kernel.ts';
import { progressMonitor } from './progress-monitor.ts';
import { randomAccess } from './random-access.ts';
import { Rng } from './random.ts';
import { rdmaStream } from './rdma-stream.ts';
import { vecadd } from './vecadd.ts';
import { resolveParams, type ParamValue, type Workload } from './workload.ts';

export const WORKLOADS: readonly Workload[] = [gpuKernel, rdmaStream, progressMonitor, vecadd, randomAccess];

export function workloadByName(name: string): Workload {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new UsageError(`synth: unknown workload "${name}" (known: ${WORKLOADS.map((x) => x.name).join(', ')})`);
  return w;
}

export interface SynthOptions {
  /** Show a progress bar on stderr (only when it is a terminal). */
  progress?: boolean;
  /** Replace a hetmem output of another kind at the output path (never foreign data). Default false. */
  force?: boolean;
}

/**
 * Writes workload `workload` with `params` (flag names in kebab- or camelCase; values as strings like
 * on the command line, or as numbers in bytes/ns/bytes-per-second, or booleans) to `output`.
 */
export function synth(
  workload: string,
  params: Record<string, string | number | boolean>,
  output: string,
  options: SynthOptions = {},
): { rows: number } {
  const w = workloadByName(workload);
  const p = resolveParams(w, params);
  const metadata = {
    [META.sourceFormat]: `synth:${w.name}`,
    [META.synthParams]: JSON.stringify(p.toJSON()),
    [META.devices]: JSON.stringify(w.devices(p)),
    [META.ingestVersion]: HETMEM_VERSION,
  };
  const claim = claimOutput(output, 'trace', { force: options.force });
  const progress = options.progress ? startProgress(`synth ${w.name}`, w.expectedRows(p), 'rows') : null;
  const writer = progress ? new ProgressTraceWriter(output, metadata, progress) : new TraceWriter(output, { metadata });
  try {
    w.generate(p, writer, new Rng(p.num('seed')));
    writer.close();
  } catch (e) {
    writer.abort();
    throw e;
  } finally {
    progress?.stop();
    claim.release();
  }
  return { rows: writer.rows };
}

/** Reports rows written every 64 Ki rows (only used when a progress bar is shown). */
class ProgressTraceWriter extends TraceWriter {
  constructor(path: string, metadata: Record<string, string>, private readonly progress: Progress) {
    super(path, { metadata });
  }

  override append(r: TraceRow): void {
    super.append(r);
    const n = this.rows;
    if ((n & 0xffff) === 0) this.progress.update(n);
  }
}

export type { ParamValue, Workload };
