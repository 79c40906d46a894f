/**
 * The HDF5 library (h5wasm, HDF5 compiled to WebAssembly), loaded on the first HDF5 file only.
 *
 * We use h5wasm's ESM build, not `h5wasm/node`: the node build maps the whole host file system into
 * the library (NODERAWFS), so a hostile external link, external-storage dataset or virtual dataset
 * would make HDF5 open host paths while we merely inspect the file. The ESM build runs on an
 * in-memory file system in which we place one lazily read file; every other open is refused and
 * recorded (that record is how external raw-data storage, which h5wasm does not expose, is detected).
 * HDF5's diagnostics go to a bounded buffer instead of the process's stderr and stdout.
 */
import fs from 'node:fs';

type H5 = typeof import('h5wasm').default;
type H5Module = Awaited<H5['ready']>;

/** The parts of Emscripten's FS we use (its bundled typings do not describe node internals). */
interface EmFs {
  mkdir(path: string): void;
  createFile(parent: string, name: string, props: object, canRead: boolean, canWrite: boolean): EmNode;
  unlink(path: string): void;
  open(path: string, flags: unknown, mode?: number): unknown;
  getStream(fd: number): { stream_ops: Record<string, unknown> } | null;
  ErrnoError: new (errno: number) => Error;
}
interface EmNode {
  stream_ops: Record<string, unknown>;
}

/** Reads `length` bytes at `position` into `target` (synchronously: the library is synchronous). */
export type SyncReader = (target: Uint8Array, offset: number, length: number, position: number) => number;

export interface Hdf5Runtime {
  readonly h5: H5;
  readonly module: H5Module;
  /** Places a read-only file in the sandbox; returns its path there and a disposer. */
  mount(size: number, read: SyncReader): { path: string; dispose: () => void };
  /** Paths the library tried to open other than mounted files, since the last call. */
  takeOpenAttempts(): string[];
  /** Whether HDF5 printed an error stack since diagnostics were last taken. */
  hasDiagnostics(): boolean;
  /** Diagnostics HDF5 printed since the last call (bounded). */
  takeDiagnostics(): string;
}

const SANDBOX = '/vacsrp-scan';
const DIAG_MAX = 16 * 1024;
const ENOENT = 44; // Emscripten's errno numbering
const EINVAL = 28;

let runtime: Promise<Hdf5Runtime> | undefined;

export function hdf5Runtime(): Promise<Hdf5Runtime> {
  runtime ??= create();
  return runtime;
}

async function create(): Promise<Hdf5Runtime> {
  const h5 = (await import('h5wasm')).default;
  const module = await h5.ready;
  const FS = module.FS as unknown as EmFs;
  FS.mkdir(SANDBOX);
  // No filter plugins: HDF5 would search host-style directories for code to load for unknown filters.
  const pluginDirs = module.get_plugin_search_paths();
  for (let i = pluginDirs.length; i > 0; i--) module.remove_plugin_search_path(0);

  let diag = '';
  const capture = (bytes: Uint8Array) => {
    if (diag.length < DIAG_MAX)
      diag += Buffer.from(bytes)
        .toString('utf8')
        .slice(0, DIAG_MAX - diag.length);
  };
  for (const fd of [1, 2]) {
    const s = FS.getStream(fd);
    if (s)
      s.stream_ops = {
        ...s.stream_ops,
        write: (_s: unknown, buf: Uint8Array, off: number, len: number) => {
          capture(buf.subarray(off, off + len));
          return len;
        },
      };
  }

  const mounted = new Set<string>();
  let attempts: string[] = [];
  const open = FS.open.bind(FS);
  FS.open = (path, flags, mode) => {
    if (typeof path === 'string' && mounted.has(path)) return open(path, flags, mode);
    const p = String(path);
    const plugin = pluginDirs.some((d) => p === d || p.startsWith(`${d}/`));
    if (!plugin && attempts.length < 64) attempts.push(p);
    throw new FS.ErrnoError(ENOENT);
  };

  let counter = 0;
  return {
    h5,
    module,
    mount(size, read) {
      const name = `${++counter}.h5`;
      const path = `${SANDBOX}/${name}`;
      const node = FS.createFile(SANDBOX, name, {}, true, false);
      Object.defineProperty(node, 'usedBytes', { get: () => size });
      node.stream_ops = {
        read: (_s: unknown, buffer: Uint8Array, offset: number, length: number, position: number) =>
          position >= size ? 0 : read(buffer, offset, Math.min(length, size - position), position),
        llseek: (stream: { position: number }, offset: number, whence: number) => {
          const p = whence === 1 ? stream.position + offset : whence === 2 ? size + offset : offset;
          if (p < 0) throw new FS.ErrnoError(EINVAL);
          return p;
        },
      };
      mounted.add(path);
      return {
        path,
        dispose: () => {
          mounted.delete(path);
          FS.unlink(path);
        },
      };
    },
    takeOpenAttempts() {
      const a = attempts;
      attempts = [];
      return a;
    },
    hasDiagnostics: () => diag.length > 0,
    takeDiagnostics() {
      const d = diag;
      diag = '';
      return d;
    },
  };
}

/** A reader over a host file descriptor (a file scanned from disk, never copied into memory). */
export function fdReader(fd: number): SyncReader {
  return (target, offset, length, position) => fs.readSync(fd, target, offset, length, position);
}

/** A reader over bytes already in memory (an archive member). */
export function bytesReader(bytes: Uint8Array): SyncReader {
  return (target, offset, length, position) => {
    const n = Math.max(0, Math.min(length, bytes.length - position));
    target.set(bytes.subarray(position, position + n), offset);
    return n;
  };
}
