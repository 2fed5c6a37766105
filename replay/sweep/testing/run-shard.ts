/**
 * A sweep shard in its own process, with the fake engine, for the test that kills a task mid-run:
 *   node --import tsx run-shard.ts <trace> <out> <shard i/N> '<vary as JSON>'
 */
import { sweep } from '../sweep.ts';

const [trace, out, shard, vary] = process.argv.slice(2);
await sweep({
  trace: trace!, out: out!, shard, vary: JSON.parse(vary!) as Record<string, string[]>, workers: 1,
  replayModule: new URL('./fake-replay.ts', import.meta.url).href,
});
