/**
 * The file-system adapter of attestation verification: hashing the files an attestation names in a
 * local directory (on the shared digest pool, so large models hash on every core), then verifying.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DigestError } from '../digest/errors.js';
import { createDigestPool, type DigestPool } from '../digest/index.js';
import { artifactSubjects } from './statement.js';
import {
  type LocalArtifact,
  type VerifyAttestationOptions,
  type VerifyAttestationResult,
  verifyAttestation,
} from './verify.js';

// A file that is not there, or is not a regular file, is a missing artifact; other errors
// (permissions, I/O) are faults of the environment and throw.
const MISSING: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'NOT_REGULAR_FILE', 'ELOOP']);

/**
 * SHA-256 of each named file under `dir` (names are relative POSIX paths, already checked to stay
 * inside the directory). Uses `pool` when given, else a pool of its own for the call.
 */
export async function hashArtifacts(
  dir: string,
  names: readonly string[],
  options: { readonly pool?: DigestPool } = {},
): Promise<LocalArtifact[]> {
  const pool = options.pool ?? createDigestPool();
  try {
    return await Promise.all(
      names.map(async (name): Promise<LocalArtifact> => {
        try {
          return { name, sha256: await pool.digestFile(join(dir, ...name.split('/'))) };
        } catch (err) {
          if (err instanceof DigestError && MISSING.has(err.code)) return { name, sha256: null };
          throw err;
        }
      }),
    );
  } finally {
    if (options.pool === undefined) await pool.close();
  }
}

/** A subject named by its digest (`sha256-<hex>`) says nothing of the file's name or place. */
const DIGEST_NAME = /^sha256-([0-9a-f]{64})$/;
/** Files hashed when subjects are named by digest: the whole directory is searched (CWE-400). */
export const MAX_SEARCHED_FILES = 100_000;

/** Regular files under `dir`, recursively, never following links; at most MAX_SEARCHED_FILES. */
async function regularFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) {
        out.push(path);
        if (out.length > MAX_SEARCHED_FILES) {
          throw new RangeError(
            `more than ${MAX_SEARCHED_FILES} files under ${dir}; point --artifacts at the model itself`,
          );
        }
      }
    }
  }
  return out.sort();
}

/**
 * For subjects named by digest: hashes every regular file under `dir` and reports each subject as
 * present (some file has its digest) or missing.
 */
export async function findArtifactsByDigest(
  dir: string,
  names: readonly string[],
  options: { readonly pool?: DigestPool } = {},
): Promise<LocalArtifact[]> {
  const pool = options.pool ?? createDigestPool();
  try {
    const files = await regularFiles(dir);
    const found = new Set(await Promise.all(files.map((f) => pool.digestFile(f))));
    return names.map((name) => {
      const sha256 = DIGEST_NAME.exec(name)?.[1];
      return { name, sha256: sha256 !== undefined && found.has(sha256) ? sha256 : null };
    });
  } finally {
    if (options.pool === undefined) await pool.close();
  }
}

/**
 * verifyAttestation, then — only when everything else holds — the artifact subjects against the
 * files in `artifactsDir`: a subject named by path against the file of that name (only the attested
 * files are read); subjects named by digest (`sha256-<hex>`, as the program service issues them, so
 * no file name is published) against every file in the directory.
 */
export async function verifyAttestationFiles(
  envelopeBytes: Uint8Array | string,
  options: Omit<VerifyAttestationOptions, 'artifacts'> & {
    readonly artifactsDir: string;
    readonly pool?: DigestPool;
  },
): Promise<VerifyAttestationResult> {
  const { artifactsDir, pool, ...rest } = options;
  const first = verifyAttestation(envelopeBytes, rest);
  if (!first.ok) return first;
  const names = artifactSubjects(first.statement).map((s) => s.name);
  const byDigest = names.filter((n) => DIGEST_NAME.test(n));
  const byPath = names.filter((n) => !DIGEST_NAME.test(n));
  const shared = pool === undefined ? createDigestPool() : pool;
  try {
    const local = [
      ...(await hashArtifacts(artifactsDir, byPath, { pool: shared })),
      ...(byDigest.length === 0 ? [] : await findArtifactsByDigest(artifactsDir, byDigest, { pool: shared })),
    ];
    return verifyAttestation(envelopeBytes, { ...rest, artifacts: local });
  } finally {
    if (pool === undefined) await shared.close();
  }
}
