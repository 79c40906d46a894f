/** The shapes every check shares: what is being scanned, where, and what came of it. */
import type { Finding, FindingLocation } from '../findings.js';
import type { ScanLimits } from '../limits.js';
import type { Policy, PolicyContext } from '../policy/policy.js';
import type { AdvisoryDatabase } from '../supply/database.js';
import type { Content } from './content.js';
import type { StorageRef } from './pickle.js';

/** Analyses some content; containers call it for their members (handed in, so checks do not import the dispatcher). */
export type Analyse = (state: ScanState, target: Target) => Promise<Analysis>;

export interface ScanState {
  readonly policy: Policy;
  readonly analyse: Analyse;
  readonly limits: ScanLimits;
  readonly findings: Finding[];
  /** Imported OSV advisories (vacsrp advisories import), when the scan was given a data directory. */
  readonly advisories?: AdvisoryDatabase;
  /** Archive members visited under the current artifact. */
  members: number;
}

export interface Target {
  readonly content: Content;
  /** File or member name: only for the extension check, never for routing. */
  readonly name: string;
  readonly location: FindingLocation;
  readonly depth: number;
  /** The loader context inherited from the container (a pickle inside a PyTorch zip loads with torch.load). */
  readonly context: PolicyContext;
  /** Set for archive members whose type is unknown: probe only a window for a pickle, then read it whole. */
  readonly probeWindow?: number;
}

export interface Analysis {
  /** The format as reported (e.g. `pytorch-zip`, `pickle`, `data`). */
  readonly format: string;
  /** Set when the content was recognised but not analysed (reported as skipped, never clean). */
  readonly skipped?: string;
  /** PyTorch storage IDs a pickle named (checked against the archive's data/ members). */
  readonly storages?: readonly StorageRef[];
}
