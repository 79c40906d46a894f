/**
 * The tables as Kysely sees them. Both dialects store the same values: ids, timestamps (ISO 8601 UTC)
 * and JSON as text, booleans as 0/1, sizes as 64-bit integers. Domain types live in ../domain; the
 * rows here are their persisted form.
 */
export interface OrganisationRow {
  id: string;
  name: string;
  type: string;
  size_band: string;
  sector: string;
  /** JSON array of organisation ids declared related (parents, subsidiaries, partners). */
  related_ids: string;
  created_at: string;
}

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  organisation_id: string | null;
  password_hash: string | null;
  oidc_subject: string | null;
  disabled: number;
  failed_logins: number;
  locked_until: string | null;
  created_at: string;
}

export interface SessionRow {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

export interface ApiTokenRow {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface SubmissionRow {
  id: string;
  organisation_id: string;
  model_name: string;
  model_version: string;
  state: string;
  /** JSON array of the two reviewer ids fixed when the review started. */
  reviewers: string;
  sign_offs: string;
  /** The submission's data key wrapped by the master key (see blobs/keys.ts). */
  wrapped_key: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  /** Optimistic concurrency: bumped on every update. */
  version: number;
}

export interface RevisionRow {
  submission_id: string;
  number: number;
  manifest_digest: string;
  /** The validated manifest as canonical JSON. */
  manifest: string;
  digests_only: number;
  created_by: string;
  created_at: string;
}

export interface ArtifactRow {
  id: string;
  submission_id: string;
  revision: number;
  path: string;
  sha256: string;
  size: number;
  /** pending | stored | digests-only */
  state: string;
  blob_key: string | null;
  updated_at: string;
}

export interface ScanRow {
  id: string;
  submission_id: string;
  revision: number;
  /** queued | running | succeeded | failed | skipped */
  state: string;
  attempts: number;
  /** JSON: { artifacts, done, bytes } */
  progress: string;
  /** JSON summary of the scanner's report, or null. */
  summary: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface JobRow {
  id: string;
  kind: string;
  payload: string;
  /** queued | running | done | failed */
  state: string;
  run_at: string;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  dedupe_key: string;
  created_at: string;
  updated_at: string;
}

export interface FindingRow {
  id: string;
  submission_id: string;
  organisation_id: string;
  revision: number;
  source: string;
  scan_id: string | null;
  rule_id: string | null;
  criterion_id: string;
  severity: string;
  title: string;
  description: string;
  /** JSON location (path, member, offset) */
  location: string;
  /** JSON evidence object (scanner evidence or reviewer notes). */
  evidence: string;
  remediation: string;
  state: string;
  resolution: string | null;
  created_by: string;
  created_at: string;
}

export interface CommentRow {
  id: string;
  finding_id: string;
  ordinal: number;
  author: string;
  role: string;
  body: string;
  at: string;
}

export interface EvidenceFileRow {
  id: string;
  finding_id: string;
  submission_id: string;
  name: string;
  media_type: string;
  size: number;
  sha256: string;
  blob_key: string;
  created_by: string;
  created_at: string;
}

export interface DeclarationRow {
  id: string;
  reviewer_id: string;
  kind: string;
  organisation_id: string;
  from_date: string;
  to_date: string | null;
  note: string | null;
  created_at: string;
}

export interface SubmitterDeclarationRow {
  id: string;
  submission_id: string;
  reviewer_id: string;
  reason: string;
  created_by: string;
  created_at: string;
}

export interface AssignmentEventRow {
  submission_id: string;
  ordinal: number;
  type: string;
  reviewer_id: string;
  by: string;
  at: string;
  reason: string | null;
}

export interface DecisionRow {
  id: string;
  submission_id: string;
  revision: number;
  kind: string;
  accepted_finding_ids: string;
  justification: string;
  by: string;
  at: string;
}

export interface AuditRow {
  seq: number;
  prev_hash: string;
  hash: string;
  /** The AuditEvent as canonical JSON. */
  event: string;
}

/** One row (id 1): the newest entry, locked while appending so the chain never forks. */
export interface AuditTipRow {
  id: number;
  seq: number;
  hash: string;
}

export interface CriterionOutcomeRow {
  submission_id: string;
  revision: number;
  criterion_id: string;
  /** met | not-met | not-applicable */
  outcome: string;
  reviewer_id: string;
  note: string;
  at: string;
}

export interface Database {
  organisations: OrganisationRow;
  users: UserRow;
  sessions: SessionRow;
  api_tokens: ApiTokenRow;
  submissions: SubmissionRow;
  revisions: RevisionRow;
  artifacts: ArtifactRow;
  scans: ScanRow;
  jobs: JobRow;
  findings: FindingRow;
  comments: CommentRow;
  evidence_files: EvidenceFileRow;
  declarations: DeclarationRow;
  submitter_declarations: SubmitterDeclarationRow;
  assignment_events: AssignmentEventRow;
  decisions: DecisionRow;
  audit_log: AuditRow;
  audit_tip: AuditTipRow;
  criterion_outcomes: CriterionOutcomeRow;
  program_keys: ProgramKeyRow;
  public_summaries: PublicSummaryRow;
  attestations: AttestationRow;
  registry_entries: RegistryEntryRow;
  registry_digests: RegistryDigestRow;
  revocation_lists: RevocationListRow;
}

/** A program signing key (migration 0002-program-outputs). The private key is sealed, never in the row. */
export interface ProgramKeyRow {
  /** RFC 7638 thumbprint of the public key (the JWKS kid and DSSE keyid). */
  kid: string;
  /** EdDSA | ES256 */
  alg: string;
  /** The public JWK as JSON. */
  public_jwk: string;
  /** Blob key of the PKCS#8 PEM, encrypted in the blob store under its own data key. */
  private_blob: string;
  /** That data key, wrapped by the master key with the context `vacsrp/submission/program-key/<kid>`. */
  wrapped_key: string;
  /** Whole seconds: when the key may start signing (inclusive). */
  activated_at: string;
  /** Whole seconds: when it stopped (exclusive); null while current. */
  retired_at: string | null;
  /** 1 for the current key, null for retired ones; unique, so there is never a second current key. */
  current_slot: number | null;
  created_at: string;
}

/** The public summary of one revision: a draft on preview, frozen when an administrator approves it. */
export interface PublicSummaryRow {
  submission_id: string;
  revision: number;
  /** draft | approved */
  state: string;
  /** The PublicSummary as canonical JSON. */
  summary: string;
  updated_at: string;
  approved_by: string | null;
  approved_at: string | null;
}

export interface AttestationRow {
  id: string;
  submission_id: string;
  revision: number;
  registry_entry_id: string;
  kid: string;
  /** The DSSE envelope exactly as signed and published. */
  envelope: string;
  issued_at: string;
  expires_at: string;
  revoked_at: string | null;
  revocation_reason: string | null;
  revocation_note: string | null;
  created_at: string;
}

/** One completed review in the public registry: only published fields, denormalised for search. */
export interface RegistryEntryRow {
  id: string;
  submission_id: string;
  revision: number;
  vendor: string;
  /** Lower-cased vendor, for case-insensitive substring search. */
  vendor_search: string;
  model_name: string;
  model_search: string;
  model_version: string;
  /** The approved PublicSummary as canonical JSON. */
  summary: string;
  attestation_id: string;
  completed_at: string;
}

export interface RegistryDigestRow {
  entry_id: string;
  /** Lower-case hex SHA-256 of an attested artifact. */
  sha256: string;
}

/** The signed revocation list as served (one row, id 1), re-signed on every revocation. */
export interface RevocationListRow {
  id: number;
  issued_at: string;
  envelope: string;
}
