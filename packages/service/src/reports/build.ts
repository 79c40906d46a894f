/**
 * buildReviewReport: checks what the service hands in against the catalog and the limits, derives
 * the coverage table and the executive summary, and puts every collection in its one order. The
 * input crosses a trust boundary (developer and reviewer text, names from hostile artifacts), so it
 * is checked once here and the renderers can rely on it.
 */
import type { CriteriaCatalog } from '@vacsrp/scanner';
import { err, ok, type Result } from '../domain/result.js';
import { SEVERITIES } from '../summary/model.js';
import { buildCoverage } from './coverage.js';
import { deriveExecutiveSummary, FINDING_STATUSES } from './executive.js';
import {
  REPORT_LIMITS,
  type ReportError,
  type ReportErrorCode,
  type ReportFinding,
  type Resolution,
  type ReviewReport,
  type ReviewReportInput,
} from './model.js';
import { orderReport } from './order.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const SHA256 = /^[0-9a-f]{64}$/;
// RFC 3339 with a required offset, years 1900-2999 (the range OSCAL's date-time pattern accepts).
const TIMESTAMP = /^(19|2\d)\d\d-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;
const DATE = /^(19|2\d)\d\d-\d\d-\d\d$/;
// C0 and C1 controls, DEL; a paragraph may keep tab and line breaks.
const LINE_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]/;
const PARAGRAPH_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Internal: the first problem found stops the check; caught in buildReviewReport, never escapes. */
class Refused {
  constructor(readonly error: ReportError) {}
}

function refuse(
  code: ReportErrorCode,
  field: string,
  message: string,
  extra: Partial<ReportError> = {},
): never {
  throw new Refused({ code, field, message, ...extra });
}

function limit(field: string, actual: number, max: number): void {
  if (actual > max) refuse('LIMIT_EXCEEDED', field, `at most ${max} allowed`, { limit: max, actual });
}

function id(field: string, value: string): void {
  if (!ID.test(value)) refuse('INVALID_ID', field, 'an id is 1-128 letters, digits, ".", "_", ":" or "-"');
}

function text(field: string, value: string, kind: 'line' | 'paragraph', required: boolean): void {
  const max = REPORT_LIMITS[kind];
  limit(field, value.length, max);
  if (required && value.trim() === '') refuse('INVALID_TEXT', field, 'must not be blank');
  if ((kind === 'line' ? LINE_FORBIDDEN : PARAGRAPH_FORBIDDEN).test(value)) {
    refuse('INVALID_TEXT', field, 'contains a control character');
  }
  if (LONE_SURROGATE.test(value)) refuse('INVALID_TEXT', field, 'is not well-formed Unicode');
}

function timestamp(field: string, value: string): void {
  if (!TIMESTAMP.test(value) || Number.isNaN(Date.parse(value))) {
    refuse('INVALID_TIMESTAMP', field, 'an RFC 3339 timestamp with an offset is expected');
  }
}

function date(field: string, value: string): void {
  if (!DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    refuse('INVALID_DATE', field, 'a YYYY-MM-DD date is expected');
  }
}

function count(field: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min)
    refuse('INVALID_NUMBER', field, `an integer >= ${min} is expected`);
}

function digest(field: string, value: string): void {
  if (!SHA256.test(value)) refuse('INVALID_DIGEST', field, 'a lower-case hex SHA-256 is expected');
}

function unique(field: string, values: readonly string[]): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) refuse('DUPLICATE_ID', `${field}/${i}`, `duplicate ${JSON.stringify(v)}`);
    seen.add(v);
  });
}

