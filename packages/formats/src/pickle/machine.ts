/**
 * A symbolic pickle machine: it runs every opcode of protocols 0–5 the way CPython's Unpickler does,
 * but over symbolic values, so it learns exactly which names a real load would import and which
 * callables it would call — without importing or calling anything.
 *
 * One call of `runPickle` runs one stream (up to and including STOP). Callers run it again on the
 * same reader to see what follows STOP: legacy PyTorch files stack several pickles, attackers append.
 */
import type { Anomaly } from '../anomaly.js';
import { compatRewrite } from './compat.js';
import {
  decodeLatin1,
  decodeLong,
  decodeRawUnicodeEscape,
  decodeUtf8,
  decodeUtf8Strict,
  escapeDecode,
  parsePyFloat,
  parsePyInt,
  parsePyIntBase0,
} from './decode.js';
import { PICKLE_LIMITS, type PickleLimits, RetentionBudget } from './limits.js';
import { HIGHEST_PROTOCOL, OPCODE_BY_BYTE, type OpcodeName } from './opcodes.js';
import type { StreamReader } from './reader.js';
import {
  type CallOpcode,
  type CallValue,
  type DictValue,
  NONE,
  type SeqValue,
  type Value,
} from './values.js';

export type PickleAnomalyCode =
  | 'INVALID_OPCODE'
  | 'TRUNCATED'
  | 'STACK_UNDERFLOW'
  | 'MARK_NOT_FOUND'
  | 'MEMO_NOT_FOUND'
  | 'BAD_OPERAND'
  | 'BAD_IMPORT_NAME'
  | 'UNSUPPORTED_PROTOCOL'
  | 'OUT_OF_BAND_BUFFER'
  | 'FRAME_STRADDLE'
  | 'FRAME_OVERLAP'
  | 'CONTAINER_TARGET'
  | 'JOBLIB_ARRAY_UNSIZED'
  | 'JOBLIB_ARRAY_TRUNCATED'
  | 'LIMIT_STACK'
  | 'LIMIT_MARKS'
  | 'LIMIT_MEMO'
  | 'LIMIT_LINE'
  | 'LIMIT_OPCODES'
  | 'LIMIT_RETAINED';

export type PickleAnomaly = Anomaly<PickleAnomalyCode>;

interface At {
  /** Absolute byte offset of the opcode. */
  readonly offset: number;
  /** Opcode index within this stream. */
  readonly index: number;
}

export type PickleEvent =
  | (At & {
      readonly kind: 'import';
      readonly module: string;
      readonly name: string;
      readonly opcode: 'GLOBAL' | 'STACK_GLOBAL' | 'INST';
      readonly protocol: number;
      /** The names as written, when _compat_pickle rewrote them (protocol < 3). */
      readonly writtenAs?: string;
    })
  | (At & { readonly kind: 'dynamic-import'; readonly module: Value; readonly name: Value })
  | (At & {
      readonly kind: 'call';
      readonly opcode: CallOpcode;
      readonly callee: Value;
      readonly args: Value;
      readonly kwargs?: Value;
    })
  | (At & { readonly kind: 'ext'; readonly code: number; readonly opcode: 'EXT1' | 'EXT2' | 'EXT4' })
  | (At & { readonly kind: 'persistent-id'; readonly pid: Value })
  /** BUILD set an attribute on an imported object, or a dunder attribute on anything. */
  | (At & {
      readonly kind: 'build-attribute';
      readonly target: Value;
      readonly name: string;
      readonly value: Value;
    });

/** Lets a format (joblib) read bytes the loader consumes directly from the file after a BUILD. */
export type AfterBuildHook = (obj: Value, ctx: HookContext) => Promise<void>;

export interface HookContext {
  readonly reader: StreamReader;
  readonly offset: number;
  anomaly(a: PickleAnomaly): void;
  /** Records an anomaly and ends the stream: the reader position is no longer known to match the loader's. */
  abort(a: PickleAnomaly): never;
  /** Marks the reader position as where a loader without this hook would read opcodes (keeps a window). */
  alternateStart(): Promise<void>;
  /** Runs a complete nested pickle stream (plain Unpickler semantics) from the reader position. */
  runNested(): Promise<PickleRunResult>;
  /** Bytes of the current FRAME still ahead of the reader (0 outside a frame). */
  frameRemaining(): number;
  /** Forgets the current frame (its rest was taken out of the stream by the hook). */
  endFrame(): void;
}

