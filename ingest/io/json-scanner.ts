/**
 * A streaming scanner for large JSON documents (Chrome-trace `{"traceEvents": [ … ], "other": …}`,
 * rocprofv3 `{"rocprofiler-sdk-tool": [{…, "buffer_records": {"kernel_dispatch": [ … ]}}]}`) that never
 * holds the whole document: it walks the bytes with a small state machine (string/escape state and
 * bracket depth). A plan says, for each value position (a path of keys and indices), whether to walk
 * into the container (`descend`), to cut out each element of the array there and JSON.parse only that
 * element (`stream`), or to parse the value whole (`value`: small things such as device properties).
 * Line numbers are tracked for error messages (`file:line: field: problem`).
 *
 * Byte-level on purpose: every structural byte of JSON is ASCII, and UTF-8 never uses ASCII bytes
 * inside a multi-byte character, so cutting the byte stream at brackets is safe.
 */
import { BadInputError } from '../../common/bad-input.ts';
import { maxRecordBytes, recordTooLong } from '../../common/limits.ts';
import { replaceNonFiniteNumbers } from './non-finite.ts';

/** Where a value sits: object keys and array indices from the document root. */
export type JsonPath = readonly (string | number)[];

/** What to do with the value at a path (see the module comment). */
export type PathPlan = 'descend' | 'stream' | 'value';

export interface JsonStreamHandlers {
  /** Called for each value position inside a descended container (the root is always descended). */
  plan(path: JsonPath): PathPlan;
  /** Optional: a container planned `descend` opens (`object`: `{`, else `[`); may reject its kind. */
  open?(path: JsonPath, object: boolean, line: number): void;
  /** A value planned `value` (or a scalar planned `descend`): parsed value, source text, line of its first byte. */
  value(path: JsonPath, value: unknown, text: string, line: number): void;
  /** One element of a streamed array at `path`: parsed value, source text, line, index in the array. */
  element(path: JsonPath, value: unknown, text: string, line: number, index: number): void;
  /**
   * Optional fast path: sees a streamed element's raw bytes before it is decoded and parsed, and
   * returns true when it has dealt with it (e.g. counted an element it does not map). Such an element
   * is only checked for balanced brackets and strings, not parsed.
   */
  peek?(path: JsonPath, bytes: Buffer, start: number, end: number): boolean;
}

/** Chrome-trace handlers (TraceJsonScanner): the `traceEvents` array streamed, other top-level keys whole. */
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

/** An open container the scanner walks through (descended) or streams. */
interface Frame {
  readonly object: boolean;
  /** Array whose elements go to `element`. */
  readonly stream: boolean;
  readonly path: JsonPath;
  /** Display name for messages: `a.b[0].c` ('' for the root). */
  readonly name: string;
  first: boolean;
  /** Object frames: the current key. */
  key: string;
  /** Array frames: elements completed so far. */
  count: number;
}

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

const childName = (parent: string, seg: string | number): string =>
  typeof seg === 'number' ? `${parent}[${seg}]` : parent ? `${parent}.${seg}` : seg;

export class JsonStreamScanner {
  private state = S.BeforeDoc;
  private readonly stack: Frame[] = [];
  /** The innermost open container (undefined before the root opens and after it closes). */
  private frame: Frame | undefined;
  private sawStream = false;
  private elements = 0;

  // The value being captured.
  private kind = K.Scalar;
  private depth = 0;
  private inString = false;
  private escape = false;
  private pieces: Buffer[] = [];
  /** Bytes captured so far of a value that spans chunks (bounded by maxBytes). */
  private capturedBytes = 0;
  private readonly maxBytes = maxRecordBytes();
  private startLine = 0;

  // Lines: newlines seen before `lineScanPos` of the current chunk, plus one; `nextNewline` caches
  // the first newline at or after lineScanPos (the chunk length when none), so one-line documents
  // are not rescanned to the chunk's end for every element.
  private line = 1;
  private lineScanPos = 0;
  private nextNewline = -1;
  private bomBytes = 0;

