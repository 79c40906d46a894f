/**
 * Verifying a model against its `model.sig`: (1) the DSSE signature with the key the trust option
 * names, (2) the key or certificate against that trust, (3) every file on disk against the signed
 * resource list and the subject digest. Any failure is a value with a code; only I/O faults throw.
 */
import { createPublicKey, type KeyObject, verify, type X509Certificate } from 'node:crypto';
import { open, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { TrustMaterial } from '@sigstore/verify';
import { type ParsedBundle, parseBundle } from './bundle.js';
import { certificateName, verifyChain } from './chain.js';
import { bytesOf, pae } from './dsse.js';
import { describeKey, digestFor, keyAlgorithm, publicKeyHint } from './keys.js';
import { type ModelSigningLimits, resolveLimits } from './limits.js';
import { DEFAULT_SIGNATURE_NAME, hashModel, subjectDigest } from './manifest.js';
import { type FileDiscrepancies, fail, type Result } from './result.js';
import { verifySigstoreBundle } from './sigstore.js';
import { type ModelStatement, parseStatement } from './statement.js';

export type TrustPolicy =
  /** The bundle must name this public key (hint or embedded key) and the signature must verify with it. */
  | { readonly method: 'key'; readonly publicKey: KeyObject }
  /** The bundle's certificate must chain to one of these anchors, valid at `at` (default: now). */
  | { readonly method: 'certificate'; readonly anchors: readonly X509Certificate[]; readonly at?: Date }
  /** Sigstore keyless, offline, with an exact identity and issuer. */
  | {
      readonly method: 'sigstore';
      readonly trustMaterial: TrustMaterial;
      readonly identity: string;
      readonly issuer: string;
    }
  /**
   * No trust policy: the signature is checked against the key or certificate embedded in the bundle
   * when there is one (a bare key hint cannot be checked). For scanners, never for acceptance.
   */
  | { readonly method: 'embedded' };

export interface VerifyOptions {
  /** Path of the signature; default `model.sig` in the model directory (or next to a one-file model). */
  readonly signaturePath?: string;
  /** Extra paths to leave out of the comparison, on top of the defaults and the signed ignore_paths. */
  readonly ignorePaths?: readonly string[];
  readonly limits?: Partial<ModelSigningLimits>;
}

export interface VerifiedModel {
  readonly statement: ModelStatement;
  /** False only for `embedded` trust on a bundle that carries a key hint and no key. */
  readonly signatureChecked: boolean;
  /** Who signed, in words: the key, the certificate path, or the Sigstore identity. */
  readonly signer: string;
  /** Number of resources compared on disk. */
  readonly resources: number;
}

export type VerifyResult = Result<VerifiedModel>;

/** Reads a file of at most `max` bytes; a larger one is a LIMIT_EXCEEDED failure, not a read. */
export async function readBounded(
  path: string,
  max: number,
  what: string,
): Promise<Result<{ bytes: Buffer }>> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) return fail('PATH_REFUSED', `${what} ${path} is not a regular file`);
    if (info.size > max)
      return fail('LIMIT_EXCEEDED', `${what} ${path} is ${info.size} bytes, more than the limit of ${max}`);
    const bytes = new Uint8Array(info.size);
    let off = 0;
    while (off < bytes.length) {
      const { bytesRead } = await handle.read(bytes, off, bytes.length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return { ok: true, bytes: Buffer.from(bytes.buffer, 0, off) };
  } finally {
    await handle.close();
  }
}

export async function defaultSignaturePath(modelPath: string): Promise<string> {
  const info = await stat(modelPath);
  return info.isDirectory()
    ? join(modelPath, DEFAULT_SIGNATURE_NAME)
    : join(dirname(modelPath), DEFAULT_SIGNATURE_NAME);
}

