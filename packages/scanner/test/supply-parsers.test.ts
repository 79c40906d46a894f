import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDependencyFile } from '../src/supply/inventory.js';
import { SUPPLY_LIMITS } from '../src/supply/limits.js';
import { parseCondaEnvironment, parsePackageLock, parsePipfileLock } from '../src/supply/lock-files.js';
import { dependencyFileKind, normalisePyPIName } from '../src/supply/names.js';
import { parseRequirement } from '../src/supply/pep508.js';
import { parseRequirementsTxt } from '../src/supply/requirements.js';
import { parsePoetryLock, parsePyproject, parseUvLock } from '../src/supply/toml-files.js';
import type { Component, DependencyFileKind, DependencyInventory } from '../src/supply/types.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/supply/${name}`, import.meta.url), 'utf8');
const byName = (inv: DependencyInventory) => new Map(inv.components.map((c) => [c.name, c]));
const get = (inv: DependencyInventory, name: string): Component => {
  const c = byName(inv).get(name);
  if (c === undefined)
    throw new Error(`no component ${name} in ${inv.components.map((x) => x.name).join(', ')}`);
  return c;
};

describe('dependency files are recognised by name at any depth', () => {
  it.each<[string, DependencyFileKind | undefined]>([
    ['requirements.txt', 'requirements'],
    ['requirements-dev.txt', 'requirements'],
    ['dev-requirements.txt', 'requirements'],
    ['constraints.txt', 'requirements'],
    ['model/sub/requirements_gpu.txt', 'requirements'],
    ['requirements/base.txt', 'requirements'],
    ['pyproject.toml', 'pyproject'],
    ['archive/poetry.lock', 'poetry-lock'],
    ['Pipfile.lock', 'pipfile-lock'],
    ['uv.lock', 'uv-lock'],
    ['environment.yml', 'conda-environment'],
    ['environment.yaml', 'conda-environment'],
    ['web/package-lock.json', 'npm-lock'],
    ['README.txt', undefined],
    ['requirements.txt.bak', undefined],
    ['model.safetensors', undefined],
  ])('%s → %s', (name, kind) => {
    expect(dependencyFileKind(name)).toBe(kind);
  });

  it('normalises PyPI names per PEP 503', () => {
    expect(normalisePyPIName('Scikit_Learn')).toBe('scikit-learn');
    expect(normalisePyPIName('zope.interface')).toBe('zope-interface');
    expect(normalisePyPIName('a-_.b')).toBe('a-b');
  });
});

describe('PEP 508 requirements', () => {
  it('reads names, extras, specifiers, URLs and markers', () => {
    expect(parseRequirement('requests[security, socks] >= 2.8.1, == 2.8.* ; python_version < "2.7"')).toEqual(
      {
        name: 'requests',
        extras: ['security', 'socks'],
        specifier: '>=2.8.1,==2.8.*',
        marker: 'python_version < "2.7"',
      },
    );
    expect(
      parseRequirement(
        'pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee ; python_version>"3"',
      ),
    ).toEqual({
      name: 'pip',
      extras: [],
      specifier: '',
      url: 'https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee',
      marker: 'python_version>"3"',
    });
    expect(parseRequirement('name (>=1.0)')).toMatchObject({ specifier: '>=1.0' });
  });

  it('reports bad requirements with an offset', () => {
    expect(parseRequirement('-bad')).toMatchObject({ offset: 0 });
    expect(parseRequirement('torch >> 2')).toMatchObject({ message: "invalid version clause '>> 2'" });
    expect(parseRequirement('x[unclosed')).toMatchObject({ message: "unclosed '[' of extras" });
  });
});

