/**
 * The confidential review of one revision, read from the store once and shaped as the inputs of the
 * pure builders: `buildReviewReport` (the confidential report) and `summariseReview` (the public
 * summary), plus the criteria outcomes by the reports module's coverage rule (the attestation's).
 * Text from scanners and people is cleaned to what the report accepts (no control characters, bounded
 * lengths) rather than refused: a report must be producible for every review the service holds.
 */
import { loadCriteriaCatalog, RULES } from '@vacsrp/scanner';
import type { Resolution } from '../../domain/findings.js';
import { buildCoverage } from '../../reports/coverage.js';
import {
  type CoverageEntry,
  REPORT_LIMITS,
  type ReportEvidence,
  type ReportFinding,
  type ReviewerOutcome,
  type ReviewReportInput,
  type SignOff,
} from '../../reports/model.js';
import type { Db } from '../../store/audit.js';
import type { EvidenceFileRow, FindingRow } from '../../store/schema.js';
import type {
  ConfidentialFinding,
  ConfidentialReview,
  FindingStatus,
  PublicCatalog,
  Severity,
} from '../../summary/model.js';
import { notFound } from '../context.js';
import type { ProgramIdentity } from './settings.js';

export interface ConfidentialReviewData {
  /** Input of buildReviewReport. */
  readonly report: ReviewReportInput;
  /** Input of summariseReview. */
  readonly review: ConfidentialReview;
  /** Every catalog criterion with its outcome (coverage rule), in catalog order. */
  readonly coverage: readonly CoverageEntry[];
  /** Distinct lower-case hex SHA-256 of the revision's artifacts (uploaded or digests-only), sorted. */
  readonly digests: readonly string[];
  readonly submission: {
    readonly id: string;
    readonly revision: number;
    readonly modelName: string;
    readonly modelVersion: string;
    readonly vendor: string;
    readonly state: string;
  };
}

/** The public reference text the summary may quote: the criteria catalog and the scanner's rules. */
export function publicCatalog(): PublicCatalog {
  const catalog = loadCriteriaCatalog();
  return {
    families: catalog.families.map((f) => ({
      id: f.id,
      title: f.title,
      criteria: f.criteria.map((c) => ({ id: c.id, title: c.title })),
    })),
    rules: Object.values(RULES).map((r) => ({ id: r.id, title: r.title, remediation: r.remediation })),
  };
}

/** The criteria version attestations and summaries name: the catalog's version. */
export const criteriaVersion = (): string => loadCriteriaCatalog().version;

// What buildReviewReport refuses, replaced instead: C0/C1 controls (a paragraph keeps tab and breaks).
const LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const PARAGRAPH_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const wellFormed = (s: string): string => s.replace(LONE_SURROGATES, '\ufffd');

