/**
 * draftManifest: a first vacsrp.yaml drafted from what the repository already says (model-card front
 * matter, config.json, a Croissant dataset description), the artifacts on disk with their digests, the
 * dependency files, and the developer's answers. Never follows symbolic links (the walk does not).
 */
import { lstat, open } from 'node:fs/promises';
import path from 'node:path';
import { scan } from '../scan.js';
import { dependencyFileKind } from '../supply/names.js';
import { isHidden, isModelArtifact, relativeInside } from './artifacts.js';
import {
  architectureOf,
  cardFacts,
  croissantProvenance,
  isCroissant,
  licenceFromTag,
  readFrontMatter,
} from './front-matter.js';
import type {
  BaseModel,
  Confidentiality,
  DatasetProvenance,
  Licence,
  ManifestArtifact,
  ManifestModality,
} from './types.js';
import { MANIFEST_VERSION } from './types.js';

/** Descriptive files (README, config.json, Croissant) read at most this many bytes (CWE-400). */
const MAX_DESCRIPTIVE_BYTES = 8 * 1024 * 1024;

export interface DraftAnswers {
  readonly name?: string;
  readonly version?: string;
  /** SPDX id, or a Hugging Face licence tag. */
  readonly licence?: string;
  readonly organisation?: string;
  readonly securityContact?: string;
  readonly intendedUses?: readonly string[];
  readonly confidentiality?: Confidentiality;
}

/** A manifest under construction: every field optional until the answers are complete. */
export interface ManifestDraft {
  manifestVersion: typeof MANIFEST_VERSION;
  model: {
    name?: string;
    version?: string;
    architecture?: string;
    modalities?: ManifestModality[];
    licence?: Licence;
    baseModels?: BaseModel[];
  };
  developer: { organisation?: string; securityContact?: string };
  documentation?: { modelCard?: string };
  intendedUses?: string[];
  trainingData?: DatasetProvenance[];
  artifacts: ManifestArtifact[];
  dependencyFiles?: string[];
  confidentiality?: Confidentiality;
}

export interface DraftResult {
  readonly draft: ManifestDraft;
  /** What was filled in, and from where: `model.licence (README.md front matter)`. */
  readonly filled: readonly string[];
  /** Required fields still missing, and fields worth completing (base-model revisions). */
  readonly missing: readonly string[];
}

export const REQUIRED_ANSWERS = [
  'model.name',
  'model.version',
  'model.licence',
  'developer.organisation',
  'developer.securityContact',
  'intendedUses',
  'confidentiality',
] as const;