describe('requirements.txt', () => {
  const inv = parseRequirementsTxt(fixture('requirements.txt'), 'requirements.txt');

  it('reads pins, hashes, ranges, markers and direct references with their lines', () => {
    expect(get(inv, 'torch')).toMatchObject({
      version: '1.13.0',
      pinned: true,
      hashed: true,
      line: 7,
      column: 1,
    });
    expect(get(inv, 'transformers')).toMatchObject({
      version: '>=4.30,<4.40',
      pinned: false,
      hashed: false,
      line: 9,
    });
    expect(get(inv, 'numpy')).toMatchObject({ version: '1.21.0', pinned: true });
    expect(get(inv, 'scikit-learn')).toMatchObject({
      version: '1.4.2',
      pinned: true,
      marker: 'python_version >= "3.9"',
    });
    expect(get(inv, 'gradio')).toMatchObject({ version: '', pinned: false });
    expect(get(inv, 'tok-lib')).toMatchObject({
      pinned: false,
      direct: 'git+https://github.com/example/tokenizer.git@main#egg=tok_lib',
    });
    expect(get(inv, 'my-plugin').direct).toBe('https://example.com/my_plugin-1.0-py3-none-any.whl');
    expect(inv.canHash).toBe(true);
    expect(inv.components.every((c) => c.ecosystem === 'PyPI' && c.file === 'requirements.txt')).toBe(true);
  });

  it('reports includes and source options but never follows them', () => {
    expect(inv.problems.map((p) => [p.code, p.line])).toEqual([
      ['OPTION', 2],
      ['OPTION', 3],
      ['INCLUDE', 4],
      ['INCLUDE', 5],
    ]);
    expect(get(inv, 'local-pkg')).toMatchObject({ direct: './local_pkg', pinned: false, line: 15 });
    expect(get(parseRequirementsTxt('-e .\n', 'r.txt'), 'local-project').direct).toBe('.');
    expect(inv.problems[2]!.message).toContain("'base-requirements.txt'");
  });

  it('locates malformed lines and goes on', () => {
    const bad = parseRequirementsTxt('ok==1.0\n  torch >> 2\n--hash=md5:00 x\nfine\n--bogus\n', 'r.txt');
    expect(bad.components.map((c) => c.name)).toEqual(['ok', 'fine']);
    expect(bad.problems.map((p) => [p.code, p.line, p.column])).toEqual([
      ['SYNTAX', 2, 9],
      ['SYNTAX', 3, 1],
      ['SYNTAX', 5, 1],
    ]);
  });

  it('treats a wildcard == as unpinned and a malformed hash as no hash', () => {
    const inv2 = parseRequirementsTxt('a==1.*\nb==2.0 --hash=sha256:zz\n', 'r.txt');
    expect(get(inv2, 'a').pinned).toBe(false);
    expect(get(inv2, 'b')).toMatchObject({ pinned: true, hashed: false });
    expect(inv2.problems[0]).toMatchObject({ code: 'SYNTAX', line: 2 });
  });
});

describe('pyproject.toml', () => {
  const inv = parsePyproject(fixture('pyproject.toml'), 'pyproject.toml');

  it('reads PEP 621 and Poetry dependencies', () => {
    expect(get(inv, 'torch')).toMatchObject({ version: '2.1.0', pinned: true, line: 5 });
    expect(get(inv, 'pillow')).toMatchObject({ version: '>=9.0', pinned: false, line: 6 });
    expect(get(inv, 'safetensors')).toMatchObject({ version: '', pinned: false });
    expect(get(inv, 'gradio')).toMatchObject({
      version: '3.50.2',
      pinned: true,
      marker: "python_version >= '3.8'",
    });
    expect(get(inv, 'langchain')).toMatchObject({ version: '0.0.200', pinned: true, line: 15 });
    expect(get(inv, 'mlflow')).toMatchObject({ version: '^2.3', pinned: false });
    expect(get(inv, 'private-lib').direct).toBe('https://github.com/example/private-lib.git');
    expect(byName(inv).has('python')).toBe(false);
    expect(inv.canHash).toBe(false);
    expect(inv.problems).toEqual([]);
  });

  it('reports TOML syntax errors with line and column', () => {
    const bad = parsePyproject('[project]\ndependencies = [\n  "a==1",\n  oops\n]\n', 'pyproject.toml');
    expect(bad.components).toEqual([]);
    expect(bad.problems).toHaveLength(1);
    expect(bad.problems[0]).toMatchObject({ code: 'SYNTAX', file: 'pyproject.toml', line: 4 });
    expect(bad.problems[0]!.message).toMatch(/^invalid TOML/);
  });

  it('reports wrong shapes', () => {
    const bad = parsePyproject('[project]\ndependencies = "torch"\n', 'pyproject.toml');
    expect(bad.problems[0]).toMatchObject({ code: 'STRUCTURE' });
  });
});

