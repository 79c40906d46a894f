/**
 * Fallback views of a template that @huggingface/jinja refuses: a repair of Python-only syntax, the
 * token stream, and, when even the lexer refuses, the raw text. Coarser than the AST, but they still
 * see every dunder and attribute name, which is what an attacker hides behind a parse error.
 */
import type { tokenize } from '@huggingface/jinja';
import type { JinjaLimits, TemplateAccess, TemplateAnalysis } from './types.js';

/** Statement and operator words the lexer reports as identifiers; the token fallback skips them. */
const KEYWORDS = new Set(
  'for in if elif else endif endfor set endset macro endmacro call endcall filter endfilter not and or is as import from include block endblock extends with endwith raw endraw generation endgeneration break continue recursive true false none True False None'.split(
    ' ',
  ),
);

export type Tokens = ReturnType<typeof tokenize>;
const VALUE_END = new Set([
  'Identifier',
  'StringLiteral',
  'NumericLiteral',
  'CloseParen',
  'CloseSquareBracket',
  'CloseCurlyBracket',
]);

/** `()` where no call can be meant becomes `[]`; undefined when there is none. */
export function emptyTuplesAsLists(tokens: Tokens): Tokens | undefined {
  let changed = false;
  const endsValue = (t: Tokens[number] | undefined): boolean =>
    t !== undefined && VALUE_END.has(t.type) && !(t.type === 'Identifier' && KEYWORDS.has(t.value));
  const out = tokens.map((t: Tokens[number], i: number): Tokens[number] => {
    if (t.type === 'OpenParen' && tokens[i + 1]?.type === 'CloseParen' && !endsValue(tokens[i - 1])) {
      changed = true;
      return { ...t, type: 'OpenSquareBracket', value: '[' };
    }
    if (t.type === 'CloseParen' && tokens[i - 1]?.type === 'OpenParen' && !endsValue(tokens[i - 2]))
      return { ...t, type: 'CloseSquareBracket', value: ']' };
    return t;
  });
  return changed ? (out as Tokens) : undefined;
}

export function tokenAnalysis(tokens: ReturnType<typeof tokenize>, limits: JinjaLimits): TemplateAnalysis {
  const accesses: TemplateAccess[] = [];
  const free = new Set<string>();
  let root: string | undefined;
  let limit: keyof JinjaLimits | undefined;
  const push = (a: TemplateAccess) => {
    if (accesses.length < limits.maxAccesses) accesses.push(a);
    else limit = 'maxAccesses';
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const prev = tokens[i - 1];
    if (t.type === 'Identifier') {
      if (prev?.type === 'Dot') {
        const direct = tokens[i - 2]?.type === 'Identifier' && tokens[i - 3]?.type !== 'Dot';
        push({
          kind: 'attribute',
          name: t.value,
          built: false,
          ...(root ? { root } : {}),
          rootFree: root !== undefined,
          direct,
          path: `${direct ? root : '…'}.${t.value}`,
        });
      } else if (prev?.type === 'Pipe') {
        if (t.value === 'attr') {
          const arg = tokens[i + 2];
          const literal = arg?.type === 'StringLiteral' && tokens[i + 3]?.type === 'CloseParen';
          push({
            kind: 'attr-filter',
            ...(literal ? { name: arg.value } : {}),
            built: !literal,
            rootFree: false,
            direct: false,
            path: `…|attr(${arg?.value ?? ''})`,
          });
        }
      } else if (!KEYWORDS.has(t.value)) {
        root = t.value;
        free.add(t.value);
      }
    } else if (t.type === 'StringLiteral') {
      const subscript = prev?.type === 'OpenSquareBracket' && tokens[i + 1]?.type === 'CloseSquareBracket';
      push({
        kind: subscript ? 'subscript' : 'string',
        name: t.value,
        built: false,
        rootFree: false,
        direct: false,
        path: JSON.stringify(t.value.slice(0, 60)),
      });
    }
  }
  return { method: 'tokens', ...(limit ? { limit } : {}), accesses, freeNames: [...free].sort() };
}

const ESCAPES = /\\x([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})|\\([0-7]{3})/g;

/** Last resort when even the lexer refuses the template: attribute-like and quoted names in the text. */
export function textAnalysis(template: string, limits: JinjaLimits): TemplateAnalysis {
  const text = template.replace(ESCAPES, (_, x: string, u: string, o: string) =>
    String.fromCharCode(Number.parseInt(x ?? u ?? o, x || u ? 16 : 8)),
  );
  const accesses: TemplateAccess[] = [];
  let limit: keyof JinjaLimits | undefined;
  const push = (a: TemplateAccess) => {
    if (accesses.length < limits.maxAccesses) accesses.push(a);
    else limit = 'maxAccesses';
  };
  for (const m of text.matchAll(/\.\s*([A-Za-z_][A-Za-z0-9_]*)/g))
    push({ kind: 'attribute', name: m[1]!, built: false, rootFree: false, direct: false, path: `….${m[1]}` });
  for (const m of text.matchAll(/(['"])([^'"\n]{1,200})\1/g))
    push({
      kind: 'string',
      name: m[2]!,
      built: false,
      rootFree: false,
      direct: false,
      path: JSON.stringify(m[2]),
    });
  for (const m of text.matchAll(/\|\s*attr\b/g))
    push({ kind: 'attr-filter', built: true, rootFree: false, direct: false, path: m[0] });
  const free = new Set([...text.matchAll(/(?<![.\w])([A-Za-z_][A-Za-z0-9_]*)\s*[.([]/g)].map((m) => m[1]!));
  return { method: 'text', ...(limit ? { limit } : {}), accesses, freeNames: [...free].sort() };
}
