/** Inputs of the AI bill of materials and the CycloneDX 1.6 shapes we emit (a subset, plain JSON). */
import type { Component as Dependency } from '../supply/types.js';

/** A problem met reading the repository; the BOM is still built from what could be read. */
export interface BomProblem {
  readonly code: BomProblemCode;
  /** Repository-relative file ('' for the repository itself). */
  readonly file: string;
  /** JSON pointer into the file, or a 1-based line, where the format gives one. */
  readonly pointer?: string;
  readonly line?: number;
  readonly message: string;
}

export type BomProblemCode =
  | 'FRONT_MATTER' // README.md front matter is not valid YAML or not a mapping
  | 'CROISSANT' // a Croissant JSON-LD file does not parse or has the wrong shape
  | 'MANIFEST' // vacsrp.yaml does not parse or a field has the wrong shape
  | 'CONFIG' // config.json does not parse
  | 'DEPENDENCIES' // a dependency file had problems (see the supply inventory)
  | 'MERGE_INVALID' // an existing BOM does not validate against CycloneDX 1.6
  | 'LIMIT'; // a size or count limit was hit

/** One file of the repository, with its digest when computed. */
export interface BomArtifact {
  /** Repository-relative, '/'-separated. */
  readonly path: string;
  readonly size: number;
  readonly sha256?: string;
  /** Detected format (scan report), e.g. `safetensors`. */
  readonly format: string;
}

export interface DatasetFact {
  /** As named by the source (a hub id like `org/name`, or a Croissant `name`). */
  readonly name: string;
  readonly description?: string;
  readonly url?: string;
  readonly license?: string;
  readonly version?: string;
  /** Where it was read: `README.md`, `data/x.json`, `vacsrp.yaml`. */
  readonly source: string;
}

export interface MetricFact {
  readonly type: string;
  readonly value: string;
  /** Dataset (and split) it was computed on. */
  readonly slice?: string;
}

/** What the model card, config.json and vacsrp.yaml say about the model. */
export interface ModelFacts {
  readonly name?: string;
  readonly version?: string;
  readonly description?: string;
  readonly licenses: readonly string[];
  readonly baseModels: readonly string[];
  readonly task?: string;
  readonly architectureFamily?: string;
  readonly modelArchitecture?: string;
  readonly languages: readonly string[];
  readonly tags: readonly string[];
  readonly metrics: readonly MetricFact[];
  readonly useCases: readonly string[];
  readonly technicalLimitations: readonly string[];
  readonly ethicalConsiderations: readonly string[];
}

export interface BomInputs {
  /** Fallback model name (the directory's base name). */
  readonly directoryName: string;
  readonly tool: { readonly name: string; readonly version: string };
  readonly model: ModelFacts;
  readonly datasets: readonly DatasetFact[];
  readonly artifacts: readonly BomArtifact[];
  readonly dependencies: readonly Dependency[];
  readonly problems: readonly BomProblem[];
}

/* CycloneDX 1.6 JSON (the parts we write; foreign BOMs are kept as they are). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface CycloneDxBom {
  $schema?: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber?: string;
  version: number;
  metadata?: JsonObject;
  components?: JsonObject[];
  services?: JsonObject[];
  dependencies?: { ref: string; dependsOn?: string[] }[];
  [key: string]: Json | undefined;
}
