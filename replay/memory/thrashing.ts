/**
 * Thrashing detection and mitigation (REFERENCE.md §2.7, `uvm_perf_thrashing.c`), simplified:
 *
 * - a page's fault-driven migrations closer together than `thrashing_lapse` are consecutive events;
 *   `thrashing_threshold` of them in a row mark the page as thrashing (the driver counts revocations
 *   too; here every migration of the page updates its last-migration time);
 * - a thrashing page first gets THROTTLE hints (the faulting processor naps `thrashing_nap`), and after
 *   `thrashing_pin_threshold` throttles a PIN hint: the page stays where it is for `thrashing_pin`
 *   and the faulter maps it remotely;
 * - not modelled: the epoch reset, lapse auto-adjustment, max resets per block.
 */
import type { Policy } from '../platform.ts';
import type { PageState } from './page-state.ts';

export const HINT_NONE = 0;
export const HINT_THROTTLE = 1;
export const HINT_PIN = 2;

export class Thrashing {
  constructor(private readonly policy: Policy) {}

  /** Whether the page is pinned by an earlier PIN hint at time t. */
  pinned(s: PageState, p: number, t: number): boolean { return s.pinUntil[p]! > t; }

  /** Called when a processor faults on page `p` at time `t`; returns the hint. */
  onFault(s: PageState, p: number, t: number): number {
    const pol = this.policy;
    if (!pol.thrashing) return HINT_NONE;
    if (s.pinUntil[p]! > t) return HINT_PIN;
    if (t - s.lastMigrate[p]! > pol.thrashing_lapse) { s.thrashEvents[p] = 0; return HINT_NONE; }
    const ev = Math.min(255, s.thrashEvents[p]! + 1);
    s.thrashEvents[p] = ev;
    if (ev < pol.thrashing_threshold) return HINT_NONE;
    if (s.throttles[p]! < pol.thrashing_pin_threshold) { s.throttles[p]!++; return HINT_THROTTLE; }
    s.throttles[p] = 0;
    s.thrashEvents[p] = 0;
    s.pinUntil[p] = pol.thrashing_pin === 0 ? Infinity : t + pol.thrashing_pin;
    if (s.pinUntil[p]! > s.pinHorizon) s.pinHorizon = s.pinUntil[p]!;
    return HINT_PIN;
  }
}
