/**
 * Outputs are written to a temporary name beside the final one and renamed into place, so a crash or
 * a bad input never leaves a half-written file or run directory behind. Every temporary that is still
 * open is registered here, so the CLI can remove them all when it exits on an error.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const openTemps = new Set<string>();

/** A fresh temporary path beside `finalPath` (same directory, so rename is atomic). */
export function tempPathFor(finalPath: string): string {
  const tmp = join(dirname(finalPath), `.${basename(finalPath)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  openTemps.add(tmp);
  return tmp;
}

/** Moves a finished temporary into place (replacing an older output). */
export function commitTemp(tmp: string, finalPath: string): void {
  if (existsSync(finalPath)) rmSync(finalPath, { recursive: true, force: true });
  renameSync(tmp, finalPath);
  openTemps.delete(tmp);
}

/** Removes a temporary (file or directory) after a failure. */
export function discardTemp(tmp: string): void {
  rmSync(tmp, { recursive: true, force: true });
  openTemps.delete(tmp);
}

/** Removes every temporary still open (called by the CLI on an error exit). */
export function discardAllTemps(): void {
  for (const t of [...openTemps]) discardTemp(t);
}

/** Writes a whole file atomically. */
export function writeFileAtomic(finalPath: string, data: string | Uint8Array): void {
  mkdirSync(dirname(finalPath), { recursive: true });
  const tmp = tempPathFor(finalPath);
  try {
    writeFileSync(tmp, data);
    commitTemp(tmp, finalPath);
  } catch (e) {
    discardTemp(tmp);
    throw e;
  }
}

/**
 * Builds a directory atomically: `fill` writes into a temporary directory, which replaces `finalDir`
 * only when `fill` succeeds.
 */
export async function writeDirectoryAtomic<T>(finalDir: string, fill: (tmpDir: string) => Promise<T> | T): Promise<T> {
  mkdirSync(dirname(finalDir), { recursive: true });
  const tmp = tempPathFor(finalDir);
  mkdirSync(tmp, { recursive: true });
  try {
    const result = await fill(tmp);
    commitTemp(tmp, finalDir);
    return result;
  } catch (e) {
    discardTemp(tmp);
    throw e;
  }
}
