/**
 * Finds credentials in text: a pure function over a string. A hit carries the value for the caller to
 * fingerprint (redact.ts); it must never be copied into a finding.
 */
import { FOLLOW_WINDOW, SECRET_PATTERNS, type SecretClass, type SecretKind } from './patterns.js';

export interface SecretHit {
  readonly kind: SecretKind;
  readonly label: string;
  readonly class: SecretClass;
  /** The secret itself: for fingerprinting only, never for output. */
  readonly value: string;
  /** UTF-16 offset of the value in the text. */
  readonly index: number;
  /** 1-based line and column of the value. */
  readonly line: number;
  readonly column: number;
  /** For generic assignments: the name assigned to (`password`), safe to show. */
  readonly name?: string;
}

export const SECRET_LIMITS = {
  /** Hits reported per text (CWE-400): a dump of keys is reported by its first ones. */
  maxHits: 50,
  /** Longest line looked at for generic assignments (minified JSON is scanned by the token patterns only). */
  maxAssignmentLineChars: 4096,
} as const;

/** Placeholders in documentation and templates: `YOUR_API_KEY`, `xxxx`, `<token>`, `sk-...`. */
const PLACEHOLDER =
  /x{4,}|\*{3,}|\.{3}|…|<[^>]*>|\$\{|\{\{|%\(|your|example|sample|placeholder|changeme|change_me|dummy|redacted|insert|replace|fake|mock|todo|test|secret_?here|token_?here|key_?here|abcdef|123456|qwerty/i;

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** True for values that are examples rather than credentials. */
export function isPlaceholder(body: string): boolean {
  if (PLACEHOLDER.test(body)) return true;
  if (/^(.)\1+$/.test(body)) return true;
  // Random tokens of this length are never this repetitive.
  return body.length >= 16 && entropy(body) < 3;
}

/**
 * Names that hold credentials when assigned a literal. Tokenizer settings (`pad_token`, `eos_token`,
 * `max_tokens`) end in "token" too and are excluded by name.
 */
const SECRET_NAME =
  /^(?:[A-Za-z0-9]*[_.-])*(?:password|passwd|passphrase|secret|secret[_-]?key|client[_-]?secret|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?token|access[_-]?token|api[_-]?token|refresh[_-]?token|bearer[_-]?token|token)$/i;
const TOKENIZER_NAME =
  /(?:^|[_.-])(?:pad|eos|bos|unk|sep|cls|mask|special|additional_special|added|start|end|stop|image|audio|video|vision|boi|eoi|eot|fim|prefix|suffix|middle|sot|eom|think|tool|num|max|min|n)[_-]?tokens?$/i;

/**
 * `name = "value"`, `name: value`, `"name": "value"`, `export NAME=value`. The value must be a literal:
 * quoted, or a bare run ending the line (so `token = os.environ["T"]` is not one).
 */
const ASSIGNMENT =
  /(?<![A-Za-z0-9_])["']?(?<name>[A-Za-z][A-Za-z0-9_.-]{1,63})["']?\s*(?::=|=|:)\s*(?:(?<q>["'])(?<qv>[^"'\s\\]{8,256})\k<q>|(?<bv>[A-Za-z0-9+/=_\-!@#$%^&*~]{8,256})[ \t]*(?:[#;].*)?$)/gm;

function generic(name: string, value: string): boolean {
  if (!SECRET_NAME.test(name) || TOKENIZER_NAME.test(name)) return false;
  if (isPlaceholder(value)) return false;
  const classes = Number(/[a-z]/.test(value)) + Number(/[A-Z]/.test(value)) + Number(/[0-9]/.test(value));
  const password = /pass/i.test(name);
  // A password needs a digit or a symbol: `challengePassword` is a name, not a password.
  if (password) return value.length >= 10 && classes >= 2 && /[^A-Za-z]/.test(value) && entropy(value) >= 3;
  return value.length >= 16 && classes >= 2 && /[0-9]/.test(value) && entropy(value) >= 3.5;
}

/** Line starts, for offset → line/column. */
function lineIndex(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function position(starts: readonly number[], index: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: index - starts[lo]! + 1 };
}

/** The credentials in `text`, in order of position; at most SECRET_LIMITS.maxHits. */
export function detectSecrets(text: string): SecretHit[] {
  const starts = lineIndex(text);
  const hits: SecretHit[] = [];
  const taken: Array<[number, number]> = [];
  const overlaps = (a: number, b: number) => taken.some(([s, e]) => a < e && b > s);
  const add = (h: Omit<SecretHit, 'line' | 'column'>) => {
    const end = h.index + h.value.length;
    if (overlaps(h.index, end)) return;
    taken.push([h.index, end]);
    hits.push({ ...h, ...position(starts, h.index) });
  };

  for (const p of SECRET_PATTERNS) {
    for (const m of text.matchAll(p.regex)) {
      let value = m.groups?.v ?? m[0];
      const index = (m.index ?? 0) + m[0].indexOf(value);
      if (p.follows !== undefined) {
        const window = text.slice(index + value.length, index + value.length + FOLLOW_WINDOW);
        const body = p.follows.exec(window);
        if (body === null) continue;
        // The fingerprint covers the header and the start of the key material.
        value += window.slice(0, body.index + body[0].length);
      }
      if (p.body !== undefined && isPlaceholder(p.body(value))) continue;
      if (
        p.body === undefined &&
        p.kind !== 'private-key' &&
        p.kind !== 'putty-private-key' &&
        isPlaceholder(value)
      )
        continue;
      if (p.kind === 'jwt' && !isJwt(value)) continue;
      if (p.kind === 'url-credentials' && !generic('password', value)) continue;
      if (p.kind === 'huggingface-token' && !(/[a-z]/.test(value.slice(3)) && /[A-Z]/.test(value.slice(3))))
        continue;
      add({ kind: p.kind, label: p.label, class: p.class, value, index });
    }
  }
  for (const m of text.matchAll(ASSIGNMENT)) {
    const name = m.groups!.name!;
    const value = m.groups!.qv ?? m.groups!.bv!;
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const lineEnd = text.indexOf('\n', m.index);
    if ((lineEnd === -1 ? text.length : lineEnd) - lineStart > SECRET_LIMITS.maxAssignmentLineChars) continue;
    if (!generic(name, value)) continue;
    const index = (m.index ?? 0) + m[0].lastIndexOf(value);
    add({ kind: 'generic-secret', label: `value assigned to ${name}`, class: 'weak', value, index, name });
  }
  hits.sort((a, b) => a.index - b.index);
  return hits.slice(0, SECRET_LIMITS.maxHits);
}

/** A JWT's header decodes to a JSON object naming an algorithm. */
function isJwt(value: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(value.slice(0, value.indexOf('.')), 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof header.alg === 'string';
  } catch {
    return false;
  }
}