  constructor(private readonly file: string, private readonly handlers: JsonStreamHandlers) {}

  /** Whether the document had an array at a streamed path. */
  get hadStream(): boolean { return this.sawStream; }
  /** Values that parsed only once bare inf/nan tokens were read as null (non-finite.ts). */
  repaired = 0;

  /** Streamed elements seen so far (all streamed arrays together). */
  get events(): number { return this.elements; }

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
    let streamed: Frame | undefined;
    for (let k = this.stack.length - 1; k >= 0 && !streamed; k--) if (this.stack[k]!.stream) streamed = this.stack[k];
    const where = streamed
      ? `inside ${streamed.name} (after ${streamed.count} complete element${streamed.count === 1 ? '' : 's'})`
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

  private openFrame(object: boolean, stream: boolean, path: JsonPath, name: string): void {
    const f: Frame = { object, stream, path, name, first: true, key: '', count: 0 };
    this.stack.push(f);
    this.frame = f;
    this.state = object ? S.BeforeKey : S.BeforeElem;
    if (stream) this.sawStream = true;
  }

  private closeFrame(): void {
    this.stack.pop();
    const parent = this.stack[this.stack.length - 1];
    this.frame = parent;
    if (!parent) this.state = S.Done;
    else this.afterChild(parent);
  }

  /** The state after a complete value inside `f`. */
  private afterChild(f: Frame): void {
    if (f.object) { this.state = S.AfterValue; return; }
    f.count++;
    this.state = S.AfterElem;
  }

  /** Starts the value at `path` (a child of the current, descended frame) whose first byte is c. */
  private beginValue(buf: Buffer, i: number, c: number, path: JsonPath, name: string): number {
    const plan = this.handlers.plan(path);
    if (plan === 'stream') {
      if (c !== 0x5b) throw new BadInputError(this.file, this.lineAt(buf, i), name, `is not an array (found ${describeByte(c)})`);
      this.openFrame(false, true, path, name);
      return i + 1;
    }
    if (plan === 'descend' && (c === 0x7b || c === 0x5b)) {
      this.handlers.open?.(path, c === 0x7b, this.lineAt(buf, i));
      this.openFrame(c === 0x7b, false, path, name);
      return i + 1;
    }
    return this.startCapture(buf, i, S.InValue);
  }

  /** Handles one non-space byte outside any captured value; returns the next position. */
  private structural(buf: Buffer, i: number, c: number): number {
    const f = this.frame!;
    switch (this.state) {
      case S.BeforeDoc:
        // A UTF-8 byte order mark (possibly split across chunks) may precede the document.
        if (this.bomBytes < 3 && c === UTF8_BOM[this.bomBytes]) { this.bomBytes++; return i + 1; }
        if (c !== 0x7b) this.fail(buf, i, `expected a JSON object ("{") at the start of the document, found ${describeByte(c)}`);
        this.openFrame(true, false, [], '');
        return i + 1;
      case S.BeforeKey:
        if (c === 0x7d && f.first) { this.closeFrame(); return i + 1; }
        if (c !== QUOTE) this.fail(buf, i, `expected a key string in ${f.name ? `the object ${f.name}` : 'the top-level object'}, found ${describeByte(c)}`);
        return this.startCapture(buf, i, S.InKey);
      case S.BeforeColon:
        if (c !== 0x3a) this.fail(buf, i, `expected ":" after ${f.name ? `key "${childName(f.name, f.key)}"` : `top-level key "${f.key}"`}, found ${describeByte(c)}`);
        this.state = S.BeforeValue;
        return i + 1;
      case S.BeforeValue:
        return this.beginValue(buf, i, c, [...f.path, f.key], childName(f.name, f.key));
      case S.AfterValue:
        if (c === 0x2c) { this.state = S.BeforeKey; f.first = false; return i + 1; }
        if (c === 0x7d) { this.closeFrame(); return i + 1; }
        return this.fail(buf, i, `expected "," or "}" after the ${f.name ? `value of "${childName(f.name, f.key)}"` : `top-level value of "${f.key}"`}, found ${describeByte(c)}`);
      case S.BeforeElem:
        if (c === 0x5d && f.first) { this.closeFrame(); return i + 1; }
        if (c === 0x5d || c === 0x2c) this.fail(buf, i, `expected a ${f.name} element, found ${describeByte(c)}`);
        if (f.stream) return this.startCapture(buf, i, S.InElem);
        return this.beginValue(buf, i, c, [...f.path, f.count], childName(f.name, f.count));
      case S.AfterElem:
        if (c === 0x2c) { this.state = S.BeforeElem; f.first = false; return i + 1; }
        if (c === 0x5d) { this.closeFrame(); return i + 1; }
        return this.fail(buf, i, `expected "," or "]" after ${f.name} element ${f.count - 1}, found ${describeByte(c)}`);
      case S.Done:
        return this.fail(buf, i, `unexpected ${describeByte(c)} after the end of the JSON document`);
      default:
        throw new Error(`JsonStreamScanner: unexpected state ${this.state}`);
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
      this.capturedBytes = n - start;
      return n;
    }
    if (end - start > this.maxBytes) throw new BadInputError(this.file, this.startLine, undefined, recordTooLong('the JSON value starting on this line', this.maxBytes));
    // Most values fit in one chunk: read them in place, without copying.
    this.finishCapture(buf, start, end);
    return end;
  }

