/**
 * Scrubbing free text written by a developer (justifications for accepted risks) before it is
 * published. Allowlist, token by token: only plain words, short numbers and punctuation survive;
 * anything that looks like a path, file name, dotted or slashed identifier, URL, e-mail, code,
 * configuration, offset, digest or secret becomes a marker. Readability loses to safety.
 */

export const SCRUB_MARKER = '[redacted]';
/** Longest published justification, in characters; a justification is a paragraph, not a report. */
export const MAX_PUBLIC_TEXT = 600;

// A plain word: letters with no inner capitals (camelCase is code), an optional contraction
// ("don't", "developer's"), inner hyphens, or a letter with one or two digits ("Q3", "v2");
// optionally wrapped in brackets or double quotes, with trailing punctuation. Single quotes are
// not wrappers: quoted fragments are how code and pickle excerpts look.
const WORD =
  /^[("]?(?:[A-Za-z][a-z]+(?:'[a-z]{1,2})?|[A-Za-z]|[A-Z]+|[A-Za-z]\d{1,2})(?:-[A-Za-z][a-z]*)*[)"]?[.,;:!?]?[)"]?$/;
// Short numbers (counts, years, percentages); long digit runs may be offsets or identifiers.
const NUMBER = /^[(]?\d{1,4}(?:\.\d{1,2})?%?[)]?[.,;:]?$/;
const DASH = /^[-–—]$/;

function allowed(token: string): boolean {
  return WORD.test(token) || NUMBER.test(token) || DASH.test(token);
}

/** Scrub free text for publication. Pure, total, idempotent. */
export function scrubText(text: string, maxLength: number = MAX_PUBLIC_TEXT): string {
  const spansRemoved = text
    .normalize('NFKC')
    .replace(/```[\s\S]*?(```|$)/g, ` ${SCRUB_MARKER} `)
    .replace(/`[^`]*(`|$)/g, ` ${SCRUB_MARKER} `);
  const out: string[] = [];
  for (const token of spansRemoved.split(/\s+/)) {
    if (token === '') continue;
    const kept = token === SCRUB_MARKER || allowed(token) ? token : SCRUB_MARKER;
    if (kept === SCRUB_MARKER && out[out.length - 1] === SCRUB_MARKER) continue;
    out.push(kept);
  }
  return truncate(out.join(' '), maxLength);
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > 0 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** Names published by design (model, vendor): control characters removed, length bounded. */
export function publicName(text: string, max = 200): string {
  return truncate(
    text
      .normalize('NFKC')
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
    max,
  );
}
