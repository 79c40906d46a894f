/**
 * parseManifest: vacsrp.yaml text → a checked Manifest, or every problem located at its line and column.
 * YAML syntax errors and duplicate keys come from the YAML parser; schema violations (Ajv, draft 2020-12)
 * are mapped back to source positions through the parsed document's nodes.
 */
import { createRequire } from 'node:module';
import type * as Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { Node } from 'yaml';
import { yamlLib } from '../yaml.js';
import { closest } from './levenshtein.js';
import type { Manifest, ManifestParseResult, ManifestProblem, ManifestProblemCode } from './types.js';
import schema from './vacsrp-manifest-v1.schema.json' with { type: 'json' };

/** Manifest text above this is refused unread (CWE-400): a real manifest is a few kilobytes. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Alias expansions allowed when converting to data (CWE-776: billion laughs). */
const MAX_ALIAS_COUNT = 100;
/** Problems reported per manifest; the rest are summarised (CWE-400). */
const MAX_PROBLEMS = 200;

let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (compiled) return compiled;
  // Ajv is loaded on first use: scans of repositories without a manifest never need it.
  const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof Ajv2020Module;
  compiled = new Ajv2020({ allErrors: true, strict: true, verbose: true }).compile(schema);
  return compiled;
}

/** Per-field advice for patterns, keyed by property name. */
const PATTERN_HINTS: Readonly<Record<string, string>> = {
  sha256: '64 lower-case hexadecimal digits (the output of `sha256sum FILE`)',
  securityContact: 'an e-mail address (security@example.com) or an https:// URL',
  path: 'a path relative to vacsrp.yaml with / separators, never absolute and without .., e.g. weights/model.safetensors',
  modelCard: 'a path relative to vacsrp.yaml, e.g. README.md',
  id: 'an SPDX licence identifier such as Apache-2.0 or MIT, or other together with the licence text',
  start: 'a date as YYYY, YYYY-MM or YYYY-MM-DD',
  end: 'a date as YYYY, YYYY-MM or YYYY-MM-DD',
};

export function parseManifest(text: string, file: string): ManifestParseResult {
  if (Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    return {
      problems: [
        problem(
          file,
          1,
          1,
          '',
          'TOO_LARGE',
          `the manifest is larger than ${MAX_MANIFEST_BYTES} bytes`,
          'keep the manifest under 4 MiB; list dataset files by snapshot ID rather than one by one',
        ),
      ],
    };
  }
  const lineCounter = new (yamlLib().LineCounter)();
  const doc = yamlLib().parseDocument(text, {
    keepSourceTokens: true,
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
  });
  const at = (offset: number) => {
    const p = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { line: p.line, column: p.col };
  };
  const problems: ManifestProblem[] = [];
  for (const e of doc.errors) {
    const { line, column } = at(e.pos[0]);
    if (e.code === 'DUPLICATE_KEY') {
      problems.push(
        problem(
          file,
          line,
          column,
          pointerAt(doc.contents, e.pos[0]),
          'DUPLICATE_KEY',
          'a key appears twice in the same mapping; loaders disagree about which value wins',
          'keep one of the two entries and delete the other',
        ),
      );
    } else {
      problems.push(
        problem(
          file,
          line,
          column,
          '',
          'YAML_SYNTAX',
          `YAML syntax error: ${firstLine(e.message)}`,
          'fix the YAML syntax at this position (indentation, quotes, a missing colon)',
        ),
      );
    }
  }
  if (problems.length > 0) return { problems: cap(problems) };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    return {
      problems: [
        problem(
          file,
          1,
          1,
          '',
          'YAML_SYNTAX',
          `the YAML cannot be read: ${firstLine((e as Error).message)}`,
          'write the manifest without anchors and aliases',
        ),
      ],
    };
  }
  const validate = validator();
  if (validate(data)) return { manifest: data as unknown as Manifest, problems: [] };

  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  for (const e of errors) problems.push(schemaProblem(e, doc.contents, at, file));
  problems.sort(
    (a, b) => a.line - b.line || a.column - b.column || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
  return { problems: cap(problems) };
}

