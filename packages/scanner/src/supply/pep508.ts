/**
 * PEP 508 dependency specifiers: `name [extras] (versionspec | @ url) ; marker`. A hand-written scanner
 * (no backtracking regular expressions over the whole line), so hostile lines cost linear time.
 */

export interface Requirement {
  readonly name: string;
  readonly extras: readonly string[];
  /** Version specifier as written, whitespace removed (e.g. `>=1.0,<2`); '' when absent. */
  readonly specifier: string;
  readonly url?: string;
  readonly marker?: string;
}

export interface RequirementError {
  readonly message: string;
  /** 0-based offset within the requirement string. */
  readonly offset: number;
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?/;
const CLAUSE = /^(~=|===|==|!=|<=|>=|<|>)\s*([A-Za-z0-9_.*+!-]+)$/;

export function parseRequirement(text: string): Requirement | RequirementError {
  let i = 0;
  const skip = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  skip();
  const name = NAME.exec(text.slice(i, i + 256))?.[0];
  if (name === undefined) return { message: 'expected a project name', offset: i };
  i += name.length;
  skip();
  const extras: string[] = [];
  if (text[i] === '[') {
    const close = text.indexOf(']', i);
    if (close < 0) return { message: "unclosed '[' of extras", offset: i };
    for (const e of text.slice(i + 1, close).split(',')) {
      const x = e.trim();
      if (x === '') continue;
      if (NAME.exec(x)?.[0] !== x) return { message: `invalid extra name '${x}'`, offset: i + 1 };
      extras.push(x);
    }
    i = close + 1;
    skip();
  }
  let specifier = '';
  let url: string | undefined;
  const semi = markerStart(text, i);
  const body = text.slice(i, semi).trim();
  if (body.startsWith('@')) {
    url = body.slice(1).trim();
    if (url === '' || /\s/.test(url)) return { message: 'expected one URL after @', offset: i + 1 };
  } else if (body !== '') {
    const inner = body.startsWith('(') ? (body.endsWith(')') ? body.slice(1, -1) : undefined) : body;
    if (inner === undefined) return { message: "unclosed '(' of version specifier", offset: i };
    const clauses = inner.split(',').map((c) => c.trim());
    for (const c of clauses) {
      if (!CLAUSE.test(c)) return { message: `invalid version clause '${clip(c)}'`, offset: i };
    }
    specifier = clauses.map((c) => c.replace(/\s+/g, '')).join(',');
  }
  let marker: string | undefined;
  if (semi < text.length) {
    marker = text.slice(semi + 1).trim();
    if (marker === '') return { message: "empty environment marker after ';'", offset: semi };
  }
  return {
    name,
    extras,
    specifier,
    ...(url !== undefined && { url }),
    ...(marker !== undefined && { marker }),
  };
}

/** The `;` that starts the marker. After `@ url` PEP 508 requires whitespace before it (URLs may hold `;`). */
function markerStart(text: string, from: number): number {
  const at = text.indexOf('@', from);
  if (at >= 0 && text.slice(from, at).trim() === '') {
    const m = /\s;/.exec(text.slice(at));
    return m === null ? text.length : at + m.index + 1;
  }
  const i = text.indexOf(';', from);
  return i < 0 ? text.length : i;
}

export const isRequirementError = (r: Requirement | RequirementError): r is RequirementError =>
  'message' in r;

/** The exact version when a specifier admits only one (`==X` without wildcard, `===X`). */
export function pinnedVersion(specifier: string): string | undefined {
  const m = /^(===?)([^,*]+)$/.exec(specifier);
  return m?.[2];
}

export const clip = (s: string, n = 80): string => (s.length > n ? `${s.slice(0, n)}…` : s);