function checkFinding(
  f: ReportFinding,
  at: string,
  criteria: ReadonlySet<string>,
  latestRevision: number,
): void {
  id(`${at}/id`, f.id);
  if (f.source !== 'automated' && f.source !== 'manual')
    refuse('INVALID_TEXT', `${at}/source`, 'unknown source');
  if (f.ruleId !== undefined) id(`${at}/ruleId`, f.ruleId);
  if (!criteria.has(f.criterionId)) refuse('UNKNOWN_CRITERION', `${at}/criterionId`, 'not in the catalog');
  if (!SEVERITIES.includes(f.severity)) refuse('INVALID_TEXT', `${at}/severity`, 'unknown severity');
  if (!FINDING_STATUSES.includes(f.status)) refuse('INVALID_TEXT', `${at}/status`, 'unknown status');
  text(`${at}/title`, f.title, 'line', true);
  text(`${at}/description`, f.description, 'paragraph', false);
  text(`${at}/remediation`, f.remediation, 'paragraph', false);
  timestamp(`${at}/raisedAt`, f.raisedAt);
  limit(`${at}/evidence`, f.evidence.length, REPORT_LIMITS.evidencePerFinding);
  f.evidence.forEach((e, j) => {
    const ev = `${at}/evidence/${j}`;
    text(`${ev}/text`, e.text, 'paragraph', true);
    if (e.location !== undefined) {
      text(`${ev}/location/path`, e.location.path, 'line', true);
      if (e.location.member !== undefined) text(`${ev}/location/member`, e.location.member, 'line', true);
      if (e.location.offset !== undefined) count(`${ev}/location/offset`, e.location.offset, 0);
    }
    limit(`${ev}/files`, e.files.length, REPORT_LIMITS.filesPerEvidence);
    e.files.forEach((file, k) => {
      text(`${ev}/files/${k}/name`, file.name, 'line', true);
      digest(`${ev}/files/${k}/sha256`, file.sha256);
    });
  });

  const r = f.resolution;
  if (f.status === 'open' || r === undefined) {
    if (f.status !== 'open' || r !== undefined) {
      refuse(
        'STATUS_RESOLUTION_MISMATCH',
        `${at}/resolution`,
        'an open finding has no resolution, any other has one',
      );
    }
    return;
  }
  if (r.kind !== f.status)
    refuse('STATUS_RESOLUTION_MISMATCH', `${at}/resolution/kind`, 'must equal the status');
  text(`${at}/resolution/by`, r.by, 'line', true);
  timestamp(`${at}/resolution/at`, r.at);
  switch (r.kind) {
    case 'remediated':
      if (r.confirmation.method === 'rescan') {
        count(`${at}/resolution/confirmation/revision`, r.confirmation.revision, 1);
        if (r.confirmation.revision > latestRevision) {
          refuse('INVALID_NUMBER', `${at}/resolution/confirmation/revision`, 'after the reported revision');
        }
      } else {
        text(`${at}/resolution/confirmation/note`, r.confirmation.note, 'paragraph', true);
      }
      break;
    case 'risk-accepted':
      text(`${at}/resolution/justification`, r.justification, 'paragraph', true);
      break;
    case 'false-positive':
      text(`${at}/resolution/rationale`, r.rationale, 'paragraph', true);
      break;
    default: {
      const exhaustive: never = r;
      throw new Error(`unknown resolution ${JSON.stringify(exhaustive)}`);
    }
  }
}

function check(input: ReviewReportInput, catalog: CriteriaCatalog): void {
  id('/reportId', input.reportId);
  timestamp('/generatedAt', input.generatedAt);
  text('/program/name', input.program.name, 'line', true);
  text('/program/url', input.program.url, 'line', true);
  let url: URL | undefined;
  try {
    url = new URL(input.program.url);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '') {
    refuse('INVALID_URL', '/program/url', 'an absolute http(s) URL without credentials is expected');
  }
  const s = input.submission;
  id('/submission/id', s.id);
  count('/submission/revision', s.revision, 1);
  timestamp('/submission/submittedAt', s.submittedAt);
  text('/submission/modelName', s.modelName, 'line', true);
  text('/submission/vendorName', s.vendorName, 'line', true);

  limit('/artifacts', input.artifacts.length, REPORT_LIMITS.artifacts);
  input.artifacts.forEach((a, i) => {
    text(`/artifacts/${i}/path`, a.path, 'line', true);
    count(`/artifacts/${i}/size`, a.size, 0);
    digest(`/artifacts/${i}/sha256`, a.sha256);
  });
  unique(
    '/artifacts',
    input.artifacts.map((a) => a.path),
  );

  const criteria = new Set(catalog.families.flatMap((f) => f.criteria.map((c) => c.id)));
  limit('/findings', input.findings.length, REPORT_LIMITS.findings);
  input.findings.forEach((f, i) => {
    checkFinding(f, `/findings/${i}`, criteria, s.revision);
  });
  unique(
    '/findings',
    input.findings.map((f) => f.id),
  );

  limit('/reviewerOutcomes', input.reviewerOutcomes.length, REPORT_LIMITS.reviewerOutcomes);
  input.reviewerOutcomes.forEach((o, i) => {
    const at = `/reviewerOutcomes/${i}`;
    if (!criteria.has(o.criterionId)) refuse('UNKNOWN_CRITERION', `${at}/criterionId`, 'not in the catalog');
    if (o.outcome !== 'met' && o.outcome !== 'not-met' && o.outcome !== 'not-applicable') {
      refuse('INVALID_TEXT', `${at}/outcome`, 'a reviewer records met, not-met or not-applicable');
    }
    text(`${at}/reviewer`, o.reviewer, 'line', true);
    text(`${at}/note`, o.note, 'paragraph', true);
  });

  limit('/scans', input.scans.length, REPORT_LIMITS.scans);
  input.scans.forEach((scan, i) => {
    id(`/scans/${i}/id`, scan.id);
    timestamp(`/scans/${i}/completedAt`, scan.completedAt);
  });
  unique(
    '/scans',
    input.scans.map((scan) => scan.id),
  );

  limit('/signOffs', input.signOffs.length, REPORT_LIMITS.signOffs);
  input.signOffs.forEach((o, i) => {
    text(`/signOffs/${i}/reviewer`, o.reviewer, 'line', true);
    date(`/signOffs/${i}/date`, o.date);
  });
}

