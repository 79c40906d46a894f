/**
 * Runs every pickle stream in a byte stream: the first, then whatever follows each STOP, until the
 * bytes stop looking like a pickle. Decides, for content of unknown type, whether it is a pickle at
 * all (protocol 0 and 1 pickles have no magic number).
 */
import type { ByteStream } from '../source.js';
import { isDottedIdentifier } from './decode.js';
import { PICKLE_LIMITS, type PickleLimits, RetentionBudget } from './limits.js';
import { type AfterBuildHook, type PickleEvent, type PickleRunResult, runPickle } from './machine.js';
import { StreamReader } from './reader.js';

export interface PickleStreamsOptions {
  readonly limits?: Partial<PickleLimits>;
  /** Also accept the first stream only if it looks like a pickle (content of unknown type). */
  readonly probe?: boolean;
  /** Stop after this many accepted streams (legacy PyTorch: 5; the rest is raw storage). */
  readonly maxStreams?: number;
  readonly afterBuild?: AfterBuildHook;
  readonly onEvent: (stream: number, event: PickleEvent) => void;
  /** Decides after each accepted stream whether to go on (e.g. legacy PyTorch stops after 5). */
  readonly continueAfter?: (stream: number, result: PickleRunResult) => boolean;
}

export interface PickleStreamsResult {
  /** Streams accepted as pickles, in order. */
  readonly streams: readonly PickleRunResult[];
  /** Bytes after the last accepted stream that are not a pickle. */
  readonly trailing?: { readonly offset: number };
  /** probe mode: the content is not a pickle. */
  readonly notPickle: boolean;
  /**
   * probe mode, not a pickle: the bytes given ran out (or a limit was hit) before the machine saw
   * an error, so a longer read could still turn out to be a pickle.
   */
  readonly undecided?: boolean;
}

/** Events buffered before deciding whether a later segment is a pickle at all. */
const DECIDE_AFTER_EVENTS = 256;

export async function readPickleStreams(
  input: ByteStream | StreamReader,
  options: PickleStreamsOptions,
): Promise<PickleStreamsResult> {
  const reader = input instanceof StreamReader ? input : new StreamReader(input);
  const limits = { ...PICKLE_LIMITS, ...options.limits };
  const budget = new RetentionBudget(limits.maxTotalRetained);
  const streams: PickleRunResult[] = [];
  for (let index = 0; ; index++) {
    if (await reader.atEnd()) return { streams, notPickle: index === 0 && options.probe === true };
    const start = reader.offset;
    const mustDecide = index > 0 || options.probe === true;
    const pending: PickleEvent[] = [];
    let decided = !mustDecide;
    let evidence = 0;
    const result = await runPickle(reader, {
      limits,
      budget,
      ...(options.afterBuild ? { afterBuild: options.afterBuild } : {}),
      onEvent: (e) => {
        if (decided) {
          options.onEvent(index, e);
          return;
        }
        pending.push(e);
        // Only an import a loader could perform is evidence: random bytes often start with an EXT
        // opcode or a 'c' followed by junk, but almost never with `c<module>\n<name>\n` of identifiers.
        if (e.kind === 'import' && isDottedIdentifier(e.module) && isDottedIdentifier(e.name)) evidence++;
        if (pending.length >= DECIDE_AFTER_EVENTS && evidence > 0) {
          decided = true;
          for (const p of pending.splice(0)) options.onEvent(index, p);
        }
      },
    });
    if (!decided) {
      const isPickle = evidence > 0 || (result.end === 'stop' && result.opcodes >= 2);
      if (!isPickle) {
        if (index === 0)
          return { streams, notPickle: true, undecided: result.end === 'eof' || result.end === 'limit' };
        return { streams, trailing: { offset: start }, notPickle: false };
      }
      for (const p of pending) options.onEvent(index, p);
    }
    streams.push(result);
    if (result.end !== 'stop') return { streams, notPickle: false };
    if (options.maxStreams !== undefined && streams.length >= options.maxStreams) {
      return (await reader.atEnd())
        ? { streams, notPickle: false }
        : { streams, trailing: { offset: reader.offset }, notPickle: false };
    }
    if (options.continueAfter && !options.continueAfter(index, result)) {
      return (await reader.atEnd())
        ? { streams, notPickle: false }
        : { streams, trailing: { offset: reader.offset }, notPickle: false };
    }
  }
}
