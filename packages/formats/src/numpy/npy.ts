/**
 * NumPy .npy header: magic, version, little-endian header length, then a Python dict literal with
 * `descr`, `fortran_order` and `shape`. Parsed with a tiny literal grammar (never eval'd). An object
 * dtype means the body is a pickle that numpy.load(allow_pickle=True) unpickles.
 */
import type { Anomaly } from '../anomaly.js';

export type NpyAnomalyCode =
  | 'NPY_BAD_MAGIC'
  | 'NPY_BAD_VERSION'
  | 'NPY_TRUNCATED'
  | 'NPY_BAD_HEADER'
  | 'NPY_SIZE_MISMATCH';

export interface NpyHeader {
  readonly version: string;
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
  /** Offset of the array body. */
  readonly dataOffset: number;
  /** The body is a pickle stream. */
  readonly object: boolean;
  /** Body size implied by descr and shape (undefined for object or structured dtypes). */
  readonly expectedBytes?: number;
}

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
/** numpy refuses headers above this size by default (CWE-400). */
/**
 * Largest header parsed (CWE-400). numpy's own default is 10 000 bytes, but allow_pickle=True lifts
 * that limit, so a longer header is reported as an anomaly rather than trusted.
 */
export const NPY_MAX_HEADER = 10_000 * 100;

export function parseNpyHeader(
  head: Uint8Array,
  fileSize: number,
): { header?: NpyHeader; anomalies: Anomaly<NpyAnomalyCode>[] } {
  const anomalies: Anomaly<NpyAnomalyCode>[] = [];
  const bad = (code: NpyAnomalyCode, message: string, offset?: number) => {
    anomalies.push({ code, message, ...(offset !== undefined ? { offset } : {}) });
    return { anomalies };
  };
  if (head.length < 6 || !NPY_MAGIC.every((b, i) => head[i] === b))
    return bad('NPY_BAD_MAGIC', 'missing \\x93NUMPY magic', 0);
  if (head.length < 8) return bad('NPY_TRUNCATED', 'version field is truncated', 6);
  const major = head[6]!;
  const minor = head[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0)
    return bad('NPY_BAD_VERSION', `unknown .npy version ${major}.${minor}`, 6);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const lenSize = major === 1 ? 2 : 4;
  if (head.length < 8 + lenSize) return bad('NPY_TRUNCATED', 'header length field is truncated', 8);
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenSize;
  if (hlen > NPY_MAX_HEADER)
    return bad('NPY_BAD_HEADER', `header of ${hlen} bytes exceeds ${NPY_MAX_HEADER}`, 8);
  if (start + hlen > head.length || start + hlen > fileSize)
    return bad('NPY_TRUNCATED', 'header extends past the data available', start);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(head.subarray(start, start + hlen));
  const dict = parseLiteralDict(text);
  if (!dict)
    return bad('NPY_BAD_HEADER', 'header is not a dict literal with descr, fortran_order and shape', start);
  const { descr, fortran_order: fortran, shape } = dict;
  const keys = Object.keys(dict).sort().join(',');
  if (keys !== 'descr,fortran_order,shape') return bad('NPY_BAD_HEADER', `header keys are ${keys}`, start);
  if (
    typeof fortran !== 'boolean' ||
    !Array.isArray(shape) ||
    !shape.every((n) => typeof n === 'number' && n >= 0)
  ) {
    return bad(
      'NPY_BAD_HEADER',
      'fortran_order must be a bool and shape a tuple of non-negative ints',
      start,
    );
  }
  const dataOffset = start + hlen;
  const descrText = typeof descr === 'string' ? descr : JSON.stringify(descr);
  const object = descr !== undefined && isObjectDescr(descr);
  const m = typeof descr === 'string' ? /^[|<>=]?([biufcSUVMm?])(\d+)$/.exec(descr) : null;
  let expectedBytes: number | undefined;
  if (m && !object) {
    const size = Number(m[2]) * (m[1] === 'U' ? 4 : 1);
    expectedBytes = (shape as number[]).reduce((a, b) => a * b, 1) * size;
    if (expectedBytes !== fileSize - dataOffset && fileSize >= dataOffset) {
      anomalies.push({
        code: 'NPY_SIZE_MISMATCH',
        message: `shape and dtype imply ${expectedBytes} data bytes but ${fileSize - dataOffset} follow the header`,
        offset: dataOffset,
        actual: fileSize - dataOffset,
      });
    }
  }
  return {
    header: {
      version: `${major}.${minor}`,
      descr: descrText,
      fortranOrder: fortran,
      shape: shape as number[],
      dataOffset,
      object,
      ...(expectedBytes !== undefined ? { expectedBytes } : {}),
    },
    anomalies,
  };
}

