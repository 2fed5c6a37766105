/**
 * What a directory holds: one run directory, or a sweep — a tree of hive-style `key=value` folders
 * whose leaves are run directories (replay/sweep/). Keys become columns, so a sweep reads as one
 * partitioned dataset (the same layout DuckDB, Spark and Trino read with hive partitioning).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BadInputError } from '../common/bad-input.ts';
import { RUN_FILES } from '../replay/run-output.ts';
import { compareVariantValues } from './variant-order.ts';

export interface RunRef {
  /** path relative to the dataset root with `/` separators (`platform=a100-pcie4/gpu0.bar=256MiB`), `.` for a lone run */
  id: string;
  /** absolute path of the run directory */
  dir: string;
  /** variant key → value, from the folder names */
  keys: Record<string, string>;
}

export interface Dataset {
  root: string;
  kind: 'run' | 'sweep';
  /** variant keys in the order of the folder levels where they first appear */
  keys: string[];
  /** runs in a stable order: by each folder level, values compared numerically/by size when they are sizes */
  runs: RunRef[];
}

const HIVE_SEGMENT = /^([^=/\\.][^=/\\]*)=([^=/\\]*)$/;

export function isRunDir(dir: string): boolean {
  return existsSync(join(dir, RUN_FILES.summary));
}

/** Opens `dir` as a run or a sweep; a clear BadInputError when it is neither or a run is incomplete. */
export function openDataset(dir: string): Dataset {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new BadInputError(dir, undefined, undefined, 'is not a directory (expected a run or sweep directory)');
  }
  if (isRunDir(root)) {
    checkRun(dir, root);
    return { root, kind: 'run', keys: [], runs: [{ id: '.', dir: root, keys: {} }] };
  }
  const runs: RunRef[] = [];
  const keys: string[] = [];
  const walk = (abs: string, segments: string[], kv: [string, string][]): void => {
    for (const name of readdirSync(abs).sort()) {
      const m = HIVE_SEGMENT.exec(name); // dot-folders (temporaries of unfinished runs) never match
      if (!m) continue;
      const child = join(abs, name);
      if (!statSync(child).isDirectory()) continue;
      const key = m[1]!;
      if (kv.some(([k]) => k === key)) {
        throw new BadInputError(join(dir, ...segments, name), undefined, key, 'variant key appears twice in one path');
      }
      if (!keys.includes(key)) keys.push(key);
      const next: [string, string][] = [...kv, [key, m[2]!]];
      if (isRunDir(child)) {
        checkRun(join(dir, ...segments, name), child);
        runs.push({ id: [...segments, name].join('/'), dir: child, keys: Object.fromEntries(next) });
      } else {
        walk(child, [...segments, name], next);
      }
    }
  };
  walk(root, [], []);
  if (runs.length === 0) {
    throw new BadInputError(dir, undefined, undefined,
      `is neither a run directory (no ${RUN_FILES.summary}) nor a sweep directory (no key=value run folders below it)`);
  }
  runs.sort((a, b) => {
    for (const k of keys) {
      const c = compareVariantValues(a.keys[k], b.keys[k]);
      if (c !== 0) return c;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return { root, kind: 'sweep', keys, runs };
}

function checkRun(shown: string, abs: string): void {
  for (const f of [RUN_FILES.events, RUN_FILES.timeline, RUN_FILES.run]) {
    if (!existsSync(join(abs, f))) throw new BadInputError(join(shown, f), undefined, undefined, 'is missing (incomplete run directory)');
  }
}
