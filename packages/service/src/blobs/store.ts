import { createHash, type Hash, randomBytes } from 'node:crypto';
import { type FileHandle, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { asBytes, type Bytes, Segmenter } from './bytes.js';
import {
  createFileAtomically,
  FileAppender,
  makeDirDurably,
  removeIfPresent,
  replaceFileAtomically,
  syncDir,
} from './durable.js';
import { BlobError, type BlobErrorCode, osErrorCode } from './errors.js';
import { dataKeyBytes } from './keys.js';
import { KeyedMutex } from './lock.js';
import { openSealed, SEGMENT_PLAINTEXT_MAX, SegmentSealer, sealStream } from './sealed.js';
import {
  type BlobInfo,
  checkBlobKey,
  checkMaxBytes,
  checkUploadId,
  checkUploadOptions,
  MAX_BLOB_BYTES,
  MAX_STATE_FILE_BYTES,
  parseState,
  scanPartial,
  serializeState,
  type UploadOptions,
  type UploadState,
} from './uploads.js';

/** Plaintext going in: a Node Readable or any async iterable of bytes. */
export type ByteSource = AsyncIterable<Uint8Array> | Readable;

export interface BlobStat {
  readonly key: string;
  /** Bytes on disk (header, framing and tags included). */
  readonly storedBytes: number;
}

export interface UploadStatus extends UploadOptions {
  /** Plaintext bytes durably received: the offset the next append must give. */
  readonly received: number;
  /** Set only when a completion was interrupted by a crash; completeUpload returns it. */
  readonly completed?: BlobInfo;
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

/** An upload as this process knows it; rebuilt from disk after a restart or a failed write. */
interface LiveUpload {
  state: UploadState;
  received: number;
  segments: number;
  header: Uint8Array | undefined;
  /** Running hashes of the plaintext and ciphertext committed so far; absent after a recovery. */
  hashes: { plain: Hash; cipher: Hash } | undefined;
}

const DEFAULT_CHECKPOINT_BYTES = 64 << 20;
const READ_CHUNK_BYTES = 1 << 20;
const EMPTY = new Uint8Array(0);

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
  readonly #uploads: string;
  readonly #tmp: string;
  readonly #checkpointBytes: number;
  readonly #lock = new KeyedMutex();
  readonly #live = new Map<string, LiveUpload>();

  constructor(
    readonly rootDir: string,
    options: FileBlobStoreOptions = {},
  ) {
    this.#objects = join(rootDir, 'objects');
    this.#uploads = join(rootDir, 'uploads');
    this.#tmp = join(rootDir, 'tmp');
    this.#checkpointBytes = options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES;
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

  #paths(uploadId: string): { state: string; data: string } {
    return { state: join(this.#uploads, `${uploadId}.state`), data: join(this.#uploads, `${uploadId}.data`) };
  }

  async createUpload(uploadId: string, opts: UploadOptions): Promise<UploadStatus> {
    checkUploadId(uploadId);
    checkUploadOptions(opts);
    return this.#lock.run(uploadId, async () => {
      await makeDirDurably(this.#uploads);
      const state: UploadState = {
        v: 1,
        maxBytes: opts.maxBytes,
        ...(opts.expectedSize !== undefined ? { expectedSize: opts.expectedSize } : {}),
        ...(opts.expectedSha256 !== undefined ? { expectedSha256: opts.expectedSha256 } : {}),
        committed: 0,
      };
      const paths = this.#paths(uploadId);
      // The state file claims the id (link refuses to overwrite); the data file may then be reset.
      if (!(await createFileAtomically(paths.state, serializeState(state))))
        throw new BlobError('UPLOAD_EXISTS', 'an upload with that id exists');
      const fh = await open(paths.data, 'w', 0o600);
      await fh.close();
      await syncDir(this.#uploads);
      this.#live.set(uploadId, this.#fresh(state));
      return this.#status(this.#live.get(uploadId) as LiveUpload);
    });
  }

  #fresh(state: UploadState): LiveUpload {
    return {
      state,
      received: 0,
      segments: 0,
      header: undefined,
      hashes: { plain: createHash('sha256'), cipher: createHash('sha256') },
    };
  }

  #status(up: LiveUpload): UploadStatus {
    const { state } = up;
    return {
      received: state.completed?.size ?? up.received,
      maxBytes: state.maxBytes,
      ...(state.expectedSize !== undefined ? { expectedSize: state.expectedSize } : {}),
      ...(state.expectedSha256 !== undefined ? { expectedSha256: state.expectedSha256 } : {}),
      ...(state.completed !== undefined ? { completed: state.completed } : {}),
    };
  }

  /** The upload as known in memory, or rebuilt from its files (cutting off torn writes). */
  async #upload(uploadId: string): Promise<LiveUpload> {
    const known = this.#live.get(uploadId);
    if (known !== undefined) return known;
    const paths = this.#paths(uploadId);
    let text: string;
    try {
      const buf = await readFile(paths.state);
      if (buf.length > MAX_STATE_FILE_BYTES)
        throw new BlobError('UPLOAD_CORRUPT', 'upload state file too long');
      text = buf.toString('utf8');
    } catch (err) {
      if (osErrorCode(err) === 'ENOENT') throw new BlobError('NOT_FOUND', 'no upload with that id');
      throw err;
    }
    let state = parseState(text);
    if (state.completed !== undefined) {
      const up: LiveUpload = {
        state,
        received: state.completed.size,
        segments: 0,
        header: undefined,
        hashes: undefined,
      };
      this.#live.set(uploadId, up);
      return up;
    }
    let fh: FileHandle;
    try {
      fh = await open(paths.data, 'r+');
    } catch (err) {
      if (osErrorCode(err) !== 'ENOENT') throw err;
      if (state.committed !== 0) throw new BlobError('UPLOAD_CORRUPT', 'the upload data file is missing');
      fh = await open(paths.data, 'w+', 0o600);
    }
    try {
      const size = (await fh.stat()).size;
      if (size < state.committed)
        throw new BlobError('UPLOAD_CORRUPT', 'the data file is shorter than its committed length', {
          expected: state.committed,
          actual: size,
        });
      const scan = await scanPartial(fh, state.committed);
      if (size !== scan.end) {
        await fh.truncate(scan.end);
        await fh.datasync();
      }
      if (scan.end !== state.committed) {
        state = { ...state, committed: scan.end };
        await replaceFileAtomically(paths.state, serializeState(state));
      }
      const up: LiveUpload =
        scan.end === 0
          ? this.#fresh(state)
          : {
              state,
              received: scan.received,
              segments: scan.segments,
              header: scan.header,
              hashes: undefined,
            };
      this.#live.set(uploadId, up);
      return up;
    } finally {
      await fh.close();
    }
  }

  async uploadStatus(uploadId: string): Promise<UploadStatus> {
    checkUploadId(uploadId);
    return this.#lock.run(uploadId, async () => this.#status(await this.#upload(uploadId)));
  }

  async appendUpload(
    uploadId: string,
    offset: number,
    chunk: ByteSource,
    dataKey: Bytes,
  ): Promise<{ readonly received: number }> {
    checkUploadId(uploadId);
    dataKeyBytes(dataKey);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > MAX_BLOB_BYTES)
      throw new BlobError('BAD_OPTIONS', 'offset must be a non-negative integer');
    return this.#lock.run(uploadId, async () => {
      const up = await this.#upload(uploadId);
      if (up.state.completed !== undefined)
        throw new BlobError('UPLOAD_EXISTS', 'the upload is already complete', {
          received: up.state.completed.size,
        });
      if (offset !== up.received)
        throw new BlobError('OFFSET_MISMATCH', 'the offset is not the bytes received', {
          received: up.received,
          actual: offset,
        });
      try {
        return await this.#append(uploadId, up, chunk, dataKey);
      } catch (err) {
        // Anything but a typed refusal may have left memory and disk apart: rebuild from disk next time.
        if (!(err instanceof BlobError) || err.code === 'WRONG_KEY' || err.code === 'UPLOAD_CORRUPT')
          this.#live.delete(uploadId);
        throw err;
      }
    });
  }

  async #append(
    uploadId: string,
    up: LiveUpload,
    chunk: ByteSource,
    dataKey: Bytes,
  ): Promise<{ received: number }> {
    const paths = this.#paths(uploadId);
    const sealer =
      up.header === undefined ? SegmentSealer.create(dataKey) : new SegmentSealer(up.header, dataKey);
    const fh = await open(paths.data, 'r+');
    try {
      if ((await fh.stat()).size !== up.state.committed) await fh.truncate(up.state.committed);
      const out = new FileAppender(fh, up.state.committed);
      let received = up.received;
      let segments = up.segments;
      let headerWritten = up.header !== undefined;
      let sinceCheckpoint = 0;
      const hashes = up.hashes;
      const writeSegment = async (plain: Uint8Array): Promise<void> => {
        if (!headerWritten) {
          await out.add(sealer.header);
          hashes?.cipher.update(sealer.header);
          headerWritten = true;
        }
        const record = sealer.seal(segments, plain, false);
        await out.add(record);
        hashes?.plain.update(plain);
        hashes?.cipher.update(record);
        segments++;
        received += plain.length;
        sinceCheckpoint += record.length;
      };
      const commit = async (): Promise<void> => {
        await out.flush();
        if (out.position === up.state.committed) return;
        await fh.datasync();
        const state: UploadState = { ...up.state, committed: out.position };
        await replaceFileAtomically(paths.state, serializeState(state));
        up.state = state;
        up.received = received;
        up.segments = segments;
        up.header = sealer.header;
        sinceCheckpoint = 0;
      };

      const limit = Math.min(up.state.maxBytes, up.state.expectedSize ?? MAX_BLOB_BYTES);
      const limitCode: BlobErrorCode = up.state.maxBytes <= limit ? 'TOO_LARGE' : 'SIZE_MISMATCH';
      const segmenter = new Segmenter(SEGMENT_PLAINTEXT_MAX);
      let stop: { code: BlobErrorCode; cause?: unknown } | undefined;
      const it = (chunk as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      for (;;) {
        let piece: Uint8Array;
        try {
          const r = await it.next();
          if (r.done === true) break;
          piece = asBytes(r.value);
        } catch (cause) {
          stop = { code: 'INPUT_FAILED', cause };
          break;
        }
        const room = limit - received - segmenter.buffered;
        if (piece.length > room) {
          piece = piece.subarray(0, room);
          stop = { code: limitCode };
        }
        for (const segment of segmenter.push(piece)) {
          await writeSegment(segment);
          if (sinceCheckpoint >= this.#checkpointBytes) await commit();
        }
        if (stop !== undefined) break;
      }
      if (stop !== undefined) await it.return?.();
      // Every byte that arrived is kept: the short rest becomes a segment of its own.
      const rest = segmenter.flush();
      if (rest !== undefined) await writeSegment(rest);
      await commit();
      if (stop !== undefined) {
        const detail = { received: up.received, limit };
        if (stop.code === 'INPUT_FAILED')
          throw new BlobError('INPUT_FAILED', 'the upload stream failed', detail, { cause: stop.cause });
        throw new BlobError(stop.code, 'the upload passes its limit', detail);
      }
      return { received: up.received };
    } finally {
      await fh.close();
    }
  }

  async completeUpload(uploadId: string, dataKey: Bytes): Promise<BlobInfo> {
    checkUploadId(uploadId);
    dataKeyBytes(dataKey);
    return this.#lock.run(uploadId, async () => {
      const up = await this.#upload(uploadId);
      if (up.state.completed !== undefined) return this.#place(uploadId, up.state.completed);
      const { expectedSize, expectedSha256 } = up.state;
      if (expectedSize !== undefined && up.received !== expectedSize)
        throw new BlobError('SIZE_MISMATCH', 'the upload is not of the expected size', {
          received: up.received,
          expected: expectedSize,
          actual: up.received,
        });
      const info = await this.#seal(uploadId, up, dataKey);
      if (expectedSha256 !== undefined && info.sha256 !== expectedSha256) {
        // The final segment is cut off again: the upload stays as it was, for inspection or abort.
        await this.#truncateData(uploadId, up.state.committed);
        throw new BlobError('DIGEST_MISMATCH', 'the upload does not have the expected SHA-256', {
          received: up.received,
          expected: expectedSha256,
          actual: info.sha256,
        });
      }
      return this.#place(uploadId, info);
    });
  }

  async #truncateData(uploadId: string, length: number): Promise<void> {
    const fh = await open(this.#paths(uploadId).data, 'r+');
    try {
      await fh.truncate(length);
      await fh.datasync();
    } finally {
      await fh.close();
    }
  }

  /** Writes the final segment and works out the blob's key, size and SHA-256. */
  async #seal(uploadId: string, up: LiveUpload, dataKey: Bytes): Promise<BlobInfo> {
    const sealer =
      up.header === undefined ? SegmentSealer.create(dataKey) : new SegmentSealer(up.header, dataKey);
    const path = this.#paths(uploadId).data;
    const fh = await open(path, 'r+');
    const start = up.state.committed;
    try {
      await fh.truncate(start);
      const out = new FileAppender(fh, start);
      const tail = [
        ...(up.header === undefined ? [sealer.header] : []),
        sealer.seal(up.segments, EMPTY, true),
      ];
      for (const b of tail) await out.add(b);
      await out.flush();
      await fh.datasync();
      if (up.hashes !== undefined) {
        const cipher = up.hashes.cipher.copy();
        for (const b of tail) cipher.update(b);
        return { key: cipher.digest('hex'), size: up.received, sha256: up.hashes.plain.copy().digest('hex') };
      }
    } finally {
      await fh.close();
    }
    // After a restart the running hashes are gone: decrypt what was stored (authenticating it) instead.
    try {
      return await this.#digestStored(path, dataKey, up.received);
    } catch (err) {
      await this.#truncateData(uploadId, start);
      this.#live.delete(uploadId);
      throw err;
    }
  }

  async #digestStored(path: string, dataKey: Bytes, received: number): Promise<BlobInfo> {
    const cipher = createHash('sha256');
    const plain = createHash('sha256');
    let size = 0;
    const fh = await open(path, 'r');
    const tap = async function* (): AsyncGenerator<Uint8Array> {
      for await (const c of fh.createReadStream({ highWaterMark: READ_CHUNK_BYTES })) {
        const b = asBytes(c);
        cipher.update(b);
        yield b;
      }
    };
    for await (const p of openSealed(tap(), dataKey)) {
      plain.update(p);
      size += p.length;
    }
    if (size !== received)
      throw new BlobError('UPLOAD_CORRUPT', 'the stored upload does not hold the bytes counted', {
        expected: received,
        actual: size,
      });
    return { key: cipher.digest('hex'), size, sha256: plain.digest('hex') };
  }

  /** Records the result, moves the data file into the store and forgets the upload. */
  async #place(uploadId: string, info: BlobInfo): Promise<BlobInfo> {
    const paths = this.#paths(uploadId);
    const up = this.#live.get(uploadId);
    if (up !== undefined && up.state.completed === undefined) {
      const state: UploadState = { ...up.state, completed: info };
      await replaceFileAtomically(paths.state, serializeState(state));
      up.state = state;
    }
    const dest = this.#objectPath(info.key);
    await makeDirDurably(dirname(dest));
    try {
      await rename(paths.data, dest);
    } catch (err) {
      // A crash after the move and before the state file went: the blob is already in place.
      if (osErrorCode(err) !== 'ENOENT' || !(await this.has(info.key))) throw err;
    }
    await syncDir(dirname(dest));
    await syncDir(this.#uploads);
    await removeIfPresent(paths.state);
    await syncDir(this.#uploads);
    this.#live.delete(uploadId);
    return info;
  }

  async abortUpload(uploadId: string): Promise<boolean> {
    checkUploadId(uploadId);
    return this.#lock.run(uploadId, async () => {
      const paths = this.#paths(uploadId);
      this.#live.delete(uploadId);
      // State first: a crash in between leaves an orphan data file (swept), never a state without data.
      const hadState = await removeIfPresent(paths.state);
      const hadData = await removeIfPresent(paths.data);
      if (hadState || hadData) await syncDir(this.#uploads);
      return hadState;
    });
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
    const names = await list(this.#uploads);
    const states = new Set(
      names.filter((n) => n.endsWith('.state')).map((n) => n.slice(0, -'.state'.length)),
    );
    for (const name of names) {
      const p = join(this.#uploads, name);
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
