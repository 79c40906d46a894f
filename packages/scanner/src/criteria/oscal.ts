/**
 * The criteria catalog as an OSCAL 1.1.3 catalog: families become groups, criteria become controls,
 * requirement / rationale / testing become statement / guidance / assessment-method parts, and the
 * mappings become props and links. The export is deterministic (UUID v5 from fixed namespaces, the
 * catalog's own lastModified, sorted keys) so that a published export can be digested and signed.
 */
import { createHash } from 'node:crypto';
import { referenceUrl } from '../report/links.js';
import { type CriteriaCatalog, type Criterion, MAPPING_KEYS, type Scope } from './catalog.js';

export const OSCAL_VERSION = '1.1.3';

/** Namespace of the program's own OSCAL props and part names. */
export const VACSRP_OSCAL_NS = 'https://vacsrp.dev/ns/oscal';

/** NIST's namespace for the assessment `method` prop (TEST, EXAMINE, INTERVIEW). */
const RMF_NS = 'http://csrc.nist.gov/ns/rmf';

/**
 * Fixed namespace for every UUID in the export: UUID v5 of the URL namespace and
 * `https://vacsrp.dev/ns/oscal/criteria`. Never change it: published exports would change identity.
 */
export const CRITERIA_UUID_NAMESPACE = '5c7320ed-cc62-5229-9a35-e6aa9c19a5eb';

/** RFC 9562 UUID version 5 (SHA-1, name-based). */
export function uuidV5(name: string, namespace: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(namespace)) {
    throw new TypeError(`not a UUID: ${namespace}`);
  }
  // A plain Uint8Array: @types/node 20's BinaryLike does not accept Buffer under TypeScript 5.9.
  const ns = Uint8Array.from(Buffer.from(namespace.replace(/-/g, ''), 'hex'));
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface Prop {
  readonly name: string;
  readonly value: string;
  readonly ns?: string;
}
interface Link {
  readonly href: string;
  readonly rel: string;
  readonly text: string;
}
interface Part {
  readonly id: string;
  readonly name: string;
  readonly ns?: string;
  readonly title?: string;
  readonly props?: readonly Prop[];
  readonly prose?: string;
  readonly parts?: readonly Part[];
}

const prop = (name: string, value: string): Prop => ({ name, ns: VACSRP_OSCAL_NS, value });
const method = (value: 'TEST' | 'EXAMINE'): Prop => ({ name: 'method', ns: RMF_NS, value });
const scopeValues = (scope: Scope<string>): readonly string[] => (scope === 'all' ? ['all'] : scope);
/** OSCAL IDs are tokens; the program's convention is lower case, as in NIST's catalogs. */
const token = (id: string): string => id.toLowerCase();

function control(c: Criterion): Record<string, unknown> {
  const id = token(c.id);
  const a = c.applicability;
  const props: Prop[] = [
    { name: 'label', value: c.id },
    ...scopeValues(a.modelTypes).map((v) => prop('applicability-model-type', v)),
    ...scopeValues(a.modalities).map((v) => prop('applicability-modality', v)),
    ...scopeValues(a.access).map((v) => prop('applicability-access', v)),
    ...MAPPING_KEYS.flatMap((key) => c.mappings[key].map((v) => prop(key, v))),
  ];
  const links: Link[] = [
    ...c.mappings['mitre-atlas'].map((ref) => ({ type: 'atlas' as const, id: ref })),
    ...c.mappings.cwe.map((ref) => ({ type: 'cwe' as const, id: ref })),
  ].flatMap((ref) => {
    const href = referenceUrl(ref);
    return href === undefined ? [] : [{ href, rel: 'reference', text: ref.id }];
  });

  const parts: Part[] = [
    { id: `${id}_smt`, name: 'statement', prose: c.requirement },
    { id: `${id}_gdn`, name: 'guidance', prose: c.rationale },
  ];
  if (a.note !== undefined) {
    parts.push({ id: `${id}_app`, name: 'applicability', ns: VACSRP_OSCAL_NS, prose: a.note });
  }
  const t = c.testing;
  if (t.automated.length > 0) {
    parts.push({
      id: `${id}_asm-automated`,
      name: 'assessment-method',
      title: 'Automated scanner rules',
      props: [method('TEST'), ...t.automated.map((rule) => prop('rule-id', rule))],
      prose: `vacsrp scan reports a finding under ${c.id} for any of: ${t.automated.join(', ')}.`,
    });
  }
  if (t.simulations.length > 0) {
    parts.push({
      id: `${id}_asm-simulations`,
      name: 'assessment-method',
      title: 'Attack simulations',
      props: [method('TEST')],
      parts: t.simulations.map((s) => ({
        id: `${id}_asm-simulations.${token(s.id)}`,
        name: 'item',
        title: s.title,
        props: [prop('simulation-id', s.id)],
        prose: s.passCondition,
      })),
    });
  }
  if (t.manual.length > 0) {
    parts.push({
      id: `${id}_asm-manual`,
      name: 'assessment-method',
      title: 'Manual review',
      props: [method('EXAMINE')],
      parts: t.manual.map((step, i) => ({ id: `${id}_asm-manual.${i + 1}`, name: 'item', prose: step })),
    });
  }
  return { id, class: 'criterion', title: c.title, props, ...(links.length > 0 ? { links } : {}), parts };
}

/** The catalog as an OSCAL 1.1.3 `catalog` document (the object to serialise, keys sorted). */
export function criteriaToOscalCatalog(catalog: CriteriaCatalog): object {
  const ns = CRITERIA_UUID_NAMESPACE;
  const publisher = uuidV5(`party:${catalog.publisher}`, ns);
  return sortKeys({
    catalog: {
      uuid: uuidV5(`catalog:${catalog.id}@${catalog.version}@${catalog.lastModified}`, ns),
      metadata: {
        title: catalog.title,
        'last-modified': catalog.lastModified,
        ...(catalog.status === 'published' ? { published: catalog.lastModified } : {}),
        version: catalog.version,
        'oscal-version': OSCAL_VERSION,
        props: [prop('catalog-id', catalog.id), prop('status', catalog.status)],
        roles: [{ id: 'creator', title: 'Document creator' }],
        parties: [{ uuid: publisher, type: 'organization', name: catalog.publisher }],
        'responsible-parties': [{ 'role-id': 'creator', 'party-uuids': [publisher] }],
      },
      groups: catalog.families.map((f) => ({
        id: token(f.id),
        class: 'family',
        title: f.title,
        props: [{ name: 'label', value: f.id }],
        parts: [{ id: `${token(f.id)}_ovw`, name: 'overview', prose: f.summary }],
        controls: f.criteria.map(control),
      })),
    },
  }) as object;
}

/** The OSCAL export as bytes: two-space JSON with sorted keys and a final newline. */
export function renderOscalCatalog(catalog: CriteriaCatalog): string {
  return `${JSON.stringify(criteriaToOscalCatalog(catalog), null, 2)}\n`;
}

/** Object keys in code-point order, recursively; array order is kept because it carries meaning. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}
