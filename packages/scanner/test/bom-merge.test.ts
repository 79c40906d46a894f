/** Merging our ML-BOM into an existing one: the official ML-BOM examples and identity by ref/purl/hash. */
import { describe, expect, it } from 'vitest';
import {
  type BomInputs,
  buildMlBom,
  type CycloneDxBom,
  mergeBoms,
  renderBom,
  validateBom,
} from '../src/index.js';
import { officialErrors, officialExample } from './helpers/bom-schema.js';

const SHA = 'c7cf704b30eb87a4b90de0334a13fdb970f58fa81a3389f652eab15b92d61dd2';

const INPUTS: BomInputs = {
  directoryName: 'repo',
  tool: { name: 'vacsrp', version: '0.0.0-test' },
  model: {
    name: 'tiny-chat',
    version: '1.2.0',
    licenses: ['mit'],
    baseModels: ['example-org/base-7b'],
    task: 'text-generation',
    languages: [],
    tags: [],
    metrics: [],
    useCases: ['chat'],
    technicalLimitations: [],
    ethicalConsiderations: [],
  },
  datasets: [{ name: 'example-org/instructions', source: 'README.md' }],
  artifacts: [{ path: 'model.safetensors', size: 80, sha256: SHA, format: 'safetensors' }],
  dependencies: [
    {
      ecosystem: 'PyPI',
      name: 'torch',
      version: '2.3.1',
      pinned: true,
      hashed: true,
      file: 'requirements.txt',
    },
  ],
  problems: [],
};

const ours = () => buildMlBom(INPUTS);
type Component = Record<string, unknown> & { 'bom-ref'?: string };

describe('mergeBoms with the official CycloneDX ML-BOM examples', () => {
  for (const name of [
    'valid-machine-learning-1.6.json',
    'valid-machine-learning-considerations-env-1.6.json',
  ]) {
    it(`keeps everything of ${name} and adds ours; the result validates`, () => {
      const theirs = officialExample(name) as unknown as CycloneDxBom;
      expect(validateBom(theirs)).toEqual([]);
      const { bom, conflicts } = mergeBoms(ours(), theirs);
      expect(conflicts).toEqual([]);
      expect(officialErrors(bom)).toEqual([]);
      expect(validateBom(bom)).toEqual([]);
      const refs = (bom.components ?? []).map((c) => (c as Component)['bom-ref']);
      for (const c of theirs.components ?? []) expect(refs).toContain((c as Component)['bom-ref']);
      for (const c of ours().components ?? []) expect(refs).toContain((c as Component)['bom-ref']);
      expect(bom.metadata?.component).toMatchObject({ name: 'tiny-chat' });
      // Deterministic: the same inputs merge to the same bytes, with a fresh serial number.
      expect(renderBom(mergeBoms(ours(), theirs).bom)).toBe(renderBom(bom));
      expect(bom.serialNumber).not.toBe(theirs.serialNumber);
    });
  }
});

describe('mergeBoms identity and conflicts', () => {
  const theirs = (): CycloneDxBom => ({
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 3,
    metadata: {
      timestamp: '2025-01-01T00:00:00Z',
      tools: [{ vendor: 'acme', name: 'legacy-tool', version: '1' }],
      component: {
        type: 'machine-learning-model',
        'bom-ref': 'acme-model',
        name: 'tiny-chat',
        version: '1.1.0',
      },
    },
    components: [
      { type: 'library', 'bom-ref': 'torch-lib', name: 'pytorch', purl: 'pkg:pypi/torch@2.3.1' },
      {
        type: 'file',
        'bom-ref': 'w',
        name: 'weights',
        hashes: [{ alg: 'SHA-256', content: SHA.toUpperCase() }],
      },
      {
        type: 'data',
        'bom-ref': 'data/example-org/instructions',
        name: 'example-org/instructions',
        description: 'theirs',
      },
    ],
    services: [{ name: 'inference-api' }],
    dependencies: [{ ref: 'acme-model', dependsOn: ['torch-lib'] }],
  });

  it('matches by purl, hash and bom-ref, keeps theirs on conflict and reports it', () => {
    const { bom, conflicts } = mergeBoms(ours(), theirs());
    expect(officialErrors(bom)).toEqual([]);
    const components = bom.components as Component[];
    // torch matched by purl, the weights by SHA-256, the dataset by bom-ref: no duplicates.
    expect(components.filter((c) => c.purl === 'pkg:pypi/torch@2.3.1')).toHaveLength(1);
    expect(components.filter((c) => c.type === 'file')).toHaveLength(1);
    expect(components.filter((c) => c.type === 'data')).toHaveLength(1);
    const torch = components.find((c) => c['bom-ref'] === 'torch-lib')!;
    expect(torch.name).toBe('pytorch');
    expect(torch.properties).toBeDefined(); // enriched with ours
    expect(bom.services).toEqual([{ name: 'inference-api' }]);
    expect(bom.version).toBe(3);
    expect(bom.metadata?.timestamp).toBe('2025-01-01T00:00:00Z');
    expect(bom.metadata?.tools).toContainEqual({ name: 'vacsrp', version: '0.0.0-test' });
    const model = bom.metadata?.component as Component;
    expect(model['bom-ref']).toBe('acme-model');
    expect(model.licenses).toEqual([{ license: { id: 'MIT' } }]);
    expect(conflicts.map((c) => c.pointer).sort()).toEqual([
      '/components/0/name', // pytorch vs torch
      '/components/1/name', // weights vs model.safetensors
      '/metadata/component/version',
    ]);
    // Our dependency edges follow their bom-refs.
    const root = bom.dependencies?.find((d) => d.ref === 'acme-model');
    expect(root?.dependsOn).toEqual(
      expect.arrayContaining([
        'torch-lib',
        'w',
        'data/example-org/instructions',
        'model/example-org/base-7b',
      ]),
    );
    expect(bom.dependencies?.some((d) => d.ref === 'model/tiny-chat')).toBe(false);
  });

  it('reports a digest that changed since their BOM', () => {
    const t = theirs();
    (t.components![1] as { hashes: unknown }).hashes = [{ alg: 'SHA-256', content: 'ab'.repeat(32) }];
    (t.components![1] as Component)['bom-ref'] = 'file/model.safetensors';
    const { conflicts } = mergeBoms(ours(), t);
    expect(conflicts.some((c) => c.pointer === '/components/1/hashes')).toBe(true);
  });

  it('merging our own BOM into itself changes nothing', () => {
    const a = ours();
    expect(renderBom(mergeBoms(a, structuredClone(a)).bom)).toBe(renderBom(a));
    expect(mergeBoms(a, structuredClone(a)).conflicts).toEqual([]);
  });
});
