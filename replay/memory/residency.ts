/**
 * Where a faulting page goes: the residency rules of `block_select_processor_residency`
 * (REFERENCE.md §2.3), in the order the driver applies them. Rules 1 (forced sysmem) and 8 (remote
 * map on native-atomics faults, default off) have no trigger in a trace and are left out.
 */
import { FLAG_PINNED, FLAG_READ_MOSTLY, type PageState } from './page-state.ts';

/** decision codes: >= 0 migrate to that memory index */
export const RES_REMOTE = -1;     // keep where it is, map remotely
export const RES_DUPLICATE = -2;  // read-duplicate onto the faulter

export interface ResidencyInputs {
  /** memory index of the faulting processor */
  faulter: number;
  faulterIsCpu: boolean;
  faulterIsNic: boolean;
  /** HMM (`anon`) allocation */
  hmm: boolean;
  write: boolean;
  /** thrashing PIN hint for this page */
  thrashPin: boolean;
  /** can the faulter reach memory `m` without migrating (CPU: sys or coherent; GPU: any connected) */
  canAccess: (m: number) => boolean;
  /** policy.gpu_peer_fault = remote and the page sits in another GPU */
  peerRemote: boolean;
}

export function selectResidency(s: PageState, p: number, x: ResidencyInputs): number {
  const l = s.loc[p]! - 1;
  const f = s.flags[p]!;
  if (f & FLAG_PINNED) return RES_REMOTE;                                        // pinned pages never move (§1.10)
  if ((f & FLAG_READ_MOSTLY) && !x.write && l >= 0) return RES_DUPLICATE;       // rule 2
  const pref = s.preferred[p]!;
  if (pref === x.faulter) return x.faulter;                                      // rule 3
  if (x.hmm && x.faulterIsCpu) return x.faulter;                                 // rule 4
  if (x.thrashPin && l >= 0) return RES_REMOTE;                                  // rule 5
  if (l < 0) return pref >= 0 && x.canAccess(pref) ? pref : x.faulter;           // rule 6 (first touch)
  if ((s.accessedBy[p]! & (1 << x.faulter)) && x.canAccess(l)) return RES_REMOTE; // rule 7
  if (pref >= 0 && x.canAccess(pref)) return pref === l ? RES_REMOTE : pref;     // rule 9
  if (x.faulterIsNic) return RES_REMOTE;                                         // rule 10
  if (x.peerRemote) return RES_REMOTE;
  return x.faulter;                                                              // rule 11
}
