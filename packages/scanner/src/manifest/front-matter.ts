/** Reading what a repository already says about the model: model-card front matter, config.json, Croissant. */
import { yamlLib } from '../yaml.js';
import type { BaseModel, CollectionMethod, DatasetProvenance, Licence, ManifestModality } from './types.js';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
const strs = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v])
    .map(str)
    .filter((s): s is string => s !== undefined)
    .slice(0, 100);

/** The YAML between the opening and closing `---` lines of a Hugging Face model card, as data. */
export function readFrontMatter(markdown: string): Record<string, unknown> | undefined {
  const m = /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---\s*(?:\r?\n|$)/.exec(markdown);
  if (m === null) return undefined;
  const doc = yamlLib().parseDocument(m[1]!, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) return undefined;
  try {
    const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
    return isRecord(data) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Hugging Face licence tags whose SPDX spelling differs only in case. */
const SPDX: Readonly<Record<string, string>> = {
  'apache-2.0': 'Apache-2.0',
  mit: 'MIT',
  'bsd-2-clause': 'BSD-2-Clause',
  'bsd-3-clause': 'BSD-3-Clause',
  'gpl-2.0': 'GPL-2.0-only',
  'gpl-3.0': 'GPL-3.0-only',
  'lgpl-3.0': 'LGPL-3.0-only',
  'agpl-3.0': 'AGPL-3.0-only',
  'mpl-2.0': 'MPL-2.0',
  'cc0-1.0': 'CC0-1.0',
  'cc-by-4.0': 'CC-BY-4.0',
  'cc-by-sa-4.0': 'CC-BY-SA-4.0',
  'cc-by-nc-4.0': 'CC-BY-NC-4.0',
  'cc-by-nc-sa-4.0': 'CC-BY-NC-SA-4.0',
  'cc-by-nd-4.0': 'CC-BY-ND-4.0',
  'cc-by-nc-nd-4.0': 'CC-BY-NC-ND-4.0',
  unlicense: 'Unlicense',
  'bsl-1.0': 'BSL-1.0',
};

/** A licence as the manifest records it, from a Hugging Face `license` tag (and license_name/link). */
export function licenceFromTag(tag: string, name?: string, link?: string): Licence {
  const spdx = SPDX[tag.toLowerCase()];
  if (spdx !== undefined) return { id: spdx };
  const text = [name ?? tag, link].filter((s) => s !== undefined).join(' ');
  return { id: 'other', text };
}

function modalitiesOf(pipeline: string | undefined, tags: readonly string[]): ManifestModality[] {
  const out = new Set<ManifestModality>();
  for (const t of [pipeline ?? '', ...tags]) {
    if (
      /^text|text-generation|translation|summari|fill-mask|question-answering|token-classification|conversational|sentence-similarity|feature-extraction|-to-text$/.test(
        t,
      )
    )
      out.add('text');
    if (/image|object-detection|depth-estimation|^video-|visual|vision/.test(t)) out.add('image');
    if (/video/.test(t)) out.add('video');
    if (/audio|speech|text-to-speech/.test(t)) out.add('audio');
    if (/^tabular/.test(t)) out.add('tabular');
    if (/time-series/.test(t)) out.add('time-series');
  }
  return [...out].sort();
}

export interface CardFacts {
  readonly name?: string;
  readonly licence?: Licence;
  readonly baseModels: BaseModel[];
  readonly datasets: DatasetProvenance[];
  readonly modalities: ManifestModality[];
}

export function cardFacts(front: Record<string, unknown>): CardFacts {
  const licenseTag = str(front.license);
  const index = Array.isArray(front['model-index']) ? front['model-index'][0] : undefined;
  const name = str(front.model_name) ?? (isRecord(index) ? str(index.name) : undefined);
  const facts: CardFacts = {
    ...(name === undefined ? {} : { name }),
    ...(licenseTag === undefined
      ? {}
      : { licence: licenceFromTag(licenseTag, str(front.license_name), str(front.license_link)) }),
    baseModels: strs(front.base_model).map((repository) => ({ hub: 'huggingface', repository })),
    datasets: strs(front.datasets).map((id) => ({
      name: id,
      source: `https://huggingface.co/datasets/${id}`,
    })),
    modalities: modalitiesOf(str(front.pipeline_tag), strs(front.tags)),
  };
  return facts;
}

/** The architecture a transformers config.json names. */
export function architectureOf(config: unknown): string | undefined {
  if (!isRecord(config)) return undefined;
  return strs(config.architectures)[0] ?? str(config.model_type);
}

const COLLECTION: readonly [RegExp, CollectionMethod][] = [
  [/crawl|scrap/i, 'crawled'],
  [/licen[cs]ed|purchas/i, 'licensed'],
  [/synthetic|generated/i, 'generated'],
  [/crowd|user|annotat|contribut|survey/i, 'user-contributed'],
];

/** True when a JSON-LD document declares itself a Croissant dataset description. */
export function isCroissant(doc: unknown): doc is Record<string, unknown> {
  if (!isRecord(doc)) return false;
  const ctx = doc['@context'];
  const conforms = strs(doc.conformsTo).concat(strs(doc['dct:conformsTo']));
  return (
    conforms.some((c) => c.includes('mlcommons.org/croissant')) ||
    (isRecord(ctx) && str(ctx.cr)?.includes('mlcommons.org/croissant') === true)
  );
}

/** Training-data provenance from a Croissant (+ RAI) dataset description. */
export function croissantProvenance(doc: Record<string, unknown>, file: string): DatasetProvenance {
  const text = (key: string) => strs(doc[key]).join(' ') || undefined;
  const licence = strs(doc.license)[0];
  const method = text('rai:dataCollectionType') ?? text('rai:dataCollection');
  const collectionMethod = method === undefined ? undefined : COLLECTION.find(([re]) => re.test(method))?.[1];
  const dates = strs(doc['rai:dataCollectionTimeframe'] ?? doc['rai:dataCollectionTimeFrame'])
    .map((d) => /^\d{4}(?:-\d{2}(?:-\d{2})?)?/.exec(d)?.[0])
    .filter((d): d is string => d !== undefined)
    .sort();
  const personal = text('rai:personalSensitiveInformation');
  const preprocessing = text('rai:dataPreprocessingProtocol') ?? text('rai:dataManipulationProtocol');
  const files = (Array.isArray(doc.distribution) ? doc.distribution : []).filter(isRecord).flatMap((d) => {
    const sha256 = str(d.sha256)?.toLowerCase();
    if (sha256 === undefined || !/^[0-9a-f]{64}$/.test(sha256)) return [];
    const path = str(d.contentUrl) ?? str(d.name);
    return [{ ...(path === undefined ? {} : { path }), sha256 }];
  });
  const version = str(doc.version);
  return {
    name: str(doc.name) ?? file,
    source: str(doc.url) ?? str(doc.sameAs) ?? `Croissant description ${file}`,
    ...(licence === undefined ? {} : { licence }),
    ...(collectionMethod === undefined ? {} : { collectionMethod }),
    ...(dates.length === 0 ? {} : { collectionPeriod: { start: dates[0]!, end: dates[dates.length - 1]! } }),
    ...(personal === undefined
      ? {}
      : { personalData: { contains: !/^\s*(?:no|none|n\/a)\b/i.test(personal), handling: personal } }),
    ...(preprocessing === undefined ? {} : { preprocessing }),
    ...(version === undefined ? {} : { snapshot: `version ${version}` }),
    ...(files.length === 0 ? {} : { files }),
  };
}
