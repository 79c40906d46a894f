/** Streaming SHA-256 of an open file descriptor; shared by the worker threads and the inline path. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';

export interface HashFdOptions {
  /** Called with the cumulative number of bytes hashed, at most once per `progressEvery` bytes. */
  readonly onProgress?: (bytes: number) => void;
  readonly progressEvery: number;
  /** Checked between reads; when it returns true the loop stops and `hashFd` resolves to `undefined`. */
  readonly isAborted?: () => boolean;
}

export interface HashResult {
  readonly hex: string;
  readonly bytes: number;
}

/** A file opened for hashing: regular, open for reading, with its size at open time. */
export interface OpenedFile {
  readonly fd: number;
  readonly size: number;
}

// O_NONBLOCK keeps open() from blocking on a FIFO; fstat then refuses it. No effect on regular files.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * Opens `path` and checks, on the descriptor itself (no stat-then-open race), that it is a regular
 * file. Rejects with a Node system error (`code` ENOENT, EACCES, EISDIR, …) or `NOT_REGULAR_FILE`.
 */
export async function openForDigest(path: string): Promise<OpenedFile> {
  const fd = await new Promise<number>((resolve, reject) =>
    fs.open(path, OPEN_FLAGS, (err, fd) => (err ? reject(err) : resolve(fd))),
  );
  try {
    const stats = await new Promise<fs.Stats>((resolve, reject) =>
      fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st))),
    );
    if (stats.isDirectory()) throw Object.assign(new Error(`EISDIR: ${path}`), { code: 'EISDIR' });
    if (!stats.isFile())
      throw Object.assign(new Error(`not a regular file: ${path}`), { code: 'NOT_REGULAR_FILE' });
    return { fd, size: stats.size };
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}

function closeQuietly(fd: number): void {
  fs.close(fd, () => {});
}

/** A read buffer of `bytes` bytes, not zero-filled (every byte hashed was first read into it). */
export function allocChunk(bytes: number): Chunk {
  const buffer = Buffer.allocUnsafeSlow(bytes);
  // allocUnsafeSlow gives the buffer its own (non-shared) ArrayBuffer, which this type says.
  return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.length);
}

export type Chunk = Uint8Array<ArrayBuffer>;

function readAt(fd: number, buffer: Chunk, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.read(fd, buffer, 0, buffer.length, position, (err, bytesRead) =>
      err ? reject(err) : resolve(bytesRead),
    ),
  );
}

/**
 * Hashes `fd` from offset 0 to end of file with positional reads (the descriptor's own offset is
 * not used). With two buffers the next read runs on the libuv pool while the current chunk is
 * hashed; with one buffer reads and hashing alternate. Memory is the buffers handed in, whatever
 * the file size. Never leaves a read outstanding when it returns, so the caller may close `fd`.
 */
export async function hashFd(
  fd: number,
  buffers: readonly [Chunk] | readonly [Chunk, Chunk],
  options: HashFdOptions,
): Promise<HashResult | undefined> {
  const hash = createHash('sha256');
  const overlap = buffers.length === 2;
  let index = 0;
  let position = 0;
  let reported = 0;
  let pending = readAt(fd, buffers[0], 0);
  for (;;) {
    const bytesRead = await pending;
    if (bytesRead === 0) break;
    const current = buffers[index]!;
    position += bytesRead;
    if (overlap) {
      index ^= 1;
      pending = readAt(fd, buffers[index]!, position);
    }
    hash.update(current.subarray(0, bytesRead));
    if (!overlap) pending = readAt(fd, current, position);
    if (options.isAborted?.()) {
      await pending.catch(() => 0);
      return undefined;
    }
    if (options.onProgress && position - reported >= options.progressEvery) {
      reported = position;
      options.onProgress(position);
    }
  }
  return { hex: hash.digest('hex'), bytes: position };
}
