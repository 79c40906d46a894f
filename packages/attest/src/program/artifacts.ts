/**
 * The file-system adapter of attestation verification: hashing the files an attestation names in a
 * local directory (on the shared digest pool, so large models hash on every core), then verifying.
 */
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

/**
 * verifyAttestation, then — only when everything else holds — the artifact subjects against the
 * files of the same name in `artifactsDir`. Only the attested files are read.
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
  const local = await hashArtifacts(artifactsDir, names, pool === undefined ? {} : { pool });
  return verifyAttestation(envelopeBytes, { ...rest, artifacts: local });
}
