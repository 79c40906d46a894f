import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closest, levenshtein } from '../src/manifest/levenshtein.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../src/manifest/parse.js';
import { serializeManifest } from '../src/manifest/serialize.js';
import { isPinnedRevision, MANIFEST_SCHEMA_ID, type ManifestProblem } from '../src/manifest/types.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/manifest/${name}`, import.meta.url), 'utf8');
const schema = JSON.parse(
  readFileSync(new URL('../src/manifest/vacsrp-manifest-v1.schema.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;
const VALID = fixture('valid.yaml');

/** The problems as `line:column code path`, the parts a user navigates by. */
const located = (problems: readonly ManifestProblem[]) =>
  problems.map((p) => `${p.line}:${p.column} ${p.code} ${p.path}`);
const parse = (text: string) => parseManifest(text, 'vacsrp.yaml');
/** The valid fixture with one line replaced. */
const replace = (from: string, to: string) => {
  expect(VALID).toContain(from);
  return VALID.replace(from, to);
};

describe('the manifest schema', () => {
  it('is a valid draft 2020-12 schema that compiles in strict mode, with a versioned $id', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    expect(ajv.validateSchema(schema)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
    expect(schema.$id).toBe(MANIFEST_SCHEMA_ID);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('closes every object except the reserved evaluation targets', () => {
    const open: string[] = [];
    const visit = (node: unknown, at: string) => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Record<string, unknown>;
      if (n.type === 'object' && n.additionalProperties !== false) open.push(at);
      for (const [k, v] of Object.entries(n)) visit(v, `${at}/${k}`);
    };
    visit(schema, '');
    expect(open).toEqual(['/properties/evaluationTargets/items']);
  });
});

describe('parseManifest', () => {
  it('accepts the complete fixture', () => {
    const r = parse(VALID);
    expect(r.problems).toEqual([]);
    expect(r.manifest?.model.baseModels?.[0]?.revision).toBe('0123456789abcdef0123456789abcdef01234567');
    expect(r.manifest?.evaluationTargets?.[0]).toEqual({
      kind: 'openai-compatible-endpoint',
      url: 'https://staging.acme.example/v1',
    });
  });

  it('locates an unknown property at its key and suggests the nearest allowed name', () => {
    const r = parse(replace('  architecture: LlamaForCausalLM', '  architecure: LlamaForCausalLM'));
    expect(r.manifest).toBeUndefined();
    expect(located(r.problems)).toEqual(['6:3 UNKNOWN_PROPERTY /model/architecure']);
    expect(r.problems[0]?.hint).toBe('architecture');
    expect(r.problems[0]?.message).toContain('did you mean "architecture"');
  });

  it('lists the allowed names when nothing is near', () => {
    const r = parse(`${VALID}zzzzzzzz: 1\n`);
    expect(located(r.problems)).toEqual([`${VALID.split('\n').length}:1 UNKNOWN_PROPERTY /zzzzzzzz`]);
    expect(r.problems[0]?.hint).toContain('one of manifestVersion, model, developer');
  });

  it('names the expected type at the value', () => {
    const r = parse(replace('    size: 77', '    size: seventy'));
    expect(located(r.problems)).toEqual(['42:11 WRONG_TYPE /artifacts/0/size']);
    expect(r.problems[0]?.message).toBe('/artifacts/0/size must be an integer, not a string');
  });

  it('tells to quote a version YAML reads as a number', () => {
    const r = parse(replace('  version: 1.2.0', '  version: 1.10'));
    expect(located(r.problems)).toEqual(['5:12 WRONG_TYPE /model/version']);
    expect(r.problems[0]?.hint).toBe('"1.10" (in quotes, so YAML keeps it a string)');
  });

  it('reports a missing required property at the mapping that lacks it', () => {
    const r = parse(replace('  organisation: Acme AI, Inc.\n', ''));
    expect(located(r.problems)).toEqual(['15:3 MISSING_PROPERTY /developer/organisation']);
    expect(r.problems[0]?.hint).toBe('add "organisation: …" here');
  });

  it('requires the licence text when the licence is other', () => {
    const r = parse(replace('    id: Apache-2.0', '    id: other'));
    expect(located(r.problems)).toEqual(['9:5 MISSING_PROPERTY /model/licence/text']);
  });

  it('reports an enum value with the nearest allowed value', () => {
    const r = parse(replace('confidentiality: digests-only', 'confidentiality: digest-only'));
    expect(located(r.problems)).toEqual(['48:18 INVALID_VALUE /confidentiality']);
    expect(r.problems[0]?.hint).toBe('digests-only');
  });

  it('checks digests, contacts and paths by pattern, each with its own hint', () => {
    const r = parse(
      replace('  securityContact: security@acme.example', '  securityContact: call us')
        .replace('  - requirements.txt', '  - ../etc/requirements.txt')
        .replace('    sha256: 2698a9', '    sha256: 2698A9'),
    );
    expect(located(r.problems)).toEqual([
      '16:20 INVALID_VALUE /developer/securityContact',
      '41:13 INVALID_VALUE /artifacts/0/sha256',
      '44:5 INVALID_VALUE /dependencyFiles/0',
    ]);
    expect(r.problems.map((p) => p.hint)).toEqual([
      'an e-mail address (security@example.com) or an https:// URL',
      '64 lower-case hexadecimal digits (the output of `sha256sum FILE`)',
      expect.stringContaining('a path relative to vacsrp.yaml'),
    ]);
  });

  it('refuses absolute artifact paths', () => {
    const r = parse(replace('  - path: model.safetensors', '  - path: /etc/passwd'));
    expect(located(r.problems)).toEqual(['40:11 INVALID_VALUE /artifacts/0/path']);
  });

  it('reports duplicate keys at the second occurrence, with their pointer', () => {
    const r = parse(replace('  version: 1.2.0\n', '  version: 1.2.0\n  version: 1.3.0\n'));
    expect(located(r.problems)).toEqual(['6:3 DUPLICATE_KEY /model/version']);
  });

  it('reports YAML syntax errors at their position', () => {
    const r = parse('manifestVersion: 1\nmodel: [unclosed\n');
    expect(r.problems.length).toBeGreaterThan(0);
    expect(r.problems.every((p) => p.code === 'YAML_SYNTAX')).toBe(true);
    expect(r.problems[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('refuses a stream of several documents', () => {
    const r = parse(`${VALID}---\nmanifestVersion: 1\n`);
    expect(r.manifest).toBeUndefined();
    expect(r.problems.map((p) => p.code)).toEqual(['YAML_SYNTAX']);
  });

  it('reports a document that is not a mapping', () => {
    expect(located(parse('- a\n- b\n').problems)).toEqual(['1:1 WRONG_TYPE ']);
    expect(located(parse('').problems)).toEqual(['1:1 WRONG_TYPE ']);
  });

  it('refuses alias bombs and oversized input without expanding them', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
    ].join('\n');
    expect(parse(bomb).problems.map((p) => p.code)).toEqual(['YAML_SYNTAX']);
    expect(parse(' '.repeat(MAX_MANIFEST_BYTES + 1)).problems.map((p) => p.code)).toEqual(['TOO_LARGE']);
  });

  it('never throws on mutated manifests, and always locates problems inside the text', () => {
    const lines = VALID.split('\n');
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            line: fc.nat(lines.length - 1),
            op: fc.constantFrom('delete', 'duplicate', 'indent', 'dedent', 'insert'),
            text: fc.string({ maxLength: 12 }),
          }),
          { maxLength: 6 },
        ),
        (edits) => {
          const mutated = [...lines];
          for (const e of edits) {
            const i = Math.min(e.line, mutated.length - 1);
            if (e.op === 'delete') mutated.splice(i, 1);
            else if (e.op === 'duplicate') mutated.splice(i, 0, mutated[i] ?? '');
            else if (e.op === 'indent') mutated[i] = ` ${mutated[i] ?? ''}`;
            else if (e.op === 'dedent') mutated[i] = (mutated[i] ?? '').replace(/^ /, '');
            else mutated.splice(i, 0, e.text);
          }
          const text = mutated.join('\n');
          const r = parseManifest(text, 'm.yaml');
          expect(r.manifest === undefined).toBe(r.problems.length > 0);
          const lineCount = text.split('\n').length;
          for (const p of r.problems) {
            expect(p.line).toBeGreaterThanOrEqual(1);
            expect(p.line).toBeLessThanOrEqual(lineCount);
            expect(p.column).toBeGreaterThanOrEqual(1);
            expect(p.hint).not.toBe('');
          }
        },
      ),
      { seed: 20261126, numRuns: 300 },
    );
  });
});

describe('serializeManifest', () => {
  it('round-trips, in schema order, with comments, byte-for-byte stable', () => {
    const m = parse(VALID).manifest!;
    const yaml = serializeManifest(m);
    expect(parse(yaml)).toEqual({ manifest: m, problems: [] });
    expect(serializeManifest(parse(yaml).manifest!)).toBe(yaml);
    expect(yaml.startsWith('# vacsrp submission manifest')).toBe(true);
    const topKeys = yaml
      .split('\n')
      .filter((l) => /^[a-zA-Z]/.test(l))
      .map((l) => l.split(':')[0]);
    expect(topKeys).toEqual(Object.keys(schema.properties as object));
  });

  it('orders keys by the schema whatever the input order', () => {
    const m = parse(VALID).manifest!;
    const shuffled = Object.fromEntries(Object.entries(m).reverse()) as typeof m;
    expect(serializeManifest(shuffled)).toBe(serializeManifest(m));
  });
});

describe('helpers', () => {
  it('measures edit distance and refuses far guesses', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(closest('licence', ['license', 'model'])).toBe('license');
    expect(closest('xyz', ['organisation'])).toBeUndefined();
  });

  it('treats only full commit hashes and sha256 digests as pinned', () => {
    expect(isPinnedRevision('0123456789abcdef0123456789abcdef01234567')).toBe(true);
    expect(isPinnedRevision(`sha256:${'a'.repeat(64)}`)).toBe(true);
    expect(isPinnedRevision('main')).toBe(false);
    expect(isPinnedRevision('0123456')).toBe(false);
    expect(isPinnedRevision(undefined)).toBe(false);
  });
});
