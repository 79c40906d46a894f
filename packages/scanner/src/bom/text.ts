/** Small readers of loosely typed values (front matter, JSON-LD, manifest) shared by the BOM sources. */

/** Characters kept of one free-text value (CWE-400: a model card is not a novel). */
export const MAX_TEXT_CHARS = 4096;
/** Entries kept of one list (tags, datasets, metrics) (CWE-400). */
export const MAX_LIST_ENTRIES = 256;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty trimmed string, or undefined; numbers are written as the YAML author meant them. */
export function text(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (t === '') return undefined;
  return t.length > MAX_TEXT_CHARS ? `${t.slice(0, MAX_TEXT_CHARS)}…` : t;
}

/** A string or a list of strings, as a list (bounded, deduplicated, in input order). */
export function texts(v: unknown): string[] {
  const items = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const item of items.slice(0, MAX_LIST_ENTRIES)) {
    const t = text(item);
    if (t !== undefined && !out.includes(t)) out.push(t);
  }
  return out;
}
