/**
 * Builds a CycloneDX 1.6 ML-BOM from plain inputs. Pure and deterministic: the same inputs give the same
 * bytes (no clock, no random UUID; every collection sorted; bom-refs derived from names and paths).
 */
import { createHash } from 'node:crypto';
import { uuidV5 } from '../criteria/oscal.js';
import type { Component as Dependency } from '../supply/types.js';
import { renderBom } from './render.js';
import type { BomArtifact, BomInputs, CycloneDxBom, DatasetFact, Json, JsonObject } from './types.js';
import { canonicalSpdxId } from './validate.js';

/** The RFC 9562 URL namespace, for the serial number's UUID v5. */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

export const CDX_SCHEMA_URL = 'http://cyclonedx.org/schema/bom-1.6.schema.json';

/** Inputs and outputs a Hugging Face pipeline tag implies (CycloneDX `inputs`/`outputs` formats). */
const PIPELINE_IO: Readonly<Record<string, readonly [string, string]>> = {
  'text-generation': ['text', 'text'],
  'text2text-generation': ['text', 'text'],
  'text-classification': ['text', 'label'],
  'token-classification': ['text', 'labels'],
  'question-answering': ['text', 'text'],
  summarization: ['text', 'text'],
  translation: ['text', 'text'],
  'fill-mask': ['text', 'text'],
  'feature-extraction': ['text', 'embedding'],
  'sentence-similarity': ['text', 'score'],
  'zero-shot-classification': ['text', 'label'],
  'image-classification': ['image', 'label'],
  'object-detection': ['image', 'bounding boxes'],
  'image-segmentation': ['image', 'mask'],
  'text-to-image': ['text', 'image'],
  'image-to-text': ['image', 'text'],
  'image-text-to-text': ['image, text', 'text'],
  'automatic-speech-recognition': ['audio', 'text'],
  'text-to-speech': ['text', 'audio'],
  'audio-classification': ['audio', 'label'],
  'tabular-classification': ['table', 'label'],
  'tabular-regression': ['table', 'number'],
};

export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A bom-ref-safe slug of a name: stable, readable, no spaces. */
function slug(s: string): string {
  return s.trim().replace(/\s+/g, '-');
}

export function modelRef(name: string): string {
  return `model/${slug(name)}`;
}
export function datasetRef(name: string): string {
  return `data/${slug(name)}`;
}
export function fileRef(path: string): string {
  return `file/${path}`;
}

/** CycloneDX licence choice: an SPDX id when CycloneDX knows it (case-insensitively), a name otherwise. */
export function licenseChoice(license: string): JsonObject {
  const id = canonicalSpdxId(license);
  return id === undefined ? { license: { name: license } } : { license: { id } };
}

function licenses(list: readonly string[]): JsonObject[] | undefined {
  const seen = new Set<string>();
  const out: JsonObject[] = [];
  for (const l of list) {
    const c = licenseChoice(l);
    const key = JSON.stringify(c);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(c);
    }
  }
  out.sort((a, b) => byString(JSON.stringify(a), JSON.stringify(b)));
  return out.length > 0 ? out : undefined;
}

/** Package URL of a dependency (purl-spec: pypi names normalised, npm scopes percent-encoded). */
export function dependencyPurl(d: Pick<Dependency, 'ecosystem' | 'name' | 'version' | 'pinned'>): string {
  const type = d.ecosystem === 'PyPI' ? 'pypi' : d.ecosystem === 'npm' ? 'npm' : 'conda';
  let name = d.name;
  if (type === 'pypi') name = d.name.toLowerCase().replace(/[-_.]+/g, '-');
  const encoded =
    type === 'npm' && name.startsWith('@')
      ? `%40${encodeURIComponent(name.slice(1, name.indexOf('/')))}/${encodeURIComponent(name.slice(name.indexOf('/') + 1))}`
      : encodeURIComponent(name);
  return d.pinned && d.version !== ''
    ? `pkg:${type}/${encoded}@${encodeURIComponent(d.version)}`
    : `pkg:${type}/${encoded}`;
}

/** `org/name` on the Hugging Face Hub → its purl (pkg:huggingface, no revision known). */
function huggingFacePurl(id: string): string | undefined {
  const m = /^([A-Za-z0-9][\w.-]*)\/([\w.-]+)$/.exec(id);
  return m ? `pkg:huggingface/${encodeURIComponent(m[1]!)}/${encodeURIComponent(m[2]!)}` : undefined;
}

