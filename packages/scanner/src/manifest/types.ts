/** The submission manifest (vacsrp.yaml) as typed data; vacsrp-manifest-v1.schema.json is the contract. */

export const MANIFEST_FILE = 'vacsrp.yaml';
export const MANIFEST_SCHEMA_ID = 'https://vacsrp.dev/schemas/vacsrp-manifest/1.0.0';
export const MANIFEST_VERSION = 1;

export const MANIFEST_MODALITIES = [
  'text',
  'image',
  'audio',
  'video',
  'tabular',
  'time-series',
  'code',
  'other',
] as const;
export type ManifestModality = (typeof MANIFEST_MODALITIES)[number];
export const CONFIDENTIALITY = ['upload', 'digests-only'] as const;
export type Confidentiality = (typeof CONFIDENTIALITY)[number];
export const COLLECTION_METHODS = [
  'licensed',
  'crawled',
  'generated',
  'user-contributed',
  'public-dataset',
  'internal',
  'other',
] as const;
export type CollectionMethod = (typeof COLLECTION_METHODS)[number];

export interface Licence {
  /** SPDX identifier or expression, or `other` (then `text` is required). */
  readonly id: string;
  readonly text?: string;
}

export interface BaseModel {
  readonly hub?: string;
  readonly repository: string;
  readonly revision?: string;
}

export interface ModelInfo {
  readonly name: string;
  readonly version: string;
  readonly architecture?: string;
  readonly modalities?: readonly ManifestModality[];
  readonly licence: Licence;
  readonly baseModels?: readonly BaseModel[];
}

export interface Developer {
  readonly organisation: string;
  /** E-mail address or https URL. */
  readonly securityContact: string;
}

export interface DatasetProvenance {
  readonly name: string;
  readonly source: string;
  readonly licence?: string;
  readonly collectionMethod?: CollectionMethod;
  readonly collectionPeriod?: { readonly start?: string; readonly end?: string };
  readonly personalData?: {
    readonly contains: boolean;
    readonly handling?: string;
    readonly consentBasis?: string;
  };
  readonly preprocessing?: string;
  readonly snapshot?: string;
  readonly files?: readonly { readonly path?: string; readonly sha256: string }[];
}

export interface ManifestArtifact {
  /** Relative to the manifest, `/`-separated. */
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

/** Reserved for attack simulations (a later issue): only `kind` is checked. */
export interface EvaluationTarget {
  readonly kind: string;
  readonly [property: string]: unknown;
}

export interface Manifest {
  readonly manifestVersion: 1;
  readonly model: ModelInfo;
  readonly developer: Developer;
  readonly documentation?: { readonly modelCard?: string };
  readonly intendedUses: readonly string[];
  readonly outOfScopeUses?: readonly string[];
  readonly deploymentContext?: string;
  readonly trainingData?: readonly DatasetProvenance[];
  readonly artifacts: readonly ManifestArtifact[];
  readonly dependencyFiles?: readonly string[];
  readonly evaluationTargets?: readonly EvaluationTarget[];
  readonly confidentiality: Confidentiality;
}

/** Closed set of problem codes; tests assert these, never the message. */
export type ManifestProblemCode =
  | 'TOO_LARGE'
  | 'YAML_SYNTAX'
  | 'DUPLICATE_KEY'
  | 'UNKNOWN_PROPERTY'
  | 'MISSING_PROPERTY'
  | 'WRONG_TYPE'
  | 'INVALID_VALUE';

export interface ManifestProblem {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** JSON pointer to the value concerned ('' for the whole document). */
  readonly path: string;
  readonly code: ManifestProblemCode;
  readonly message: string;
  /** What to write instead. */
  readonly hint: string;
}

export interface ManifestParseResult {
  /** Present only when there is no problem. */
  readonly manifest?: Manifest;
  readonly problems: readonly ManifestProblem[];
}

/** True for an immutable revision: a full 40-hex (or 64-hex) commit hash, or sha256:<64 hex>. */
export function isPinnedRevision(revision: string | undefined): boolean {
  if (revision === undefined) return false;
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64}|sha256:[0-9a-f]{64})$/.test(revision);
}
