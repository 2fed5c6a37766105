/** The charts of a report, in page order. */
import type { Chart } from '../chart.ts';
import { barOverTime } from './bar-over-time.ts';
import { capacityBar } from './capacity-bar.ts';
import { capacityMemory } from './capacity-memory.ts';
import { linkHeadroom } from './link-headroom.ts';
import { linkUtilisation } from './link-utilisation.ts';
import { migrationSizeHistogram } from './migration-size-histogram.ts';
import { migrationsOverTime } from './migrations-over-time.ts';
import { stallBreakdown } from './stall-breakdown.ts';
import { topObjects } from './top-objects.ts';
import { variantTime } from './variant-time.ts';
import { variantTraffic } from './variant-traffic.ts';

/** Per-run charts (small multiples in a sweep). */
export const RUN_CHARTS: readonly Chart[] = [migrationsOverTime, migrationSizeHistogram, barOverTime, linkUtilisation, stallBreakdown, topObjects];
/** Sweep only: variants side by side. */
export const COMPARISON_CHARTS: readonly Chart[] = [variantTime, variantTraffic];
/** Sweep only: capacity planning. */
export const CAPACITY_CHARTS: readonly Chart[] = [capacityBar, capacityMemory, linkHeadroom];