function schemaProblem(
  e: ErrorObject,
  root: unknown,
  at: (offset: number) => { line: number; column: number },
  file: string,
): ManifestProblem {
  const segments = e.instancePath === '' ? [] : e.instancePath.slice(1).split('/').map(unescapePointer);
  const node = nodeAt(root, segments);
  const start = rangeStart(node) ?? 0;
  const field = segments.length > 0 ? segments[segments.length - 1]! : '';
  const name = /^\d+$/.test(field) ? (segments[segments.length - 2] ?? '') : field;
  const where = e.instancePath === '' ? 'the manifest' : e.instancePath;
  // Every schema problem points at the offending node unless it names a better place (a key).
  const report = (
    code: ManifestProblemCode,
    message: string,
    hint: string,
    path = e.instancePath,
    offset = start,
  ): ManifestProblem => {
    const pos = at(offset);
    return problem(file, pos.line, pos.column, path, code, message, hint);
  };
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = String((e.params as { additionalProperty: string }).additionalProperty);
      const keyNode = keyNodeOf(node, prop);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const guess = closest(prop, allowed);
      const hint =
        guess !== undefined
          ? `${guess}`
          : allowed.length > 0
            ? `one of ${allowed.join(', ')} (or remove "${prop}")`
            : `remove "${prop}"`;
      return report(
        'UNKNOWN_PROPERTY',
        `unknown property "${prop}" in ${where}${guess !== undefined ? `; did you mean "${guess}"?` : ''}`,
        hint,
        `${e.instancePath}/${escapePointer(prop)}`,
        rangeStart(keyNode) ?? start,
      );
    }
    case 'required': {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return report(
        'MISSING_PROPERTY',
        `${where} lacks the required property "${missing}"`,
        `add "${missing}: …" here`,
        `${e.instancePath}/${escapePointer(missing)}`,
      );
    }
    case 'type': {
      const expected = String((e.params as { type: string | string[] }).type);
      const source = yamlLib().isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
      // YAML reads 1.0, 2024 or yes as numbers and booleans: quoting keeps them strings.
      const hint =
        expected === 'string' &&
        yamlLib().isScalar(node) &&
        node.value !== null &&
        typeof node.value !== 'string'
          ? `"${source ?? String(node.value)}" (in quotes, so YAML keeps it a string)`
          : `${article(expected)} ${expected}${expected === 'array' ? ' (a list of "- item" lines)' : expected === 'object' ? ' (a mapping of "key: value" lines)' : ''}`;
      return report(
        'WRONG_TYPE',
        `${where} must be ${article(expected)} ${expected}, not ${describe(node)}`,
        hint,
      );
    }
    case 'enum': {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const value = yamlLib().isScalar(node) ? String(node.value) : '';
      const guess = closest(value, allowed);
      return report(
        'INVALID_VALUE',
        `${where} must be one of ${allowed.join(', ')}`,
        guess ?? `one of ${allowed.join(', ')}`,
      );
    }
    case 'const': {
      const value = JSON.stringify((e.params as { allowedValue: unknown }).allowedValue);
      return report('INVALID_VALUE', `${where} must be ${value}`, value);
    }
    case 'pattern':
      return report(
        'INVALID_VALUE',
        `${where} is not in the expected form`,
        (e.schemaPath.includes('/relativePath/') ? PATTERN_HINTS.path : PATTERN_HINTS[name]) ??
          `a value matching ${(e.params as { pattern: string }).pattern}`,
      );
    case 'minItems':
      return report(
        'INVALID_VALUE',
        `${where} must list at least ${(e.params as { limit: number }).limit} item(s)`,
        'at least one "- item" line',
      );
    case 'minLength':
      return report('INVALID_VALUE', `${where} must not be empty`, 'a non-empty value');
    default:
      return report(
        'INVALID_VALUE',
        `${where} ${e.message ?? 'is invalid'}`,
        'a value the manifest schema accepts (see docs/manifest.md)',
      );
  }
}

function problem(
  file: string,
  line: number,
  column: number,
  path: string,
  code: ManifestProblemCode,
  message: string,
  hint: string,
): ManifestProblem {
  return { file, line, column, path, code, message, hint };
}

function cap(problems: ManifestProblem[]): ManifestProblem[] {
  return problems.length <= MAX_PROBLEMS ? problems : problems.slice(0, MAX_PROBLEMS);
}

const firstLine = (s: string) => s.split('\n')[0]!.trim();
const article = (word: string) => (/^[aeiou]/.test(word) ? 'an' : 'a');
const unescapePointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');
const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function describe(node: unknown): string {
  if (yamlLib().isMap(node)) return 'a mapping';
  if (yamlLib().isSeq(node)) return 'a list';
  if (yamlLib().isScalar(node)) {
    const v = node.value;
    if (v === null) return 'empty';
    if (typeof v === 'number') return 'a number';
    if (typeof v === 'boolean') return 'a boolean';
    if (typeof v === 'string') return 'a string';
  }
  return 'something else';
}

function rangeStart(node: unknown): number | undefined {
  const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return r === undefined ? undefined : r[0];
}

function keyNodeOf(map: unknown, key: string): unknown {
  if (!yamlLib().isMap(map)) return undefined;
  for (const pair of map.items) {
    const k = pair.key;
    if ((yamlLib().isScalar(k) ? String(k.value) : String(k)) === key) return k;
  }
  return undefined;
}

/** The node a JSON pointer's segments name, or the deepest one that exists. */
function nodeAt(root: unknown, segments: readonly string[]): unknown {
  let node = root;
  for (const s of segments) {
    let next: unknown;
    if (yamlLib().isMap(node)) {
      for (const pair of node.items) {
        const k = pair.key;
        if ((yamlLib().isScalar(k) ? String(k.value) : String(k)) === s) next = pair.value;
      }
    } else if (yamlLib().isSeq(node)) {
      next = node.items[Number(s)];
    }
    if (next === undefined || next === null) return node;
    node = next;
  }
  return node;
}

/** The JSON pointer of the mapping key at `offset` (for duplicate keys). */
function pointerAt(root: unknown, offset: number): string {
  const path: string[] = [];
  let node: unknown = root;
  for (let depth = 0; depth < 64; depth++) {
    let next: unknown;
    if (yamlLib().isMap(node)) {
      for (const pair of node.items) {
        const k = pair.key as Node | null;
        const name = yamlLib().isScalar(k) ? String(k.value) : String(k);
        if (k?.range && k.range[0] === offset)
          return [...path, name].map((s) => `/${escapePointer(s)}`).join('');
        const v = pair.value as Node | null;
        if (v?.range && v.range[0] <= offset && offset < v.range[2]) {
          path.push(name);
          next = v;
        }
      }
    } else if (yamlLib().isSeq(node)) {
      node.items.forEach((item, i) => {
        const r = (item as Node | null)?.range;
        if (r && r[0] <= offset && offset < r[2]) {
          path.push(String(i));
          next = item;
        }
      });
    }
    if (next === undefined) break;
    node = next;
  }
  return path.map((s) => `/${escapePointer(s)}`).join('');
}