async function readSmall(file: string): Promise<string | undefined> {
  try {
    const st = await lstat(file);
    if (!st.isFile() || st.size > MAX_DESCRIPTIVE_BYTES) return undefined;
    const handle = await open(file, 'r');
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export async function draftManifest(repoDir: string, answers: DraftAnswers = {}): Promise<DraftResult> {
  const filled: string[] = [];
  const draft: ManifestDraft = { manifestVersion: MANIFEST_VERSION, model: {}, developer: {}, artifacts: [] };
  const note = (field: string, source: string) => filled.push(`${field} (${source})`);

  const readme = await readSmall(path.join(repoDir, 'README.md'));
  const front = readme === undefined ? undefined : readFrontMatter(readme);
  if (readme !== undefined) {
    draft.documentation = { modelCard: 'README.md' };
    note('documentation.modelCard', 'README.md');
  }
  if (front !== undefined) {
    const card = cardFacts(front);
    const src = 'README.md front matter';
    if (card.name !== undefined) {
      draft.model.name = card.name;
      note('model.name', src);
    }
    if (card.licence !== undefined) {
      draft.model.licence = card.licence;
      note('model.licence', src);
    }
    if (card.modalities.length > 0) {
      draft.model.modalities = card.modalities;
      note('model.modalities', src);
    }
    if (card.baseModels.length > 0) {
      draft.model.baseModels = card.baseModels;
      note('model.baseModels', src);
    }
    if (card.datasets.length > 0) {
      draft.trainingData = card.datasets;
      note('trainingData', src);
    }
  }
  const architecture = architectureOf(parseJson(await readSmall(path.join(repoDir, 'config.json'))));
  if (architecture !== undefined) {
    draft.model.architecture = architecture;
    note('model.architecture', 'config.json');
  }

  const report = await scan([repoDir], { digest: true });
  const artifacts: ManifestArtifact[] = [];
  const dependencyFiles: string[] = [];
  const croissant: DatasetProvenance[] = [];
  for (const record of report.artifacts) {
    const rel = relativeInside(repoDir, record.path, path.relative);
    if (rel === undefined || isHidden(rel)) continue;
    if (dependencyFileKind(rel) !== undefined && record.format !== 'symlink') {
      dependencyFiles.push(rel);
      continue;
    }
    if (/croissant[\w.-]*\.json$|\.jsonld$/i.test(rel)) {
      const doc = parseJson(await readSmall(record.path));
      if (isCroissant(doc)) {
        croissant.push(croissantProvenance(doc, rel));
        note(`trainingData (${rel})`, 'Croissant');
      }
      continue;
    }
    if (isModelArtifact(record, rel) && record.sha256 !== undefined) {
      artifacts.push({ path: rel, sha256: record.sha256, size: record.size });
    }
  }
  artifacts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  draft.artifacts = artifacts;
  if (artifacts.length > 0) note('artifacts', `${artifacts.length} found, SHA-256 computed`);
  if (dependencyFiles.length > 0) {
    draft.dependencyFiles = dependencyFiles.sort();
    note('dependencyFiles', dependencyFiles.join(', '));
  }
  if (croissant.length > 0) {
    // A Croissant description is richer than a bare dataset ID: it replaces the card entry of the same name.
    const names = new Set(croissant.map((d) => d.name));
    draft.trainingData = [...(draft.trainingData ?? []).filter((d) => !names.has(d.name)), ...croissant];
  }

  applyAnswers(draft, answers, note);
  return { draft, filled, missing: missingFields(draft) };
}

/** The draft with more answers applied (answers asked for after drafting); the input is not changed. */
export function applyDraftAnswers(result: DraftResult, answers: DraftAnswers): DraftResult {
  const draft = structuredClone(result.draft);
  const filled = [...result.filled];
  applyAnswers(draft, answers, (field, source) => filled.push(`${field} (${source})`));
  return { draft, filled, missing: missingFields(draft) };
}

/** Required fields still absent, then fields worth completing (base-model revisions). */
export function missingFields(draft: ManifestDraft): string[] {
  const missing: string[] = [];
  for (const field of REQUIRED_ANSWERS) if (!hasField(draft, field)) missing.push(field);
  if (draft.artifacts.length === 0) missing.push('artifacts');
  for (const [i, b] of (draft.model.baseModels ?? []).entries())
    if (b.revision === undefined)
      missing.push(`model.baseModels[${i}].revision (${b.repository}: pin a commit hash)`);
  return missing;
}

function applyAnswers(
  draft: ManifestDraft,
  a: DraftAnswers,
  note: (field: string, source: string) => void,
): void {
  const src = 'answer';
  if (a.name !== undefined) {
    draft.model.name = a.name;
    note('model.name', src);
  }
  if (a.version !== undefined) {
    draft.model.version = a.version;
    note('model.version', src);
  }
  if (a.licence !== undefined) {
    draft.model.licence = licenceFromTag(a.licence);
    if (draft.model.licence.id === 'other') draft.model.licence = { id: a.licence };
    note('model.licence', src);
  }
  if (a.organisation !== undefined) {
    draft.developer.organisation = a.organisation;
    note('developer.organisation', src);
  }
  if (a.securityContact !== undefined) {
    draft.developer.securityContact = a.securityContact;
    note('developer.securityContact', src);
  }
  if (a.intendedUses !== undefined && a.intendedUses.length > 0) {
    draft.intendedUses = [...a.intendedUses];
    note('intendedUses', src);
  }
  if (a.confidentiality !== undefined) {
    draft.confidentiality = a.confidentiality;
    note('confidentiality', src);
  }
}

function hasField(draft: ManifestDraft, field: (typeof REQUIRED_ANSWERS)[number]): boolean {
  switch (field) {
    case 'model.name':
      return draft.model.name !== undefined;
    case 'model.version':
      return draft.model.version !== undefined;
    case 'model.licence':
      return draft.model.licence !== undefined;
    case 'developer.organisation':
      return draft.developer.organisation !== undefined;
    case 'developer.securityContact':
      return draft.developer.securityContact !== undefined;
    case 'intendedUses':
      return (draft.intendedUses?.length ?? 0) > 0;
    case 'confidentiality':
      return draft.confidentiality !== undefined;
  }
}
