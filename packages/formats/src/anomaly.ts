/**
 * An anomaly is what a parser reports about bytes it did not like: malformed structure, a limit hit,
 * a place where two real loaders would disagree. Parsers return anomalies as values; they never
 * decide severity (that is policy, in the scanner).
 */
export interface Anomaly<C extends string = string> {
  readonly code: C;
  readonly message: string;
  /** Byte offset in the stream or source the parser was given, where known. */
  readonly offset?: number;
  /** The structural field involved (e.g. `local header name`, `BINUNICODE length`). */
  readonly field?: string;
  readonly limit?: number;
  readonly actual?: number | string;
}

/** Raised only for faults of the environment or bugs, never for hostile input. */
export class FormatError extends Error {
  constructor(
    readonly code: 'IO' | 'INTERNAL',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FormatError';
  }
}
