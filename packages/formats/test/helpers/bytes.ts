/** Byte fixtures and stream plumbing shared by the container tests. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ByteStream, concatBytes } from '../../src/source.js';

export const CORPUS = fileURLToPath(new URL('../../../../../shared/corpus/', import.meta.url));

const enc = new TextEncoder();
export const utf8 = (s: string): Uint8Array => enc.encode(s);
export const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

/** A corpus file's bytes (`path` relative to the corpus root). */
export const corpusFile = (path: string): Uint8Array => u8(readFileSync(`${CORPUS}${path}`));

/** Deterministic pseudo-random bytes (xorshift32). */
export function pseudoRandom(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Compressible but not trivial: words with pseudo-random picks. */
export function textLike(n: number, seed = 7): Uint8Array {
  const words = ['tensor', 'weight', 'bias', 'layer', 'norm', 'attention', 'head', 'embed', '\n', ' '];
  const r = pseudoRandom(Math.ceil(n / 4), seed);
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < n; i++) {
    const w = words[r[i % r.length]! % words.length]!;
    parts.push(w);
    size += w.length;
  }
  return enc.encode(parts.join('')).subarray(0, n);
}

/** Runs a compressor CLI (xz, bzip2) on `input`. Test helpers only. */
export function cli(tool: 'xz' | 'bzip2', args: string[], input: Uint8Array): Uint8Array {
  return u8(execFileSync(tool, args, { input, maxBuffer: 1 << 30 }));
}

export const xz = (data: Uint8Array, ...args: string[]) => cli('xz', ['-c', '-T1', ...args], data);
export const lzmaAlone = (data: Uint8Array, preset = '-6') =>
  cli('xz', ['-c', '--format=lzma', preset], data);
export const bzip2 = (data: Uint8Array, level = 9) => cli('bzip2', ['-c', `-${level}`], data);

/** A ByteStream over `bytes` in fixed-size chunks that records how much was pulled and whether it was closed. */
export class TrackedStream implements AsyncIterable<Uint8Array> {
  pulled = 0;
  closed = false;
  finished = false;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly chunk = 64 * 1024,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    try {
      for (let at = 0; at < this.bytes.length; at += this.chunk) {
        const part = this.bytes.subarray(at, at + this.chunk);
        this.pulled += part.length;
        yield part;
      }
      this.finished = true;
    } finally {
      this.closed = true;
    }
  }
}

export async function* streamOf(bytes: Uint8Array, chunk = 64 * 1024): ByteStream {
  for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
}

export async function readAll(stream: ByteStream): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of stream) parts.push(c.slice());
  return concatBytes(parts);
}

export function cat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

export const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));