export async function verifyModel(
  modelPath: string,
  trust: TrustPolicy,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const limits = resolveLimits(options.limits);
  const sigPath = options.signaturePath ?? (await defaultSignaturePath(modelPath));
  const read = await readBounded(sigPath, limits.maxSignatureBytes, 'signature');
  if (!read.ok) return read;
  const parsed = parseBundle(read.bytes, sigPath, limits);
  if (!parsed.ok) return parsed;
  const bundle = parsed.bundle;

  const signed = checkSignature(bundle, trust, limits);
  if (!signed.ok) return signed;

  const st = parseStatement(bundle.payload, limits);
  if (!st.ok) return st;
  const statement = st.statement;
  if (subjectDigest(statement.resources) !== statement.subjectDigest) {
    return fail(
      'SUBJECT_DIGEST_MISMATCH',
      'the subject digest is not the SHA-256 over the signed resource digests',
    );
  }

  const files = await compareFiles(modelPath, sigPath, statement, options.ignorePaths ?? [], limits);
  if (!files.ok) return files;
  return {
    ok: true,
    statement,
    signatureChecked: signed.checked,
    signer: signed.signer,
    resources: statement.resources.length,
  };
}

/** Steps (1) and (2): the DSSE signature and the trust in the key that made it. */
function checkSignature(
  bundle: ParsedBundle,
  trust: TrustPolicy,
  limits: ModelSigningLimits,
): Result<{ checked: boolean; signer: string }> {
  const material = bundle.material;
  switch (trust.method) {
    case 'key': {
      if (material.kind !== 'public-key') {
        return fail(
          'KEY_MISMATCH',
          `the signature carries a ${material.kind}, not a public key; verify it with the certificate or Sigstore method`,
        );
      }
      if (material.hint !== undefined && material.hint !== publicKeyHint(trust.publicKey)) {
        return fail(
          'KEY_MISMATCH',
          `the signature was made with another key (publicKey.hint ${material.hint.slice(0, 16)}… does not match the given key)`,
        );
      }
      if (material.key !== undefined && !sameKey(material.key, trust.publicKey)) {
        return fail(
          'KEY_MISMATCH',
          'the signature was made with another key (publicKey.rawBytes is not the given key)',
        );
      }
      const ok = dsseVerifies(bundle, trust.publicKey);
      if (!ok.ok) return ok;
      return {
        ok: true,
        checked: true,
        signer: `public key ${publicKeyHint(trust.publicKey).slice(0, 16)}… (${describeKey(trust.publicKey)})`,
      };
    }
    case 'certificate': {
      const chain = certificatesOf(bundle);
      if (chain === undefined) {
        return fail(
          'KEY_MISMATCH',
          'the signature carries a public key, not a certificate; verify it with the key method',
        );
      }
      const [leaf, ...rest] = chain;
      const ok = dsseVerifies(bundle, leaf!.publicKey);
      if (!ok.ok) return ok;
      const path = verifyChain(leaf!, rest, trust.anchors, trust.at ?? new Date(), limits);
      if (!path.ok) return path;
      return { ok: true, checked: true, signer: `certificate chain ${path.path.join(' → ')}` };
    }
    case 'sigstore': {
      if (certificatesOf(bundle) === undefined) {
        return fail(
          'KEY_MISMATCH',
          'the signature carries a public key, not a Sigstore certificate; verify it with the key method',
        );
      }
      const r = verifySigstoreBundle(bundle.json, trust.trustMaterial, {
        identity: trust.identity,
        issuer: trust.issuer,
      });
      if (!r.ok) return r;
      return { ok: true, checked: true, signer: `Sigstore identity ${r.identity} (issuer ${r.issuer})` };
    }
    case 'embedded': {
      const chain = certificatesOf(bundle);
      const key =
        chain !== undefined ? chain[0]!.publicKey : material.kind === 'public-key' ? material.key : undefined;
      if (key === undefined)
        return { ok: true, checked: false, signer: 'unknown key (the signature names it only by hint)' };
      const ok = dsseVerifies(bundle, key);
      if (!ok.ok) return ok;
      return {
        ok: true,
        checked: true,
        signer:
          chain !== undefined
            ? `certificate ${certificateName(chain[0]!)} (not checked against a trust anchor)`
            : 'embedded public key (not checked against a trust anchor)',
      };
    }
  }
}