type Lit = string | number | boolean | null | Lit[] | { [k: string]: Lit };

/** Python literal subset: dicts, tuples/lists, strings, ints, True/False/None. */
function parseLiteralDict(text: string): Record<string, Lit> | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (depth: number): Lit | undefined => {
    if (depth > 16) return undefined;
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, Lit> = {};
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return out;
        }
        const k = value(depth + 1);
        ws();
        if (typeof k !== 'string' || text[i] !== ':') return undefined;
        i++;
        const v = value(depth + 1);
        if (v === undefined) return undefined;
        out[k] = v;
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') return undefined;
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const out: Lit[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return out;
        }
        const v = value(depth + 1);
        if (v === undefined) return undefined;
        out.push(v);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) return undefined;
      }
    }
    if (c === "'" || c === '"') {
      let out = '';
      for (let j = i + 1; j < text.length; j++) {
        const ch = text[j]!;
        if (ch === c) {
          i = j + 1;
          return out;
        }
        if (ch !== '\\') {
          out += ch;
          continue;
        }
        const e = text[++j];
        const simple: Record<string, string> = {
          n: '\n',
          t: '\t',
          r: '\r',
          '\\': '\\',
          "'": "'",
          '"': '"',
          '0': '\0',
          a: '\x07',
          b: '\b',
          f: '\f',
          v: '\v',
        };
        if (e !== undefined && e in simple && !(e === '0' && /[0-7]/.test(text[j + 1] ?? ''))) {
          out += simple[e];
          continue;
        }
        const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
        if (hex > 0) {
          const digits = text.slice(j + 1, j + 1 + hex);
          if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) return undefined;
          const cp = Number.parseInt(digits, 16);
          if (cp > 0x10ffff) return undefined;
          out += String.fromCodePoint(cp);
          j += hex;
          continue;
        }
        const oct = /^[0-7]{1,3}/.exec(text.slice(j, j + 3));
        if (oct) {
          out += String.fromCharCode(Number.parseInt(oct[0], 8));
          j += oct[0].length - 1;
          continue;
        }
        out += `\\${e ?? ''}`; // unknown escapes stay verbatim, as in Python
      }
      return undefined;
    }
    const m = /^(True|False|None|-?\d+)/.exec(text.slice(i, i + 32));
    if (!m) return undefined;
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0]);
  };
  const v = value(0);
  ws();
  if (v === undefined || typeof v !== 'object' || v === null || Array.isArray(v) || i < text.length)
    return undefined;
  return v as Record<string, Lit>;
}

/**
 * numpy.lib.format.descr_to_dtype accepts any dtype spelling: 'O', '|O8', 'object', 'object_' and
 * structured lists whose field types (at any depth) are such strings. Any of them makes the body a pickle.
 */
function isObjectDescr(d: Lit): boolean {
  if (typeof d === 'string') return /^[|<>=]?(O\d*|object_?)$/.test(d);
  if (Array.isArray(d)) {
    return d.some((field) =>
      Array.isArray(field) ? field.slice(1).some((x) => isObjectDescr(x)) : isObjectDescr(field),
    );
  }
  return false;
}
