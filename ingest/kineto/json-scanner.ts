/**
 * A streaming scanner for Chrome-trace JSON (`{"traceEvents": [ … ], "other": …}`) that never holds
 * the whole document: it walks the bytes with a small state machine (string/escape state and bracket
 * depth), cuts out each element of the top-level `traceEvents` array and JSON.parses only that
 * element. Other top-level values are small (device properties, distributed info, base time) and are
 * parsed whole. Line numbers are tracked for error messages (`file:line: field: problem`).
 *
 * Byte-level on purpose: every structural byte of JSON is ASCII, and UTF-8 never uses ASCII bytes
 * inside a multi-byte character, so cutting the byte stream at brackets is safe.
 */
import { BadInputError } from '../../common/bad-input.ts';
import { replaceNonFiniteNumbers } from './non-finite.ts';

export interface TraceJsonHandlers {
  /** A top-level key other than `traceEvents`, with its value parsed and its source text. */
  topLevel(key: string, value: unknown, text: string, line: number): void;
  /** One element of `traceEvents`: parsed value, source text, line of its first byte, index in the array. */
  event(value: unknown, text: string, line: number, index: number): void;
  /**
   * Optional fast path: sees an element's raw bytes before it is decoded and parsed, and returns true
   * when it has dealt with it (e.g. counted an event it does not map). Such an element is only checked
   * for balanced brackets and strings, not parsed.
   */
  peek?(bytes: Buffer, start: number, end: number): boolean;
}

const enum S {
  BeforeDoc, BeforeKey, InKey, BeforeColon, BeforeValue, InValue, AfterValue,
  BeforeElem, InElem, AfterElem, Done,
}

const enum K { Composite, String, Scalar }

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDelimiter = (c: number): boolean => isSpace(c) || c === 0x2c || c === 0x7d || c === 0x5d;

function countNewlinesInText(text: string, to: number): number {
  let n = 0;
  let i = text.indexOf('\n');
  while (i >= 0 && i < to) { n++; i = text.indexOf('\n', i + 1); }
  return n;
}