  /** Continues a capture at the start of a new chunk; returns the end position, or -1 if it goes on. */
  private continueCapture(buf: Buffer, i: number, n: number): number {
    const end = this.scan(buf, i, n);
    this.pieces.push(buf.subarray(i, end < 0 ? n : end));
    this.capturedBytes += (end < 0 ? n : end) - i;
    if (this.capturedBytes > this.maxBytes) throw new BadInputError(this.file, this.startLine, undefined, recordTooLong('the JSON value starting on this line', this.maxBytes));
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
    const f = this.frame!;
    if (this.state === S.InElem && this.handlers.peek?.(f.path, bytes, start, end)) {
      this.elements++;
      this.afterChild(f);
      return;
    }
    const text = bytes.toString('utf8', start, end);
    switch (this.state) {
      case S.InKey:
        f.key = this.parse(text, f.name ? `key in ${f.name}` : 'top-level key') as string;
        this.state = S.BeforeColon;
        return;
      case S.InValue: {
        const seg = f.object ? f.key : f.count;
        const value = this.parse(text, childName(f.name, seg));
        this.afterChild(f);
        this.handlers.value([...f.path, seg], value, text, this.startLine);
        return;
      }
      case S.InElem: {
        const index = f.count;
        this.elements++;
        const value = this.parse(text, childName(f.name, index));
        this.afterChild(f);
        this.handlers.element(f.path, value, text, this.startLine, index);
        return;
      }
      default:
        throw new Error(`JsonStreamScanner: capture finished in state ${this.state}`);
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

/**
 * Chrome-trace JSON: the top-level `traceEvents` array is streamed element by element; every other
 * top-level value is small (device properties, distributed info, base time) and parsed whole.
 */
export class TraceJsonScanner extends JsonStreamScanner {
  constructor(file: string, handlers: TraceJsonHandlers) {
    const peek = handlers.peek;
    super(file, {
      plan: (path) => (path.length === 0 ? 'descend' : path.length === 1 && path[0] === 'traceEvents' ? 'stream' : 'value'),
      value: (path, value, text, line) => handlers.topLevel(path[0] as string, value, text, line),
      element: (_path, value, text, line, index) => handlers.event(value, text, line, index),
      ...(peek ? { peek: (_path: JsonPath, bytes: Buffer, start: number, end: number) => peek(bytes, start, end) } : {}),
    });
  }

  /** Whether the document had a `traceEvents` array. */
  get hadTraceEvents(): boolean { return this.hadStream; }
}
