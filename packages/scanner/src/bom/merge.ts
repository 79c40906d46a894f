/**
 * Merges our ML-BOM into one the developer already has. Theirs is the base: its components, services
 * and dependencies are kept; ours are added, or enrich theirs when they are the same thing (same bom-ref,
 * purl or SHA-256 hash). Where both say different things, theirs is kept and a conflict is reported.
 */
import { byString, withSerialNumber } from './build.js';
import type { CycloneDxBom, Json, JsonObject } from './types.js';

export interface MergeConflict {
  /** JSON pointer into the merged BOM. */
  readonly pointer: string;
  readonly ours: Json;
  readonly theirs: Json;
  readonly message: string;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = (a: Json | undefined, b: Json | undefined) => JSON.stringify(a) === JSON.stringify(b);
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function sha256Of(c: JsonObject): string[] {
  const hashes = Array.isArray(c.hashes) ? c.hashes : [];
  return hashes
    .filter((h): h is JsonObject => isObject(h) && h.alg === 'SHA-256' && typeof h.content === 'string')
    .map((h) => (h.content as string).toLowerCase());
}

/** Adds what `ours` has and `theirs` lacks; reports scalar disagreements. Mutates `theirs`. */
function enrich(theirs: JsonObject, ours: JsonObject, pointer: string, conflicts: MergeConflict[]): void {
  for (const [key, value] of Object.entries(ours)) {
    if (key === 'bom-ref') continue;
    const t = theirs[key];
    if (t === undefined) {
      theirs[key] = value;
    } else if (key === 'hashes' && Array.isArray(t) && Array.isArray(value)) {
      for (const h of value) {
        if (!isObject(h)) continue;
        const theirsSame = t.find((x) => isObject(x) && x.alg === h.alg) as JsonObject | undefined;
        if (theirsSame === undefined) t.push(h);
        else if (String(theirsSame.content).toLowerCase() !== String(h.content).toLowerCase())
          conflicts.push({
            pointer: `${pointer}/hashes`,
            ours: h,
            theirs: theirsSame,
            message: `${h.alg} digest differs: the file changed since the existing BOM was made`,
          });
      }
    } else if (key === 'properties' && Array.isArray(t) && Array.isArray(value)) {
      for (const p of value) if (!t.some((x) => same(x, p))) t.push(p);
    } else if (key === 'modelCard' && isObject(t) && isObject(value)) {
      enrich(t, value, `${pointer}/modelCard`, conflicts);
    } else if (isObject(t) && isObject(value) && (key === 'modelParameters' || key === 'considerations')) {
      enrich(t, value, `${pointer}/${key}`, conflicts);
    } else if (!same(t, value) && (typeof value !== 'object' || value === null)) {
      conflicts.push({
        pointer: `${pointer}/${escapePointer(key)}`,
        ours: value,
        theirs: t,
        message: `${key} differs; the existing BOM's value is kept`,
      });
    }
  }
}

export function mergeBoms(
  ours: CycloneDxBom,
  theirs: CycloneDxBom,
): { bom: CycloneDxBom; conflicts: MergeConflict[] } {
  const conflicts: MergeConflict[] = [];
  const merged = structuredClone(theirs) as CycloneDxBom;
  merged.specVersion = '1.6';
  /** Our bom-ref → the bom-ref it has in the merged BOM. */
  const rename = new Map<string, string>();
  const usedRefs = new Set<string>();
  const collectRefs = (c: Json): void => {
    if (Array.isArray(c)) c.forEach(collectRefs);
    else if (isObject(c)) {
      if (typeof c['bom-ref'] === 'string') usedRefs.add(c['bom-ref']);
      for (const v of Object.values(c)) collectRefs(v);
    }
  };
  collectRefs(merged as unknown as Json);

  // metadata: their metadata, our tool added, our model enriching theirs (or standing in for it).
  const metadata: JsonObject = isObject(merged.metadata) ? merged.metadata : {};
  const ourMeta = ours.metadata ?? {};
  const ourTools = (
    isObject(ourMeta.tools) && Array.isArray(ourMeta.tools.components) ? ourMeta.tools.components : []
  ) as JsonObject[];
  if (metadata.tools === undefined) metadata.tools = { components: ourTools };
  else if (Array.isArray(metadata.tools)) {
    // The legacy (pre-1.5) array of tools: add ours in that form.
    for (const t of ourTools)
      if (!metadata.tools.some((x) => isObject(x) && x.name === t.name && x.version === t.version))
        metadata.tools.push({ name: t.name as Json, version: t.version as Json });
  } else if (isObject(metadata.tools)) {
    const list = (Array.isArray(metadata.tools.components) ? metadata.tools.components : []) as Json[];
    for (const t of ourTools)
      if (!list.some((x) => isObject(x) && x.name === t.name && x.version === t.version)) list.push(t);
    metadata.tools.components = list;
  }
  const ourModel = isObject(ourMeta.component) ? ourMeta.component : undefined;
  if (ourModel) {
    const ref = ourModel['bom-ref'] as string;
    if (!isObject(metadata.component)) {
      metadata.component = structuredClone(ourModel);
      usedRefs.add(ref);
    } else {
      const theirModel = metadata.component;
      enrich(theirModel, ourModel, '/metadata/component', conflicts);
      if (typeof theirModel['bom-ref'] !== 'string' && !usedRefs.has(ref)) {
        theirModel['bom-ref'] = ref;
        usedRefs.add(ref);
      }
      if (typeof theirModel['bom-ref'] === 'string') rename.set(ref, theirModel['bom-ref']);
    }
  }
  merged.metadata = metadata;

  // components: identity by bom-ref, then purl, then SHA-256.
  const components = (merged.components ?? []) as JsonObject[];
  const index = (key: (c: JsonObject) => string[]) => {
    const m = new Map<string, number>();
    components.forEach((c, i) => {
      for (const k of key(c)) if (!m.has(k)) m.set(k, i);
    });
    return m;
  };
  const byRef = index((c) => (typeof c['bom-ref'] === 'string' ? [c['bom-ref']] : []));
  const byPurl = index((c) => (typeof c.purl === 'string' ? [c.purl] : []));
  const byHash = index(sha256Of);
  for (const c of ours.components ?? []) {
    const ref = c['bom-ref'] as string;
    const at =
      byRef.get(ref) ??
      (typeof c.purl === 'string' ? byPurl.get(c.purl) : undefined) ??
      sha256Of(c)
        .map((h) => byHash.get(h))
        .find((i) => i !== undefined);
    if (at === undefined) {
      let newRef = ref;
      for (let n = 2; usedRefs.has(newRef); n++) newRef = `${ref}#${n}`;
      usedRefs.add(newRef);
      rename.set(ref, newRef);
      components.push({ ...structuredClone(c), 'bom-ref': newRef });
      continue;
    }
    const target = components[at]!;
    enrich(target, c, `/components/${at}`, conflicts);
    if (typeof target['bom-ref'] !== 'string' && !usedRefs.has(ref)) {
      target['bom-ref'] = ref;
      usedRefs.add(ref);
    }
    rename.set(ref, typeof target['bom-ref'] === 'string' ? target['bom-ref'] : ref);
  }
  if (components.length > 0) merged.components = components;

  // Dataset references inside our model card follow renamed data components.
  const card = isObject(metadata.component) ? metadata.component.modelCard : undefined;
  const datasets =
    isObject(card) && isObject(card.modelParameters) ? card.modelParameters.datasets : undefined;
  if (Array.isArray(datasets))
    for (const d of datasets)
      if (isObject(d) && typeof d.ref === 'string') d.ref = rename.get(d.ref) ?? d.ref;

  // dependencies: union by ref, dependsOn unioned and sorted.
  const deps = new Map<string, Set<string> | undefined>();
  const order: string[] = [];
  for (const d of merged.dependencies ?? []) {
    if (!deps.has(d.ref)) order.push(d.ref);
    const prev = deps.get(d.ref);
    deps.set(d.ref, d.dependsOn === undefined ? prev : new Set([...(prev ?? []), ...d.dependsOn]));
  }
  for (const d of ours.dependencies ?? []) {
    const ref = rename.get(d.ref) ?? d.ref;
    if (!deps.has(ref)) order.push(ref);
    const on = (d.dependsOn ?? []).map((r) => rename.get(r) ?? r).filter((r) => r !== ref);
    const prev = deps.get(ref);
    // `{ref}` alone says "no dependencies known"; it must not turn into an empty dependsOn.
    if (d.dependsOn === undefined) deps.set(ref, prev);
    else deps.set(ref, new Set([...(prev ?? []), ...on]));
  }
  merged.dependencies = order.map((ref) => {
    const on = deps.get(ref);
    return on === undefined ? { ref } : { ref, dependsOn: [...on].sort(byString) };
  });
  merged.$schema = ours.$schema ?? merged.$schema;
  return { bom: withSerialNumber(merged), conflicts };
}
