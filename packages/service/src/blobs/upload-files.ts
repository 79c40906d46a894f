import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open, readFile, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
import { openSealed, SEGMENT_PLAINTEXT_MAX, SegmentSealer } from './sealed.js';
import {
  type BlobInfo,
  type ByteSource,
  checkUploadId,
  checkUploadOptions,
  MAX_BLOB_BYTES,
  MAX_STATE_FILE_BYTES,
  parseState,
  scanPartial,
  serializeState,
  type UploadOptions,
  type UploadState,
  type UploadStatus,
} from './uploads.js';

/** An upload as this process knows it; rebuilt from disk after a restart or a failed write. */
interface LiveUpload {
  state: UploadState;
  received: number;
  segments: number;
  header: Uint8Array | undefined;
  /** Running hashes of the plaintext and ciphertext committed so far; absent after a recovery. */
  hashes: { plain: Hash; cipher: Hash } | undefined;
}

const READ_CHUNK_BYTES = 1 << 20;
const EMPTY = new Uint8Array(0);

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (osErrorCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Resumable uploads as files in one directory: `<id>.state` (the durable record, replaced
 * atomically) and `<id>.data` (the sealed stream so far, without its final segment). Completion
 * moves the data file to `objectPath(key)`. Calls for one upload id run one at a time (per-process
 * lock); several processes must not serve the same upload (see docs/storage.md).
 */
export class FileUploads {
  readonly #lock = new KeyedMutex();
  readonly #live = new Map<string, LiveUpload>();

  constructor(
    readonly dir: string,
    private readonly objectPath: (key: string) => string,
    private readonly checkpointBytes: number,
  ) {}

  #paths(uploadId: string): { state: string; data: string } {
    return { state: join(this.dir, `${uploadId}.state`), data: join(this.dir, `${uploadId}.data`) };
  }

  async create(uploadId: string, opts: UploadOptions): Promise<UploadStatus> {
    checkUploadId(uploadId);
    checkUploadOptions(opts);
    return this.#lock.run(uploadId, async () => {
      await makeDirDurably(this.dir);
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
      await syncDir(this.dir);
      this.#live.set(uploadId, this.#fresh(state));
      return this.#statusOf(this.#live.get(uploadId) as LiveUpload);
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

  #statusOf(up: LiveUpload): UploadStatus {
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

  async status(uploadId: string): Promise<UploadStatus> {
    checkUploadId(uploadId);
    return this.#lock.run(uploadId, async () => this.#statusOf(await this.#upload(uploadId)));
  }

  async append(
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
        if (!(err instanceof BlobError) || err.code === 'UPLOAD_CORRUPT') this.#live.delete(uploadId);
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
          if (sinceCheckpoint >= this.checkpointBytes) await commit();
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

  async complete(uploadId: string, dataKey: Bytes): Promise<BlobInfo> {
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
    const dest = this.objectPath(info.key);
    await makeDirDurably(dirname(dest));
    try {
      await rename(paths.data, dest);
    } catch (err) {
      // A crash after the move and before the state file went: the blob is already in place.
      if (osErrorCode(err) !== 'ENOENT' || !(await exists(dest))) throw err;
    }
    await syncDir(dirname(dest));
    await syncDir(this.dir);
    await removeIfPresent(paths.state);
    await syncDir(this.dir);
    this.#live.delete(uploadId);
    return info;
  }

  async abort(uploadId: string): Promise<boolean> {
    checkUploadId(uploadId);
    return this.#lock.run(uploadId, async () => {
      const paths = this.#paths(uploadId);
      this.#live.delete(uploadId);
      // State first: a crash in between leaves an orphan data file (swept), never a state without data.
      const hadState = await removeIfPresent(paths.state);
      const hadData = await removeIfPresent(paths.data);
      if (hadState || hadData) await syncDir(this.dir);
      return hadState;
    });
  }
}