function clean(text: string, kind: 'line' | 'paragraph', fallback = ''): string {
  const max = REPORT_LIMITS[kind];
  let s = wellFormed(text).replace(kind === 'line' ? LINE_CONTROLS : PARAGRAPH_CONTROLS, '\ufffd');
  if (s.length > max) s = `${wellFormed(s.slice(0, max - 1))}…`;
  return s.trim() === '' ? fallback : s;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

/** Scanner evidence or reviewer notes as readable lines (`key: value`). */
function evidenceText(evidence: unknown): string {
  if (evidence === null || typeof evidence !== 'object') {
    return typeof evidence === 'string' ? evidence : '';
  }
  return Object.entries(evidence as Record<string, unknown>)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('\n');
}

function locationOf(location: unknown): ReportEvidence['location'] {
  if (location === null || typeof location !== 'object') return undefined;
  const l = location as { artifact?: unknown; member?: unknown; offset?: unknown };
  if (typeof l.artifact !== 'string' || l.artifact.trim() === '') return undefined;
  const member = typeof l.member === 'string' ? clean(l.member, 'line') : '';
  const offset = l.offset;
  return {
    path: clean(l.artifact, 'line', '?'),
    ...(member === '' ? {} : { member }),
    ...(typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0 ? { offset } : {}),
  };
}

function evidenceOf(row: FindingRow, files: readonly EvidenceFileRow[]): ReportEvidence[] {
  const location = locationOf(parseJson(row.location));
  const text = clean(evidenceText(parseJson(row.evidence)), 'paragraph', 'No evidence text recorded.');
  const items: ReportEvidence[] = [];
  const per = REPORT_LIMITS.filesPerEvidence;
  const kept = files.slice(0, per * (REPORT_LIMITS.evidencePerFinding - 1));
  items.push({
    text,
    ...(location === undefined ? {} : { location }),
    files: kept.slice(0, per).map((f) => ({ name: clean(f.name, 'line', 'evidence'), sha256: f.sha256 })),
  });
  for (let i = per; i < kept.length; i += per) {
    items.push({
      text: 'Further evidence files.',
      files: kept
        .slice(i, i + per)
        .map((f) => ({ name: clean(f.name, 'line', 'evidence'), sha256: f.sha256 })),
    });
  }
  return items;
}

function resolutionOf(row: FindingRow, names: ReadonlyMap<string, string>): Resolution | undefined {
  if (row.state === 'open' || row.resolution === null) return undefined;
  const r = parseJson(row.resolution) as Resolution | null;
  if (r === null || r.kind !== row.state) return undefined;
  const by = clean(names.get(r.by) ?? r.by, 'line', 'unknown');
  switch (r.kind) {
    case 'remediated':
      return {
        kind: r.kind,
        by,
        at: r.at,
        confirmation:
          r.confirmation.method === 'rescan'
            ? { method: 'rescan', revision: r.confirmation.revision }
            : { method: 'reviewer', note: clean(r.confirmation.note, 'paragraph', 'Confirmed.') },
      };
    case 'risk-accepted':
      return { kind: r.kind, by, at: r.at, justification: clean(r.justification, 'paragraph', '-') };
    case 'false-positive':
      return { kind: r.kind, by, at: r.at, rationale: clean(r.rationale, 'paragraph', '-') };
    default:
      return undefined;
  }
}

/** Sign-off dates of the current round, from the audit log (the submission row keeps only who). */
async function signOffs(
  db: Db,
  submissionId: string,
  reviewers: readonly string[],
  names: ReadonlyMap<string, string>,
): Promise<SignOff[]> {
  if (reviewers.length === 0) return [];
  const rows = await db
    .selectFrom('audit_log')
    .select(['seq', 'event'])
    .where('event', 'like', '%"submission.sign-off"%')
    .where('event', 'like', `%${submissionId}%`)
    .orderBy('seq')
    .limit(1000)
    .execute();
  const latest = new Map<string, string>();
  for (const r of rows) {
    const e = parseJson(r.event) as { who?: string; when?: string; object?: { id?: string } } | null;
    if (e?.object?.id !== submissionId || e.who === undefined || e.when === undefined) continue;
    latest.set(e.who, e.when.slice(0, 10));
  }
  return reviewers.flatMap((id) => {
    const date = latest.get(id);
    return date === undefined ? [] : [{ reviewer: clean(names.get(id) ?? id, 'line', 'reviewer'), date }];
  });
}

/**
 * Everything the confidential report, the public summary and the attestation of one revision are
 * built from. Findings raised against this revision or an earlier one are included (a finding
 * remediated by this revision is part of its review); scans are this revision's successful ones.
 */
export async function buildConfidentialReview(
  db: Db,
  submissionId: string,
  revision: number,
  options: { readonly program: ProgramIdentity; readonly generatedAt: string },
): Promise<ConfidentialReviewData> {
  const submission = await db
    .selectFrom('submissions')
    .innerJoin('organisations', 'organisations.id', 'submissions.organisation_id')
    .select([
      'submissions.id as id',
      'submissions.model_name as model_name',
      'submissions.model_version as model_version',
      'submissions.state as state',
      'submissions.sign_offs as sign_offs',
      'organisations.name as vendor',
    ])
    .where('submissions.id', '=', submissionId)
    .executeTakeFirst();
  if (submission === undefined) throw notFound('submission');
  const rev = await db
    .selectFrom('revisions')
    .select(['number', 'created_at', 'manifest'])
    .where('submission_id', '=', submissionId)
    .where('number', '=', revision)
    .executeTakeFirst();
  if (rev === undefined) throw notFound('revision');
  // A remediation revision may carry a new model version; the submission row keeps the first one.
  const declared = (parseJson(rev.manifest) as { model?: { version?: unknown } } | null)?.model?.version;
  const modelVersion = typeof declared === 'string' && declared !== '' ? declared : submission.model_version;

  const artifacts = await db
    .selectFrom('artifacts')
    .select(['path', 'size', 'sha256'])
    .where('submission_id', '=', submissionId)
    .where('revision', '=', revision)
    .orderBy('path')
    .execute();
  const findingRows = await db
    .selectFrom('findings')
    .selectAll()
    .where('submission_id', '=', submissionId)
    .where('revision', '<=', revision)
    .orderBy('created_at')
    .orderBy('id')
    .limit(REPORT_LIMITS.findings)
    .execute();
  const fileRows =
    findingRows.length === 0
      ? []
      : await db
          .selectFrom('evidence_files')
          .selectAll()
          .where('submission_id', '=', submissionId)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
  const scans = await db
    .selectFrom('scans')
    .select(['id', 'finished_at'])
    .where('submission_id', '=', submissionId)
    .where('revision', '=', revision)
    .where('state', '=', 'succeeded')
    .orderBy('id')
    .limit(REPORT_LIMITS.scans)
    .execute();

  const outcomeRows = await db
    .selectFrom('criterion_outcomes')
    .selectAll()
    .where('submission_id', '=', submissionId)
    .where('revision', '=', revision)
    .orderBy('criterion_id')
    .execute();

  const reviewerIds = JSON.parse(submission.sign_offs) as string[];
  const peopleIds = new Set<string>([...reviewerIds, ...outcomeRows.map((o) => o.reviewer_id)]);
  for (const f of findingRows) {
    const r = parseJson(f.resolution ?? 'null') as { by?: unknown } | null;
    if (typeof r?.by === 'string') peopleIds.add(r.by);
  }
  const people =
    peopleIds.size === 0
      ? []
      : await db
          .selectFrom('users')
          .select(['id', 'name'])
          .where('id', 'in', [...peopleIds])
          .execute();
  const names = new Map(people.map((p) => [p.id, p.name]));

  const filesOf = new Map<string, EvidenceFileRow[]>();
  for (const f of fileRows) filesOf.set(f.finding_id, [...(filesOf.get(f.finding_id) ?? []), f]);

  const findings: ReportFinding[] = findingRows.map((row) => {
    const resolution = resolutionOf(row, names);
    const status = (resolution === undefined ? 'open' : row.state) as FindingStatus;
    return {
      id: row.id,
      source: row.source === 'manual' ? 'manual' : 'automated',
      ...(row.rule_id === null ? {} : { ruleId: row.rule_id }),
      criterionId: row.criterion_id,
      severity: row.severity as Severity,
      title: clean(row.title, 'line', 'Untitled finding'),
      description: clean(row.description, 'paragraph'),
      raisedAt: row.created_at,
      evidence: evidenceOf(row, filesOf.get(row.id) ?? []),
      remediation: clean(row.remediation, 'paragraph'),
      status,
      ...(resolution === undefined ? {} : { resolution }),
    };
  });
  const scanRecords = scans.map((s) => ({ id: s.id, completedAt: s.finished_at ?? rev.created_at }));
  const reviewerOutcomes = outcomeRows.map(
    (o): ReviewerOutcome => ({
      criterionId: o.criterion_id,
      outcome: o.outcome as ReviewerOutcome['outcome'],
      reviewer: clean(names.get(o.reviewer_id) ?? o.reviewer_id, 'line', 'reviewer'),
      note: clean(o.note, 'paragraph'),
    }),
  );
  const catalog = loadCriteriaCatalog();
  const coverage = buildCoverage(
    catalog.families.flatMap((family) => family.criteria.map((criterion) => ({ family, criterion }))),
    findings,
    reviewerOutcomes,
    scanRecords,
  );

  const review: ConfidentialReview = {
    model: { name: submission.model_name, vendor: submission.vendor },
    criteriaVersion: catalog.version,
    criteria: coverage.map((c) => ({ criterionId: c.criterionId, outcome: c.outcome })),
    findings: findings.map(
      (f): ConfidentialFinding => ({
        id: f.id,
        ...(f.ruleId === undefined ? {} : { ruleId: f.ruleId }),
        criterionId: f.criterionId,
        severity: f.severity,
        title: f.title,
        message: f.description,
        evidence: f.evidence.map((e) => ({
          note: e.text,
          ...(e.location === undefined
            ? {}
            : {
                path: e.location.path,
                ...(e.location.member === undefined ? {} : { member: e.location.member }),
                ...(e.location.offset === undefined ? {} : { offset: e.location.offset }),
              }),
        })),
        remediation: f.remediation,
        status: f.status,
        ...(f.resolution?.kind === 'risk-accepted' ? { justification: f.resolution.justification } : {}),
      }),
    ),
  };

  return {
    report: {
      reportId: `${submissionId}.r${revision}`,
      generatedAt: options.generatedAt,
      program: { name: options.program.name, url: options.program.url },
      submission: {
        id: submissionId,
        revision,
        submittedAt: rev.created_at,
        modelName: clean(submission.model_name, 'line', 'model'),
        vendorName: clean(submission.vendor, 'line', 'vendor'),
      },
      artifacts: artifacts.map((a) => ({
        path: clean(a.path, 'line', '?'),
        size: Number(a.size),
        sha256: a.sha256,
      })),
      findings,
      reviewerOutcomes,
      scans: scanRecords,
      signOffs: await signOffs(db, submissionId, reviewerIds, names),
    },
    review,
    coverage,
    digests: [...new Set(artifacts.map((a) => a.sha256))].sort(),
    submission: {
      id: submissionId,
      revision,
      modelName: submission.model_name,
      modelVersion,
      vendor: submission.vendor,
      state: submission.state,
    },
  };
}

/** The newest revision number of a submission. */
export async function latestRevision(db: Db, submissionId: string): Promise<number> {
  const row = await db
    .selectFrom('revisions')
    .select((eb) => eb.fn.max('number').as('n'))
    .where('submission_id', '=', submissionId)
    .executeTakeFirst();
  const n = Number(row?.n ?? 0);
  if (n < 1) throw notFound('submission');
  return n;
}
