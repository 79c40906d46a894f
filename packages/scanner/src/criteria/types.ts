/** The criteria catalog's types and the closed vocabularies its fields use. */

/** Families the program publishes; a criterion ID is its family ID, a hyphen and a number. */
export const CRITERIA_FAMILIES = ['MI', 'SC', 'AR', 'PS', 'DT'] as const;
export type FamilyId = (typeof CRITERIA_FAMILIES)[number];

export const CATALOG_STATUSES = ['draft', 'published', 'withdrawn'] as const;
export type CatalogStatus = (typeof CATALOG_STATUSES)[number];

/** What kind of model a criterion applies to. */
export const MODEL_TYPES = ['predictive', 'embedding', 'llm', 'generative', 'agentic'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

export const MODALITIES = [
  'text',
  'image',
  'audio',
  'video',
  'tabular',
  'time-series',
  'multimodal',
] as const;
export type Modality = (typeof MODALITIES)[number];

/** How the model reaches its users: weights published, weights licensed to named parties, or only an API. */
export const ACCESS_MODES = ['open-weights', 'restricted-weights', 'api'] as const;
export type AccessMode = (typeof ACCESS_MODES)[number];

/** `'all'`, or the values the criterion is limited to. */
export type Scope<T extends string> = 'all' | readonly T[];

export interface Applicability {
  readonly modelTypes: Scope<ModelType>;
  readonly modalities: Scope<Modality>;
  readonly access: Scope<AccessMode>;
  /** A qualifier the structured fields cannot express (for example "models that claim differential privacy"). */
  readonly note?: string;
}

/** A named attack simulation and the condition a model must meet to pass it. */
export interface Simulation {
  readonly id: string;
  readonly title: string;
  readonly passCondition: string;
}

export interface Testing {
  /** Scanner rule IDs; generated from the rule registry by scripts/sync-criteria.ts. */
  readonly automated: readonly string[];
  readonly simulations: readonly Simulation[];
  readonly manual: readonly string[];
}

export interface Mappings {
  /** NIST AI RMF 1.0 subcategories, e.g. MS-2.7. */
  readonly 'nist-ai-rmf': readonly string[];
  /** MITRE ATLAS technique and sub-technique IDs, e.g. AML.T0010.003. */
  readonly 'mitre-atlas': readonly string[];
  /** OWASP Machine Learning Security Top 10 (2023), e.g. ML06:2023. */
  readonly 'owasp-ml-top10': readonly string[];
  /** OWASP Top 10 for LLM Applications (2025), e.g. LLM01:2025. */
  readonly 'owasp-llm-top10': readonly string[];
  readonly cwe: readonly string[];
}

export const MAPPING_KEYS = [
  'nist-ai-rmf',
  'mitre-atlas',
  'owasp-ml-top10',
  'owasp-llm-top10',
  'cwe',
] as const;
export type MappingKey = (typeof MAPPING_KEYS)[number];

export interface Criterion {
  readonly id: string;
  readonly title: string;
  readonly requirement: string;
  readonly rationale: string;
  readonly testing: Testing;
  readonly applicability: Applicability;
  readonly mappings: Mappings;
}

export interface CriteriaFamily {
  readonly id: FamilyId;
  readonly title: string;
  readonly summary: string;
  readonly criteria: readonly Criterion[];
}

export interface CriteriaCatalog {
  readonly id: string;
  readonly version: string;
  readonly title: string;
  readonly status: CatalogStatus;
  readonly publisher: string;
  /** RFC 3339 UTC timestamp of the last change to the catalog's content; exports use it, never the clock. */
  readonly lastModified: string;
  readonly families: readonly CriteriaFamily[];
}
