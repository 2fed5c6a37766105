/**
 * Checks on a platform beyond the shape the loader validates, on the hostile-input side: a YAML
 * alias bomb, zero sizes, and a PCIe fabric that is not a tree. Each failure names the key path, so
 * the loader reports file, line and key (or `--set`/`--vary` when an override caused it).
 */
import type { Document } from 'yaml';
import { BadInputError } from '../common/bad-input.ts';
import type { Platform } from './platform.ts';

/**
 * Aliases the document may expand: the yaml package counts alias expansions and throws past this
 * (its default is also 100). A "billion laughs" file of nested aliases stays a clear error.
 */
export const MAX_ALIAS_COUNT = 100;

/** `doc.toJS()` with the alias bound, its resource-exhaustion error reported as bad input. */
export function documentToJs(doc: Document, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new BadInputError(file, undefined, undefined, `YAML: ${(e as Error).message} (more than ${MAX_ALIAS_COUNT} alias expansions)`);
  }
}

/** Reports a problem at a key path (the loader's Validator.fail). */
export type FailAt = (path: string[], problem: string) => never;

/**
 * - Memory sizes and apertures are positive: a GPU with 0 bytes of memory or a 0-byte BAR has nowhere
 *   to place a page or map a peer (bandwidths are already positive: platform-units.ts).
 * - PCIe links form a forest: in Linux every PCI device has one parent bus (`struct pci_dev::bus`)
 *   and p2pdma finds the common upstream bridge by walking `pci_upstream_bridge()` up that tree
 *   (drivers/pci/p2pdma.c `calc_map_type_and_dist`, REFERENCE.md §1.7). A PCIe cycle
 *   (cpu0–sw0–nic0–cpu0) has no such walk. Other link types (NVLink, C2C, UPI) are direct
 *   point-to-point links beside the tree and may close loops (two GPUs on PCIe and NVLink).
 */
export function checkPlatformLimits(p: Platform, fail: FailAt): void {
  for (const m of p.memories) if (!(m.size > 0)) fail(['memories', m.name, 'size'], `must be positive (got ${m.size})`);
  for (const a of p.agents) {
    if (a.kind !== 'gpu') continue;
    if (!(a.memory > 0)) fail(['agents', a.name, 'memory'], `must be positive (got ${a.memory})`);
    if (!(a.bar > 0)) fail(['agents', a.name, 'bar'], `must be positive (got ${a.bar})`);
  }
  const parent = new Map<string, string>();
  const root = (x: string): string => {
    let r = x;
    while (parent.has(r)) r = parent.get(r)!;
    return r;
  };
  for (const l of p.links) {
    if (l.type !== 'pcie') continue;
    const ra = root(l.a);
    const rb = root(l.b);
    if (ra === rb) fail(['links', l.name], `closes a cycle of PCIe links through ${l.a} and ${l.b}; PCIe is a tree (one upstream link per device)`);
    parent.set(ra, rb);
  }
}
