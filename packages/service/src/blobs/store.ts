import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { asBytes, type Bytes } from './bytes.js';
import { FileAppender, makeDirDurably, removeIfPresent, syncDir } from './durable.js';
import { BlobError, osErrorCode } from './errors.js';
import { dataKeyBytes } from './keys.js';
import { openSealed, SEGMENT_PLAINTEXT_MAX, sealStream } from './sealed.js';
import { FileUploads } from './upload-files.js';
import {
  type BlobInfo,
  type ByteSource,
  checkBlobKey,
  checkMaxBytes,
  type UploadOptions,
  type UploadStatus,
} from './uploads.js';

export interface BlobStat {
  readonly key: string;
  /** Bytes on disk (header, framing and tags included). */
  readonly storedBytes: number;
}

/**
 * Encrypted, content-addressed blob storage. Keys are SHA-256 of the stored ciphertext, never
 * derived from anything a user sent. Every method may throw BlobError (typed) or an OS error.
 */
export interface BlobStore {
  put(plaintext: ByteSource, dataKey: Bytes, opts: { readonly maxBytes: number }): Promise<BlobInfo>;
  /** The plaintext, authenticated segment by segment; errors (TAMPERED, TRUNCATED…) arrive on the stream. */
  get(key: string, dataKey: Bytes): Promise<Readable>;
  stat(key: string): Promise<BlobStat | undefined>;
  has(key: string): Promise<boolean>;
  /** True when a blob was removed, false when there was none. */
  delete(key: string): Promise<boolean>;
  createUpload(uploadId: string, opts: UploadOptions): Promise<UploadStatus>;
  appendUpload(
    uploadId: string,
    offset: number,
    chunk: ByteSource,
    dataKey: Bytes,
  ): Promise<{ readonly received: number }>;
  uploadStatus(uploadId: string): Promise<UploadStatus>;
  completeUpload(uploadId: string, dataKey: Bytes): Promise<BlobInfo>;
  /** True when an upload was removed, false when there was none. */
  abortUpload(uploadId: string): Promise<boolean>;
}

export interface FileBlobStoreOptions {
  /** During one long append, make progress durable every this many bytes (default 64 MiB). */
  readonly checkpointBytes?: number;
}

const DEFAULT_CHECKPOINT_BYTES = 64 << 20;
const READ_CHUNK_BYTES = 1 << 20;

/** Content hashing while bytes pass through; a mismatch errors before the stream's end is reported. */
async function* verifyAddress(source: AsyncIterable<unknown>, key: string): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  for await (const chunk of source) {
    const b = asBytes(chunk);
    hash.update(b);
    yield b;
  }
  if (hash.digest('hex') !== key) throw new BlobError('TAMPERED', 'the stored blob does not match its key');
}

/**
 * Blobs as files under `rootDir`:
 *   objects/ab/cd/<sha256>      sealed blobs, content-addressed
 *   uploads/<id>.state|.data    resumable uploads in progress
 *   tmp/                        puts being written (never referenced until renamed into objects/)
 * One FileBlobStore per root per process (the upload lock lives in the instance).
 */
export class FileBlobStore implements BlobStore {
  readonly #objects: string;
  readonly #tmp: string;
  readonly #uploads: FileUploads;

