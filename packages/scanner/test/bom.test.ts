/** The ML-BOM builder: golden output, schema validity, byte stability, sources and located problems. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BOM_LIMITS,
  type BomInputs,
  buildMlBom,
  canonicalSpdxId,
  collectBomInputs,
  dependencyPurl,
  licenseChoice,
  parseCroissant,
  parseManifestFacts,
  parseModelCard,
  renderBom,
  validateBom,
} from '../src/index.js';
import { officialErrors } from './helpers/bom-schema.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/bom', import.meta.url));
const MODEL = join(FIXTURES, 'model');
const GOLDEN = join(FIXTURES, 'model.cdx.json');
const TOOL = { name: 'vacsrp', version: '0.0.0-test' };

async function bomOf(dir: string, digest = true): Promise<{ text: string; inputs: BomInputs }> {
  const inputs = { ...(await collectBomInputs(dir, { digest })), tool: TOOL };
  return { text: renderBom(buildMlBom(inputs)), inputs };
}

describe('buildMlBom on the fixture repository', () => {
  it('matches the golden file byte for byte (UPDATE_GOLDEN=1 rewrites)', async () => {
    const { text, inputs } = await bomOf(MODEL);
    expect(inputs.problems).toEqual([]);
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('validates against the official CycloneDX 1.6 schema and our validator', async () => {
    const bom = JSON.parse((await bomOf(MODEL)).text);
    expect(officialErrors(bom)).toEqual([]);
    expect(validateBom(bom)).toEqual([]);
  });

  it('gives identical bytes on two runs; the serial number follows the content', async () => {
    const a = await bomOf(MODEL);
    const b = await bomOf(MODEL);
    expect(a.text).toBe(b.text);
    const serial = JSON.parse(a.text).serialNumber as string;
    expect(serial).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const other = buildMlBom({ ...a.inputs, model: { ...a.inputs.model, version: '9' } });
    expect(other.serialNumber).not.toBe(serial);
    expect(JSON.parse(a.text).metadata.timestamp).toBeUndefined();
  });

  it('describes the model, its datasets, base model, libraries and files', async () => {
    const bom = JSON.parse((await bomOf(MODEL)).text);
    const model = bom.metadata.component;
    expect(model).toMatchObject({
      type: 'machine-learning-model',
      name: 'tiny-chat',
      version: '1.2.0',
      licenses: [{ license: { id: 'Apache-2.0' } }],
    });
    expect(model.modelCard.modelParameters).toMatchObject({
      task: 'text-generation',
      architectureFamily: 'llama',
      modelArchitecture: 'LlamaForCausalLM',
      datasets: [{ ref: 'data/example-org/instructions' }, { ref: 'data/tiny-eval' }],
    });
    expect(model.modelCard.quantitativeAnalysis.performanceMetrics).toEqual([
      { type: 'Accuracy', value: '0.61', slice: 'Example QA / test' },
    ]);
    expect(model.modelCard.considerations.technicalLimitations).toEqual(['Medical or legal advice.']);
    expect(model.pedigree.ancestors[0].purl).toBe('pkg:huggingface/example-org/base-7b');
    const refs = bom.components.map((c: { 'bom-ref': string }) => c['bom-ref']);
    expect(refs).toEqual([...refs].sort());
    expect(refs).toContain('pkg:pypi/torch@2.3.1');
    expect(refs).toContain('pkg:pypi/safe-tensors@0.4.3');
    expect(refs).toContain('model/example-org/base-7b');
    const weights = bom.components.find((c: { name: string }) => c.name === 'model.safetensors');
    expect(weights.hashes[0].alg).toBe('SHA-256');
    expect(weights.hashes[0].content).toMatch(/^[0-9a-f]{64}$/);
    const data = bom.components.find(
      (c: { 'bom-ref': string }) => c['bom-ref'] === 'data/example-org/instructions',
    );
    // vacsrp.yaml adds the URL and licence the model card lacks.
    expect(data.licenses).toEqual([{ license: { id: 'CC-BY-4.0' } }]);
    const root = bom.dependencies.find((d: { ref: string }) => d.ref === 'model/tiny-chat');
    expect(root.dependsOn).toEqual(refs);
  });

  it('leaves hashes out with digest: false', async () => {
    const { text } = await bomOf(MODEL, false);
    expect(text).not.toContain('"hashes"');
    expect(officialErrors(JSON.parse(text))).toEqual([]);
  });
});

describe('malformed repository files', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vacsrp-bom-'));
    await cp(MODEL, dir, { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports each bad file where it is wrong and still builds a valid BOM', async () => {
    await writeFile(join(dir, 'README.md'), '---\nlicense: [mit\ntags: x\n---\n# card\n');
    await writeFile(
      join(dir, 'data/croissant.json'),
      '{"@context": {"cr": "http://mlcommons.org/croissant/"}, ',
    );
    await writeFile(join(dir, 'data/other.json'), '{"@context": {"cr": "http://mlcommons.org/croissant/"}}');
    await writeFile(join(dir, 'config.json'), '[1]');
    await writeFile(join(dir, 'vacsrp.yaml'), 'model: {name: x}\ndatasets: nope\n');
    await writeFile(join(dir, 'requirements.txt'), 'torch==2.3.1\n--index-url http://evil.example/simple\n');
    const { text, inputs } = await bomOf(dir);
    const codes = inputs.problems.map((p) => `${p.code} ${p.file} ${p.pointer ?? ''} ${p.line ?? ''}`.trim());
    expect(codes).toContain('CROISSANT data/croissant.json');
    expect(codes).toContain('CROISSANT data/other.json /name');
    expect(codes).toContain('CONFIG config.json');
    expect(codes).toContain('MANIFEST vacsrp.yaml /datasets');
    expect(codes.some((c) => c.startsWith('DEPENDENCIES requirements.txt'))).toBe(true);
    const fm = inputs.problems.find((p) => p.code === 'FRONT_MATTER');
    expect(fm?.file).toBe('README.md');
    expect(fm?.line).toBeGreaterThanOrEqual(2);
    const bom = JSON.parse(text);
    expect(officialErrors(bom)).toEqual([]);
    expect(bom.metadata.component.name).toBe('x');
    expect(text).toContain('pkg:pypi/torch@2.3.1');
  });

  it('does not read a README larger than the limit, and says so', async () => {
    await writeFile(
      join(dir, 'README.md'),
      `---\nlicense: mit\n---\n${'x'.repeat(BOM_LIMITS.maxMetadataBytes)}`,
    );
    const { text, inputs } = await bomOf(dir);
    expect(inputs.problems).toContainEqual(expect.objectContaining({ code: 'LIMIT', file: 'README.md' }));
    expect(officialErrors(JSON.parse(text))).toEqual([]);
  });

  it('names the model after the directory when nothing else does', async () => {
    for (const f of ['README.md', 'vacsrp.yaml', 'config.json']) await rm(join(dir, f));
    const bom = JSON.parse((await bomOf(dir)).text);
    expect(bom.metadata.component.name).toMatch(/^vacsrp-bom-/);
    // Only the Croissant file is left to describe anything.
    expect(bom.metadata.component.modelCard).toEqual({
      modelParameters: { datasets: [{ ref: 'data/tiny-eval' }] },
    });
    expect(officialErrors(bom)).toEqual([]);
  });
});

describe('sources', () => {
  it('reads a Hugging Face card: licence other + license_name, list base_model, placeholders dropped', () => {
    const { card, problems } = parseModelCard(
      '---\nlicense: other\nlicense_name: acme-model-licence\nbase_model: [a/b, c/d]\n---\n## Direct Use\n\n[More Information Needed]\n',
    );
    expect(problems).toEqual([]);
    expect(card.licenses).toEqual(['acme-model-licence']);
    expect(card.baseModels).toEqual(['a/b', 'c/d']);
    expect(card.useCases).toEqual([]);
  });

  it('reads CRLF front matter and a closing fence at the end of the file', () => {
    expect(parseModelCard('---\r\nlicense: mit\r\n---\r\n# x\r\n').card.licenses).toEqual(['mit']);
    expect(parseModelCard('---\npipeline_tag: fill-mask\n---').card.task).toBe('fill-mask');
    expect(parseModelCard('no front matter\n---\nlicense: mit\n---\n').card.licenses).toEqual([]);
  });

  it('reports a front matter that is not a mapping, and a model-index of the wrong shape', () => {
    expect(parseModelCard('---\n- a\n---\n').problems[0]).toMatchObject({ code: 'FRONT_MATTER', line: 2 });
    expect(parseModelCard('---\nmodel-index: 3\n---\n').problems[0]).toMatchObject({
      code: 'FRONT_MATTER',
      pointer: '/model-index',
    });
  });

  it('reads the official Croissant examples and ignores JSON that is not Croissant', () => {
    const dir = fileURLToPath(
      new URL('../../../../shared/standards/model-card/croissant/examples', import.meta.url),
    );
    const mnist = parseCroissant(readFileSync(join(dir, 'mnist-croissant-1.1.json'), 'utf8'), 'mnist.json');
    expect(mnist?.dataset?.name).toBe('mnist');
    expect(mnist?.problems).toEqual([]);
    expect(parseCroissant('{"a": 1}', 'x.json')).toBeUndefined();
    expect(parseCroissant('not json', 'x.json')).toBeUndefined();
  });

  it('reads the manifest fields at the top level or under model', () => {
    const top = parseManifestFacts(
      'name: m\nversion: "2"\nlicense: MIT\ndatasets: [d1, {name: d2, url: "https://e.org"}]\n',
    );
    expect(top.facts).toMatchObject({ name: 'm', version: '2', licenses: ['MIT'] });
    expect(top.facts.datasets.map((d) => d.name)).toEqual(['d1', 'd2']);
    expect(parseManifestFacts('a: [').problems[0]?.code).toBe('MANIFEST');
  });

  it('maps licences to SPDX ids when CycloneDX knows them, names otherwise', () => {
    expect(licenseChoice('apache-2.0')).toEqual({ license: { id: 'Apache-2.0' } });
    expect(licenseChoice('llama2')).toEqual({ license: { name: 'llama2' } });
    expect(canonicalSpdxId('cc-by-4.0')).toBe('CC-BY-4.0');
  });

  it('writes purls for PyPI, npm scopes and unpinned specifiers', () => {
    expect(dependencyPurl({ ecosystem: 'PyPI', name: 'Safe_Tensors', version: '0.4.3', pinned: true })).toBe(
      'pkg:pypi/safe-tensors@0.4.3',
    );
    expect(dependencyPurl({ ecosystem: 'npm', name: '@scope/pkg', version: '1.0.0', pinned: true })).toBe(
      'pkg:npm/%40scope/pkg@1.0.0',
    );
    expect(dependencyPurl({ ecosystem: 'PyPI', name: 'x', version: '>=1', pinned: false })).toBe(
      'pkg:pypi/x',
    );
  });
});

describe('validateBom', () => {
  it('locates problems by JSON pointer', () => {
    const problems = validateBom({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      version: 1,
      components: [{ type: 'model', name: 'x' }, { name: 'y' }],
    });
    const pointers = problems.map((p) => p.pointer);
    expect(pointers).toContain('/components/0/type');
    expect(pointers).toContain('/components/1');
    expect(validateBom('nope')[0]?.pointer).toBe('');
  });
});
