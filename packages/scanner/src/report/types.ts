/**
 * The scan report: the one structure every renderer (text, JSON, SARIF) reads. Its JSON form is
 * specified by report/scan-report.schema.json; bump REPORT_SCHEMA_VERSION on any change.
 */
import type { Finding, Severity } from '../findings.js';

export const REPORT_SCHEMA_VERSION = '1.0.0';
export const REPORT_SCHEMA_ID = 'https://vacsrp.dev/schemas/scan-report/1.0.0';

export type ArtifactStatus = 'scanned' | 'skipped' | 'errored';

export interface ArtifactRecord {
  /** Path as reached from a scanned root (root joined with the relative path). */
  readonly path: string;
  readonly size: number;
  /** Lower-case hex SHA-256 of the file bytes; absent with --no-digest or when unreadable. */
  readonly sha256?: string;
  /** Detected content format (from bytes, never the name), e.g. `pytorch-zip`, `pickle`, `tar`. */
  readonly format: string;
  readonly status: ArtifactStatus;
  /** Why it was skipped or errored. */
  readonly reason?: string;
  /** Archive members visited (containers only). */
  readonly members?: number;
}

export interface ToolInfo {
  readonly name: 'vacsrp';
  readonly version: string;
  readonly policy: { readonly id: string; readonly version: string };
  readonly criteria: string;
}

export interface ScanSummary {
  readonly artifacts: { readonly scanned: number; readonly skipped: number; readonly errored: number };
  readonly findings: Readonly<Record<Severity, number>>;
  /** Highest severity present, or null without findings. */
  readonly highest: Severity | null;
  readonly failOn: Severity;
  /** True when a finding is at or above failOn (exit code 1). */
  readonly failed: boolean;
}

export interface ScanReport {
  readonly schema: typeof REPORT_SCHEMA_ID;
  readonly tool: ToolInfo;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly roots: readonly string[];
  readonly artifacts: readonly ArtifactRecord[];
  readonly findings: readonly Finding[];
  readonly summary: ScanSummary;
}
