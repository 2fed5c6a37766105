/**
 * sha256 computed on a worker thread, fed synchronously: `update()` copies the bytes into a shared ring
 * of slots and returns (it blocks only when the worker is a whole ring behind); `digest()` waits for the
 * worker's result. The replay reads the trace once and hashes what it reads; with the hash off the main
 * thread, the main thread keeps replaying while a second core hashes. The digest is the same as
 * `createHash('sha256')` over the same bytes in the same order.
 *
 * Protocol (Atomics on a shared Int32Array): slot k of the ring holds the bytes of update number
 * `produced` ≡ k (mod SLOTS), its length in `lens[k]` (-1 = end of input); the main thread bumps
 * `produced`, the worker bumps `consumed`, each waits on the other's counter. The worker writes the hex
 * digest and sets `status` (1 done, 2 failed).
 */
import { Worker } from 'node:worker_threads';

const SLOTS = 8;
const SLOT_BYTES = 4 << 20;
const PRODUCED = 0;
const CONSUMED = 1;
const STATUS = 2;
/** set while the worker sleeps waiting for `produced` / the main thread for `consumed`: a notify
 * (a system call) is made only then (both sides store their flag, then re-read the counter) */
const WORKER_WAITS = 3;
const MAIN_WAITS = 4;
const LENS = 5;
const CTRL = LENS + SLOTS; // produced, consumed, status, the two flags, lens[SLOTS]

const WORKER = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { ctrl, data, out, slots, slotBytes } = workerData;
const c = new Int32Array(ctrl);
const d = new Uint8Array(data);
const o = new Uint8Array(out);
try {
  const h = createHash('sha256');
  for (let n = 0; ; n++) {
    if (Atomics.load(c, ${PRODUCED}) === n) {
      Atomics.store(c, ${WORKER_WAITS}, 1);
      while (Atomics.load(c, ${PRODUCED}) === n) Atomics.wait(c, ${PRODUCED}, n);
      Atomics.store(c, ${WORKER_WAITS}, 0);
    }
    const k = n % slots;
    const len = c[${LENS} + k];
    if (len < 0) break;
    h.update(d.subarray(k * slotBytes, k * slotBytes + len));
    Atomics.store(c, ${CONSUMED}, n + 1);
    if (Atomics.load(c, ${MAIN_WAITS}) === 1) Atomics.notify(c, ${CONSUMED});
  }
  o.set(Buffer.from(h.digest('hex'), 'latin1'));
  Atomics.store(c, ${STATUS}, 1);
} catch (e) {
  Atomics.store(c, ${STATUS}, 2);
}
Atomics.notify(c, ${STATUS});
`;

export class BackgroundSha256 {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(CTRL * 4));
  private readonly data = new Uint8Array(new SharedArrayBuffer(SLOTS * SLOT_BYTES));
  private readonly out = new Uint8Array(new SharedArrayBuffer(64));
  private readonly worker: Worker;
  private produced = 0;
  private result: string | null = null;

  constructor() {
    this.worker = new Worker(WORKER, {
      eval: true,
      workerData: { ctrl: this.ctrl.buffer, data: this.data.buffer, out: this.out.buffer, slots: SLOTS, slotBytes: SLOT_BYTES },
    });
    this.worker.unref();
  }

  /** Hashes `bytes` next (copied: the caller may reuse its buffer at once). */
  update(bytes: Uint8Array): void {
    for (let off = 0; off < bytes.length; off += SLOT_BYTES) {
      const piece = bytes.subarray(off, Math.min(bytes.length, off + SLOT_BYTES));
      const k = this.nextSlot();
      this.data.set(piece, k * SLOT_BYTES);
      this.publish(k, piece.length);
    }
  }

  /** Hex digest of every byte given to `update`; ends the worker. */
  digest(): string {
    if (this.result !== null) return this.result;
    this.publish(this.nextSlot(), -1);
    for (;;) {
      const s = Atomics.load(this.ctrl, STATUS);
      if (s === 1) break;
      if (s === 2) throw new Error('sha256 worker failed');
      Atomics.wait(this.ctrl, STATUS, 0, 1000);
    }
    this.result = Buffer.from(this.out).toString('latin1');
    void this.worker.terminate();
    return this.result;
  }

  /** Stops the worker without a digest. */
  close(): void { if (this.result === null) void this.worker.terminate(); }

  /** Waits until the worker has consumed the slot the next update overwrites; returns that slot. */
  private nextSlot(): number {
    for (;;) {
      const consumed = Atomics.load(this.ctrl, CONSUMED);
      if (this.produced - consumed < SLOTS) break;
      if (Atomics.load(this.ctrl, STATUS) === 2) throw new Error('sha256 worker failed');
      Atomics.store(this.ctrl, MAIN_WAITS, 1);
      if (Atomics.load(this.ctrl, CONSUMED) === consumed) Atomics.wait(this.ctrl, CONSUMED, consumed, 1000);
      Atomics.store(this.ctrl, MAIN_WAITS, 0);
    }
    return this.produced % SLOTS;
  }

  private publish(k: number, len: number): void {
    this.ctrl[LENS + k] = len;
    this.produced++;
    Atomics.store(this.ctrl, PRODUCED, this.produced);
    // A sleeping worker is woken once half the ring is pending (or at the end): fewer, larger wake-ups.
    const pending = this.produced - Atomics.load(this.ctrl, CONSUMED);
    if ((len < 0 || pending >= SLOTS / 2) && Atomics.load(this.ctrl, WORKER_WAITS) === 1) Atomics.notify(this.ctrl, PRODUCED);
  }
}