describe('lock files', () => {
  it('poetry.lock: versions and hashes', () => {
    const inv = parsePoetryLock(fixture('poetry.lock'), 'poetry.lock');
    expect(get(inv, 'joblib')).toMatchObject({ version: '1.1.0', pinned: true, hashed: true, line: 4 });
    expect(get(inv, 'numpy')).toMatchObject({ version: '1.26.4', hashed: false, line: 14 });
    expect(inv.problems).toEqual([]);
  });

  it('poetry.lock 1.x: hashes in [metadata.files]', () => {
    const inv = parsePoetryLock(
      '[[package]]\nname = "Six"\nversion = "1.16.0"\n\n[metadata]\nlock-version = "1.1"\n\n[metadata.files]\nsix = [{file = "six.whl", hash = "sha256:ab"}]\n',
      'poetry.lock',
    );
    expect(get(inv, 'six')).toMatchObject({ hashed: true });
  });

  it('uv.lock: skips the project itself, reads sdist/wheel hashes and git sources', () => {
    const inv = parseUvLock(fixture('uv.lock'), 'uv.lock');
    expect(inv.components.map((c) => c.name)).toEqual(['onnx', 'tok-lib']);
    expect(get(inv, 'onnx')).toMatchObject({ version: '1.14.1', hashed: true, line: 11 });
    expect(get(inv, 'tok-lib')).toMatchObject({
      hashed: false,
      direct: expect.stringContaining('git: https://github.com/example'),
    });
  });

  it('uv.lock: an unknown version is reported', () => {
    expect(parseUvLock('version = 7\n', 'uv.lock').problems[0]).toMatchObject({
      code: 'UNSUPPORTED_VERSION',
    });
  });

  it('Pipfile.lock: == pins and hashes', () => {
    const inv = parsePipfileLock(fixture('Pipfile.lock'), 'Pipfile.lock');
    expect(get(inv, 'mlflow')).toMatchObject({ version: '2.2.0', pinned: true, hashed: true, line: 9 });
    expect(get(inv, 'requests')).toMatchObject({ version: '*', pinned: false, hashed: false });
  });

  it('Pipfile.lock: JSON syntax errors are located', () => {
    const bad = parsePipfileLock('{\n  "_meta": {},\n  "default": {,}\n}\n', 'Pipfile.lock');
    expect(bad.problems[0]).toMatchObject({ code: 'SYNTAX', line: 3 });
  });

  it('package-lock.json v3: packages map, scoped names, integrity, git sources, links skipped', () => {
    const inv = parsePackageLock(fixture('package-lock.json'), 'package-lock.json');
    expect(inv.components.map((c) => c.name)).toEqual(['lodash', '@scope/widget']);
    expect(get(inv, 'lodash')).toMatchObject({
      ecosystem: 'npm',
      version: '4.17.20',
      pinned: true,
      hashed: true,
      line: 8,
    });
    expect(get(inv, '@scope/widget')).toMatchObject({
      hashed: false,
      direct: expect.stringContaining('git+ssh://'),
    });
  });

  it('package-lock.json v1: nested dependencies', () => {
    const inv = parsePackageLock(fixture('package-lock-v1.json'), 'package-lock.json');
    expect(inv.components.map((c) => [c.name, c.version])).toEqual([
      ['minimist', '1.2.5'],
      ['nested', '0.1.0'],
    ]);
  });

  it('package-lock.json: unknown lockfileVersion', () => {
    expect(parsePackageLock('{"lockfileVersion": 9}', 'package-lock.json').problems[0]).toMatchObject({
      code: 'UNSUPPORTED_VERSION',
    });
  });

  it('environment.yml: conda and pip sections', () => {
    const inv = parseCondaEnvironment(fixture('environment.yml'), 'environment.yml');
    const conda = inv.components.filter((c) => c.ecosystem === 'conda');
    expect(conda.map((c) => [c.name, c.version, c.pinned])).toEqual([
      ['python', '=3.10', false],
      ['numpy', '1.21.0', true],
      ['pytorch', '2.1.0', true],
      ['scipy', '', false],
      ['pip', '', false],
    ]);
    expect(get(inv, 'transformers')).toMatchObject({
      ecosystem: 'PyPI',
      version: '4.29.2',
      pinned: true,
      line: 11,
    });
    expect(inv.problems.map((p) => [p.code, p.line])).toEqual([['OPTION', 12]]);
    expect(inv.canHash).toBe(false);
  });

  it('environment.yml: YAML errors are located', () => {
    const bad = parseCondaEnvironment('dependencies:\n  - numpy\n - [broken\n', 'environment.yml');
    expect(bad.problems.length).toBeGreaterThan(0);
    expect(bad.problems[0]).toMatchObject({ code: 'SYNTAX' });
    expect(bad.problems[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it('environment.yml: alias bombs are refused', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      );
    const started = Date.now();
    const inv = parseCondaEnvironment(bomb.join('\n'), 'environment.yml');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(inv.problems[0]).toMatchObject({ code: 'LIMIT' });
  });
});

describe('limits', () => {
  it('bounds components and problems per file', () => {
    const limits = { ...SUPPLY_LIMITS, maxComponentsPerFile: 3, maxProblemsPerFile: 2 };
    const inv = parseRequirementsTxt(['a', 'b', 'c', 'd', 'e', '>>', '>>', '>>'].join('\n'), 'r.txt', limits);
    expect(inv.components).toHaveLength(3);
    expect(inv.problems.map((p) => p.code)).toEqual(['LIMIT', 'SYNTAX', 'LIMIT']);
  });

  it('skips overlong lines', () => {
    const limits = { ...SUPPLY_LIMITS, maxLineLength: 10 };
    const inv = parseRequirementsTxt(`${'a'.repeat(11)}\nb\n`, 'r.txt', limits);
    expect(inv.components.map((c) => c.name)).toEqual(['b']);
    expect(inv.problems[0]).toMatchObject({ code: 'LIMIT', line: 1 });
  });
});

describe('fuzz: parsers never throw and stay fast (fast-check, seed 1104)', () => {
  const kinds: DependencyFileKind[] = [
    'requirements',
    'pyproject',
    'poetry-lock',
    'pipfile-lock',
    'uv-lock',
    'conda-environment',
    'npm-lock',
  ];
  const seeds: Record<DependencyFileKind, string> = {
    requirements: fixture('requirements.txt'),
    pyproject: fixture('pyproject.toml'),
    'poetry-lock': fixture('poetry.lock'),
    'pipfile-lock': fixture('Pipfile.lock'),
    'uv-lock': fixture('uv.lock'),
    'conda-environment': fixture('environment.yml'),
    'npm-lock': fixture('package-lock.json'),
  };
  const mutation = fc.record({
    at: fc.nat(),
    cut: fc.nat({ max: 40 }),
    insert: fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('[', ']', '{', '"', '\\\n', '==', '--hash=', '\u0000', '&a *a', '#', ';', '@'),
    ),
  });

  it.each(kinds)('%s', (kind) => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => {
        let text = seeds[kind];
        for (const m of ms) {
          const i = m.at % (text.length + 1);
          text = text.slice(0, i) + m.insert + text.slice(i + m.cut);
        }
        const started = performance.now();
        const inv = parseDependencyFile(kind, text, 'f');
        expect(performance.now() - started).toBeLessThan(1000);
        for (const p of inv.problems) expect(p.message.length).toBeLessThan(400);
      }),
      { seed: 1104, numRuns: 150 },
    );
  });

  it('random text in every format', () => {
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.string({ maxLength: 300 }), (kind, text) => {
        parseDependencyFile(kind, text, 'f');
      }),
      { seed: 1104, numRuns: 300 },
    );
  });
});

