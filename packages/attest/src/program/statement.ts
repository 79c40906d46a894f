/**
 * The program's completion attestation: an in-toto Statement v1 whose subjects are the model
 * artifacts and whose predicate records the review outcome per criterion (docs/attestations.md).
 * Building sorts everything and serialises canonical JSON, then reads its own output back through
 * the same parser a verifier uses, so nothing is signed that would not verify.
 */

import { canonicalBytes, decodeJsonPayload, sameBytes } from './canonical.js';
import {
  array,
  ascending,
  compareNames,
  compareStrings,
  formatTime,
  HEX64,
  httpsUrl,
  ID,
  Invalid,
  object,
  oneOf,
  positiveInteger,
  relativePath,
  string,
  timestamp,
} from './check.js';
import type { AttestationLimits } from './limits.js';
import { type InputResult, inputFailure } from './result.js';

export const STATEMENT_V1_TYPE = 'https://in-toto.io/Statement/v1';
/** The predicate type of a completion attestation, version 1. A change of meaning gets a new URI. */
export const COMPLETION_PREDICATE_TYPE = 'https://vacsrp.example.gov/attestation/completion/v1';
/** `annotations.kind` of the subject that is an OpenSSF model-signing manifest, not a file. */
export const MODEL_SIGNING_SUBJECT_KIND = 'openssf-model-signing-manifest';

export const CRITERION_OUTCOMES = [
  'met',
  'not-met',
  'risk-accepted',
  'not-applicable',
  'not-tested',
] as const;
export type CriterionOutcome = (typeof CRITERION_OUTCOMES)[number];

/** Severities as the scanner and the service rank them, most severe first. */
export const RISK_SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type RiskSeverity = (typeof RISK_SEVERITIES)[number];

export interface CompletionSubject {
  /** Relative POSIX path of the artifact; for the model-signing subject, the signed model's name. */
  readonly name: string;
  readonly digest: { readonly sha256: string };
  /** Present only on the model-signing manifest subject. */
  readonly annotations?: { readonly kind: typeof MODEL_SIGNING_SUBJECT_KIND };
}

export interface CriterionResult {
  readonly id: string;
  readonly outcome: CriterionOutcome;
}

export interface AcceptedRisk {
  readonly criterion: string;
  readonly severity: RiskSeverity;
  /** The developer's justification in plain words, as the public summary shows it. */
  readonly justification: string;
}

export interface CompletionPredicate {
  readonly attestationId: string;
  readonly program: { readonly name: string; readonly url: string };
  readonly criteriaVersion: string;
  readonly submission: { readonly id: string; readonly revision: number };
  /** One outcome per criterion id (no aggregate score), sorted by id. */
  readonly criteria: readonly CriterionResult[];
  /** Sorted by criterion, severity (most severe first), justification. */
  readonly acceptedRisks: readonly AcceptedRisk[];
  readonly issuedAt: string;
  readonly expiresAt: string;
  readonly publicSummaryUrl: string;
}

/** The statement exactly as signed (the JSON shape of the DSSE payload). */
export interface CompletionStatement {
  readonly _type: typeof STATEMENT_V1_TYPE;
  readonly subject: readonly CompletionSubject[];
  readonly predicateType: typeof COMPLETION_PREDICATE_TYPE;
  readonly predicate: CompletionPredicate;
}

/** What the service knows when it issues an attestation; order does not matter, the builder sorts. */
export interface CompletionInput {
  readonly attestationId: string;
  readonly program: { readonly name: string; readonly url: string };
  readonly criteriaVersion: string;
  readonly submission: { readonly id: string; readonly revision: number };
  /** The model artifacts: relative path and lower-case hex SHA-256. */
  readonly artifacts: readonly { readonly name: string; readonly sha256: string }[];
  /** The OpenSSF model-signing statement's subject (model name + manifest digest), when the model was signed. */
  readonly modelSigning?: { readonly name: string; readonly sha256: string };
  readonly criteria: readonly CriterionResult[];
  readonly acceptedRisks?: readonly AcceptedRisk[];
  /** Written with whole seconds (a sub-second part is dropped). */
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly publicSummaryUrl: string;
}

const severityRank = (s: RiskSeverity): number => RISK_SEVERITIES.indexOf(s);

const compareSubjects = (a: CompletionSubject, b: CompletionSubject): number =>
  compareNames(a.name, b.name) ||
  (a.annotations === undefined ? 0 : 1) - (b.annotations === undefined ? 0 : 1);

const compareRisks = (a: AcceptedRisk, b: AcceptedRisk): number =>
  compareStrings(a.criterion, b.criterion) ||
  severityRank(a.severity) - severityRank(b.severity) ||
  compareStrings(a.justification, b.justification);

