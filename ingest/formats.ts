/** The registry of trace formats `hetmem ingest` reads, in `--format auto` sniffing order. */
import type { FormatName, IngestFormat } from './format.ts';
import { csvFormat } from './csv.ts';
import { etFormat } from './et.ts';
import { kinetoFormat } from './kineto.ts';
import { rocprofFormat } from './rocprof.ts';
import { nsysFormat } from './nsys.ts';
import { nvprofFormat } from './nvprof.ts';
import { uvmLogFormat } from './uvm-log.ts';
import { ftraceFormat } from './ftrace.ts';
import { damoFormat } from './damo.ts';

export const FORMATS: readonly IngestFormat[] = [etFormat, kinetoFormat, rocprofFormat, nsysFormat, nvprofFormat, uvmLogFormat, ftraceFormat, damoFormat, csvFormat];

export function formatByName(name: FormatName): IngestFormat {
  const f = FORMATS.find((x) => x.name === name);
  if (!f) throw new Error(`unknown format ${name}`);
  return f;
}
