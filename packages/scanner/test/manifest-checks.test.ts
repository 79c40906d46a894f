import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manifestFindings } from '../src/checks/manifest.js';
import { findCriterion } from '../src/criteria/index.js';
import { draftManifest } from '../src/manifest/draft.js';
import { parseManifest } from '../src/manifest/parse.js';
import { serializeManifest } from '../src/manifest/serialize.js';
import { MANIFEST_RULES } from '../src/rules/manifest.js';
import { scan } from '../src/scan.js';

function safetensors(fill = 0): Buffer {
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.alloc(8, fill)]);
}
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vacsrp-manifest-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const manifest = (artifacts: string, extra = '') => `manifestVersion: 1
model:
  name: m
  version: "1"
  licence: { id: MIT }
${extra}developer:
  organisation: Acme
  securityContact: https://acme.example/security
intendedUses: [chat]
artifacts:
${artifacts}
confidentiality: upload
`;

async function findingsFor(dirPath: string) {
  const report = await scan([dirPath]);
  return manifestFindings(dirPath, report.artifacts);
}

describe('manifest rules', () => {
  it('name criteria that exist in the catalog', () => {
    for (const [id, rule] of Object.entries(MANIFEST_RULES)) {
      expect(id).toMatch(/^VAC-MAN-\d{3}$/);
      expect(findCriterion(rule.criterion)).toBeDefined();
    }
  });
});

