/** Keras v3 archives end to end: configs built in code, scanned through the whole engine. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildZip } from '../../formats/test/helpers/zip-writer.js';
import { atLeast, type ScanReport, scan } from '../src/index.js';
import { callPickle } from './helpers/pickles.js';

const corpus = fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/formats/', import.meta.url));

const layer = (class_name: string, config: object, module = 'keras.layers') => ({
  module,
  class_name,
  config,
  registered_name: null,
});
const model = (...layers: object[]) => layer('Sequential', { name: 'm', layers }, 'keras');

async function scanKeras(
  config: object | string,
  limits?: Record<string, number>,
  extra: { name: string; data: Uint8Array }[] = [],
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vacsrp-keras-'));
  writeFileSync(
    path.join(dir, 'model.keras'),
    buildZip({
      members: [
        { name: 'metadata.json', data: '{"keras_version": "3.10.0"}' },
        { name: 'config.json', data: typeof config === 'string' ? config : JSON.stringify(config) },
        ...extra,
      ],
    }),
  );
  // The file itself, not its directory: directory roots also get a model-signature check.
  return scan([path.join(dir, 'model.keras')], { digest: false, ...(limits ? { limits } : {}) });
}
const rules = (r: ScanReport) => [...new Set(r.findings.map((f) => f.ruleId))].sort();
const find = (r: ScanReport, id: string) => r.findings.find((f) => f.ruleId === id);

// marshal.dumps((lambda x: __import__('os').system('echo vacsrp-canary')).__code__), CPython 3.11
const LAMBDA_311 =
  '4wEAAAAAAAAAAAAAAAMAAAADAAAA81YAAACXAHQBAAAAAAAAAAAAAGQBpgEAAKsBAAAAAAAAAACgAQAAAAAAAAAAAAAAAAAAAAAAAAAAZAKmAQAAqwEAAAAAAAAAAHwAZgJkAxkAAAAAAAAAAABTACkETtoCb3N6EmVjaG8gdmFjc3JwLWNhbmFyeekBAAAAKQLaCl9faW1wb3J0X1/aBnN5c3RlbSkB2gF4cwEAAAAg+gg8dmFjc3JwPvoIPGxhbWJkYT5yCAAAAAEAAABzJwAAAIAAjTqQZNELG9QLG9cLItILItAjN9ELONQLOLgh0Ao8uFHUCj+AAPMAAAAA';

describe('Keras config walk', () => {
  it('finds a Lambda nested in a wrapper inside a functional sub-model, and lists its bytecode names', async () => {
    const lambda = layer('Lambda', { function: { class_name: '__lambda__', config: { code: LAMBDA_311 } } });
    const inner = layer(
      'Functional',
      {
        name: 'inner',
        layers: [layer('Bidirectional', { layer: layer('TimeDistributed', { layer: lambda }) })],
      },
      'keras',
    );
    const r = await scanKeras(model(layer('Dense', { units: 2 }), inner));
    const f = find(r, 'VAC-KERAS-001');
    expect(f?.severity).toBe('critical');
    expect(f?.location.members).toEqual(['config.json']);
    expect(f?.evidence.details?.pointer).toBe(
      '/config/layers/1/config/layers/0/config/layer/config/layer/config/function/config/code',
    );
    expect(f?.evidence.excerpt).toContain('system');
  });

  it('flags a tf.keras legacy lambda (function_type "lambda")', async () => {
    const r = await scanKeras(
      model(
        layer('Lambda', { function: [LAMBDA_311, null, null], function_type: 'lambda', module: '__main__' }),
      ),
    );
    expect(find(r, 'VAC-KERAS-001')?.evidence.details?.form).toBe('legacy');
  });

  it('reports an undecodable Lambda payload as critical and as not analysed', async () => {
    const r = await scanKeras(
      model(layer('Lambda', { function: { class_name: '__lambda__', config: { code: '!!notbase64' } } })),
    );
    expect(rules(r)).toEqual(['VAC-KERAS-001', 'VAC-KERAS-007']);
  });

  it('denies a module+function reference to os (CVE-2025-1550) as critical', async () => {
    const r = await scanKeras(
      model(layer('Lambda', { function: { module: 'os', class_name: 'function', config: 'system' } })),
    );
    const f = find(r, 'VAC-KERAS-002');
    expect(f?.severity).toBe('critical');
    expect(f?.evidence.callable).toBe('os.system');
  });

  it('flags an unlisted module as high even when it is not on the denylist', async () => {
    const r = await scanKeras(model(layer('Fancy', {}, 'fancy_layers.core')));
    expect(find(r, 'VAC-KERAS-002')?.severity).toBe('high');
  });

  it('denies Keras gadget functions inside the allowed packages (CVE-2025-8747, -9906)', async () => {
    for (const [module, name] of [
      ['keras.utils', 'get_file'],
      ['keras.config', 'enable_unsafe_deserialization'],
      ['keras.src.saving.saving_api', 'load_model'],
    ] as const) {
      const r = await scanKeras(
        model(layer('Lambda', { function: { module, class_name: 'function', config: name } })),
      );
      expect(find(r, 'VAC-KERAS-003')?.evidence.callable).toBe(`${module}.${name}`);
    }
  });

  it('denies a gadget named as a class_name (Keras resolves any module attribute)', async () => {
    const r = await scanKeras(model(layer('load_model', {}, 'keras.models')));
    expect(find(r, 'VAC-KERAS-003')?.evidence.callable).toBe('keras.models.load_model');
  });

  it('reports a config.json past the size limit as not analysed', async () => {
    const r = await scanKeras(model(layer('Dense', { name: 'x'.repeat(200) })), {
      maxDecompressedBytes: 100,
    });
    expect(find(r, 'VAC-KERAS-007')?.message).toContain('larger than 100 bytes');
  });

  it('scans the pickle inside a TorchModuleWrapper (CVE-2025-49655)', async () => {
    const torch = buildZip({
      members: [
        { name: 'archive/data.pkl', data: callPickle('posix', 'system', 'id') },
        { name: 'archive/version', data: '3\n' },
      ],
    });
    const r = await scanKeras(
      model(layer('TorchModuleWrapper', { module: Buffer.from(torch).toString('base64') })),
    );
    expect(find(r, 'VAC-KERAS-004')).toBeDefined();
    const pkl = find(r, 'VAC-PKL-001');
    expect(pkl?.location.members?.slice(0, 2)).toEqual([
      'config.json',
      '/config/layers/0/config/module#torch.save',
    ]);
  });

  it('flags TFSMLayer and config paths that leave the archive', async () => {
    const r = await scanKeras(
      model(
        layer('TFSMLayer', { filepath: '../../saved_model' }),
        layer('TextVectorization', { vocabulary: 'file:///etc/passwd' }),
        layer('StringLookup', { vocabulary: ['a', 'b'] }),
      ),
    );
    expect(rules(r)).toEqual(['VAC-KERAS-005', 'VAC-KERAS-006']);
    expect(
      r.findings
        .filter((f) => f.ruleId === 'VAC-KERAS-006')
        .map((f) => f.evidence.details?.reach)
        .sort(),
    ).toEqual(['file-url', 'parent-traversal']);
  });

  it('notes custom objects at low severity', async () => {
    const r = await scanKeras(
      model({ class_name: 'MyLayer', config: {}, registered_name: 'my_pkg>MyLayer' }),
    );
    expect(find(r, 'VAC-KERAS-009')?.severity).toBe('low');
  });

  it('reports duplicate keys and malformed JSON', async () => {
    expect(rules(await scanKeras('{"class_name": "Sequential", "class_name": "Lambda"}'))).toEqual([
      'VAC-KERAS-008',
    ]);
    expect(rules(await scanKeras('{"class_name": '))).toEqual(['VAC-KERAS-007']);
  });

  it('analyses the weights HDF5 member, and reports it unanalysed past the buffer limit', async () => {
    const h5 = new Uint8Array(readFileSync(path.join(fixtures, 'hdf5.links.h5')));
    const member = [{ name: 'model.weights.h5', data: h5 }];
    const r = await scanKeras(model(layer('Dense', { units: 1 })), undefined, member);
    expect(find(r, 'VAC-HDF-001')?.location.members).toEqual(['model.weights.h5']);
    const small = await scanKeras(
      model(layer('Dense', { units: 1 })),
      { maxBufferedArchiveBytes: 1024 },
      member,
    );
    expect(rules(small)).toEqual(['VAC-HDF-006']);
  });
});

describe('Keras and HDF5 corpus samples', () => {
  const manifest = JSON.parse(readFileSync(path.join(corpus, 'manifest.json'), 'utf8')) as {
    files: { path: string; expected: string; format: string }[];
  };
  const samples = manifest.files.filter((f) => /^(keras|hdf5)/.test(f.format));
  it('has samples of both verdicts', () => {
    expect(
      samples.some((s) => s.expected === 'malicious') && samples.some((s) => s.expected === 'benign'),
    ).toBe(true);
  });
  for (const s of samples) {
    it(`${s.expected}: ${s.path}`, async () => {
      const r = await scan([path.join(corpus, s.path)], { digest: false });
      const serious = r.findings.filter((f) => atLeast(f.severity, 'medium'));
      if (s.expected === 'malicious') expect(serious.length).toBeGreaterThan(0);
      else expect(r.findings).toEqual([]);
      expect(r.artifacts[0]?.status).toBe('scanned');
    });
  }
});