/** Builds the statement and its canonical payload bytes; an input that breaks a rule is INVALID_INPUT. */
export function buildCompletionStatement(
  input: CompletionInput,
  limits: AttestationLimits,
): InputResult<{ statement: CompletionStatement; payload: Uint8Array }> {
  let draft: CompletionStatement;
  try {
    const subject: CompletionSubject[] = input.artifacts.map((a) => ({
      name: a.name,
      digest: { sha256: a.sha256 },
    }));
    if (input.modelSigning !== undefined) {
      subject.push({
        name: input.modelSigning.name,
        digest: { sha256: input.modelSigning.sha256 },
        annotations: { kind: MODEL_SIGNING_SUBJECT_KIND },
      });
    }
    draft = {
      _type: STATEMENT_V1_TYPE,
      subject: subject.sort(compareSubjects),
      predicateType: COMPLETION_PREDICATE_TYPE,
      predicate: {
        attestationId: input.attestationId,
        program: { name: input.program.name, url: input.program.url },
        criteriaVersion: input.criteriaVersion,
        submission: { id: input.submission.id, revision: input.submission.revision },
        criteria: input.criteria
          .map((c) => ({ id: c.id, outcome: c.outcome }))
          .sort((a, b) => compareStrings(a.id, b.id)),
        acceptedRisks: (input.acceptedRisks ?? [])
          .map((r) => ({ criterion: r.criterion, severity: r.severity, justification: r.justification }))
          .sort(compareRisks),
        issuedAt: formatTime(input.issuedAt),
        expiresAt: formatTime(input.expiresAt),
        publicSummaryUrl: input.publicSummaryUrl,
      },
    };
  } catch (err) {
    if (err instanceof Invalid) return inputFailure('INVALID_INPUT', err.message, err.field);
    if (err instanceof TypeError) return inputFailure('INVALID_INPUT', err.message);
    throw err;
  }
  let payload: Uint8Array;
  try {
    payload = canonicalBytes(draft);
  } catch (err) {
    if (err instanceof TypeError) return inputFailure('INVALID_INPUT', err.message);
    throw err;
  }
  const checked = parseCompletionStatement(payload, limits);
  if (!checked.ok) return inputFailure('INVALID_INPUT', checked.message, checked.field);
  return { ok: true, statement: checked.statement, payload };
}

export type StatementResult =
  | { readonly ok: true; readonly statement: CompletionStatement }
  | { readonly ok: false; readonly message: string; readonly field: string };

/**
 * Reads DSSE payload bytes as a completion statement. Strict: unknown members, unsorted lists,
 * duplicates, and bytes that are not the canonical JSON of what they hold are all refused.
 */
export function parseCompletionStatement(payload: Uint8Array, limits: AttestationLimits): StatementResult {
  const decoded = decodeJsonPayload(payload, 'statement');
  if (!decoded.ok) return decoded;
  const json = decoded.json;
  let statement: CompletionStatement;
  try {
    statement = checkStatement(json, limits);
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, field: err.field, message: `statement ${err.message}` };
    throw err;
  }
  // Canonical bytes only: rules out duplicate members, whitespace and other encodings of one statement.
  if (!sameBytes(canonicalBytes(statement), payload)) {
    return { ok: false, field: 'payload', message: 'statement is not canonical JSON (RFC 8785)' };
  }
  return { ok: true, statement };
}

