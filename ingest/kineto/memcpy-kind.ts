/**
 * Direction and memory kinds of a Kineto/CUPTI memcpy, from its label: `Memcpy HtoD (Pinned -> Device)`,
 * `Memcpy DtoH (Device -> Pageable)`, `Memcpy DtoD (Device -> Device)`, `Memcpy PtoP (Device -> Device)`
 * (CUPTI memcpy kinds HtoD, DtoH, HtoA, AtoH, AtoA, AtoD, DtoA, DtoD, HtoH, PtoP; memory kinds
 * Pageable, Pinned, Device, Array, Managed, Unknown; ROCm prints `Host`).
 */
import type { MemKind } from '../trace/schema.ts';

/** Which side of a copy lives where: the host, the copy's device, or a peer device (PtoP). */
export type CopySide = 'host' | 'device' | 'peer';

export interface MemcpyKind {
  /** e.g. `HtoD` */
  direction: string;
  src: CopySide;
  dst: CopySide;
  /** Canonical memory kinds of the two sides, when the label says (null for Unknown/Host). */
  srcMem: MemKind | null;
  dstMem: MemKind | null;
}

const SIDES: Record<string, CopySide> = { H: 'host', D: 'device', A: 'device' };

const MEM_KIND_WORDS: Record<string, MemKind | null> = {
  pageable: 'pageable', pinned: 'pinned', device: 'device', array: 'device', managed: 'managed', host: null, unknown: null,
};

const LABEL = /^Memcpy ([HDAP])to([HDAP])(?:\s*\((\w+)\s*->\s*(\w+)\))?/;
const DIRECTION = /^([HDAP])to([HDAP])$/;

/**
 * Parses a memcpy label, or falls back to a direction string such as ROCm's `args.kind` ("HtoD").
 * Returns null when neither says the direction.
 */
export function parseMemcpyKind(label: string, kindArg?: unknown): MemcpyKind | null {
  let m: RegExpExecArray | null = LABEL.exec(label);
  let srcWord: string | undefined;
  let dstWord: string | undefined;
  if (m) { srcWord = m[3]; dstWord = m[4]; } else if (typeof kindArg === 'string') m = DIRECTION.exec(kindArg);
  if (!m) return null;
  const s = m[1]!;
  const d = m[2]!;
  // PtoP is one letter for both sides: the source is fromDevice, the destination toDevice.
  const src: CopySide = s === 'P' ? 'device' : SIDES[s]!;
  const dst: CopySide = d === 'P' ? 'peer' : SIDES[d]!;
  return {
    direction: `${s}to${d}`,
    src, dst,
    srcMem: memKindWord(srcWord, src),
    dstMem: memKindWord(dstWord, dst),
  };
}

function memKindWord(word: string | undefined, side: CopySide): MemKind | null {
  if (word !== undefined) {
    const k = MEM_KIND_WORDS[word.toLowerCase()];
    if (k !== undefined) return k;
    return null;
  }
  return side === 'host' ? null : 'device';
}
