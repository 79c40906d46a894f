/**
 * Hashing a model into the model-signing v1.0 manifest: one SHA-256 per file (`files`) or per byte
 * range (`shards`), named by POSIX path relative to the model root, sorted. Files are streamed in
 * fixed-size chunks, so memory does not grow with file size. Links are refused unless allowed, and even
 * then never followed out of the model root.
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import { createDigestPool } from '../digest/index.js';
import { bytesOf } from './dsse.js';
import { type ModelSigningLimits, resolveLimits } from './limits.js';
import { fail, type Result, Stop } from './result.js';

export type SerializationMethod = 'files' | 'shards';

/** Always excluded: the signature itself and git metadata (as model_signing does). */
export const DEFAULT_IGNORE_PATHS: readonly string[] = ['.git', '.gitattributes', '.github', '.gitignore'];
export const DEFAULT_SIGNATURE_NAME = 'model.sig';
/** model_signing's default shard size (1 GB). */
export const DEFAULT_SHARD_SIZE = 1_000_000_000;

const CHUNK = 1024 * 1024;

export interface Resource {
  readonly name: string;
  readonly algorithm: string;
  readonly digest: string;
}

export interface Serialization {
  readonly method: SerializationMethod;
  readonly hash_type: 'sha256';
  readonly allow_symlinks: boolean;
  readonly ignore_paths: readonly string[];
  readonly shard_size?: number;
}

export interface Manifest {
  /** The subject name: the directory's base name, or the file's name for a one-file model. */
  readonly modelName: string;
  readonly serialization: Serialization;
  /** Sorted by name (files) or by path then offset (shards). */
  readonly resources: readonly Resource[];
}

export interface ManifestOptions {
  readonly method?: SerializationMethod;
  readonly shardSize?: number;
  /** Paths relative to the model root (or absolute inside it) to leave out, besides the defaults. */
  readonly ignorePaths?: readonly string[];
  readonly allowSymlinks?: boolean;
  readonly limits?: Partial<ModelSigningLimits>;
}

/** Hashes the model at `modelPath` (a directory or a single file). */
export async function hashModel(
  modelPath: string,
  options: ManifestOptions = {},
): Promise<Result<{ manifest: Manifest }>> {
  try {
    return { ok: true, manifest: await buildManifest(modelPath, options) };
  } catch (err) {
    if (err instanceof Stop) return err.failure;
    throw err;
  }
}

async function buildManifest(modelPath: string, options: ManifestOptions): Promise<Manifest> {
  const limits = resolveLimits(options.limits);
  const method = options.method ?? 'files';
  const shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
  if (method === 'shards' && !(Number.isSafeInteger(shardSize) && shardSize > 0)) {
    throw new Stop(fail('UNSUPPORTED', `shard size must be a positive integer, got ${shardSize}`));
  }
  const allowSymlinks = options.allowSymlinks ?? false;
  const rootInfo = await lstat(modelPath);
  if (rootInfo.isSymbolicLink() && !allowSymlinks) {
    throw new Stop(fail('SYMLINK_REFUSED', `the model path ${modelPath} is a symbolic link`));
  }
  const root = await realpath(modelPath);
  const ignore = normaliseIgnorePaths(root, modelPath, options.ignorePaths ?? []);
  const serialization: Serialization = {
    method,
    hash_type: 'sha256',
    allow_symlinks: allowSymlinks,
    ignore_paths: ignore,
    ...(method === 'shards' ? { shard_size: shardSize } : {}),
  };

  const info = await stat(root);
  let files: { name: string; path: string }[];
  if (info.isFile()) {
    files = [{ name: '.', path: root }];
  } else if (info.isDirectory()) {
    files = [];
    await walk({ root, ignore, allowSymlinks, limits, out: files }, '', 0);
    files.sort((a, b) => compareNames(a.name, b.name));
  } else {
    throw new Stop(fail('PATH_REFUSED', `${modelPath} is neither a file nor a directory`));
  }

  const resources: Resource[] = [];
  if (method === 'files') {
    if (files.length > limits.maxResources) throw tooMany(limits);
    resources.push(...(await hashFilesInParallel(files, allowSymlinks)));
    return { modelName: basename(root), serialization, resources };
  }
  for (const f of files) {
    for (const r of await hashShards(f, shardSize, allowSymlinks, limits.maxResources - resources.length)) {
      resources.push(r);
    }
    if (resources.length > limits.maxResources) throw tooMany(limits);
  }
  return { modelName: basename(root), serialization, resources };
}