  constructor(
    readonly rootDir: string,
    options: FileBlobStoreOptions = {},
  ) {
    this.#objects = join(rootDir, 'objects');
    this.#tmp = join(rootDir, 'tmp');
    this.#uploads = new FileUploads(
      join(rootDir, 'uploads'),
      (key) => this.#objectPath(key),
      options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES,
    );
  }

  #objectPath(key: string): string {
    return join(this.#objects, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(plaintext: ByteSource, dataKey: Bytes, opts: { readonly maxBytes: number }): Promise<BlobInfo> {
    dataKeyBytes(dataKey);
    checkMaxBytes(opts.maxBytes);
    const maxBytes = opts.maxBytes;
    await makeDirDurably(this.#tmp);
    const tmp = join(this.#tmp, `put-${process.pid}-${randomBytes(8).toString('hex')}`);
    const fh = await open(tmp, 'wx', 0o600);
    let closed = false;
    let placed = false;
    try {
      const plainHash = createHash('sha256');
      const cipherHash = createHash('sha256');
      let size = 0;
      const metered = async function* (): AsyncGenerator<Uint8Array> {
        const it = (plaintext as AsyncIterable<unknown>)[Symbol.asyncIterator]();
        try {
          for (;;) {
            let r: IteratorResult<unknown>;
            let b: Uint8Array;
            try {
              r = await it.next();
              if (r.done === true) return;
              b = asBytes(r.value);
            } catch (cause) {
              throw new BlobError(
                'INPUT_FAILED',
                'the plaintext stream failed',
                { received: size },
                { cause },
              );
            }
            size += b.length;
            if (size > maxBytes)
              throw new BlobError('TOO_LARGE', 'the blob passes maxBytes', { limit: maxBytes });
            plainHash.update(b);
            yield b;
          }
        } finally {
          await it.return?.();
        }
      };
      const out = new FileAppender(fh, 0);
      for await (const piece of sealStream(metered(), dataKey)) {
        cipherHash.update(piece);
        await out.add(piece);
      }
      await out.flush();
      await fh.datasync();
      await fh.close();
      closed = true;
      const key = cipherHash.digest('hex');
      const dest = this.#objectPath(key);
      await makeDirDurably(dirname(dest));
      await rename(tmp, dest);
      placed = true;
      await syncDir(dirname(dest));
      return { key, size, sha256: plainHash.digest('hex') };
    } finally {
      if (!closed) await fh.close();
      if (!placed) await removeIfPresent(tmp);
    }
  }

  async get(key: string, dataKey: Bytes): Promise<Readable> {
    checkBlobKey(key);
    dataKeyBytes(dataKey);
    let fh: FileHandle;
    try {
      fh = await open(this.#objectPath(key), 'r');
    } catch (err) {
      if (osErrorCode(err) === 'ENOENT') throw new BlobError('NOT_FOUND', 'no blob with that key');
      throw err;
    }
    const file = fh.createReadStream({ highWaterMark: READ_CHUNK_BYTES });
    return Readable.from(openSealed(verifyAddress(file, key), dataKey), {
      objectMode: false,
      highWaterMark: SEGMENT_PLAINTEXT_MAX,
    });
  }

  async stat(key: string): Promise<BlobStat | undefined> {
    checkBlobKey(key);
    try {
      const st = await stat(this.#objectPath(key));
      return { key, storedBytes: st.size };
    } catch (err) {
      if (osErrorCode(err) === 'ENOENT') return undefined;
      throw err;
    }
  }

  async has(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async delete(key: string): Promise<boolean> {
    checkBlobKey(key);
    const path = this.#objectPath(key);
    const existed = await removeIfPresent(path);
    if (existed) await syncDir(dirname(path));
    return existed;
  }

  createUpload(uploadId: string, opts: UploadOptions): Promise<UploadStatus> {
    return this.#uploads.create(uploadId, opts);
  }

  appendUpload(
    uploadId: string,
    offset: number,
    chunk: ByteSource,
    dataKey: Bytes,
  ): Promise<{ received: number }> {
    return this.#uploads.append(uploadId, offset, chunk, dataKey);
  }

  uploadStatus(uploadId: string): Promise<UploadStatus> {
    return this.#uploads.status(uploadId);
  }

  completeUpload(uploadId: string, dataKey: Bytes): Promise<BlobInfo> {
    return this.#uploads.complete(uploadId, dataKey);
  }

  abortUpload(uploadId: string): Promise<boolean> {
    return this.#uploads.abort(uploadId);
  }

  /**
   * Removes what crashes leave behind: put temp files and atomic-write temp files older than
   * `olderThanMs`, and upload data files without a state file. Call at start-up; the age keeps it
   * off files another live process is still writing.
   */
  async sweep(olderThanMs: number, now: number = Date.now()): Promise<number> {
    let removed = 0;
    const old = async (path: string): Promise<boolean> => {
      try {
        return now - (await stat(path)).mtimeMs > olderThanMs;
      } catch (err) {
        if (osErrorCode(err) === 'ENOENT') return false;
        throw err;
      }
    };
    const list = async (dir: string): Promise<string[]> => {
      try {
        return await readdir(dir);
      } catch (err) {
        if (osErrorCode(err) === 'ENOENT') return [];
        throw err;
      }
    };
    for (const name of await list(this.#tmp)) {
      const p = join(this.#tmp, name);
      if (await old(p)) removed += (await removeIfPresent(p)) ? 1 : 0;
    }
    const names = await list(this.#uploads.dir);
    const states = new Set(
      names.filter((n) => n.endsWith('.state')).map((n) => n.slice(0, -'.state'.length)),
    );
    for (const name of names) {
      const p = join(this.#uploads.dir, name);
      const orphan = name.endsWith('.data') && !states.has(name.slice(0, -'.data'.length));
      if ((orphan || name.endsWith('.tmp')) && (await old(p))) {
        await unlink(p).catch((err: unknown) => {
          if (osErrorCode(err) !== 'ENOENT') throw err;
        });
        removed++;
      }
    }
    return removed;
  }
}
