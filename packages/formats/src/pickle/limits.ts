/** Named limits for the pickle machine. Each bounds something an attacker controls. */
export interface PickleLimits {
  /** Values on the stack (CWE-400: memory exhaustion via DUP/billion-laughs). */
  readonly maxStackDepth: number;
  /** Nested MARKs (CWE-674: unbounded nesting). */
  readonly maxMarkDepth: number;
  /** Memo entries (CWE-400: PUT/MEMOIZE without bound). */
  readonly maxMemoEntries: number;
  /** Text-opcode line length in bytes (CWE-400: a line without newline). */
  readonly maxLineBytes: number;
  /** Characters kept of one string value; the rest is counted, not kept (CWE-400). */
  readonly maxRetainedString: number;
  /** Bytes kept of one bytes value, enough to scan nested pickles (CWE-400). */
  readonly maxRetainedBytes: number;
  /** Bytes kept across all values of one top-level scan (CWE-400). */
  readonly maxTotalRetained: number;
  /** Items kept per container; later items are counted only (CWE-400). */
  readonly maxContainerItems: number;
  /** Opcodes executed per stream (CWE-834: time bound). */
  readonly maxOpcodes: number;
}

export const PICKLE_LIMITS: PickleLimits = {
  maxStackDepth: 1_000_000,
  maxMarkDepth: 100_000,
  maxMemoEntries: 4_000_000,
  maxLineBytes: 1 << 20,
  maxRetainedString: 1 << 16,
  maxRetainedBytes: 16 << 20,
  maxTotalRetained: 256 << 20,
  maxContainerItems: 100_000,
  maxOpcodes: 200_000_000,
};

/** Shared retention budget across the streams of one artifact (nested pickles draw from the same pool). */
export class RetentionBudget {
  used = 0;
  constructor(readonly cap: number) {}
  /** How many of `want` bytes may be kept now. */
  grant(want: number): number {
    const n = Math.max(0, Math.min(want, this.cap - this.used));
    this.used += n;
    return n;
  }
  /** Gives back what was granted but not kept. */
  refund(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
}
