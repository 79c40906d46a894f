/**
 * A minimal protocol-2 pickle writer that emits the same opcode sequences as CPython's pickler for the
 * values a torch checkpoint holds (memoised globals and strings, TUPLE1-3, batched SETITEMS). It only
 * builds bytes; nothing here ever unpickles.
 */

const enc = new TextEncoder();

export class PickleWriter {
  private readonly parts: Uint8Array[] = [];
  private readonly memo = new Map<string, number>();
  private nextMemo = 0;

  proto(version = 2): this {
    return this.op(0x80, version);
  }

  stop(): Uint8Array {
    this.op(0x2e); // STOP
    const total = this.parts.reduce((n, part) => n + part.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  /** GLOBAL 'module\nname', memoised like the pickler does for the same class object. */
  global(module: string, name: string): this {
    if (this.get(`g:${module}.${name}`)) return this;
    this.raw(enc.encode(`c${module}\n${name}\n`));
    return this.put(`g:${module}.${name}`);
  }

  /** BINUNICODE (protocol 2 has no SHORT_BINUNICODE), memoised by value. */
  str(value: string): this {
    if (this.get(`s:${value}`)) return this;
    const bytes = enc.encode(value);
    this.op(0x58, ...u32(bytes.length));
    this.raw(bytes);
    return this.put(`s:${value}`);
  }

  int(value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
    if (value >= 0 && value < 0x100) return this.op(0x4b, value); // BININT1
    if (value >= 0 && value < 0x10000) return this.op(0x4d, value & 0xff, value >>> 8); // BININT2
    if (value >= -0x80000000 && value < 0x80000000) return this.op(0x4a, ...u32(value >>> 0)); // BININT
    return this.long1(BigInt(value));
  }

  /** LONG1: little-endian two's complement, shortest form. */
  long1(value: bigint): this {
    const bytes: number[] = [];
    let v = value;
    for (;;) {
      const byte = Number(v & 0xffn);
      bytes.push(byte);
      v >>= 8n;
      if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
    }
    return this.op(0x8a, bytes.length, ...bytes);
  }

  /** BINFLOAT: big-endian IEEE 754 double. */
  float(value: number): this {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value, false);
    return this.op(0x47, ...new Uint8Array(view.buffer));
  }

  bool(value: boolean): this {
    return this.op(value ? 0x88 : 0x89);
  }

  none(): this {
    return this.op(0x4e);
  }

  /** A tuple of the values `items` writes: EMPTY_TUPLE, TUPLE1-3, or MARK … TUPLE; memoised if non-empty. */
  tuple(...items: Array<(p: this) => void>): this {
    if (items.length === 0) return this.op(0x29);
    if (items.length > 3) this.op(0x28);
    for (const item of items) item(this);
    this.op(items.length > 3 ? 0x74 : [0x85, 0x86, 0x87][items.length - 1]!);
    return this.put();
  }

  /** EMPTY_DICT, then SETITEM for one item or MARK … SETITEMS in batches of 1000 (as the pickler does). */
  dict(entries: ReadonlyArray<readonly [string, (p: this) => void]>): this {
    this.op(0x7d).put();
    return this.setItems(entries);
  }

  /** EMPTY_LIST, then APPEND / MARK … APPENDS. */
  list(items: ReadonlyArray<(p: this) => void>): this {
    this.op(0x5d).put();
    for (let i = 0; i < items.length; i += 1000) {
      const batch = items.slice(i, i + 1000);
      if (batch.length > 1) this.op(0x28);
      for (const item of batch) item(this);
      this.op(batch.length > 1 ? 0x65 : 0x61);
    }
    return this;
  }

  /** `collections.OrderedDict()` by REDUCE, then its items. */
  orderedDict(entries: ReadonlyArray<readonly [string, (p: this) => void]>): this {
    this.global('collections', 'OrderedDict').op(0x29, 0x52).put();
    return this.setItems(entries);
  }

  /** callable(*args) by REDUCE; `callable` and `args` write the global and the tuple. */
  reduce(callable: (p: this) => void, args: (p: this) => void): this {
    callable(this);
    args(this);
    return this.op(0x52).put();
  }

  /** BINPERSID with the id tuple written by `pid`. */
  persistentId(pid: (p: this) => void): this {
    pid(this);
    return this.op(0x51);
  }

  /** BUILD with `state` (the value on top of the stack becomes the object's state). */
  build(state: (p: this) => void): this {
    state(this);
    return this.op(0x62);
  }

  private setItems(entries: ReadonlyArray<readonly [string, (p: this) => void]>): this {
    for (let i = 0; i < entries.length; i += 1000) {
      const batch = entries.slice(i, i + 1000);
      if (batch.length > 1) this.op(0x28);
      for (const [key, value] of batch) {
        this.str(key);
        value(this);
      }
      this.op(batch.length > 1 ? 0x75 : 0x73);
    }
    return this;
  }

  private get(key: string): boolean {
    const index = this.memo.get(key);
    if (index === undefined) return false;
    if (index < 0x100)
      this.op(0x68, index); // BINGET
    else this.op(0x6a, ...u32(index)); // LONG_BINGET
    return true;
  }

  private put(key?: string): this {
    const index = this.nextMemo++;
    if (key !== undefined) this.memo.set(key, index);
    if (index < 0x100) return this.op(0x71, index); // BINPUT
    return this.op(0x72, ...u32(index)); // LONG_BINPUT
  }

  private op(...bytes: number[]): this {
    this.parts.push(Uint8Array.from(bytes));
    return this;
  }

  private raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    return this;
  }
}

function u32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}
