/**
 * joblib framing. joblib.load's NumpyUnpickler reads array bytes straight from the file right after
 * the BUILD of a NumpyArrayWrapper — raw data for numeric dtypes, a complete nested pickle for object
 * dtypes — then resumes unpickling. A scanner that treats those bytes as opcodes loses sync with the
 * loader (bypass A11), so this hook consumes them exactly as joblib does.
 */
import type { AfterBuildHook, HookContext } from './machine.js';
import type { Value } from './values.js';

const WRAPPER = 'joblib.numpy_pickle.NumpyArrayWrapper';

export interface JoblibArrayInfo {
  readonly offset: number;
  readonly dtype: string;
  readonly shape: readonly bigint[];
  readonly object: boolean;
  readonly bytes: bigint;
}

/** Hook for runPickle's afterBuild; `onArray` hears about every inline array consumed. */
export function joblibAfterBuild(onArray?: (info: JoblibArrayInfo) => void): AfterBuildHook {
  return async (obj, ctx) => {
    if (
      obj.t !== 'call' ||
      obj.callee.t !== 'global' ||
      `${obj.callee.module}.${obj.callee.name}` !== WRAPPER
    )
      return;
    const attrs = obj.attrs;
    const shape = intTuple(attrs?.get('shape'));
    const dtype = dtypeInfo(attrs?.get('dtype'));
    if (shape === undefined || dtype === undefined) {
      return ctx.abort({
        code: 'JOBLIB_ARRAY_UNSIZED',
        message: 'NumpyArrayWrapper state has no readable shape/dtype; the inline array cannot be skipped',
        offset: ctx.offset,
      });
    }
    // A plain pickle.load of the same bytes would read opcodes here instead.
    await ctx.alternateStart();
    // joblib's pure-Python unpickler reads the array from the file, which stands at the end of the
    // current FRAME: the frame's remaining opcodes run after the array. joblib itself always ends the
    // frame at the BUILD, so a remainder means a crafted file; follow the loader exactly.
    const remaining = ctx.frameRemaining();
    let pending: Uint8Array | undefined;
    if (remaining > 0) {
      if (remaining > FRAME_REMAINDER_LIMIT) {
        return ctx.abort({
          code: 'JOBLIB_ARRAY_UNSIZED',
          message: `NumpyArrayWrapper BUILD ${remaining} bytes before the end of its FRAME (limit ${FRAME_REMAINDER_LIMIT})`,
          offset: ctx.offset,
        });
      }
      const { bytes, got } = await ctx.reader.readRetaining(remaining, remaining);
      if (got < remaining) {
        return ctx.abort({
          code: 'JOBLIB_ARRAY_TRUNCATED',
          message: 'stream ends inside the FRAME',
          offset: ctx.reader.offset,
        });
      }
      pending = bytes;
      ctx.endFrame();
    }
    await readArray(ctx, shape, dtype, attrs, onArray);
    if (pending) ctx.reader.unread(pending);
  };
}

/** The frame remainder kept in memory while the array that follows the frame is read (CWE-400). */
const FRAME_REMAINDER_LIMIT = 16 << 20;

async function readArray(
  ctx: HookContext,
  shape: readonly bigint[],
  dtype: { str: string; itemsize: number; object: boolean },
  attrs: Map<string, Value> | undefined,
  onArray: ((info: JoblibArrayInfo) => void) | undefined,
): Promise<void> {
  const count = shape.reduce((a, b) => a * b, 1n);
  if (dtype.object) {
    onArray?.({ offset: ctx.reader.offset, dtype: dtype.str, shape, object: true, bytes: 0n });
    const nested = await ctx.runNested();
    if (nested.end !== 'stop') {
      return ctx.abort({
        code: 'JOBLIB_ARRAY_TRUNCATED',
        message: 'object-array pickle inside the joblib stream did not end with STOP',
        offset: nested.endOffset,
      });
    }
    return;
  }
  const alignment = attrs?.get('numpy_array_alignment_bytes');
  if (alignment !== undefined && alignment.t !== 'none') {
    if (!(await ctx.reader.ensure(1))) {
      return ctx.abort({
        code: 'JOBLIB_ARRAY_TRUNCATED',
        message: 'stream ends before the array padding',
        offset: ctx.reader.offset,
      });
    }
    const padding = ctx.reader.byte();
    await ctx.reader.skip(padding);
  }
  const bytes = count * BigInt(dtype.itemsize);
  onArray?.({ offset: ctx.reader.offset, dtype: dtype.str, shape, object: false, bytes });
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) {
    ctx.abort({ code: 'JOBLIB_ARRAY_UNSIZED', message: 'inline array size overflows', offset: ctx.offset });
  }
  const skipped = await ctx.reader.skip(Number(bytes));
  if (skipped < Number(bytes)) {
    return ctx.abort({
      code: 'JOBLIB_ARRAY_TRUNCATED',
      message: `stream ends inside an inline array (${skipped} of ${bytes} bytes)`,
      offset: ctx.reader.offset,
    });
  }
}

function intTuple(v: Value | undefined): bigint[] | undefined {
  if (v?.t !== 'tuple' || v.more > 0) return undefined;
  const out: bigint[] = [];
  for (const i of v.items) {
    if (i.t !== 'int' || i.v < 0n) return undefined;
    out.push(i.v);
  }
  return out;
}

/** numpy.dtype(typestr, align, copy) with BUILD state (version, byteorder, subdescr, names, fields, elsize, alignment, flags). */
export function dtypeInfo(
  v: Value | undefined,
): { str: string; itemsize: number; object: boolean } | undefined {
  if (v?.t !== 'call' || v.callee.t !== 'global' || v.callee.name !== 'dtype') return undefined;
  if (v.callee.module !== 'numpy' && !v.callee.module.startsWith('numpy.')) return undefined;
  const first = v.args.t === 'tuple' ? v.args.items[0] : undefined;
  if (first?.t !== 'str') return undefined;
  const typestr = first.v;
  const m = /^[<>|=]?([a-zA-Z?])(\d*)$/.exec(typestr);
  if (!m) return undefined;
  const kind = m[1]!;
  let size = m[2] ? Number(m[2]) : kind === '?' || kind === 'b' ? 1 : Number.NaN;
  let flags = 0n;
  if (v.state?.t === 'tuple') {
    const elsize = v.state.items[5];
    if (elsize?.t === 'int' && elsize.v > 0n) size = Number(elsize.v);
    const f = v.state.items[7];
    if (f?.t === 'int') flags = f.v;
  }
  const object = kind === 'O' || (flags & 1n) === 1n;
  if (object) return { str: typestr, itemsize: 8, object };
  if (kind === 'U' && m[2] && !(v.state?.t === 'tuple' && v.state.items[5]?.t === 'int'))
    size = Number(m[2]) * 4;
  if (kind === 'M' || kind === 'm') size = Number.isNaN(size) ? 8 : size;
  if (!Number.isFinite(size) || size <= 0) return undefined;
  return { str: typestr, itemsize: size, object };
}
