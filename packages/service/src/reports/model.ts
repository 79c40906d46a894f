/**
 * The confidential review report: what the service hands in (ReviewReportInput), what
 * buildReviewReport derives from it (ReviewReport, with executive summary and criteria coverage),
 * and the closed set of reasons an input is refused. Plain data only: no database rows, no I/O.
 */
import type { Resolution } from '../domain/findings.js';
import type { CriterionOutcome, FindingStatus, Severity } from '../summary/model.js';

export type { CriterionOutcome, FindingStatus, Resolution, Severity };

/** The program that issues the report. */
export interface ReportProgram {
  /** Display name, e.g. "Voluntary AI Cybersecurity Review Program". */
  readonly name: string;
  /** Absolute http(s) URL of the program's public site. */
  readonly url: string;
}

/** The submission revision the report is about. */
export interface ReportSubmission {
  /** The service's submission id. */
  readonly id: string;
  /** Revision number, 1 for the first upload; each remediation round is a new revision. */
  readonly revision: number;
  /** RFC 3339 timestamp at which this revision was submitted (the start of its review). */
  readonly submittedAt: string;
  /** The model's name as the developer declared it. */
  readonly modelName: string;
  /** The developer's (vendor) organisation name. */
  readonly vendorName: string;
}

/** One submitted artifact file, identified by its digest. */
export interface ReportArtifact {
  /** Path inside the submission package, with `/` separators. */
  readonly path: string;
  /** Size in bytes. */
  readonly size: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  readonly sha256: string;
}

/** A file kept as evidence (a log, an excerpt, a screenshot), named and digested. */
export interface EvidenceFile {
  readonly name: string;
  /** Lower-case hex SHA-256 of the evidence file's bytes. */
  readonly sha256: string;
}

/** Where in the submitted artifacts the evidence was seen. */
export interface EvidenceLocation {
  /** Artifact path. */
  readonly path: string;
  /** Member inside a container (zip entry, tar member, tensor name), when there is one. */
  readonly member?: string;
  /** Byte offset inside the file or member. */
  readonly offset?: number;
}

/** One item of evidence behind a finding. */
export interface ReportEvidence {
  /** What was observed, in words (may quote an excerpt). */
  readonly text: string;
  readonly location?: EvidenceLocation;
  /** Evidence files kept by the program for this item (may be empty). */
  readonly files: readonly EvidenceFile[];
}

/** A finding as the confidential report shows it. */
export interface ReportFinding {
  /** The service's finding id (stable across revisions of the report). */
  readonly id: string;
  /** Raised by the scanner or a simulation (`automated`) or by a reviewer (`manual`). */
  readonly source: 'automated' | 'manual';
  /** Scanner rule id (e.g. VAC-PKL-001); usually absent for manual findings. */
  readonly ruleId?: string;
  /** The criterion of the catalog the finding is raised under. */
  readonly criterionId: string;
  readonly severity: Severity;
  readonly title: string;
  readonly description: string;
  /** RFC 3339 timestamp at which the finding was raised. */
  readonly raisedAt: string;
  /** Evidence in the order the reviewer or scanner recorded it. */
  readonly evidence: readonly ReportEvidence[];
  /** What the developer should do about it. */
  readonly remediation: string;
  readonly status: FindingStatus;
  /**
   * Who resolved the finding, when, and why (remediation confirmation, risk justification or
   * false-positive rationale). Absent exactly when `status` is `open`; otherwise `kind` equals `status`.
   */
  readonly resolution?: Resolution;
}

/** The outcomes a reviewer may record for a criterion directly (the others are derived). */
export type ReviewerOutcomeValue = Extract<CriterionOutcome, 'met' | 'not-met' | 'not-applicable'>;

/** A reviewer's recorded outcome for one criterion (manual inspection or a simulated attack). */
export interface ReviewerOutcome {
  readonly criterionId: string;
  readonly outcome: ReviewerOutcomeValue;
  /** Reviewer's display name. */
  readonly reviewer: string;
  /** Why: what was inspected or which simulation ran, and what it showed. */
  readonly note: string;
}

/** An automated scan of this revision (vacsrp scan in a worker). */
export interface ScanRecord {
  readonly id: string;
  /** RFC 3339 timestamp at which the scan finished. */
  readonly completedAt: string;
}

export interface SignOff {
  /** Reviewer's display name. */
  readonly reviewer: string;
  /** Date of sign-off, YYYY-MM-DD. */
  readonly date: string;
}

/** Everything the service hands in to build one report. */
export interface ReviewReportInput {
  /** The service's id for this report (seed of every OSCAL UUID, so keep it stable per report). */
  readonly reportId: string;
  /** RFC 3339 timestamp of generation; the renderers never read the clock. */
  readonly generatedAt: string;
  readonly program: ReportProgram;
  readonly submission: ReportSubmission;
  readonly artifacts: readonly ReportArtifact[];
  /** Every finding of this revision, whatever its status. */
  readonly findings: readonly ReportFinding[];
  readonly reviewerOutcomes: readonly ReviewerOutcome[];
  readonly scans: readonly ScanRecord[];
  readonly signOffs: readonly SignOff[];
}

