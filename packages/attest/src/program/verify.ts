/**
 * Offline verification of a completion attestation (docs/attestations.md, "Verification"). The
 * checks run in a fixed order and the first that fails decides the one code returned:
 * envelope → signature → statement → key period → revocation list → revocation → validity period →
 * artifacts. Pure over the bytes, keyring and clock handed in; nothing here reads files or the network.
 */
import { IN_TOTO_PAYLOAD_TYPE } from '../model-signing/dsse.js';
import { parseEnvelope, verifyEnvelopeSignature } from './envelope.js';
import { type Keyring, keyActiveAt, type ProgramKeyAlgorithm } from './keys.js';
import { type AttestationLimits, resolveAttestationLimits } from './limits.js';
import type { ArtifactProblem, AttestationFailure, AttestationFailureCode } from './result.js';
import { verifyRevocationList } from './revocation.js';
import { artifactSubjects, type CompletionStatement, parseCompletionStatement } from './statement.js';

/** A file found (or not) in the local artifact directory. */
export interface LocalArtifact {
  /** Relative POSIX path, as the subject names it. */
  readonly name: string;
  /** Lower-case hex SHA-256; null when there is no regular file of that name. */
  readonly sha256: string | null;
}

export interface VerifyAttestationOptions {
  /** The program's public keys (see parseJwks): pinned, or fetched from the program. */
  readonly jwks: Keyring;
  /** The signed revocation list (envelope bytes or text). Without it, revocation is not checked. */
  readonly revocations?: Uint8Array | string;
  /** The verification time. */
  readonly now: Date;
  /** Local files to match against the artifact subjects; a subject with no entry counts as missing. */
  readonly artifacts?: readonly LocalArtifact[];
  readonly limits?: Partial<AttestationLimits>;
}

export interface VerifiedAttestation {
  readonly ok: true;
  readonly statement: CompletionStatement;
  /** The program key that signed it. */
  readonly key: {
    readonly kid: string;
    readonly alg: ProgramKeyAlgorithm;
    readonly activatedAt: string;
    readonly retiredAt?: string;
  };
  /** Whether a verified revocation list was consulted (and which). */
  readonly revocation:
    | { readonly checked: false }
    | { readonly checked: true; readonly listIssuedAt: string; readonly entries: number };
  /** Artifact subjects matched to local files; absent when no artifacts were handed in. */
  readonly artifactsMatched?: number;
}

export type VerifyAttestationResult = VerifiedAttestation | AttestationFailure;

const failure = (
  code: AttestationFailureCode,
  message: string,
  extra: Omit<AttestationFailure, 'ok' | 'code' | 'message'> = {},
): AttestationFailure => ({ ok: false, code, message, ...extra });

