/**
 * Writes what a source says about its devices and itself into the trace metadata (META.devices,
 * META.sourceInfo), merging with what earlier files of the same ingest already put there.
 */
import type { RowSink } from '../format.ts';
import { META } from '../trace/schema.ts';

/** One entry of META.devices: `agent` plus whatever the source knows. */
export interface DeviceInfo {
  agent: string;
  [key: string]: unknown;
}

/** Adds devices; an agent already listed keeps its fields and gains new ones. */
export function addDevices(sink: RowSink, devices: readonly DeviceInfo[]): void {
  if (devices.length === 0) return;
  const prior = sink.metadata.get(META.devices);
  const list: DeviceInfo[] = prior ? (JSON.parse(prior) as DeviceInfo[]) : [];
  for (const d of devices) {
    const existing = list.find((x) => x.agent === d.agent);
    if (existing) {
      for (const [k, v] of Object.entries(d)) if (!(k in existing)) existing[k] = v;
    } else list.push({ ...d });
  }
  list.sort((a, b) => compareAgents(a.agent, b.agent));
  sink.metadata.set(META.devices, JSON.stringify(list));
}

/** Appends `value` to the array `key` of the META.sourceInfo object (one entry per source file). */
export function addSourceInfo(sink: RowSink, key: string, value: unknown): void {
  const prior = sink.metadata.get(META.sourceInfo);
  const info = prior ? (JSON.parse(prior) as Record<string, unknown>) : {};
  const list = Array.isArray(info[key]) ? (info[key] as unknown[]) : [];
  list.push(value);
  info[key] = list;
  sink.metadata.set(META.sourceInfo, JSON.stringify(info));
}

function compareAgents(a: string, b: string): number {
  const ma = /^([a-z]+)(\d+)$/.exec(a);
  const mb = /^([a-z]+)(\d+)$/.exec(b);
  if (ma && mb && ma[1] === mb[1]) return Number(ma[2]) - Number(mb[2]);
  return a < b ? -1 : a > b ? 1 : 0;
}