/** The evidence behind one criterion's outcome. */
export interface CoverageEvidence {
  /** Findings raised under the criterion (sorted). */
  readonly findingIds: readonly string[];
  /** Scans that ran the criterion's automated rules (sorted); empty if it has none. */
  readonly scanIds: readonly string[];
  /** Reviewer outcomes recorded for the criterion, with their notes (sorted by reviewer). */
  readonly reviewerNotes: readonly {
    readonly reviewer: string;
    readonly outcome: ReviewerOutcomeValue;
    readonly note: string;
  }[];
}

/** One row of the criteria coverage table. */
export interface CoverageEntry {
  readonly criterionId: string;
  readonly title: string;
  readonly familyId: string;
  readonly outcome: CriterionOutcome;
  readonly evidence: CoverageEvidence;
}

export type StatusCounts = Readonly<Record<FindingStatus, number>>;

/** The executive summary; derived by buildReviewReport, never handed in. */
export interface ExecutiveSummary {
  readonly findings: {
    readonly total: number;
    readonly byStatus: StatusCounts;
    /** One row per severity, most severe first, each split by status. */
    readonly bySeverity: readonly {
      readonly severity: Severity;
      readonly total: number;
      readonly byStatus: StatusCounts;
    }[];
  };
  readonly criteria: {
    readonly total: number;
    readonly byOutcome: Readonly<Record<CriterionOutcome, number>>;
  };
  /** One row per family in catalog order; the family's outcome is its most serious criterion outcome. */
  readonly families: readonly {
    readonly id: string;
    readonly title: string;
    readonly outcome: CriterionOutcome;
    readonly byOutcome: Readonly<Record<CriterionOutcome, number>>;
  }[];
  /** The overall result in plain words (deliberately not a score). */
  readonly statement: string;
}

/** The report every renderer takes. Build it with buildReviewReport so that it is checked and ordered. */
export interface ReviewReport {
  readonly reportId: string;
  readonly generatedAt: string;
  readonly program: ReportProgram;
  readonly submission: ReportSubmission;
  readonly scope: {
    /** Sorted by path. */
    readonly artifacts: readonly ReportArtifact[];
    readonly criteria: {
      readonly catalogId: string;
      readonly version: string;
      readonly title: string;
    };
  };
  readonly summary: ExecutiveSummary;
  /** Every criterion of the catalog, in catalog order. */
  readonly coverage: readonly CoverageEntry[];
  /** Most severe first, then by id. */
  readonly findings: readonly ReportFinding[];
  readonly reviewerOutcomes: readonly ReviewerOutcome[];
  readonly scans: readonly ScanRecord[];
  /** Sorted by date, then reviewer. */
  readonly signOffs: readonly SignOff[];
}

export type ReportErrorCode =
  | 'LIMIT_EXCEEDED'
  | 'INVALID_ID'
  | 'DUPLICATE_ID'
  | 'INVALID_TEXT'
  | 'INVALID_TIMESTAMP'
  | 'INVALID_DATE'
  | 'INVALID_NUMBER'
  | 'INVALID_DIGEST'
  | 'INVALID_URL'
  | 'UNKNOWN_CRITERION'
  | 'UNKNOWN_SCAN'
  | 'STATUS_RESOLUTION_MISMATCH';

export interface ReportError {
  readonly code: ReportErrorCode;
  /** JSON-pointer-like path of the offending field, e.g. `/findings/3/evidence/0/files/1/sha256`. */
  readonly field: string;
  readonly message: string;
  readonly limit?: number;
  readonly actual?: number;
}

/**
 * Limits on what a report may hold. The text comes from developers and reviewers and the counts
 * from scans of hostile artifacts, so every one is bounded (CWE-400, CWE-770): the PDF and HTML
 * renderers are linear in these, and a report past them is not a readable report anyway.
 */
export const REPORT_LIMITS = {
  /** Findings per report; a scan that raises more is summarised by rule before it reaches a report. */
  findings: 5_000,
  /** Evidence items per finding. */
  evidencePerFinding: 50,
  /** Evidence files per evidence item. */
  filesPerEvidence: 20,
  /** Artifacts in scope; matches the manifest's file count limit order of magnitude. */
  artifacts: 10_000,
  reviewerOutcomes: 2_000,
  scans: 100,
  signOffs: 50,
  /** Characters in a paragraph field (description, remediation, justification, evidence, note). */
  paragraph: 20_000,
  /** Characters in a one-line field (title, name, path, rule id, member). */
  line: 1_000,
} as const;
