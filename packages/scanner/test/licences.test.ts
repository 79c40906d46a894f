import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { licenceFindings, licenceInventory } from '../src/checks/licences.js';
import {
  croissantLicences,
  frontMatterOf,
  modelCardLicences,
  packageLockLicences,
  pythonLockNames,
} from '../src/licences/inventory.js';
import { canonicalLicence, identifyLicenceText } from '../src/licences/texts.js';

const TEXTS = new URL('./fixtures/licences/texts/', import.meta.url);
const text = (spdx: string) => readFileSync(new URL(`${spdx}.txt`, TEXTS), 'utf8');

describe('licence texts', () => {
  it('identifies each known licence from its distinctive phrases', () => {
    const files = readdirSync(TEXTS);
    expect(files.length).toBeGreaterThanOrEqual(16);
    for (const f of files)
      expect(identifyLicenceText(readFileSync(new URL(f, TEXTS), 'utf8')), f).toBe(f.slice(0, -4));
  });

  it('identifies nothing in text that is no licence', () => {
    expect(identifyLicenceText('# My model\n\nAll rights reserved. Ask us before use.')).toBeUndefined();
    expect(identifyLicenceText('')).toBeUndefined();
  });

  it('canonicalises Hugging Face licence names', () => {
    expect(canonicalLicence('apache-2.0')).toBe('Apache-2.0');
    expect(canonicalLicence('llama3')).toBe('Llama-3-Community');
    expect(canonicalLicence('gpl-3.0-only')).toBe('GPL-3.0');
    expect(canonicalLicence('Something-Custom')).toBe('Something-Custom');
  });
});

describe('inventory parsers', () => {
  it('reads license, license_name and datasets from model-card front matter', () => {
    const card =
      '---\nlicense: other\nlicense_name: acme-model-licence\ndatasets:\n- squad\n- c4\n---\n# Model\n';
    expect(frontMatterOf(card)).toContain('license: other');
    expect(modelCardLicences(card, 'README.md').entries).toEqual([
      {
        subject: 'model',
        name: 'model',
        licence: 'LicenseRef-acme-model-licence',
        source: 'README.md front matter',
      },
      { subject: 'dataset', name: 'squad', licence: undefined, source: 'README.md front matter' },
      { subject: 'dataset', name: 'c4', licence: undefined, source: 'README.md front matter' },
    ]);
    expect(modelCardLicences('# no front matter', 'README.md')).toEqual({ entries: [] });
    expect(modelCardLicences('---\nlicense: [unclosed\n---\n', 'README.md').problem).toMatch(
      /not valid YAML/,
    );
    expect(modelCardLicences('---\nlicense: other\n---\n', 'README.md').entries[0]!.licence).toBeUndefined();
  });

  it('bounds YAML alias expansion in front matter (billion laughs)', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 12; i++)
      lines.push(
        `${'b'.repeat(i + 1)}: &l${i} [${Array(10)
          .fill(i === 0 ? '*a' : `*l${i - 1}`)
          .join(', ')}]`,
      );
    const r = modelCardLicences(`---\n${lines.join('\n')}\n---\n`, 'README.md');
    expect(r.problem).toMatch(/not valid YAML/);
  });

  it('reads Croissant licences (SPDX URLs, Creative Commons URLs) and only Croissant', () => {
    const cr = {
      '@context': { '@vocab': 'https://schema.org/' },
      conformsTo: 'http://mlcommons.org/croissant/1.0',
      name: 'tiny-corpus',
      license: [
        'https://spdx.org/licenses/CC-BY-4.0.html',
        'https://creativecommons.org/licenses/by-sa/4.0/',
      ],
    };
    expect(croissantLicences(cr, 'croissant.json')!.map((e) => e.licence)).toEqual([
      'CC-BY-4.0',
      'CC-BY-SA-4.0',
    ]);
    expect(croissantLicences({ ...cr, license: undefined }, 'c.json')![0]!.licence).toBeUndefined();
    expect(croissantLicences({ name: 'x', license: 'MIT' }, 'config.json')).toBeUndefined();
  });

  it('reads package-lock.json licences and Python lock names', () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'app' },
        'node_modules/yaml': { version: '2.8.1', license: 'ISC' },
        'node_modules/@scope/x': { version: '1.0.0' },
      },
    };
    expect(packageLockLicences(lock, 'package-lock.json').map((e) => [e.name, e.licence])).toEqual([
      ['npm yaml@2.8.1', 'ISC'],
      ['npm @scope/x@1.0.0', undefined],
    ]);
    expect(
      pythonLockNames('torch==2.3.0 --hash=sha256:ab\n# c\n-r base.txt\nNumpy>=1\n', 'requirements'),
    ).toEqual(['numpy', 'torch']);
    expect(pythonLockNames('[[package]]\nname = "safetensors"\nversion = "0.4.3"\n', 'toml')).toEqual([
      'safetensors',
    ]);
    expect(pythonLockNames('{"default": {"requests": {}}, "develop": {"pytest": {}}}', 'pipfile')).toEqual([
      'pytest',
      'requests',
    ]);
  });
});