function checkStatement(json: unknown, limits: AttestationLimits): CompletionStatement {
  const st = object(json, '$', ['_type', 'subject', 'predicateType', 'predicate']);
  if (st._type !== STATEMENT_V1_TYPE) throw new Invalid('_type', `expected ${STATEMENT_V1_TYPE}`);
  if (st.predicateType !== COMPLETION_PREDICATE_TYPE) {
    throw new Invalid('predicateType', `expected ${COMPLETION_PREDICATE_TYPE}`);
  }
  const subject = array(st.subject, 'subject', limits.maxSubjects, 1).map((s, i) =>
    checkSubject(s, `subject[${i}]`, limits),
  );
  ascending(subject, 'subject', compareSubjects, 'name');
  if (!subject.some((s) => s.annotations === undefined)) throw new Invalid('subject', 'names no artifact');
  const manifests = subject.filter((s) => s.annotations !== undefined).length;
  if (manifests > 1) throw new Invalid('subject', 'more than one model-signing manifest subject');

  const p = object(st.predicate, 'predicate', [
    'attestationId',
    'program',
    'criteriaVersion',
    'submission',
    'criteria',
    'acceptedRisks',
    'issuedAt',
    'expiresAt',
    'publicSummaryUrl',
  ]);
  const max = limits.maxStringBytes;
  const idRule = { maxBytes: Math.min(max, 128), pattern: ID, describe: 'an identifier ([A-Za-z0-9._:-])' };
  const program = object(p.program, 'predicate.program', ['name', 'url']);
  const submission = object(p.submission, 'predicate.submission', ['id', 'revision']);
  const criteria = array(p.criteria, 'predicate.criteria', limits.maxCriteria, 1).map((c, i) => {
    const where = `predicate.criteria[${i}]`;
    const o = object(c, where, ['id', 'outcome']);
    return {
      id: string(o.id, `${where}.id`, idRule),
      outcome: oneOf(o.outcome, `${where}.outcome`, CRITERION_OUTCOMES),
    };
  });
  ascending(criteria, 'predicate.criteria', (a, b) => compareStrings(a.id, b.id), 'id');
  const acceptedRisks = array(p.acceptedRisks, 'predicate.acceptedRisks', limits.maxAcceptedRisks).map(
    (r, i) => {
      const where = `predicate.acceptedRisks[${i}]`;
      const o = object(r, where, ['criterion', 'severity', 'justification']);
      return {
        criterion: string(o.criterion, `${where}.criterion`, idRule),
        severity: oneOf(o.severity, `${where}.severity`, RISK_SEVERITIES),
        justification: string(o.justification, `${where}.justification`, {
          maxBytes: limits.maxTextBytes,
          multiline: true,
        }),
      };
    },
  );
  ascending(acceptedRisks, 'predicate.acceptedRisks', compareRisks, 'criterion, severity and justification');
  // An accepted risk belongs to a criterion whose outcome says so, and such an outcome has its risk.
  const outcomeOf = new Map(criteria.map((c) => [c.id, c.outcome]));
  for (const [i, r] of acceptedRisks.entries()) {
    if (outcomeOf.get(r.criterion) !== 'risk-accepted') {
      throw new Invalid(
        `predicate.acceptedRisks[${i}].criterion`,
        `${r.criterion} is not a criterion with outcome risk-accepted`,
      );
    }
  }
  for (const [i, c] of criteria.entries()) {
    if (c.outcome === 'risk-accepted' && !acceptedRisks.some((r) => r.criterion === c.id)) {
      throw new Invalid(`predicate.criteria[${i}]`, `${c.id} is risk-accepted but no accepted risk names it`);
    }
  }
  const issuedAt = timestamp(p.issuedAt, 'predicate.issuedAt');
  const expiresAt = timestamp(p.expiresAt, 'predicate.expiresAt');
  if (expiresAt.date <= issuedAt.date) throw new Invalid('predicate.expiresAt', 'not after issuedAt');

  return {
    _type: STATEMENT_V1_TYPE,
    subject,
    predicateType: COMPLETION_PREDICATE_TYPE,
    predicate: {
      attestationId: string(p.attestationId, 'predicate.attestationId', idRule),
      program: {
        name: string(program.name, 'predicate.program.name', { maxBytes: max }),
        url: httpsUrl(program.url, 'predicate.program.url', max),
      },
      criteriaVersion: string(p.criteriaVersion, 'predicate.criteriaVersion', idRule),
      submission: {
        id: string(submission.id, 'predicate.submission.id', idRule),
        revision: positiveInteger(submission.revision, 'predicate.submission.revision'),
      },
      criteria,
      acceptedRisks,
      issuedAt: issuedAt.text,
      expiresAt: expiresAt.text,
      publicSummaryUrl: httpsUrl(p.publicSummaryUrl, 'predicate.publicSummaryUrl', max),
    },
  };
}

function checkSubject(v: unknown, where: string, limits: AttestationLimits): CompletionSubject {
  const o = object(v, where, ['name', 'digest'], ['annotations']);
  const digest = object(o.digest, `${where}.digest`, ['sha256']);
  const sha256 = string(digest.sha256, `${where}.digest.sha256`, {
    maxBytes: 64,
    pattern: HEX64,
    describe: '64 lower-case hex digits',
  });
  if (o.annotations === undefined) {
    return { name: relativePath(o.name, `${where}.name`, limits.maxPathBytes), digest: { sha256 } };
  }
  const ann = object(o.annotations, `${where}.annotations`, ['kind']);
  if (ann.kind !== MODEL_SIGNING_SUBJECT_KIND) {
    throw new Invalid(`${where}.annotations.kind`, `expected ${MODEL_SIGNING_SUBJECT_KIND}`);
  }
  return {
    name: string(o.name, `${where}.name`, { maxBytes: limits.maxPathBytes }),
    digest: { sha256 },
    annotations: { kind: MODEL_SIGNING_SUBJECT_KIND },
  };
}

/** The artifact subjects (files), without the model-signing manifest subject. */
export const artifactSubjects = (statement: CompletionStatement): readonly CompletionSubject[] =>
  statement.subject.filter((s) => s.annotations === undefined);
