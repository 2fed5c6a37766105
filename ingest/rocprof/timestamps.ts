/**
 * rocprofiler-sdk timestamps are integer nanoseconds of a monotonic clock that starts at boot, so they
 * pass 2^53 (the last exact double) after about 104 days of uptime. Times are therefore kept relative
 * to an anchor (the first timestamp read); a value a double cannot hold exactly is re-read from the
 * record's source text and subtracted in BigInt.
 */

/** Returned instead of a time: a description of what is wrong with the value. */
export type TimestampProblem = { problem: string };

export class TimestampAnchor {
  private anchor: bigint | null = null;
  /** The anchor as a number when it is exact (the common case: no BigInt per record). */
  private anchorNumber: number | null = null;

  /** Nanoseconds of `record[key]` after the anchor (the first value read becomes the anchor). */
  local(value: unknown, key: string, text: string): number | TimestampProblem {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      return { problem: value === undefined ? 'missing' : `is not a non-negative integer (got ${JSON.stringify(value)})` };
    }
    if (Number.isSafeInteger(value)) {
      if (this.anchor === null) { this.anchor = BigInt(value); this.anchorNumber = value; }
      if (this.anchorNumber !== null) return value - this.anchorNumber;
      return this.fromBig(BigInt(value), value);
    }
    const digits = integerDigits(text, key);
    // The first `"key": digits` of a record is its own in practice; the cross-check guards the rest.
    if (digits === null || Number(digits) !== value) return { problem: `is beyond 2^53 and its digits could not be re-read (got ${value})` };
    const exact = BigInt(digits);
    if (this.anchor === null) this.anchor = exact;
    return this.fromBig(exact, value);
  }

  private fromBig(exact: bigint, value: number): number | TimestampProblem {
    const local = Number(exact - this.anchor!);
    if (!Number.isSafeInteger(local)) return { problem: `is out of range (got ${value}; times must stay within 104 days of each other)` };
    return local;
  }
}

/** The digits of the first `"key": <digits>` in `text`, if any. */
function integerDigits(text: string, key: string): string | null {
  const m = new RegExp(`"${key}"\\s*:\\s*(\\d+)(?![\\d.eE])`).exec(text);
  return m ? m[1]! : null;
}