export interface PickleRunOptions {
  readonly limits?: Partial<PickleLimits>;
  readonly budget?: RetentionBudget;
  readonly onEvent: (event: PickleEvent) => void;
  readonly afterBuild?: AfterBuildHook;
}

export interface AlternateStart {
  readonly offset: number;
  readonly window?: Uint8Array;
}

/** Bytes kept at an alternate start, enough to decide whether a pickle starts there. */
const ALTERNATE_WINDOW = 64 * 1024;

export type PickleEnd = 'stop' | 'eof' | 'error' | 'limit';

export interface PickleRunResult {
  readonly end: PickleEnd;
  readonly startOffset: number;
  readonly endOffset: number;
  readonly opcodes: number;
  /** Protocol in force at the end (the last PROTO seen; 0 if none). */
  readonly protocol: number;
  readonly anomalies: readonly PickleAnomaly[];
  /** The value STOP returned. */
  readonly result?: Value;
  /** Imports, calls and other events emitted. */
  readonly events: number;
  /**
   * Offsets where another loader would read opcodes: a frame-aware unpickler after a FRAME_STRADDLE, or
   * plain pickle.load where joblib reads raw array bytes. `window` holds the first bytes there when known.
   */
  readonly alternateStarts: readonly AlternateStart[];
}