describe('manifestFindings', () => {
  it('finds nothing without a manifest, and nothing when everything matches', async () => {
    const bytes = safetensors();
    await writeFile(join(dir, 'model.safetensors'), bytes);
    expect(await findingsFor(dir)).toEqual([]);
    await writeFile(
      join(dir, 'vacsrp.yaml'),
      manifest(`  - path: model.safetensors\n    sha256: ${sha256(bytes)}\n    size: ${bytes.length}`),
    );
    expect(await findingsFor(dir)).toEqual([]);
  });

  it('reports a digest mismatch (critical), a missing artifact (high), an unlisted model (medium), an unpinned base model (medium)', async () => {
    const listed = safetensors(1);
    await writeFile(join(dir, 'model.safetensors'), listed);
    await writeFile(join(dir, 'extra.safetensors'), safetensors(2));
    await writeFile(join(dir, 'notes.txt'), 'not a model');
    await writeFile(
      join(dir, 'vacsrp.yaml'),
      manifest(
        [
          `  - path: model.safetensors\n    sha256: ${sha256(safetensors(9))}\n    size: ${listed.length}`,
          `  - path: gone.safetensors\n    sha256: ${'f'.repeat(64)}\n    size: 1`,
        ].join('\n'),
        '  baseModels:\n    - repository: org/base\n      revision: main\n    - repository: org/pinned\n      revision: 0123456789abcdef0123456789abcdef01234567\n',
      ),
    );
    const found = await findingsFor(dir);
    expect(found.map((f) => [f.ruleId, f.severity, f.criterion, f.location.artifact]).sort()).toEqual(
      [
        ['VAC-MAN-002', 'critical', 'SC-4', join(dir, 'model.safetensors')],
        ['VAC-MAN-003', 'high', 'SC-4', join(dir, 'gone.safetensors')],
        ['VAC-MAN-004', 'medium', 'SC-4', join(dir, 'extra.safetensors')],
        ['VAC-MAN-005', 'medium', 'SC-3', join(dir, 'vacsrp.yaml')],
      ].sort(),
    );
    const mismatch = found.find((f) => (f.ruleId as string) === 'VAC-MAN-002')!;
    expect(mismatch.evidence.details).toMatchObject({
      actualSha256: sha256(listed),
      expectedSha256: sha256(safetensors(9)),
    });
  });

  it('reports a size mismatch even when digests were not computed', async () => {
    const bytes = safetensors();
    await writeFile(join(dir, 'model.safetensors'), bytes);
    await writeFile(
      join(dir, 'vacsrp.yaml'),
      manifest(`  - path: model.safetensors\n    sha256: ${sha256(bytes)}\n    size: ${bytes.length + 1}`),
    );
    const report = await scan([dir], { digest: false });
    const found = await manifestFindings(dir, report.artifacts);
    expect(found.map((f) => f.ruleId)).toEqual(['VAC-MAN-002']);
  });

  it('treats a listed artifact that is a symbolic link as missing', async () => {
    const bytes = safetensors();
    const outside = await mkdtemp(join(tmpdir(), 'vacsrp-outside-'));
    try {
      await writeFile(join(outside, 'real.safetensors'), bytes);
      await symlink(join(outside, 'real.safetensors'), join(dir, 'model.safetensors'));
      await writeFile(
        join(dir, 'vacsrp.yaml'),
        manifest(`  - path: model.safetensors\n    sha256: ${sha256(bytes)}\n    size: ${bytes.length}`),
      );
      expect((await findingsFor(dir)).map((f) => f.ruleId)).toEqual(['VAC-MAN-003']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('reports each parse problem as a located finding', async () => {
    await writeFile(
      join(dir, 'vacsrp.yaml'),
      manifest('  - path: a.bin\n    sha256: nope\n    size: 1').replace('  name: m', '  nmae: m'),
    );
    const found = await findingsFor(dir);
    expect(
      found.map((f) => [
        f.ruleId,
        f.severity,
        f.evidence.details?.line,
        f.evidence.details?.column,
        f.evidence.details?.code,
      ]),
    ).toEqual([
      ['VAC-MAN-001', 'medium', 3, 3, 'MISSING_PROPERTY'],
      ['VAC-MAN-001', 'medium', 3, 3, 'UNKNOWN_PROPERTY'],
      ['VAC-MAN-001', 'medium', 12, 13, 'INVALID_VALUE'],
    ]);
    expect(found[1]?.message).toBe(
      '3:3: unknown property "nmae" in /model; did you mean "name"? (write: name)',
    );
  });
});

describe('draftManifest', () => {
  it('drafts from the model card, config.json, a Croissant description, artifacts and dependency files', async () => {
    await writeFile(
      join(dir, 'README.md'),
      '---\nlicense: other\nlicense_name: acme-model-licence\nlicense_link: https://acme.example/licence\nbase_model: [org/base]\ndatasets: [org/data]\npipeline_tag: image-classification\n---\n# Card\n',
    );
    await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'vit' }));
    await copyFile(
      new URL('./fixtures/manifest/croissant.json', import.meta.url),
      join(dir, 'croissant.json'),
    );
    await writeFile(join(dir, 'model.safetensors'), safetensors());
    await writeFile(join(dir, 'pyproject.toml'), '[project]\nname = "x"\n');
    const { draft, filled, missing } = await draftManifest(dir, { name: 'vit', version: '1' });
    expect(draft.model).toEqual({
      name: 'vit',
      version: '1',
      architecture: 'vit',
      modalities: ['image'],
      licence: { id: 'other', text: 'acme-model-licence https://acme.example/licence' },
      baseModels: [{ hub: 'huggingface', repository: 'org/base' }],
    });
    expect(draft.artifacts).toEqual([
      { path: 'model.safetensors', sha256: sha256(safetensors()), size: safetensors().length },
    ]);
    expect(draft.dependencyFiles).toEqual(['pyproject.toml']);
    expect(draft.trainingData).toEqual([
      { name: 'org/data', source: 'https://huggingface.co/datasets/org/data' },
      {
        name: 'acme-public-docs',
        source: 'https://data.acme.example/public-docs',
        licence: 'CC-BY-4.0',
        collectionMethod: 'licensed',
        collectionPeriod: { start: '2023-01-01', end: '2024-06-30' },
        personalData: { contains: true, handling: 'Names and e-mail addresses, removed before training.' },
        preprocessing: 'De-duplicated and language-filtered.',
        snapshot: 'version 2024.07',
        files: [
          {
            path: 'https://data.acme.example/docs.parquet',
            sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
          },
        ],
      },
    ]);
    expect(filled).toContain('model.architecture (config.json)');
    expect(missing).toEqual([
      'developer.organisation',
      'developer.securityContact',
      'intendedUses',
      'confidentiality',
      'model.baseModels[0].revision (org/base: pin a commit hash)',
    ]);
    // A draft with the answers filled in is a valid manifest.
    const complete = {
      ...draft,
      developer: { organisation: 'Acme', securityContact: 'security@acme.example' },
      intendedUses: ['classify'],
      confidentiality: 'upload' as const,
    };
    expect(parseManifest(serializeManifest(complete), 'vacsrp.yaml').problems).toEqual([]);
  });
});
