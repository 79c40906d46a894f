/**
 * HTML with escaping by construction: `html\`…\`` escapes every interpolated value unless it is itself
 * an `Html` value made by this tag (or by `join`), so text from users, manifests or findings can only
 * ever become text. There is deliberately no way to mark an arbitrary string as safe.
 */

const BRAND: unique symbol = Symbol('vacsrp.html');

/** A fragment of markup produced by `html` (or `join` of such fragments). */
export interface Html {
  readonly [BRAND]: true;
  readonly markup: string;
}

/** What may be interpolated: text (escaped), numbers, markup from `html`, lists of these, or nothing. */
export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and (quoted) attribute values alike. */
export function escapeText(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

const make = (markup: string): Html => Object.freeze({ [BRAND]: true as const, markup });

export function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && (value as Partial<Html>)[BRAND] === true;
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value === true) return '';
  if (typeof value === 'number') return escapeText(String(value));
  if (typeof value === 'string') return escapeText(value);
  if (isHtml(value)) return value.markup;
  if (Array.isArray(value)) return (value as readonly Interpolation[]).map(render).join('');
  // Anything else (an object smuggled past the types) is shown as text, never as markup.
  return escapeText(String(value));
}

/** The tag: literal parts are trusted (they are in our source), interpolations are escaped. */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return make(out);
}

/** Joins fragments with a separator (itself escaped unless markup). */
export function join(items: readonly Interpolation[], separator: Interpolation = ''): Html {
  return make(items.map(render).join(render(separator)));
}

export const EMPTY: Html = make('');

/** The final document text. */
export const toDocument = (page: Html): string => `<!DOCTYPE html>\n${page.markup}`;
