/** The timeline's (time, a, value) logs live in spill-log.ts (bounded in memory). */
export { TripleLog } from '../spill-log.ts';