function certificatesOf(bundle: ParsedBundle): readonly X509Certificate[] | undefined {
  const m = bundle.material;
  if (m.kind === 'certificate-chain') return m.certificates;
  if (m.kind === 'certificate') return [m.certificate];
  return undefined;
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  const der = (k: KeyObject) =>
    (k.type === 'public' ? k : createPublicKey(k)).export({ type: 'spki', format: 'der' }).toString('base64');
  return der(a) === der(b);
}

function dsseVerifies(bundle: ParsedBundle, key: KeyObject): Result<object> {
  const alg = keyAlgorithm(key);
  if (alg === undefined) return fail('UNSUPPORTED', `signing key type ${describeKey(key)} is not supported`);
  let ok = false;
  try {
    ok = verify(
      digestFor(alg),
      pae(bundle.payloadType, bytesOf(bundle.payload)),
      { key, dsaEncoding: 'der' },
      bytesOf(bundle.signature),
    );
  } catch {
    ok = false; // a malformed DER signature is a bad signature, not a fault
  }
  return ok
    ? { ok: true }
    : fail('SIGNATURE_INVALID', 'the DSSE signature does not verify with the signing key');
}

const MAX_LISTED = 20;

/** Step (3): hash what is on disk with the signed parameters and compare both ways. */
async function compareFiles(
  modelPath: string,
  sigPath: string,
  statement: ModelStatement,
  extraIgnore: readonly string[],
  limits: ModelSigningLimits,
): Promise<Result<object>> {
  const ignore = [...statement.serialization.ignore_paths, ...extraIgnore];
  const info = await stat(modelPath);
  if (info.isDirectory()) {
    const root = await realpath(modelPath);
    const sig = await realpath(sigPath);
    const rel = relative(root, sig);
    if (rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep)) ignore.push(rel.split(sep).join('/'));
  }
  const s = statement.serialization;
  const hashed = await hashModel(modelPath, {
    method: s.method,
    ...(s.shard_size === undefined ? {} : { shardSize: s.shard_size }),
    allowSymlinks: s.allow_symlinks,
    ignorePaths: ignore,
    limits,
  });
  if (!hashed.ok) return hashed;
  const onDisk = new Map(hashed.manifest.resources.map((r) => [r.name, r.digest]));
  const signed = new Map(statement.resources.map((r) => [r.name, r.digest]));
  const missing: string[] = [];
  const modified: string[] = [];
  const unexpected: string[] = [];
  for (const [name, digest] of signed) {
    const actual = onDisk.get(name);
    if (actual === undefined) missing.push(name);
    else if (actual !== digest) modified.push(name);
  }
  for (const name of onDisk.keys()) if (!signed.has(name)) unexpected.push(name);
  if (missing.length + modified.length + unexpected.length === 0) return { ok: true };
  const files: FileDiscrepancies = {
    missing: missing.slice(0, MAX_LISTED),
    unexpected: unexpected.slice(0, MAX_LISTED),
    modified: modified.slice(0, MAX_LISTED),
  };
  const parts = [
    describe('modified', modified),
    describe('missing', missing),
    describe('not in the signature', unexpected),
  ].filter((p) => p !== '');
  const code =
    modified.length > 0 ? 'FILE_MODIFIED' : missing.length > 0 ? 'FILE_MISSING' : 'FILE_UNEXPECTED';
  return fail(code, `the model does not match its signature: ${parts.join('; ')}`, files);
}

function describe(label: string, names: readonly string[]): string {
  if (names.length === 0) return '';
  const shown = names
    .slice(0, MAX_LISTED)
    .map((n) => JSON.stringify(n))
    .join(', ');
  const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : '';
  return `${names.length} ${label}: ${shown}${more}`;
}
