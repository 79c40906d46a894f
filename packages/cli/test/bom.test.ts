/** `vacsrp bom`, run in-process on a fresh commander program with recording streams. */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateBom } from '@vacsrp/scanner';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerBomCommand } from '../src/commands/bom.js';
import { type CommandRun, runCommand } from './helpers.js';

const FIXTURE = fileURLToPath(new URL('../../scanner/test/fixtures/bom/model', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../../shared/standards/cyclonedx/examples', import.meta.url));

const run = (...argv: string[]): Promise<CommandRun> => runCommand(registerBomCommand, argv);

let dir = '';
let model = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vacsrp-bom-cli-'));
  model = join(dir, 'model');
  await cp(FIXTURE, model, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vacsrp bom', () => {
  it('prints a valid CycloneDX 1.6 ML-BOM, the same bytes on every run', async () => {
    const a = await run('bom', model);
    expect(a.code).toBe(0);
    expect(a.stderr.text()).toBe('');
    const bom = JSON.parse(a.stdout.text());
    expect(validateBom(bom)).toEqual([]);
    expect(bom.metadata.component.type).toBe('machine-learning-model');
    const b = await run('bom', model);
    expect(b.stdout.text()).toBe(a.stdout.text());
  });

  it('writes --output atomically and says so on stderr; --no-digest leaves hashes out', async () => {
    const out = join(dir, 'out.cdx.json');
    const r = await run('bom', model, '--output', out, '--no-digest');
    expect(r.code).toBe(0);
    expect(r.stdout.text()).toBe('');
    expect(r.stderr.text()).toMatch(/written to .*out\.cdx\.json/);
    const text = await readFile(out, 'utf8');
    expect(text).not.toContain('"hashes"');
    expect(validateBom(JSON.parse(text))).toEqual([]);
  });

  it('merges --merge FILE (an official ML-BOM example) and keeps its components', async () => {
    const r = await run('bom', model, '--merge', join(EXAMPLES, 'valid-machine-learning-1.6.json'));
    expect(r.code).toBe(0);
    const bom = JSON.parse(r.stdout.text());
    expect(validateBom(bom)).toEqual([]);
    const refs = bom.components.map((c: { 'bom-ref': string }) => c['bom-ref']);
    expect(refs).toContain('component-a');
    expect(refs).toContain('file/model.safetensors');
  });

  it('merges bom.json at the top of DIR automatically and reports conflicts on stderr', async () => {
    await writeFile(
      join(model, 'bom.json'),
      JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.6',
        version: 1,
        metadata: { component: { type: 'machine-learning-model', name: 'tiny-chat', version: '0.9' } },
        components: [{ type: 'library', name: 'pytorch', purl: 'pkg:pypi/torch@2.3.1' }],
      }),
    );
    const r = await run('bom', model);
    expect(r.code).toBe(0);
    expect(r.stderr.text()).toContain('merge conflict');
    expect(r.stderr.text()).toContain('/metadata/component/version');
    const bom = JSON.parse(r.stdout.text());
    expect(validateBom(bom)).toEqual([]);
    expect(bom.metadata.component.version).toBe('0.9');
    // bom.json describes the model; it is not listed as one of its files.
    expect(r.stdout.text()).not.toContain('file/bom.json');
  });

  it('refuses a BOM to merge that is not valid CycloneDX 1.6, naming the JSON pointer (exit 2)', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ name: 'x' }] }),
    );
    const r = await run('bom', model, '--merge', bad);
    expect(r.code).toBe(2);
    expect(r.stdout.text()).toBe('');
    expect(r.stderr.text()).toContain('/components/0');
    expect(r.stderr.text()).toContain('[MERGE_INVALID]');
    await writeFile(bad, '{ not json');
    expect((await run('bom', model, '--merge', bad)).code).toBe(2);
  });

  it('is a usage error without a directory or with a missing merge file (exit 2)', async () => {
    expect((await run('bom', join(dir, 'nope'))).code).toBe(2);
    expect((await run('bom', join(model, 'config.json'))).code).toBe(2);
    expect((await run('bom', model, '--merge', join(dir, 'missing.json'))).code).toBe(2);
    expect((await run('bom', model, '--bogus')).code).toBe(2);
  });

  it('reports unreadable parts with their location and still prints the BOM (exit 0)', async () => {
    await writeFile(join(model, 'README.md'), '---\nlicense: [mit\n---\n');
    const r = await run('bom', model);
    expect(r.code).toBe(0);
    expect(r.stderr.text()).toMatch(/warning: README\.md:\d+: front matter: .*\[FRONT_MATTER\]/);
    expect(validateBom(JSON.parse(r.stdout.text()))).toEqual([]);
  });
});
