/** Croissant (MLCommons) dataset descriptions: JSON-LD whose @context names the Croissant vocabulary. */
import { isRecord, text, texts } from './text.js';
import type { BomProblem, DatasetFact } from './types.js';

const CROISSANT_NS = 'http://mlcommons.org/croissant/';

/** Whether a parsed JSON document declares the Croissant vocabulary in its @context. */
export function isCroissant(doc: unknown): boolean {
  if (!isRecord(doc)) return false;
  const ctx = doc['@context'];
  const values = isRecord(ctx) ? Object.values(ctx) : Array.isArray(ctx) ? ctx : [ctx];
  return values.some((v) => typeof v === 'string' && v.startsWith(CROISSANT_NS));
}

/**
 * Reads one Croissant file. Returns undefined when the text is JSON but not Croissant (most JSON
 * files are neither): only a file that declares Croissant is held to its shape.
 */
export function parseCroissant(
  json: string,
  file: string,
): { dataset?: DatasetFact; problems: BomProblem[] } | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    // Only files that look like JSON-LD are worth a problem; other broken JSON is not ours to judge.
    if (!json.includes('@context')) return undefined;
    return { problems: [{ code: 'CROISSANT', file, message: `not JSON: ${(e as Error).message}` }] };
  }
  if (!isCroissant(doc)) return undefined;
  const d = doc as Record<string, unknown>;
  const name = text(d.name);
  if (name === undefined)
    return {
      problems: [{ code: 'CROISSANT', file, pointer: '/name', message: 'a Croissant dataset needs a name' }],
    };
  const problems: BomProblem[] = [];
  const type = texts(d['@type']);
  if (!type.some((t) => t === 'sc:Dataset' || t === 'Dataset' || t === 'https://schema.org/Dataset'))
    problems.push({ code: 'CROISSANT', file, pointer: '/@type', message: '@type is not sc:Dataset' });
  const license = licenseOf(d.license);
  const url = text(d.url);
  const description = text(d.description);
  const version = text(d.version);
  return {
    dataset: {
      name,
      source: file,
      ...(description === undefined ? {} : { description }),
      ...(url === undefined ? {} : { url }),
      ...(license === undefined ? {} : { license }),
      ...(version === undefined ? {} : { version }),
    },
    problems,
  };
}

/** schema.org license: a URL or name, a list of them, or a CreativeWork with a name/url. */
function licenseOf(v: unknown): string | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  if (isRecord(first)) return text(first.name) ?? text(first.url) ?? text(first['@id']);
  const t = text(first);
  if (t === undefined) return undefined;
  // https://spdx.org/licenses/MIT.html or https://creativecommons.org/licenses/by/4.0/ → keep the id when SPDX's.
  const spdx = /^https?:\/\/spdx\.org\/licenses\/([A-Za-z0-9.+-]+?)(?:\.html)?$/.exec(t);
  if (spdx) return spdx[1];
  const cc = /^https?:\/\/creativecommons\.org\/licenses\/([a-z-]+)\/(\d\.\d)\/?$/.exec(t);
  if (cc) return `CC-${cc[1]!.toUpperCase()}-${cc[2]}`;
  return t;
}