function compact(o: Record<string, Json | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

function properties(pairs: readonly (readonly [string, string])[]): JsonObject[] | undefined {
  const uniq = new Map<string, readonly [string, string]>();
  for (const p of pairs) uniq.set(`${p[0]}\0${p[1]}`, p);
  const out = [...uniq.keys()].sort(byString).map((k) => {
    const [name, value] = uniq.get(k)!;
    return { name, value };
  });
  return out.length > 0 ? out : undefined;
}

/** The data components: one per dataset name, facts from every source merged (first source wins). */
function mergeDatasets(datasets: readonly DatasetFact[]): DatasetFact[] {
  const byName = new Map<string, DatasetFact>();
  const ordered = [...datasets].sort((a, b) => byString(a.source, b.source) || byString(a.name, b.name));
  for (const d of ordered) {
    const prev = byName.get(d.name);
    byName.set(d.name, prev ? { ...d, ...prev } : d);
  }
  return [...byName.values()].sort((a, b) => byString(a.name, b.name));
}

function dataComponent(d: DatasetFact, sources: readonly string[]): JsonObject {
  return compact({
    'bom-ref': datasetRef(d.name),
    type: 'data',
    name: d.name,
    version: d.version,
    description: d.description,
    licenses: d.license === undefined ? undefined : licenses([d.license]),
    externalReferences: d.url === undefined ? undefined : [{ type: 'distribution', url: d.url }],
    data: [
      compact({ type: 'dataset', name: d.name, contents: d.url === undefined ? undefined : { url: d.url } }),
    ],
    properties: properties(sources.map((s) => ['vacsrp:source', s] as const)),
  });
}

function fileComponent(a: BomArtifact): JsonObject {
  return compact({
    'bom-ref': fileRef(a.path),
    type: 'file',
    name: a.path,
    hashes: a.sha256 === undefined ? undefined : [{ alg: 'SHA-256', content: a.sha256 }],
    properties: properties([
      ['vacsrp:format', a.format],
      ['vacsrp:size', String(a.size)],
    ]),
  });
}

/** Library components: one per purl; unpinned specifiers and the files listing them become properties. */
function libraryComponents(deps: readonly Dependency[]): JsonObject[] {
  const byPurl = new Map<
    string,
    { d: Dependency; files: Set<string>; specs: Set<string>; hashed: boolean }
  >();
  for (const d of deps) {
    const purl = dependencyPurl(d);
    const entry = byPurl.get(purl) ?? {
      d,
      files: new Set<string>(),
      specs: new Set<string>(),
      hashed: false,
    };
    entry.files.add(d.file);
    if (!d.pinned && d.version !== '') entry.specs.add(d.version);
    entry.hashed ||= d.hashed;
    byPurl.set(purl, entry);
  }
  return [...byPurl.entries()]
    .sort((a, b) => byString(a[0], b[0]))
    .map(([purl, { d, files, specs, hashed }]) =>
      compact({
        'bom-ref': purl,
        type: 'library',
        name: d.name,
        version: d.pinned ? d.version : undefined,
        purl,
        properties: properties([
          ['vacsrp:ecosystem', d.ecosystem],
          ['vacsrp:pinned', String(d.pinned)],
          ['vacsrp:hashed', String(hashed)],
          ...[...files].map((f) => ['vacsrp:declared-in', f] as const),
          ...[...specs].map((s) => ['vacsrp:specifier', s] as const),
          ...(d.direct === undefined ? [] : [['vacsrp:direct-url', d.direct] as const]),
        ]),
      }),
    );
}

function baseModelComponent(id: string): JsonObject {
  const slash = id.lastIndexOf('/');
  return compact({
    'bom-ref': modelRef(id),
    type: 'machine-learning-model',
    group: slash > 0 ? id.slice(0, slash) : undefined,
    name: slash > 0 ? id.slice(slash + 1) : id,
    purl: huggingFacePurl(id),
  });
}

/** The model: name from vacsrp.yaml, the model card, else the directory. */
function modelComponent(inputs: BomInputs, datasetRefs: readonly string[]): JsonObject {
  const m = inputs.model;
  const name = m.name ?? inputs.directoryName;
  const io = m.task === undefined ? undefined : PIPELINE_IO[m.task];
  const modelParameters = compact({
    task: m.task,
    architectureFamily: m.architectureFamily,
    modelArchitecture: m.modelArchitecture,
    datasets: datasetRefs.map((ref) => ({ ref })),
    inputs: io ? [{ format: io[0] }] : undefined,
    outputs: io ? [{ format: io[1] }] : undefined,
  });
  const metrics = [...m.metrics]
    .map((x) => compact({ type: x.type, value: x.value, slice: x.slice }))
    .sort((a, b) => byString(JSON.stringify(a), JSON.stringify(b)));
  const considerations = compact({
    useCases: [...m.useCases],
    technicalLimitations: [...m.technicalLimitations],
    ethicalConsiderations: m.ethicalConsiderations.map((name) => ({ name })),
  });
  return compact({
    'bom-ref': modelRef(name),
    type: 'machine-learning-model',
    name,
    version: m.version,
    description: m.description,
    licenses: licenses(m.licenses),
    pedigree:
      m.baseModels.length === 0
        ? undefined
        : {
            ancestors: [...m.baseModels].sort(byString).map((id) => {
              const c = baseModelComponent(id);
              delete c['bom-ref']; // the component itself is listed once, in components
              return c;
            }),
          },
    modelCard: compact({
      modelParameters,
      quantitativeAnalysis: metrics.length > 0 ? { performanceMetrics: metrics } : undefined,
      considerations,
      properties: properties([
        ...m.languages.map((l) => ['huggingface:language', l] as const),
        ...m.tags.map((t) => ['huggingface:tag', t] as const),
      ]),
    }),
  });
}

/** Everything in the BOM except the serial number, in a fixed key order. */
export function buildMlBom(inputs: BomInputs): CycloneDxBom {
  const datasets = mergeDatasets(inputs.datasets);
  const sourcesOf = (name: string) => inputs.datasets.filter((d) => d.name === name).map((d) => d.source);
  const dataComponents = datasets.map((d) => dataComponent(d, sourcesOf(d.name)));
  const model = modelComponent(
    inputs,
    datasets.map((d) => datasetRef(d.name)),
  );
  const modelBomRef = model['bom-ref'] as string;
  const baseModels = [...new Set(inputs.model.baseModels)]
    .map(baseModelComponent)
    .filter((c) => c['bom-ref'] !== modelBomRef);
  const files = [...inputs.artifacts].sort((a, b) => byString(a.path, b.path)).map(fileComponent);
  const libraries = libraryComponents(inputs.dependencies);
  const components = [...baseModels, ...dataComponents, ...libraries, ...files].sort((a, b) =>
    byString(a['bom-ref'] as string, b['bom-ref'] as string),
  );
  const refs = components.map((c) => c['bom-ref'] as string);
  const bom: CycloneDxBom = {
    $schema: CDX_SCHEMA_URL,
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    metadata: {
      // No timestamp: the BOM describes the tree, not the moment it was built (byte-stable output).
      tools: { components: [{ type: 'application', name: inputs.tool.name, version: inputs.tool.version }] },
      component: model,
    },
    components,
    dependencies: [{ ref: modelBomRef, dependsOn: refs }, ...refs.map((ref) => ({ ref }))].sort((a, b) =>
      byString(a.ref, b.ref),
    ),
  };
  return withSerialNumber(bom);
}

/**
 * serialNumber = urn:uuid: UUID v5 (URL namespace) of `urn:sha256:<digest of the BOM rendered without it>`:
 * the same content always gets the same serial number, and different content a different one.
 */
export function withSerialNumber(bom: CycloneDxBom): CycloneDxBom {
  const { serialNumber: _old, ...rest } = bom;
  const digest = createHash('sha256')
    .update(renderBom(rest as CycloneDxBom))
    .digest('hex');
  const { $schema, bomFormat, specVersion, ...body } = rest;
  return {
    ...($schema === undefined ? {} : { $schema }),
    bomFormat,
    specVersion,
    serialNumber: `urn:uuid:${uuidV5(`urn:sha256:${digest}`, URL_NAMESPACE)}`,
    ...body,
  } as CycloneDxBom;
}