/** Ignore paths as recorded in the predicate: root-relative POSIX paths, sorted, deduplicated. */
function normaliseIgnorePaths(root: string, given: string, paths: readonly string[]): string[] {
  const out = new Set<string>([...DEFAULT_IGNORE_PATHS, DEFAULT_SIGNATURE_NAME]);
  for (const p of paths) {
    let rel = p;
    if (isAbsolute(p)) rel = relative(root, p);
    else if (p.startsWith(given + sep)) rel = p.slice(given.length + 1);
    rel = rel.split(sep).join('/').replace(/^\.\//, '').replace(/\/+$/, '');
    if (rel === '' || rel === '.' || rel.split('/').includes('..')) {
      throw new Stop(fail('PATH_REFUSED', `ignore path ${JSON.stringify(p)} is not inside the model`));
    }
    out.add(rel);
  }
  return [...out].sort(compareNames);
}

export function isIgnored(name: string, ignore: readonly string[]): boolean {
  return ignore.some((i) => name === i || name.startsWith(`${i}/`));
}

interface WalkContext {
  readonly root: string;
  readonly ignore: readonly string[];
  readonly allowSymlinks: boolean;
  readonly limits: ModelSigningLimits;
  readonly out: { name: string; path: string }[];
}

async function walk(ctx: WalkContext, rel: string, depth: number): Promise<void> {
  if (depth > ctx.limits.maxDepth) {
    throw new Stop(fail('LIMIT_EXCEEDED', `${rel} is nested deeper than maxDepth (${ctx.limits.maxDepth})`));
  }
  const dir = rel === '' ? ctx.root : join(ctx.root, rel);
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const name = rel === '' ? e.name : `${rel}/${e.name}`;
    if (isIgnored(name, ctx.ignore)) continue;
    if (Buffer.byteLength(name) > ctx.limits.maxPathBytes) {
      throw new Stop(fail('LIMIT_EXCEEDED', `path ${name.slice(0, 80)}… is longer than maxPathBytes`));
    }
    const path = join(dir, e.name);
    // Some file systems report no type in directory entries; ask lstat then.
    const kind = e.isSymbolicLink() || e.isDirectory() || e.isFile() ? e : await lstat(path);
    if (kind.isSymbolicLink()) {
      if (!ctx.allowSymlinks) {
        throw new Stop(fail('SYMLINK_REFUSED', `${name} is a symbolic link (links are not allowed)`));
      }
      const target = await realpath(path);
      if (target !== ctx.root && !target.startsWith(ctx.root + sep)) {
        throw new Stop(fail('SYMLINK_REFUSED', `${name} links outside the model root`));
      }
      const t = await stat(target);
      if (!t.isFile()) {
        throw new Stop(
          fail(
            'SYMLINK_REFUSED',
            `${name} links to a directory or special file; only links to files are followed`,
          ),
        );
      }
      ctx.out.push({ name, path: target });
    } else if (kind.isDirectory()) {
      await walk(ctx, name, depth + 1);
    } else if (kind.isFile()) {
      ctx.out.push({ name, path });
    } else {
      throw new Stop(fail('PATH_REFUSED', `${name} is not a regular file or directory`));
    }
    if (ctx.out.length > ctx.limits.maxResources) throw tooMany(ctx.limits);
  }
}

const tooMany = (limits: ModelSigningLimits) =>
  new Stop(fail('LIMIT_EXCEEDED', `the model has more than maxResources (${limits.maxResources}) resources`));

/** UTF-8 byte order, which is code point order (what model_signing's Python sort uses). */
export function compareNames(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

async function openRegular(file: { name: string; path: string }, allowSymlinks: boolean) {
  // O_NONBLOCK: a FIFO swapped in after the walk must not hang the open; O_NOFOLLOW: nor a link.
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (allowSymlinks ? 0 : constants.O_NOFOLLOW);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file.path, flags);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new Stop(fail('SYMLINK_REFUSED', `${file.name} is a symbolic link (links are not allowed)`));
    }
    throw err;
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new Stop(fail('PATH_REFUSED', `${file.name} is not a regular file`));
  }
  return { handle, size: info.size };
}

/**
 * Hashes whole files on the digest pool's worker threads, so a model of several large files uses
 * every core (signing and verifying must keep pace with `openssl dgst` run per file). Each file is
 * first opened the strict way (no links unless allowed, regular files only); order is preserved.
 */
async function hashFilesInParallel(
  files: ReadonlyArray<{ name: string; path: string }>,
  allowSymlinks: boolean,
): Promise<Resource[]> {
  const pool = createDigestPool();
  try {
    return await Promise.all(
      files.map(async (f) => {
        const { handle } = await openRegular(f, allowSymlinks);
        await handle.close();
        return { name: f.name, algorithm: 'sha256', digest: await pool.digestFile(f.path) };
      }),
    );
  } finally {
    await pool.close();
  }
}

async function hashShards(
  file: { name: string; path: string },
  shardSize: number,
  allowSymlinks: boolean,
  room: number,
): Promise<Resource[]> {
  const { handle, size } = await openRegular(file, allowSymlinks);
  try {
    // An empty file is one empty shard, so its presence is still signed.
    const count = Math.max(1, Math.ceil(size / shardSize));
    if (count > room)
      throw new Stop(fail('LIMIT_EXCEEDED', `${file.name} splits into more shards than maxResources allows`));
    const out: Resource[] = [];
    const algorithm = `sha256-sharded-${shardSize}`;
    for (let i = 0; i < count; i++) {
      const start = i * shardSize;
      const end = Math.min(size, start + shardSize);
      out.push({
        name: `${file.name}:${start}:${end}`,
        algorithm,
        digest: await digestOf(handle, start, end),
      });
    }
    return out;
  } finally {
    await handle.close();
  }
}

async function digestOf(
  handle: Awaited<ReturnType<typeof open>>,
  start: number,
  end: number,
): Promise<string> {
  const hash = createHash('sha256');
  const buf = new Uint8Array(CHUNK);
  let pos = start;
  while (pos < end) {
    const want = Math.min(CHUNK, end - pos);
    const { bytesRead } = await handle.read(buf, 0, want, pos);
    if (bytesRead === 0) break;
    hash.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return hash.digest('hex');
}

/** SHA-256 over the concatenated raw digests, in resource order: the statement's subject digest. */
export function subjectDigest(resources: readonly Resource[]): string {
  const hash = createHash('sha256');
  for (const r of resources) hash.update(bytesOf(Buffer.from(r.digest, 'hex')));
  return hash.digest('hex');
}
