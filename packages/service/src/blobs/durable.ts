import { randomBytes } from 'node:crypto';
import { type FileHandle, link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { osErrorCode } from './errors.js';

/**
 * fsync a directory so a rename, link or unlink inside it survives a crash. Platforms that cannot
 * open a directory for syncing (Windows) skip it: their rename is as durable as it gets there.
 */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await open(dir, 'r');
  } catch (err) {
    if (process.platform === 'win32' && osErrorCode(err) === 'EISDIR') return;
    throw err;
  }
  try {
    await fh.sync();
  } catch (err) {
    // Some filesystems refuse fsync on a directory; nothing more can be done there.
    if (osErrorCode(err) !== 'EINVAL' && osErrorCode(err) !== 'EBADF') throw err;
  } finally {
    await fh.close();
  }
}

/** A temporary name beside `path`, unique across processes and calls. */
export const tempNameFor = (path: string): string =>
  join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);

/** Removes a file, treating "already gone" as success. Returns whether it existed. */
export async function removeIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    if (osErrorCode(err) === 'ENOENT') return false;
    throw err;
  }
}

/** Writes a fresh temporary file beside `path` (mode 0600), fsyncs it and returns its name. */
async function writeTemp(path: string, data: string | Uint8Array): Promise<string> {
  const tmp = tempNameFor(path);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await removeIfPresent(tmp);
    throw err;
  }
  await fh.close();
  return tmp;
}

/**
 * Replaces `path` with `data` atomically: after a crash the file holds either the old or the new
 * content, never a mix. The directory is synced so the replacement itself is durable.
 */
export async function replaceFileAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = await writeTemp(path, data);
  try {
    await rename(tmp, path);
  } catch (err) {
    await removeIfPresent(tmp);
    throw err;
  }
  await syncDir(dirname(path));
}

/**
 * Creates `path` with `data` atomically and only if it does not exist yet (link(2) refuses to
 * overwrite). Returns false when the file already existed; the existing file is left untouched.
 */
export async function createFileAtomically(path: string, data: string | Uint8Array): Promise<boolean> {
  const tmp = await writeTemp(path, data);
  try {
    await link(tmp, path);
  } catch (err) {
    if (osErrorCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await removeIfPresent(tmp);
  }
  await syncDir(dirname(path));
  return true;
}

/** mkdir -p that also syncs every parent whose entry it created, so the new directories survive a crash. */
export async function makeDirDurably(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  // `first` is the top-most directory created; sync it, every directory below it, and its parent.
  let d = dir;
  const toSync = [dirname(first)];
  while (d.length >= first.length) {
    toSync.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const p of toSync) await syncDir(p);
}

/**
 * Writes buffers at increasing positions of an open file, gathering them into writes of about
 * `batchBytes` (one syscall per batch instead of one per 64 KiB record).
 */
export class FileAppender {
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor(
    private readonly fh: FileHandle,
    /** The file position the next flushed byte lands at. */
    public position: number,
    private readonly batchBytes = 1 << 20,
  ) {}

  /** Position after every byte added so far, flushed or not. */
  get end(): number {
    return this.position + this.#pendingBytes;
  }

  async add(buf: Uint8Array): Promise<void> {
    this.#pending.push(buf);
    this.#pendingBytes += buf.length;
    if (this.#pendingBytes >= this.batchBytes) await this.flush();
  }

  async flush(): Promise<void> {
    let bufs = this.#pending;
    let left = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    while (left > 0) {
      const { bytesWritten } = await this.fh.writev(bufs, this.position);
      this.position += bytesWritten;
      left -= bytesWritten;
      if (left === 0) break;
      if (bytesWritten === 0) throw new Error('write made no progress');
      // A short write (rare on regular files): continue with what was not written.
      let skip = bytesWritten;
      const rest: Uint8Array[] = [];
      for (const b of bufs) {
        if (skip >= b.length) skip -= b.length;
        else {
          rest.push(skip > 0 ? b.subarray(skip) : b);
          skip = 0;
        }
      }
      bufs = rest;
    }
  }
}