/**
 * The report for one revision, or the first reason the input is refused. Pure: the same input
 * and catalog give the same report, whatever order the service listed its rows in.
 */
export function buildReviewReport(
  input: ReviewReportInput,
  catalog: CriteriaCatalog,
): Result<ReviewReport, ReportError> {
  try {
    check(input, catalog);
  } catch (e) {
    if (e instanceof Refused) return err(e.error);
    throw e;
  }
  const entries = catalog.families.flatMap((family) =>
    family.criteria.map((criterion) => ({ family, criterion })),
  );
  const coverage = buildCoverage(entries, input.findings, input.reviewerOutcomes, input.scans);
  const summary = deriveExecutiveSummary(catalog.families, coverage, input.findings, {
    revision: input.submission.revision,
    catalogTitle: catalog.title,
    catalogVersion: catalog.version,
  });
  return ok(
    orderReport({
      reportId: input.reportId,
      generatedAt: input.generatedAt,
      program: { name: input.program.name, url: input.program.url },
      submission: {
        id: input.submission.id,
        revision: input.submission.revision,
        submittedAt: input.submission.submittedAt,
        modelName: input.submission.modelName,
        vendorName: input.submission.vendorName,
      },
      scope: {
        artifacts: input.artifacts.map((a) => ({ path: a.path, size: a.size, sha256: a.sha256 })),
        criteria: { catalogId: catalog.id, version: catalog.version, title: catalog.title },
      },
      summary,
      coverage,
      findings: input.findings.map(exactFinding),
      reviewerOutcomes: input.reviewerOutcomes.map((o) => ({
        criterionId: o.criterionId,
        outcome: o.outcome,
        reviewer: o.reviewer,
        note: o.note,
      })),
      scans: input.scans.map((scan) => ({ id: scan.id, completedAt: scan.completedAt })),
      signOffs: input.signOffs.map((o) => ({ reviewer: o.reviewer, date: o.date })),
    }),
  );
}

/**
 * A copy holding exactly the report's fields: rows from the store may carry more (organisation,
 * comments), which must not ride along into an exported document.
 */
function exactFinding(f: ReportFinding): ReportFinding {
  return {
    id: f.id,
    source: f.source,
    ...(f.ruleId === undefined ? {} : { ruleId: f.ruleId }),
    criterionId: f.criterionId,
    severity: f.severity,
    title: f.title,
    description: f.description,
    raisedAt: f.raisedAt,
    evidence: f.evidence.map((e) => ({
      text: e.text,
      ...(e.location === undefined
        ? {}
        : {
            location: {
              path: e.location.path,
              ...(e.location.member === undefined ? {} : { member: e.location.member }),
              ...(e.location.offset === undefined ? {} : { offset: e.location.offset }),
            },
          }),
      files: e.files.map((file) => ({ name: file.name, sha256: file.sha256 })),
    })),
    remediation: f.remediation,
    status: f.status,
    ...(f.resolution === undefined ? {} : { resolution: exactResolution(f.resolution) }),
  };
}

function exactResolution(r: Resolution): Resolution {
  switch (r.kind) {
    case 'remediated':
      return {
        kind: r.kind,
        by: r.by,
        at: r.at,
        confirmation:
          r.confirmation.method === 'rescan'
            ? { method: 'rescan', revision: r.confirmation.revision }
            : { method: 'reviewer', note: r.confirmation.note },
      };
    case 'risk-accepted':
      return { kind: r.kind, by: r.by, at: r.at, justification: r.justification };
    case 'false-positive':
      return { kind: r.kind, by: r.by, at: r.at, rationale: r.rationale };
    default: {
      const exhaustive: never = r;
      throw new Error(`unknown resolution ${JSON.stringify(exhaustive)}`);
    }
  }
}