export function verifyAttestation(
  envelopeBytes: Uint8Array | string,
  options: VerifyAttestationOptions,
): VerifyAttestationResult {
  const limits = resolveAttestationLimits(options.limits);
  const now = options.now;
  if (Number.isNaN(now.getTime())) throw new RangeError('verifyAttestation: now is not a valid date');
  const bytes = typeof envelopeBytes === 'string' ? new TextEncoder().encode(envelopeBytes) : envelopeBytes;

  const env = parseEnvelope(bytes, IN_TOTO_PAYLOAD_TYPE, limits.maxEnvelopeBytes, limits);
  if (!env.ok) return failure('MALFORMED', env.message, { field: env.field });

  const signed = verifyEnvelopeSignature(env.envelope, options.jwks);
  if (!signed.ok) return failure(signed.code, signed.message);
  const key = signed.key;

  const parsed = parseCompletionStatement(env.envelope.payload, limits);
  if (!parsed.ok) return failure('MALFORMED', parsed.message, { field: parsed.field });
  const statement = parsed.statement;
  const p = statement.predicate;
  const id = { attestationId: p.attestationId };
  const issuedAt = new Date(p.issuedAt);

  if (!keyActiveAt(key, issuedAt)) {
    const period = `${key.jwk.vacsrp.activatedAt} – ${key.jwk.vacsrp.retiredAt ?? 'now'}`;
    return failure(
      'KEY_INACTIVE',
      `attestation ${p.attestationId} says it was issued at ${p.issuedAt}, outside the active period of key ${key.kid} (${period})`,
      id,
    );
  }

  let revocation: VerifiedAttestation['revocation'] = { checked: false };
  if (options.revocations !== undefined) {
    const revBytes =
      typeof options.revocations === 'string'
        ? new TextEncoder().encode(options.revocations)
        : options.revocations;
    const list = verifyRevocationList(revBytes, options.jwks, limits);
    if (!list.ok) {
      return failure(
        'REVOCATION_LIST_INVALID',
        `the revocation list cannot be trusted [${list.code}]: ${list.message}`,
        { ...id, revocationList: { code: list.code, message: list.message } },
      );
    }
    const entry = list.list.revoked.find((e) => e.attestationId === p.attestationId);
    if (entry !== undefined && new Date(entry.revokedAt) <= now) {
      return failure(
        'REVOKED',
        `attestation ${p.attestationId} was revoked at ${entry.revokedAt} (${entry.reason}${entry.note === undefined ? '' : `: ${entry.note}`})`,
        {
          ...id,
          revocation: {
            revokedAt: entry.revokedAt,
            reason: entry.reason,
            ...(entry.note === undefined ? {} : { note: entry.note }),
          },
        },
      );
    }
    revocation = { checked: true, listIssuedAt: list.list.issuedAt, entries: list.list.revoked.length };
  }

  if (now < issuedAt) {
    return failure('NOT_YET_VALID', `attestation ${p.attestationId} is valid from ${p.issuedAt}`, id);
  }
  if (now >= new Date(p.expiresAt)) {
    return failure('EXPIRED', `attestation ${p.attestationId} expired at ${p.expiresAt}`, id);
  }

  let artifactsMatched: number | undefined;
  if (options.artifacts !== undefined) {
    const problems = matchArtifacts(statement, options.artifacts);
    if (problems.length > 0) {
      const mismatched = problems.filter((x) => x.problem === 'digest-mismatch');
      const missing = problems.length - mismatched.length;
      const code = mismatched.length > 0 ? 'DIGEST_MISMATCH' : 'MISSING_ARTIFACT';
      const parts = [
        ...(mismatched.length > 0
          ? [`${mismatched.length} file(s) differ from the attested digest: ${names(mismatched)}`]
          : []),
        ...(missing > 0
          ? [`${missing} attested file(s) missing: ${names(problems.filter((x) => x.problem === 'missing'))}`]
          : []),
      ];
      return failure(code, parts.join('; '), { ...id, artifacts: problems });
    }
    artifactsMatched = artifactSubjects(statement).length;
  }

  return {
    ok: true,
    statement,
    key: {
      kid: key.kid,
      alg: key.alg,
      activatedAt: key.jwk.vacsrp.activatedAt,
      ...(key.jwk.vacsrp.retiredAt === undefined ? {} : { retiredAt: key.jwk.vacsrp.retiredAt }),
    },
    revocation,
    ...(artifactsMatched === undefined ? {} : { artifactsMatched }),
  };
}

const names = (problems: readonly ArtifactProblem[]): string => {
  const shown = problems.slice(0, 5).map((x) => x.name);
  return (
    shown.join(', ') + (problems.length > shown.length ? `, … (${problems.length - shown.length} more)` : '')
  );
};

/** Every artifact subject whose local file is missing or has another digest, in subject order. */
export function matchArtifacts(
  statement: CompletionStatement,
  local: readonly LocalArtifact[],
): ArtifactProblem[] {
  const byName = new Map<string, string | null>();
  for (const f of local) byName.set(f.name, f.sha256);
  const problems: ArtifactProblem[] = [];
  for (const s of artifactSubjects(statement)) {
    const actual = byName.get(s.name);
    if (actual === undefined || actual === null) {
      problems.push({ name: s.name, problem: 'missing', expected: s.digest.sha256 });
    } else if (actual !== s.digest.sha256) {
      problems.push({ name: s.name, problem: 'digest-mismatch', expected: s.digest.sha256, actual });
    }
  }
  return problems;
}