const describeByte = (c: number): string => (c >= 0x21 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16).padStart(2, '0')}`);

export class TraceJsonScanner {
  private state = S.BeforeDoc;
  private first = true;
  private key = '';
  private sawTraceEvents = false;
  private index = 0;

  // The value being captured.
  private kind = K.Scalar;
  private depth = 0;
  private inString = false;
  private escape = false;
  private pieces: Buffer[] = [];
  private startLine = 0;

  // Lines: newlines seen before `lineScanPos` of the current chunk, plus one; `nextNewline` caches
  // the first newline at or after lineScanPos (the chunk length when none), so one-line documents
  // are not rescanned to the chunk's end for every element.
  private line = 1;
  private lineScanPos = 0;
  private nextNewline = -1;
  private bomBytes = 0;

  constructor(private readonly file: string, private readonly handlers: TraceJsonHandlers) {}

  /** Whether the document had a `traceEvents` array. */
  get hadTraceEvents(): boolean { return this.sawTraceEvents; }
  /** Values that parsed only once bare inf/nan tokens were read as null (non-finite.ts). */
  repaired = 0;

  /** Elements of `traceEvents` seen so far. */
  get events(): number { return this.index; }

  push(buf: Buffer): void {
    const n = buf.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case S.InElem:
        case S.InValue:
        case S.InKey: {
          const end = this.continueCapture(buf, i, n);
          if (end < 0) { i = n; break; }
          i = end;
          const whole = Buffer.concat(this.pieces);
          this.finishCapture(whole, 0, whole.length);
          break;
        }
        default: {
          const c = buf[i]!;
          if (isSpace(c)) { i++; break; }
          i = this.structural(buf, i, c);
        }
      }
    }
    this.line += this.countNewlines(buf, this.lineScanPos, n);
    this.lineScanPos = 0;
    this.nextNewline = -1;
  }

  /** Newline bytes in buf[from, to) of the current chunk (from ≥ every earlier call's `to`). */
  private countNewlines(buf: Buffer, from: number, to: number): number {
    let i = this.nextNewline;
    if (i < from) i = buf.indexOf(NEWLINE, from);
    let n = 0;
    while (i >= 0 && i < to) { n++; i = buf.indexOf(NEWLINE, i + 1); }
    this.nextNewline = i < 0 ? buf.length : i;
    return n;
  }

  /** Call at the end of the input: a document that is not closed is truncated. */
  end(): void {
    if (this.state === S.Done) return;
    const where = this.state === S.InElem || this.state === S.BeforeElem || this.state === S.AfterElem
      ? `inside traceEvents (after ${this.index} complete element${this.index === 1 ? '' : 's'})`
      : this.state === S.BeforeDoc ? 'before any JSON value (empty file)' : 'before the closing "}" of the document';
    throw new BadInputError(this.file, this.line, undefined, `truncated JSON: the input ends ${where}`);
  }

  /** The line of byte `pos` of the current chunk (positions must not go backwards within a chunk). */
  private lineAt(buf: Buffer, pos: number): number {
    this.line += this.countNewlines(buf, this.lineScanPos, pos);
    this.lineScanPos = pos;
    return this.line;
  }

  private fail(buf: Buffer, pos: number, problem: string): never {
    throw new BadInputError(this.file, this.lineAt(buf, pos), undefined, problem);
  }

  /** Handles one non-space byte outside any captured value; returns the next position. */
  private structural(buf: Buffer, i: number, c: number): number {
    switch (this.state) {
      case S.BeforeDoc:
        // A UTF-8 byte order mark (possibly split across chunks) may precede the document.
        if (this.bomBytes < 3 && c === UTF8_BOM[this.bomBytes]) { this.bomBytes++; return i + 1; }
        if (c !== 0x7b) this.fail(buf, i, `expected a JSON object ("{") at the start of the document, found ${describeByte(c)}`);
        this.state = S.BeforeKey;
        this.first = true;
        return i + 1;
      case S.BeforeKey:
        if (c === 0x7d && this.first) { this.state = S.Done; return i + 1; }
        if (c !== QUOTE) this.fail(buf, i, `expected a key string in the top-level object, found ${describeByte(c)}`);
        return this.startCapture(buf, i, S.InKey);
      case S.BeforeColon:
        if (c !== 0x3a) this.fail(buf, i, `expected ":" after top-level key "${this.key}", found ${describeByte(c)}`);
        this.state = S.BeforeValue;
        return i + 1;
      case S.BeforeValue:
        if (this.key === 'traceEvents') {
          if (c !== 0x5b) throw new BadInputError(this.file, this.lineAt(buf, i), 'traceEvents', `is not an array (found ${describeByte(c)})`);
          this.sawTraceEvents = true;
          this.state = S.BeforeElem;
          this.first = true;
          return i + 1;
        }
        return this.startCapture(buf, i, S.InValue);
      case S.AfterValue:
        if (c === 0x2c) { this.state = S.BeforeKey; this.first = false; return i + 1; }
        if (c === 0x7d) { this.state = S.Done; return i + 1; }
        return this.fail(buf, i, `expected "," or "}" after the top-level value of "${this.key}", found ${describeByte(c)}`);
      case S.BeforeElem:
        if (c === 0x5d && this.first) { this.state = S.AfterValue; return i + 1; }
        if (c === 0x5d || c === 0x2c) this.fail(buf, i, `expected a traceEvents element, found ${describeByte(c)}`);
        return this.startCapture(buf, i, S.InElem);
      case S.AfterElem:
        if (c === 0x2c) { this.state = S.BeforeElem; this.first = false; return i + 1; }
        if (c === 0x5d) { this.state = S.AfterValue; return i + 1; }
        return this.fail(buf, i, `expected "," or "]" after traceEvents element ${this.index - 1}, found ${describeByte(c)}`);
      case S.Done:
        return this.fail(buf, i, `unexpected ${describeByte(c)} after the end of the JSON document`);
      default:
        throw new Error(`TraceJsonScanner: unexpected state ${this.state}`);
    }
  }

  private startCapture(buf: Buffer, i: number, state: S): number {
    this.state = state;
    this.startLine = this.lineAt(buf, i);
    this.pieces.length = 0;
    this.escape = false;
    const c = buf[i]!;
    if (c === 0x7b || c === 0x5b) { this.kind = K.Composite; this.depth = 1; this.inString = false; return this.captureFrom(buf, i, i + 1, buf.length); }
    if (c === QUOTE) { this.kind = K.String; this.inString = true; return this.captureFrom(buf, i, i + 1, buf.length); }
    this.kind = K.Scalar;
    return this.captureFrom(buf, i, i, buf.length);
  }

  /** Scans a capture that started at `start` from `from`; returns the end position or the chunk end. */
  private captureFrom(buf: Buffer, start: number, from: number, n: number): number {
    const end = this.scan(buf, from, n);
    if (end < 0) {
      this.pieces.push(buf.subarray(start, n));
      return n;
    }
    // Most values fit in one chunk: read them in place, without copying.
    this.finishCapture(buf, start, end);
    return end;
  }

  /** Continues a capture at the start of a new chunk; returns the end position, or -1 if it goes on. */
  private continueCapture(buf: Buffer, i: number, n: number): number {
    const end = this.scan(buf, i, n);
    this.pieces.push(buf.subarray(i, end < 0 ? n : end));
    return end;
  }

  /** Advances the capture state over buf[i, n); returns the index just past the value, or -1. */
  private scan(buf: Buffer, i: number, n: number): number {
    if (this.kind === K.Scalar) {
      while (i < n) { if (isDelimiter(buf[i]!)) return i; i++; }
      return -1;
    }
    let depth = this.depth;
    let inString = this.inString;
    let escape = this.escape;
    // The byte after a backslash that ended the previous chunk is escaped: skip it.
    if (escape) { i++; escape = false; }
    const composite = this.kind === K.Composite;
    outer: while (i < n) {
      if (inString) {
        // Tight inner loop over string bytes: only a quote or a backslash matters.
        for (;;) {
          if (i >= n) break outer;
          const c = buf[i++]!;
          if (c === QUOTE) break;
          if (c === BACKSLASH) { if (i < n) i++; else { escape = true; break outer; } }
        }
        inString = false;
        if (!composite) { this.inString = false; this.escape = false; return i; }
        continue;
      }
      const c = buf[i++]!;
      if (c === QUOTE) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (--depth === 0) { this.depth = 0; this.inString = false; this.escape = false; return i; }
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escape = escape;
    return -1;
  }

  /** Handles the captured value in bytes[start, end). */
  private finishCapture(bytes: Buffer, start: number, end: number): void {
    this.pieces.length = 0;
    if (this.state === S.InElem && this.handlers.peek?.(bytes, start, end)) {
      this.index++;
      this.state = S.AfterElem;
      return;
    }
    const text = bytes.toString('utf8', start, end);
    switch (this.state) {
      case S.InKey:
        this.key = this.parse(text, 'top-level key') as string;
        this.state = S.BeforeColon;
        return;
      case S.InValue: {
        const value = this.parse(text, this.key);
        this.state = S.AfterValue;
        this.handlers.topLevel(this.key, value, text, this.startLine);
        return;
      }
      case S.InElem: {
        const index = this.index++;
        const value = this.parse(text, `traceEvents[${index}]`);
        this.state = S.AfterElem;
        this.handlers.event(value, text, this.startLine, index);
        return;
      }
      default:
        throw new Error(`TraceJsonScanner: capture finished in state ${this.state}`);
    }
  }

  private parse(text: string, field: string): unknown {
    try {
      return JSON.parse(text);
    } catch (e) {
      const repaired = replaceNonFiniteNumbers(text);
      if (repaired !== null) {
        try {
          const value: unknown = JSON.parse(repaired);
          this.repaired++;
          return value;
        } catch { /* report the original error */ }
      }
      const msg = (e as Error).message;
      const pos = /at position (\d+)/.exec(msg);
      const line = this.startLine + (pos ? countNewlinesInText(text, Number(pos[1])) : 0);
      // V8 quotes the source in some messages: keep only the diagnosis.
      const diagnosis = msg.replace(/, ".*" is not valid JSON$/s, '').slice(0, 120);
      throw new BadInputError(this.file, line, field, `is not valid JSON (${diagnosis})`);
    }
  }
}