class Halt extends Error {
  constructor(readonly end: PickleEnd) {
    super(end);
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export async function runPickle(reader: StreamReader, options: PickleRunOptions): Promise<PickleRunResult> {
  const limits: PickleLimits = { ...PICKLE_LIMITS, ...options.limits };
  const budget = options.budget ?? new RetentionBudget(limits.maxTotalRetained);
  return new Machine(reader, limits, budget, options).run();
}

class Machine {
  private stack: Value[] = [];
  private readonly metastack: Value[][] = [];
  private readonly memo = new Map<number, Value>();
  private proto = 0;
  private index = 0;
  private opOffset = 0;
  private frameEnd = -1;
  /** End of the current opcode's own bytes when a hook read further (joblib arrays sit outside frames). */
  private operandEnd = -1;
  private events = 0;
  private stackTotal = 0;
  private readonly anomalies: PickleAnomaly[] = [];
  private readonly alternateStarts: AlternateStart[] = [];
  private readonly reported = new Set<PickleAnomalyCode>();

  constructor(
    private readonly r: StreamReader,
    private readonly limits: PickleLimits,
    private readonly budget: RetentionBudget,
    private readonly options: PickleRunOptions,
  ) {}

  async run(): Promise<PickleRunResult> {
    const startOffset = this.r.offset;
    let end: PickleEnd;
    let result: Value | undefined;
    try {
      result = await this.loop();
      end = 'stop';
    } catch (e) {
      if (!(e instanceof Halt)) throw e;
      end = e.end;
    }
    return {
      end,
      startOffset,
      endOffset: this.r.offset,
      opcodes: this.index,
      protocol: this.proto,
      anomalies: this.anomalies,
      result,
      events: this.events,
      alternateStarts: this.alternateStarts,
    };
  }

  // ---- failure helpers -------------------------------------------------------------------------

  private fail(code: PickleAnomalyCode, message: string, extra: Partial<PickleAnomaly> = {}): never {
    this.anomalies.push({ code, message, offset: this.opOffset, ...extra });
    throw new Halt(code === 'TRUNCATED' ? 'eof' : code.startsWith('LIMIT_') ? 'limit' : 'error');
  }

  private note(code: PickleAnomalyCode, message: string, extra: Partial<PickleAnomaly> = {}): void {
    if (code.startsWith('LIMIT_') && this.reported.has(code)) return;
    this.reported.add(code);
    this.anomalies.push({ code, message, offset: this.opOffset, ...extra });
  }

  private emit(event: PickleEvent): void {
    this.events++;
    this.options.onEvent(event);
  }

  private at(): At {
    return { offset: this.opOffset, index: this.index };
  }

  // ---- reading operands ------------------------------------------------------------------------

  private async need(n: number, field: string): Promise<void> {
    if (this.r.available >= n) return;
    if (!(await this.r.ensure(n))) this.fail('TRUNCATED', `stream ends inside ${field}`, { field });
  }

  private async u8(field: string): Promise<number> {
    await this.need(1, field);
    return this.r.byte();
  }

  private async fixed(n: number, field: string): Promise<DataView> {
    await this.need(n, field);
    const v = this.r.view(n);
    return new DataView(v.buffer, v.byteOffset, n);
  }

  private async line(field: string): Promise<Uint8Array> {
    const l = await this.r.line(this.limits.maxLineBytes);
    if (l === null) this.fail('TRUNCATED', `stream ends inside ${field} (no newline)`, { field });
    if (!(l instanceof Uint8Array)) {
      this.fail('LIMIT_LINE', `${field} line exceeds ${this.limits.maxLineBytes} bytes`, {
        field,
        limit: this.limits.maxLineBytes,
      });
    }
    return l;
  }

  private async lineInt(field: string): Promise<bigint> {
    const v = parsePyInt(decodeLatin1(await this.line(field)));
    if (v === undefined) this.fail('BAD_OPERAND', `${field} is not an integer`, { field });
    return v;
  }

  /** Reads a length-prefixed payload, keeping a bounded prefix. */
  private async payload(
    len: number,
    field: string,
    keepCap: number,
  ): Promise<{ bytes: Uint8Array; truncated: boolean }> {
    const want = Math.min(len, keepCap);
    const granted = this.budget.grant(want);
    if (granted < want) this.note('LIMIT_RETAINED', `retained-bytes budget exhausted at ${field}`, { field });
    const { bytes, got } = await this.r.readRetaining(len, granted);
    this.budget.refund(granted - bytes.length);
    if (got < len)
      this.fail('TRUNCATED', `stream ends inside ${field} (${got} of ${len} bytes)`, { field, actual: got });
    return { bytes, truncated: bytes.length < len };
  }

  private async strPayload(len: number, field: string, decode: (b: Uint8Array) => string): Promise<Value> {
    const { bytes, truncated } = await this.payload(len, field, this.limits.maxRetainedString * 4);
    const s = decode(bytes);
    return {
      t: 'str',
      v: s.slice(0, this.limits.maxRetainedString),
      len,
      truncated: truncated || s.length > this.limits.maxRetainedString,
    };
  }

  private async bytesPayload(len: number, field: string, mutable = false): Promise<Value> {
    const { bytes, truncated } = await this.payload(len, field, this.limits.maxRetainedBytes);
    return { t: 'bytes', v: bytes, len, truncated, mutable };
  }

  private safeLen(v: bigint | number, field: string): number {
    const n = typeof v === 'bigint' ? v : BigInt(v);
    if (n < 0n) this.fail('BAD_OPERAND', `${field} is negative`, { field, actual: n.toString() });
    if (n > MAX_SAFE)
      this.fail('BAD_OPERAND', `${field} is larger than any stream`, { field, actual: n.toString() });
    return Number(n);
  }

  // ---- stack -----------------------------------------------------------------------------------

  private push(v: Value): void {
    if (this.stackTotal >= this.limits.maxStackDepth) {
      this.fail('LIMIT_STACK', `stack exceeds ${this.limits.maxStackDepth} values`, {
        limit: this.limits.maxStackDepth,
      });
    }
    this.stack.push(v);
    this.stackTotal++;
  }

  private pop(what: string): Value {
    const v = this.stack.pop();
    if (v === undefined) this.fail('STACK_UNDERFLOW', `${what}: stack is empty`);
    this.stackTotal--;
    return v;
  }

  private top(what: string): Value {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined) this.fail('STACK_UNDERFLOW', `${what}: stack is empty`);
    return v;
  }

  private mark(): void {
    if (this.metastack.length >= this.limits.maxMarkDepth) {
      this.fail('LIMIT_MARKS', `more than ${this.limits.maxMarkDepth} nested MARKs`, {
        limit: this.limits.maxMarkDepth,
      });
    }
    this.metastack.push(this.stack);
    this.stack = [];
  }

  private popMark(what: string): Value[] {
    const items = this.stack;
    const prev = this.metastack.pop();
    if (prev === undefined) this.fail('MARK_NOT_FOUND', `${what}: no MARK on the stack`);
    this.stack = prev;
    this.stackTotal -= items.length;
    return items;
  }

  private seq(t: SeqValue['t'], items: Value[]): SeqValue {
    const cap = this.limits.maxContainerItems;
    return items.length > cap
      ? { t, items: items.slice(0, cap), more: items.length - cap }
      : { t, items, more: 0 };
  }

  private memoPut(idx: number, what: string): void {
    if (!this.memo.has(idx) && this.memo.size >= this.limits.maxMemoEntries) {
      this.fail('LIMIT_MEMO', `memo exceeds ${this.limits.maxMemoEntries} entries`, {
        limit: this.limits.maxMemoEntries,
      });
    }
    this.memo.set(idx, this.top(what));
  }

  private memoGet(idx: number): void {
    const v = this.memo.get(idx);
    if (v === undefined) this.fail('MEMO_NOT_FOUND', `memo has no entry ${idx}`, { actual: idx });
    this.push(v);
  }

  // ---- the loop --------------------------------------------------------------------------------

  private async loop(): Promise<Value> {
    for (;;) {
      if (this.r.available === 0 && !(await this.r.ensure(1))) {
        this.fail('TRUNCATED', 'stream ends without STOP');
      }
      this.opOffset = this.r.offset;
      if (this.index >= this.limits.maxOpcodes) {
        this.fail('LIMIT_OPCODES', `more than ${this.limits.maxOpcodes} opcodes`, {
          limit: this.limits.maxOpcodes,
        });
      }
      const byte = this.r.byte();
      const op = OPCODE_BY_BYTE[byte];
      if (op === undefined) {
        this.fail('INVALID_OPCODE', `byte 0x${byte.toString(16).padStart(2, '0')} is not a pickle opcode`, {
          actual: byte,
        });
      }
      this.operandEnd = -1;
      const stopped = await this.step(op);
      const opEnd = this.operandEnd >= 0 ? this.operandEnd : this.r.offset;
      if (this.frameEnd >= 0 && this.opOffset < this.frameEnd && opEnd > this.frameEnd) {
        this.note('FRAME_STRADDLE', `${op} runs past the end of its FRAME at ${this.frameEnd}`, {
          field: op,
          actual: this.frameEnd,
        });
        this.alternateStarts.push({ offset: this.frameEnd });
      }
      this.index++;
      if (stopped !== undefined) return stopped;
    }
  }

  /** Executes one opcode; returns the result value at STOP. */
  private async step(op: OpcodeName): Promise<Value | undefined> {
    switch (op) {
      case 'PROTO': {
        const p = await this.u8('PROTO');
        if (p > HIGHEST_PROTOCOL)
          this.fail('UNSUPPORTED_PROTOCOL', `protocol ${p} is not supported`, { actual: p });
        this.proto = p;
        return;
      }
      case 'FRAME': {
        const n = (await this.fixed(8, 'FRAME length')).getBigUint64(0, true);
        const len = this.safeLen(n, 'FRAME length');
        if (this.frameEnd >= 0 && this.opOffset < this.frameEnd) {
          this.note(
            'FRAME_OVERLAP',
            `a FRAME starts ${this.frameEnd - this.opOffset} bytes before the previous one ends`,
          );
        }
        this.frameEnd = this.r.offset + len;
        return;
      }
      case 'STOP':
        return this.pop('STOP');
      case 'MARK':
        this.mark();
        return;
      case 'POP':
        if (this.stack.length > 0) this.pop('POP');
        else this.popMark('POP');
        return;
      case 'POP_MARK':
        this.popMark('POP_MARK');
        return;
      case 'DUP':
        this.push(this.top('DUP'));
        return;
      case 'NONE':
        this.push(NONE);
        return;
      case 'NEWTRUE':
      case 'NEWFALSE':
        this.push({ t: 'bool', v: op === 'NEWTRUE' });
        return;
      case 'INT': {
        const text = decodeLatin1(await this.line('INT'));
        if (text === '00' || text === '01') {
          this.push({ t: 'bool', v: text === '01' });
          return;
        }
        const v = parsePyIntBase0(text);
        if (v === undefined) this.fail('BAD_OPERAND', 'INT operand is not an integer', { field: 'INT' });
        this.push({ t: 'int', v });
        return;
      }
      case 'BININT':
        this.push({ t: 'int', v: BigInt((await this.fixed(4, 'BININT')).getInt32(0, true)) });
        return;
      case 'BININT1':
        this.push({ t: 'int', v: BigInt(await this.u8('BININT1')) });
        return;
      case 'BININT2':
        this.push({ t: 'int', v: BigInt((await this.fixed(2, 'BININT2')).getUint16(0, true)) });
        return;
      case 'LONG': {
        let text = decodeLatin1(await this.line('LONG'));
        if (text.endsWith('L')) text = text.slice(0, -1);
        const v = parsePyIntBase0(text);
        if (v === undefined) this.fail('BAD_OPERAND', 'LONG operand is not an integer', { field: 'LONG' });
        this.push({ t: 'int', v });
        return;
      }
      case 'LONG1':
      case 'LONG4': {
        const n =
          op === 'LONG1'
            ? await this.u8('LONG1 length')
            : (await this.fixed(4, 'LONG4 length')).getInt32(0, true);
        const len = this.safeLen(n, `${op} length`);
        const { bytes, truncated } = await this.payload(len, op, 1024);
        this.push({ t: 'int', v: truncated ? 0n : decodeLong(bytes) });
        return;
      }
      case 'FLOAT': {
        const v = parsePyFloat(decodeLatin1(await this.line('FLOAT')));
        if (v === undefined) this.fail('BAD_OPERAND', 'FLOAT operand is not a number', { field: 'FLOAT' });
        this.push({ t: 'float', v });
        return;
      }
      case 'BINFLOAT':
        this.push({ t: 'float', v: (await this.fixed(8, 'BINFLOAT')).getFloat64(0, false) });
        return;
      case 'STRING': {
        const raw = await this.line('STRING');
        const q = raw[0];
        if (raw.length < 2 || (q !== 0x27 && q !== 0x22) || raw[raw.length - 1] !== q) {
          this.fail('BAD_OPERAND', 'STRING operand must be quoted', { field: 'STRING' });
        }
        const bytes = escapeDecode(raw.subarray(1, raw.length - 1));
        if (bytes === undefined)
          this.fail('BAD_OPERAND', 'STRING operand has a bad escape', { field: 'STRING' });
        this.push(this.keepStr(decodeLatin1(bytes)));
        return;
      }
      case 'BINSTRING':
      case 'SHORT_BINSTRING': {
        const n =
          op === 'SHORT_BINSTRING'
            ? await this.u8(op)
            : (await this.fixed(4, `${op} length`)).getInt32(0, true);
        this.push(await this.strPayload(this.safeLen(n, `${op} length`), op, decodeLatin1));
        return;
      }
      case 'BINBYTES':
      case 'SHORT_BINBYTES':
      case 'BINBYTES8':
      case 'BYTEARRAY8': {
        const n =
          op === 'SHORT_BINBYTES'
            ? await this.u8(op)
            : op === 'BINBYTES'
              ? (await this.fixed(4, `${op} length`)).getUint32(0, true)
              : (await this.fixed(8, `${op} length`)).getBigUint64(0, true);
        this.push(await this.bytesPayload(this.safeLen(n, `${op} length`), op, op === 'BYTEARRAY8'));
        return;
      }
      case 'UNICODE': {
        const s = decodeRawUnicodeEscape(await this.line('UNICODE'));
        if (s === undefined)
          this.fail('BAD_OPERAND', 'UNICODE operand has a bad escape', { field: 'UNICODE' });
        this.push(this.keepStr(s));
        return;
      }
      case 'BINUNICODE':
      case 'SHORT_BINUNICODE':
      case 'BINUNICODE8': {
        const n =
          op === 'SHORT_BINUNICODE'
            ? await this.u8(op)
            : op === 'BINUNICODE'
              ? (await this.fixed(4, `${op} length`)).getUint32(0, true)
              : (await this.fixed(8, `${op} length`)).getBigUint64(0, true);
        this.push(await this.strPayload(this.safeLen(n, `${op} length`), op, decodeUtf8));
        return;
      }
      case 'EMPTY_TUPLE':
        this.push(this.seq('tuple', []));
        return;
      case 'TUPLE':
        this.push(this.seq('tuple', this.popMark('TUPLE')));
        return;
      case 'TUPLE1':
      case 'TUPLE2':
      case 'TUPLE3': {
        const n = op === 'TUPLE1' ? 1 : op === 'TUPLE2' ? 2 : 3;
        const items: Value[] = [];
        for (let i = 0; i < n; i++) items.unshift(this.pop(op));
        this.push(this.seq('tuple', items));
        return;
      }
      case 'EMPTY_LIST':
        this.push(this.seq('list', []));
        return;
      case 'LIST':
        this.push(this.seq('list', this.popMark('LIST')));
        return;
      case 'EMPTY_SET':
        this.push(this.seq('set', []));
        return;
      case 'FROZENSET':
        this.push(this.seq('frozenset', this.popMark('FROZENSET')));
        return;
      case 'EMPTY_DICT':
        this.push({ t: 'dict', entries: [], more: 0 });
        return;
      case 'DICT': {
        const items = this.popMark('DICT');
        if (items.length % 2 !== 0) this.fail('BAD_OPERAND', 'DICT has an odd number of items');
        const d: DictValue = { t: 'dict', entries: [], more: 0 };
        for (let i = 0; i < items.length; i += 2) this.dictSet(d, items[i]!, items[i + 1]!);
        this.push(d);
        return;
      }
      case 'APPEND': {
        const v = this.pop('APPEND');
        this.addItems(this.top('APPEND'), [v], 'APPEND');
        return;
      }
      case 'APPENDS':
      case 'ADDITEMS': {
        const items = this.popMark(op);
        this.addItems(this.top(op), items, op);
        return;
      }
      case 'SETITEM': {
        const v = this.pop('SETITEM');
        const k = this.pop('SETITEM');
        this.setItems(this.top('SETITEM'), [k, v], 'SETITEM');
        return;
      }
      case 'SETITEMS': {
        const items = this.popMark('SETITEMS');
        if (items.length % 2 !== 0) this.fail('BAD_OPERAND', 'SETITEMS has an odd number of items');
        this.setItems(this.top('SETITEMS'), items, 'SETITEMS');
        return;
      }
      case 'GET':
        this.memoGet(this.safeLen(await this.lineInt('GET'), 'GET index'));
        return;
      case 'BINGET':
        this.memoGet(await this.u8('BINGET'));
        return;
      case 'LONG_BINGET':
        this.memoGet((await this.fixed(4, 'LONG_BINGET')).getUint32(0, true));
        return;
      case 'PUT':
        this.memoPut(this.safeLen(await this.lineInt('PUT'), 'PUT index'), 'PUT');
        return;
      case 'BINPUT':
        this.memoPut(await this.u8('BINPUT'), 'BINPUT');
        return;
      case 'LONG_BINPUT':
        this.memoPut((await this.fixed(4, 'LONG_BINPUT')).getUint32(0, true), 'LONG_BINPUT');
        return;
      case 'MEMOIZE':
        this.memoPut(this.memo.size, 'MEMOIZE');
        return;
      case 'GLOBAL': {
        const module = decodeUtf8Strict(await this.line('GLOBAL module'));
        const name = decodeUtf8Strict(await this.line('GLOBAL name'));
        this.push(this.importName(module, name, 'GLOBAL'));
        return;
      }
      case 'STACK_GLOBAL': {
        const name = this.pop('STACK_GLOBAL');
        const module = this.pop('STACK_GLOBAL');
        if (module.t === 'str' && name.t === 'str' && !module.truncated && !name.truncated) {
          this.push(this.importName(module.v, name.v, 'STACK_GLOBAL'));
          return;
        }
        if (isRuntimeValue(module) || isRuntimeValue(name) || (module.t === 'str' && name.t === 'str')) {
          // A computed operand may well be a str at run time; a string longer than we keep cannot be
          // named either: both are imports we cannot resolve.
          this.emit({ kind: 'dynamic-import', module, name, ...this.at() });
          this.push({
            t: 'call',
            op: 'REDUCE',
            callee: { t: 'global', module: '<dynamic>', name: 'STACK_GLOBAL' },
            args: this.seq('tuple', [module, name]),
          });
          return;
        }
        this.fail('BAD_OPERAND', `STACK_GLOBAL needs two str operands, got ${module.t} and ${name.t}`);
        return;
      }
      case 'INST': {
        const module = await this.line('INST module');
        const name = await this.line('INST name');
        const ascii = (b: Uint8Array) => (b.every((c) => c < 0x80) ? decodeLatin1(b) : undefined);
        const cls = this.importName(ascii(module), ascii(name), 'INST');
        const args = this.popMark('INST');
        this.call('INST', cls, this.seq('tuple', args));
        return;
      }
      case 'OBJ': {
        const items = this.popMark('OBJ');
        const cls = items.shift();
        if (cls === undefined) this.fail('STACK_UNDERFLOW', 'OBJ: no class after MARK');
        this.call('OBJ', cls, this.seq('tuple', items));
        return;
      }
      case 'REDUCE': {
        const args = this.pop('REDUCE');
        const fn = this.pop('REDUCE');
        this.call('REDUCE', fn, args);
        return;
      }
      case 'NEWOBJ': {
        const args = this.pop('NEWOBJ');
        const cls = this.pop('NEWOBJ');
        this.call('NEWOBJ', cls, args);
        return;
      }
      case 'NEWOBJ_EX': {
        const kwargs = this.pop('NEWOBJ_EX');
        const args = this.pop('NEWOBJ_EX');
        const cls = this.pop('NEWOBJ_EX');
        this.call('NEWOBJ_EX', cls, args, kwargs);
        return;
      }
      case 'BUILD':
        await this.build();
        return;
      case 'EXT1':
      case 'EXT2':
      case 'EXT4': {
        const code =
          op === 'EXT1'
            ? await this.u8(op)
            : op === 'EXT2'
              ? (await this.fixed(2, op)).getUint16(0, true)
              : (await this.fixed(4, op)).getInt32(0, true);
        this.emit({ kind: 'ext', code, opcode: op, ...this.at() });
        if (code <= 0) this.fail('BAD_OPERAND', `${op} code ${code} is not positive`);
        this.push({ t: 'ext', code });
        return;
      }
      case 'PERSID': {
        const pid = await this.line('PERSID');
        const value = this.keepStr(decodeLatin1(pid));
        this.emit({ kind: 'persistent-id', pid: value, ...this.at() });
        this.push({ t: 'persid', pid: value });
        return;
      }
      case 'BINPERSID': {
        const pid = this.pop('BINPERSID');
        this.emit({ kind: 'persistent-id', pid, ...this.at() });
        this.push({ t: 'persid', pid });
        return;
      }
      case 'NEXT_BUFFER':
        this.fail('OUT_OF_BAND_BUFFER', 'NEXT_BUFFER needs out-of-band buffers that a file load never has');
        return;
      case 'READONLY_BUFFER':
        this.top('READONLY_BUFFER');
        return;
    }
  }

  private keepStr(s: string): Value {
    const cap = this.limits.maxRetainedString;
    return { t: 'str', v: s.length > cap ? s.slice(0, cap) : s, len: s.length, truncated: s.length > cap };
  }

  /** find_class as CPython does it: _compat_pickle below protocol 3, dotted names from protocol 4. */
  private importName(
    module: string | undefined,
    name: string | undefined,
    opcode: 'GLOBAL' | 'STACK_GLOBAL' | 'INST',
  ): Value {
    if (module === undefined || name === undefined) {
      this.fail('BAD_IMPORT_NAME', `${opcode} operand is not valid text`);
    }
    let m = module;
    let n = name;
    let writtenAs: string | undefined;
    if (this.proto < 3) {
      const rewritten = compatRewrite(m, n);
      if (rewritten.module !== m || rewritten.name !== n) {
        writtenAs = `${m}.${n}`;
        m = rewritten.module;
        n = rewritten.name;
      }
    }
    if (!importable(m, n)) {
      // __import__ or the attribute lookup raises here: nothing past this point runs.
      this.fail(
        'BAD_IMPORT_NAME',
        `${opcode} names ${JSON.stringify(m).slice(0, 80)} ${JSON.stringify(n).slice(0, 80)}, which cannot be imported`,
      );
    }
    this.emit({
      kind: 'import',
      module: m,
      name: n,
      opcode,
      protocol: this.proto,
      ...(writtenAs ? { writtenAs } : {}),
      ...this.at(),
    });
    return { t: 'global', module: m, name: n };
  }

  private call(op: CallOpcode, callee: Value, args: Value, kwargs?: Value): void {
    this.emit({ kind: 'call', opcode: op, callee, args, ...(kwargs ? { kwargs } : {}), ...this.at() });
    const v: CallValue = { t: 'call', op, callee, args, ...(kwargs ? { kwargs } : {}) };
    this.push(v);
  }

  private async build(): Promise<void> {
    const state = this.pop('BUILD');
    const inst = this.top('BUILD');
    const attrs = inst.t === 'call' || inst.t === 'global' ? inst.attrs : undefined;
    const planted = attrs?.get('__setstate__');
    if (planted !== undefined) {
      // inst.__setstate__(state): whatever an earlier BUILD planted is called now.
      this.emit({
        kind: 'call',
        opcode: 'BUILD',
        callee: planted,
        args: this.seq('tuple', [state]),
        ...this.at(),
      });
    } else {
      let dictState: Value | undefined = state;
      let slotState: Value | undefined;
      if (state.t === 'tuple' && state.items.length === 2) {
        dictState = state.items[0];
        slotState = state.items[1];
      }
      for (const s of [dictState, slotState]) {
        if (s?.t !== 'dict') continue;
        for (const [k, v] of s.entries) {
          if (k.t !== 'str') continue;
          this.setAttribute(inst, k.v, v);
        }
      }
      if (inst.t === 'call' && inst.state === undefined) inst.state = state;
    }
    if (this.options.afterBuild) {
      this.operandEnd = this.r.offset;
      await this.options.afterBuild(inst, {
        reader: this.r,
        offset: this.opOffset,
        anomaly: (a) => this.anomalies.push(a),
        abort: (a) => {
          this.anomalies.push(a);
          throw new Halt('error');
        },
        alternateStart: async () => {
          const offset = this.r.offset;
          this.alternateStarts.push({ offset, window: await this.r.peek(ALTERNATE_WINDOW) });
        },
        runNested: async () => {
          const nested = await new Machine(this.r, this.limits, this.budget, {
            ...this.options,
            afterBuild: undefined,
          }).run();
          this.anomalies.push(...nested.anomalies);
          this.alternateStarts.push(...nested.alternateStarts);
          return nested;
        },
        frameRemaining: () => (this.frameEnd > this.r.offset ? this.frameEnd - this.r.offset : 0),
        endFrame: () => {
          this.frameEnd = -1;
        },
      });
      if (this.frameEnd >= 0 && this.r.offset >= this.frameEnd && this.r.offset > this.operandEnd)
        this.frameEnd = -1;
    }
  }

  private setAttribute(target: Value, name: string, value: Value): void {
    const dunder = name.startsWith('__') && name.endsWith('__');
    if (target.t === 'global' || dunder) {
      this.emit({ kind: 'build-attribute', target, name, value, ...this.at() });
    }
    if (target.t === 'call' || target.t === 'global') {
      if (!target.attrs) target.attrs = new Map();
      if (target.attrs.size < this.limits.maxContainerItems) target.attrs.set(name, value);
    }
  }

  private addItems(target: Value, items: Value[], op: string): void {
    if (target.t === 'list' || target.t === 'set') {
      const room = Math.max(0, this.limits.maxContainerItems - target.items.length);
      target.items.push(...items.slice(0, room));
      target.more += Math.max(0, items.length - room);
      return;
    }
    this.checkContainerTarget(target, op);
  }

  private setItems(target: Value, items: Value[], op: string): void {
    if (target.t === 'dict') {
      for (let i = 0; i + 1 < items.length; i += 2) this.dictSet(target, items[i]!, items[i + 1]!);
      return;
    }
    this.checkContainerTarget(target, op);
  }

  private dictSet(d: DictValue, k: Value, v: Value): void {
    if (d.entries.length < this.limits.maxContainerItems) d.entries.push([k, v]);
    else d.more++;
  }

  /**
   * APPEND(S)/SETITEM(S)/ADDITEMS on something other than the plain container: CPython calls the
   * object's own append/extend/__setitem__/add, which lists, bytearrays and arbitrary objects have.
   * Only values that certainly lack the method end the load.
   */
  private checkContainerTarget(target: Value, op: string): void {
    if (target.t === 'global') {
      this.note('CONTAINER_TARGET', `${op} mutates the imported object ${target.module}.${target.name}`, {
        field: op,
      });
      return;
    }
    const method = op.startsWith('SETITEM') ? 'setitem' : op === 'ADDITEMS' ? 'add' : 'append';
    const has: Readonly<Record<typeof method, ReadonlyArray<Value['t']>>> = {
      append: ['list'],
      setitem: ['dict', 'list'],
      add: ['set'],
    };
    if (has[method].includes(target.t)) return;
    if (target.t === 'call' || target.t === 'persid' || target.t === 'ext' || target.t === 'buffer') return;
    if (target.t === 'bytes' && target.mutable && method !== 'add') return; // bytearray
    this.fail('BAD_OPERAND', `${op} target is a ${target.t}, which has no ${method} method`);
  }
}

/** A value whose Python type is only known at run time (a call result, an imported attribute). */
function isRuntimeValue(v: Value): boolean {
  return v.t === 'call' || v.t === 'global' || v.t === 'persid' || v.t === 'ext' || v.t === 'buffer';
}

/**
 * Whether __import__(module) and the attribute lookup could succeed at all. Names are not required to
 * be identifiers (setattr can create any attribute, files can have odd names) and have no length
 * limit; only what the import system always rejects fails.
 */
function importable(module: string, name: string): boolean {
  if (module === '' || name === '') return false;
  if (/[\s\0/\\]/.test(module)) return false;
  return module.split('.').every((p) => p !== '');
}
