/** What the chat-template analysis reports, and its limits. */

export interface JinjaLimits {
  /** Template length analysed; chat templates are a few KiB (CWE-400: parse time and memory). */
  readonly maxTemplateChars: number;
  /** AST nodes visited (CWE-834: time bound). */
  readonly maxNodes: number;
  /** Accesses recorded per template (CWE-400: report flooding). */
  readonly maxAccesses: number;
}

export const JINJA_LIMITS: JinjaLimits = Object.freeze({
  maxTemplateChars: 1 << 20,
  maxNodes: 1_000_000,
  maxAccesses: 10_000,
});

export type TemplateAccessKind =
  /** `x.name` */
  | 'attribute'
  /** `x['name']` */
  | 'subscript'
  /** `x|attr('name')`, `|map(attribute='name')`, `|selectattr('name')` … */
  | 'attr-filter'
  /** A string literal seen by the token or text fallback, where its use is unknown. */
  | 'string';

export interface TemplateAccess {
  readonly kind: TemplateAccessKind;
  /** The attribute name when it is a constant, or folds to one. */
  readonly name?: string;
  /** The name is built by string operations at render time (concatenation, format, join, reverse …). */
  readonly built: boolean;
  /** The identifier the access chain starts from. */
  readonly root?: string;
  /** The root is not assigned by the template (a context variable or a global such as `cycler`). */
  readonly rootFree: boolean;
  /** The access applies to the root itself (`cycler.x`, not `cycler().x`). */
  readonly direct: boolean;
  /** Bounded source-like rendering, for evidence. */
  readonly path: string;
}

export interface TemplateAnalysis {
  /** How the accesses were found: the AST, the token stream, or the raw text. */
  readonly method: 'ast' | 'tokens' | 'text' | 'none';
  /** Why @huggingface/jinja refused the template, when it did. */
  readonly parseError?: string;
  /** Set when a limit stopped the analysis (the named limit). */
  readonly limit?: keyof JinjaLimits;
  readonly accesses: readonly TemplateAccess[];
  /** Names read that the template does not assign (context variables and globals), sorted. */
  readonly freeNames: readonly string[];
}
