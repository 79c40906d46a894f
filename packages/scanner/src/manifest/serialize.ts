/**
 * serializeManifest: a manifest (or a draft) as stable, commented YAML. Keys follow the schema's
 * property order at every level (unknown keys after them, sorted), so the same manifest always
 * serialises to the same bytes.
 */
import { yamlLib } from '../yaml.js';
import type { ManifestDraft } from './draft.js';
import type { Manifest } from './types.js';
import schema from './vacsrp-manifest-v1.schema.json' with { type: 'json' };

/** One comment above each top-level key: what it is for, in the manifest's own words. */
const COMMENTS: Readonly<Record<string, string>> = {
  manifestVersion: ' vacsrp submission manifest (docs/manifest.md). Check it with: vacsrp validate',
  model:
    ' The model under review. baseModels: pin every upstream model to a full commit hash (criterion SC-3).',
  developer: ' Who answers for the model, and where to report a vulnerability (DT-5).',
  documentation: ' The model card, relative to this file (DT-1).',
  intendedUses: ' What the model is for (DT-2).',
  outOfScopeUses: ' Uses the model is not evaluated for or must not be put to (DT-2).',
  deploymentContext: ' Where and how the model will be deployed.',
  trainingData: ' Provenance of every dataset used to train, fine-tune or evaluate the model (SC-6).',
  artifacts:
    ' Every submitted file with its SHA-256 and size; the scan checks them against the bytes (SC-4).',
  dependencyFiles: ' Dependency files the scan vets (SC-1, SC-2).',
  evaluationTargets: ' Reserved for attack simulations (a later version); each target names its kind.',
  confidentiality:
    ' upload: the artifacts are uploaded for review; digests-only: only their digests leave your machine.',
};

type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode; $ref?: string };

function resolve(node: SchemaNode | undefined): SchemaNode | undefined {
  if (node?.$ref === undefined) return node;
  const name = node.$ref.replace('#/$defs/', '');
  return (schema.$defs as Record<string, SchemaNode>)[name];
}

/** A copy of `value` whose object keys follow the schema's order; undefined values are dropped. */
function ordered(value: unknown, node: SchemaNode | undefined): unknown {
  const s = resolve(node);
  if (Array.isArray(value)) return value.map((v) => ordered(v, s?.items));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const known = Object.keys(s?.properties ?? {});
  const keys = [
    ...known.filter((k) => k in record),
    ...Object.keys(record)
      .filter((k) => !known.includes(k))
      .sort(),
  ];
  const out: Record<string, unknown> = {};
  for (const k of keys) if (record[k] !== undefined) out[k] = ordered(record[k], s?.properties?.[k]);
  return out;
}

export function serializeManifest(manifest: Manifest | ManifestDraft): string {
  const doc = new (yamlLib().Document)(ordered(manifest, schema as SchemaNode));
  if (yamlLib().isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      if (!yamlLib().isPair(pair) || !yamlLib().isScalar(pair.key)) continue;
      const comment = COMMENTS[String(pair.key.value)];
      if (comment !== undefined) pair.key.commentBefore = comment;
      if (pair !== doc.contents.items[0]) pair.key.spaceBefore = true;
    }
  }
  return doc.toString({ lineWidth: 0, indentSeq: true });
}
