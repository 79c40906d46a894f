/** The public contract of the scan engine, used by the CLI and (later) the program service. */
import type { Severity } from './findings.js';

export type ProgressEvent =
  | { readonly kind: 'walk'; readonly files: number }
  | {
      readonly kind: 'artifact-start';
      readonly path: string;
      readonly size: number;
      readonly index: number;
      readonly total: number;
    }
  | {
      readonly kind: 'artifact-done';
      readonly path: string;
      readonly status: 'scanned' | 'skipped' | 'errored';
    }
  | { readonly kind: 'digest'; readonly path: string; readonly bytes: number; readonly size: number };

export interface ScanOptions {
  /** Findings at or above this severity make the scan fail (exit 1). Default `medium`. */
  readonly failOn?: Severity;
  /** Compute SHA-256 of every artifact (default true). */
  readonly digest?: boolean;
  /** Path of an extra policy file (JSON) merged over the built-in policy. */
  readonly policyFile?: string;
  /** Overrides for named limits (see docs/limits.md). */
  readonly limits?: Partial<Record<string, number>>;
  readonly onProgress?: (event: ProgressEvent) => void;
  /** Data directory whose imported advisories (DIR/advisories) dependency files are matched against. */
  readonly dataDir?: string;
  /** Injected clock for reproducible reports. */
  readonly now?: () => Date;
}
