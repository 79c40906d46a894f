/**
 * Deterministic tensor bytes: an AES-256-CTR keystream (fast, seedable) reshaped into float32 values
 * of magnitude 2^-7 … 2^-5 with random signs, so storages look like trained weights rather than
 * noise with NaNs. Output is produced in fixed-size chunks: memory stays flat whatever the size.
 */
import { createCipheriv, createHash } from 'node:crypto';
import os from 'node:os';

const CHUNK_BYTES = 4 * 1024 * 1024;
const ZEROS = new Uint8Array(CHUNK_BYTES);

export type Emit = (chunk: Uint8Array) => Promise<void>;

export class TensorBytes {
  private readonly cipher;

  constructor(seed: string) {
    if (os.endianness() !== 'LE')
      throw new Error('the generator writes little-endian tensors on little-endian hosts only');
    const key = Uint8Array.from(createHash('sha256').update(seed).digest());
    this.cipher = createCipheriv('aes-256-ctr', key, new Uint8Array(16));
  }

  /** Emits `bytes` bytes (a multiple of 4) of float32 values. */
  async float32(bytes: number, emit: Emit): Promise<void> {
    if (bytes % 4 !== 0) throw new RangeError(`float32 data must be a multiple of 4 bytes: ${bytes}`);
    for (let left = bytes; left > 0; ) {
      const n = Math.min(left, CHUNK_BYTES);
      const stream = this.cipher.update(ZEROS.subarray(0, n));
      const chunk =
        stream.byteOffset % 4 === 0
          ? new Uint8Array(stream.buffer, stream.byteOffset, n)
          : Uint8Array.from(stream);
      const words = new Uint32Array(chunk.buffer, chunk.byteOffset, n / 4);
      for (let i = 0; i < words.length; i++) words[i] = (words[i]! & 0x80ffffff) | 0x3c000000;
      await emit(chunk);
      left -= n;
    }
  }
}