describe('licenceInventory(dir)', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const repo = async (files: Record<string, string>) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vacsrp-lic-'));
    dirs.push(dir);
    for (const [name, body] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
      await writeFile(path.join(dir, name), body);
    }
    return dir;
  };
  const rules = (fs: readonly { ruleId: string; severity: string }[]) =>
    fs.map((f) => `${f.ruleId} ${f.severity}`);

  it('is quiet when the model card and the LICENSE file agree', async () => {
    const dir = await repo({
      'README.md': '---\nlicense: apache-2.0\n---\n# Model\n',
      LICENSE: text('Apache-2.0'),
      'model.safetensors': '{}',
    });
    const inv = await licenceInventory(dir);
    expect(inv.findings).toEqual([]);
    expect(inv.entries.map((e) => [e.licence, e.source])).toEqual([
      ['Apache-2.0', 'LICENSE (text)'],
      ['Apache-2.0', 'README.md front matter'],
    ]);
  });

  it('reports a conflict between front matter and LICENSE file as medium', async () => {
    const dir = await repo({
      'README.md': '---\nlicense: mit\n---\n',
      'LICENSE.txt': text('Llama-3-Community'),
    });
    const fs = await licenceFindings(dir);
    expect(rules(fs)).toEqual(['VAC-LIC-002 medium']);
    expect(fs[0]!.message).toContain('MIT');
    expect(fs[0]!.message).toContain('Llama-3-Community');
    expect(fs[0]!.criterion).toBe('SC-7');
  });

  it('reports a model with no licence (low) and an unidentified licence text (low)', async () => {
    expect(rules(await licenceFindings(await repo({ 'model.gguf': 'GGUF' })))).toEqual(['VAC-LIC-001 low']);
    const custom = await repo({ 'model.onnx': 'x', LICENSE: 'Acme proprietary terms. All rights reserved.' });
    const fs = await licenceFindings(custom);
    expect(rules(fs)).toEqual(['VAC-LIC-001 low', 'VAC-LIC-001 low']);
    expect(fs.map((f) => f.message).join('\n')).toMatch(/matches none of the known licences/);
  });

  it('says nothing for a directory that holds no model and no model card', async () => {
    expect(await licenceFindings(await repo({ 'notes.txt': 'hello' }))).toEqual([]);
  });

  it('inventories datasets and dependencies, reporting unknown licences as info', async () => {
    const dir = await repo({
      'README.md': '---\nlicense: cc-by-4.0\ndatasets:\n- squad\n---\n',
      'package-lock.json': JSON.stringify({
        lockfileVersion: 3,
        packages: {
          'node_modules/a': { version: '1.0.0', license: 'MIT' },
          'node_modules/b': { version: '2.0.0' },
        },
      }),
      'requirements.txt': 'torch==2.3.0\n',
      'data/croissant.json': JSON.stringify({
        conformsTo: 'http://mlcommons.org/croissant/1.0',
        name: 'eval-set',
        license: 'https://spdx.org/licenses/CC-BY-SA-4.0.html',
      }),
    });
    const inv = await licenceInventory(dir);
    expect(rules(inv.findings)).toEqual(['VAC-LIC-001 info', 'VAC-LIC-001 info']);
    expect(inv.entries.map((e) => `${e.subject} ${e.name} ${e.licence}`)).toEqual([
      'dataset eval-set CC-BY-SA-4.0',
      'dataset squad undefined',
      'dependency PyPI torch undefined',
      'dependency npm a@1.0.0 MIT',
      'dependency npm b@2.0.0 undefined',
      'model model CC-BY-4.0',
    ]);
  });

  it('reports front matter that is not YAML', async () => {
    const fs = await licenceFindings(await repo({ 'README.md': '---\nlicense: [oops\n---\n' }));
    expect(fs.map((f) => f.message).join('\n')).toMatch(/not valid YAML/);
    expect(fs.every((f) => f.severity === 'low')).toBe(true);
  });

  it('finds nothing at medium or above in the benign corpus', async () => {
    const root = fileURLToPath(new URL('../../../../shared/corpus/benign', import.meta.url));
    let present = true;
    try {
      readdirSync(root);
    } catch {
      present = false;
    }
    if (!present) return;
    const fs = await licenceFindings(root);
    expect(fs.filter((f) => f.severity === 'medium' || f.severity === 'high')).toEqual([]);
  });
});