describe('large files stay linear', () => {
  it('a package-lock.json with 20000 packages and a requirements file with 20000 lines', () => {
    const packages: Record<string, unknown> = { '': { name: 'big' } };
    for (let i = 0; i < 20_000; i++)
      packages[`node_modules/pkg-${i}`] = { version: '1.0.0', integrity: 'sha512-AAAA' };
    const lock = JSON.stringify({ lockfileVersion: 3, packages }, null, 2);
    let started = performance.now();
    const inv = parsePackageLock(lock, 'package-lock.json');
    expect(performance.now() - started).toBeLessThan(3000);
    expect(inv.components).toHaveLength(20_000);
    expect(inv.components.at(-1)).toMatchObject({ name: 'pkg-19999', line: 3 + 19_999 * 4 + 4 });

    const reqs = Array.from(
      { length: 20_000 },
      (_, i) => `pkg-${i}==1.0.${i} --hash=sha256:${'ab'.repeat(32)}`,
    ).join('\n');
    started = performance.now();
    expect(parseRequirementsTxt(reqs, 'requirements.txt').components).toHaveLength(20_000);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('hostile long lines do not backtrack', () => {
    const started = performance.now();
    parseRequirementsTxt(
      `./${'a-1'.repeat(20_000)}.zip\n${'x'.repeat(60_000)}[\n${'a'.repeat(30_000)}==${'1.'.repeat(10_000)}\n`,
      'r.txt',
    );
    parseCondaEnvironment(`dependencies:\n  - ${'a:'.repeat(30_000)}\n`, 'environment.yml');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
