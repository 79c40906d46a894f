import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  mf,
  msg,
  onnxAttrGraph,
  onnxExternalTensor,
  onnxModel,
  onnxNode,
  onnxNodeBody,
  sf,
  tfGraph,
  tfNode,
  tfSavedModel,
  vf,
} from '../../formats/test/helpers/protobuf-encode.js';
import { buildZip } from '../../formats/test/helpers/zip-writer.js';
import { checkExternalLocation, validateDomainPolicy } from '../src/checks/onnx.js';
import { renderJson, renderSarif, scan } from '../src/index.js';
import { expectGolden } from './fixtures/report/golden.js';
import { analyseBytes, analyseFile, CORPUS, ids, removeTempDirs, tempDir } from './helpers/graphs.js';

afterAll(removeTempDirs);

const external = (entries: Record<string, string>, location = 1) =>
  onnxModel(msg(onnxNode('MatMul'), onnxExternalTensor(5, 'W', entries, location)));

describe('ONNX corpus samples', () => {
  it('flags the malicious samples at medium or higher', async () => {
    const traversal = await analyseFile(`${CORPUS}malicious/onnx/external_data_path_traversal.onnx`);
    expect(traversal.format).toBe('onnx');
    expect(ids(traversal.findings)).toEqual(['VAC-ONNX-001:high']);
    const custom = await analyseFile(`${CORPUS}malicious/onnx/custom_domain_operator.onnx`);
    expect(ids(custom.findings)).toEqual(['VAC-ONNX-005:medium']);
    expect(custom.findings[0]!.evidence.callable).toBe('com.vacsrp.exec.ShellExec');
  });

  it('reports nothing for the benign models, and verifies their external data', async () => {
    for (const f of ['benign/onnx/mlp.onnx', 'benign/onnx/mlp_external/mlp_external.onnx']) {
      const r = await analyseFile(`${CORPUS}${f}`);
      expect(r.format).toBe('onnx');
      expect(r.findings).toEqual([]);
    }
  });

  it('does not claim the raw external tensor data', async () => {
    const r = await analyseFile(`${CORPUS}benign/onnx/mlp_external/mlp_external.onnx.data`);
    expect(r.format).toBe('data');
  });
});

describe('ONNX external data locations', () => {
  it.each([
    ['../../x', '".." segment'],
    ['subdir/../../etc/passwd', '".." segment'],
    ['a/b/..', '".." segment'],
    ['..\\..\\windows\\win.ini', '".." segment'],
    ['/etc/passwd', 'absolute path'],
    ['C:\\Windows\\win.ini', 'drive-letter path'],
    ['c:x', 'drive-letter path'],
    ['\\\\host\\share\\x', 'UNC or network path'],
    ['//host/share', 'UNC or network path'],
    ['file:///etc/passwd', 'URL'],
    ['', 'empty location'],
  ])('rejects %j (%s)', async (location, why) => {
    expect(checkExternalLocation(location)).toEqual({ ok: false, why });
    if (location === '') return;
    const r = await analyseFile(path.join(tempDir(), 'm.onnx'), external({ location }));
    expect(ids(r.findings)).toEqual(['VAC-ONNX-001:high']);
  });

  it('accepts plain relative names, including dots inside names', () => {
    for (const ok of ['w.bin', 'data/w.bin', 'a..b', '.hidden', './w.bin'])
      expect(checkExternalLocation(ok)).toEqual({ ok: true });
  });

  it('checks existence and ranges against the files beside the model', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'w.bin'), new Uint8Array(100));
    mkdirSync(path.join(dir, 'sub'));
    const model = path.join(dir, 'm.onnx');
    expect(
      (await analyseFile(model, external({ location: 'w.bin', offset: '0', length: '100' }))).findings,
    ).toEqual([]);
    expect(
      ids((await analyseFile(model, external({ location: 'w.bin', offset: '64', length: '64' }))).findings),
    ).toEqual(['VAC-ONNX-003:medium']);
    expect(ids((await analyseFile(model, external({ location: 'missing.bin' }))).findings)).toEqual([
      'VAC-ONNX-003:medium',
    ]);
    expect(ids((await analyseFile(model, external({ location: 'sub' }))).findings)).toEqual([
      'VAC-ONNX-003:medium',
    ]);
  });

  it('follows symbolic links and flags those that leave the model directory', async () => {
    const dir = tempDir();
    const outside = tempDir();
    writeFileSync(path.join(outside, 'secret'), 'canary');
    symlinkSync(path.join(outside, 'secret'), path.join(dir, 'w.bin'));
    symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling.bin'));
    writeFileSync(path.join(dir, 'real.bin'), new Uint8Array(8));
    symlinkSync('real.bin', path.join(dir, 'inside.bin'));
    const model = path.join(dir, 'm.onnx');
    expect(ids((await analyseFile(model, external({ location: 'w.bin' }))).findings)).toEqual([
      'VAC-ONNX-002:high',
    ]);
    expect(ids((await analyseFile(model, external({ location: 'dangling.bin' }))).findings)).toEqual([
      'VAC-ONNX-002:high',
    ]);
    expect((await analyseFile(model, external({ location: 'inside.bin', length: '8' }))).findings).toEqual(
      [],
    );
  });

  it('reports malformed entries: unknown or repeated keys, bad numbers, no location, unknown data_location', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'w.bin'), new Uint8Array(16));
    const model = path.join(dir, 'm.onnx');
    const check = async (bytes: Uint8Array) => ids((await analyseFile(model, bytes)).findings);
    expect(await check(external({ location: 'w.bin', __class__: 'x' }))).toEqual(['VAC-ONNX-009:medium']);
    expect(await check(external({ location: 'w.bin', offset: '-1' }))).toEqual(['VAC-ONNX-009:medium']);
    expect(await check(external({ offset: '0' }))).toEqual(['VAC-ONNX-009:medium']);
    expect(await check(external({ location: 'w.bin' }, 0))).toEqual(['VAC-ONNX-009:medium']);
    expect(await check(onnxModel(msg(onnxNode('Relu'), mf(5, sf(8, 'W'), vf(14, 7)))))).toEqual([
      'VAC-ONNX-009:medium',
    ]);
    const repeated = onnxModel(
      mf(
        5,
        sf(8, 'W'),
        mf(13, sf(1, 'location'), sf(2, 'w.bin')),
        mf(13, sf(1, 'location'), sf(2, '../x')),
        vf(14, 1),
      ),
    );
    // The later value wins in onnx (setattr in order), so it is the one checked for traversal too.
    expect(await check(repeated)).toEqual(['VAC-ONNX-001:high', 'VAC-ONNX-009:medium']);
  });

  it('inside an archive, checks the path but reports that the file could not be verified', async () => {
    const r = await analyseBytes(external({ location: 'w.bin' }), 'bundle.zip', ['model/m.onnx']);
    expect(ids(r.findings)).toEqual(['VAC-ONNX-004:low']);
    const bad = await analyseBytes(external({ location: '../../x' }), 'bundle.zip', ['model/m.onnx']);
    expect(ids(bad.findings)).toEqual(['VAC-ONNX-001:high']);
  });

  it('scans ONNX and TensorFlow members of a real zip, stored and deflated', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bundle.zip');
    const graph = tfSavedModel(tfGraph([tfNode('r', 'MatchingFiles', ['p'])]));
    writeFileSync(
      file,
      buildZip({
        members: [
          { name: 'model/m.onnx', data: external({ location: 'sub/../../../etc/passwd' }), method: 8 },
          { name: 'model/ok.onnx', data: external({ location: 'w.bin' }), method: 0 },
          { name: 'tf/saved_model.pb', data: graph, method: 8 },
        ],
      }),
    );
    const report = await scan([file], { digest: false });
    const got = report.findings
      .map((f) => `${f.location.members?.join('!')} ${f.ruleId}:${f.severity}`)
      .sort();
    expect(got).toEqual([
      'model/m.onnx VAC-ONNX-001:high',
      'model/ok.onnx VAC-ONNX-004:low',
      'tf/saved_model.pb VAC-TF-002:high',
    ]);
  });

  it('finds external data in attribute tensors inside subgraphs', async () => {
    const body = msg(
      onnxNode(
        'Constant',
        '',
        mf(5, sf(1, 'value'), onnxExternalTensor(5, 'C', { location: '/etc/shadow' })),
      ),
    );
    const bytes = onnxModel(msg(onnxNode('If', '', onnxAttrGraph('then_branch', body))));
    const r = await analyseBytes(bytes, 'm.onnx');
    expect(ids(r.findings)).toEqual(['VAC-ONNX-001:high']);
    expect(r.findings[0]!.evidence.details!.scope).toMatch(/then_branch/);
  });
});

describe('ONNX malformed structure', () => {
  it('reports each anomaly code once, with how often it occurred', async () => {
    // data_location written as a string (wrong wire type) on three tensors.
    const bad = (name: string) => mf(5, sf(8, name), sf(14, 'EXTERNAL'));
    const r = await analyseBytes(onnxModel(msg(onnxNode('Relu'), bad('a'), bad('b'), bad('c'))), 'm.onnx');
    expect(ids(r.findings)).toEqual(['VAC-ONNX-007:medium']);
    expect(r.findings[0]!.evidence.details).toMatchObject({ code: 'WRONG_WIRE_TYPE', count: 3 });
  });
});

describe('ONNX operator domains', () => {
  it('reports runtime domains low, custom domains medium, Python ops high, once per operator', async () => {
    const g = msg(
      onnxNode('FusedMatMul', 'com.microsoft'),
      onnxNode('Evil', 'x.custom'),
      onnxNode('Evil', 'x.custom'),
      onnxNode('PyOp', 'ai.onnx.contrib'),
      onnxNode('Relu', 'ai.onnx'),
      onnxNode('Scaler', 'ai.onnx.ml'),
    );
    const r = await analyseBytes(onnxModel(g), 'm.onnx');
    expect(ids(r.findings)).toEqual(['VAC-ONNX-005:low', 'VAC-ONNX-005:medium', 'VAC-ONNX-006:high']);
    expect(
      r.findings.find((f) => f.ruleId === 'VAC-ONNX-005' && f.severity === 'medium')!.evidence.details!.nodes,
    ).toBe(2);
  });

  it('looks inside subgraphs and function bodies, but not at calls of model-local functions', async () => {
    const fn = mf(25, sf(1, 'Helper'), sf(10, 'local.fns'), sf(7, onnxNodeBody('NativeThing', 'vendor.ops')));
    const g = msg(
      onnxNode('Helper', 'local.fns'),
      onnxNode('Loop', '', onnxAttrGraph('body', onnxNode('Hidden', 'deep.ops'))),
    );
    const r = await analyseBytes(onnxModel(g, fn), 'm.onnx');
    expect(r.findings.map((f) => f.evidence.callable).sort()).toEqual([
      'deep.ops.Hidden',
      'vendor.ops.NativeThing',
    ]);
  });

  it('the domain policy is validated strictly', () => {
    expect(() => validateDomainPolicy({ standard: [], runtime: [], pythonOpTypes: [], extra: 1 })).toThrow(
      /unknown properties/,
    );
    expect(() => validateDomainPolicy({ standard: [1], runtime: [], pythonOpTypes: [] })).toThrow();
  });
});

describe('ONNX detection', () => {
  it('claims only well-formed models; random, float and text content stay data', async () => {
    const floats = new Uint8Array(
      new Float32Array(Array.from({ length: 256 }, (_, i) => Math.sin(i) * 3)).buffer,
    );
    for (const b of [
      floats,
      new TextEncoder().encode('{"ir_version": 8}'),
      Uint8Array.from({ length: 300 }, (_, i) => (i * 7919) & 0xff),
    ]) {
      expect((await analyseBytes(b, 'x.bin')).format).not.toMatch(/onnx|tf-/);
    }
    // ir_version + graph whose node op type is not an operator name: not a model.
    const junk = msg(vf(1, 8), mf(7, mf(1, sf(4, '\u0001\u0002'))));
    expect((await analyseBytes(junk, 'x.bin')).format).toBe('data');
  });

  it('reports a file named .onnx that is not a well-formed model', async () => {
    const model = new Uint8Array(external({ location: 'w.bin' }));
    const r = await analyseBytes(model.subarray(0, model.length - 5), 'broken.onnx');
    expect(r.format).toBe('data');
    expect(ids(r.findings)).toEqual(['VAC-ONNX-007:medium']);
    expect(r.findings[0]!.message).toMatch(/TRUNCATED/);
  });
});

describe('ONNX report golden files', () => {
  it('renders the traversal sample identically as JSON and SARIF', async () => {
    const file = path.relative(process.cwd(), `${CORPUS}malicious/onnx/external_data_path_traversal.onnx`);
    const report = await scan([file], { digest: true, now: () => new Date(0) });
    expectGolden('../formats/onnx.json', renderJson(report));
    expectGolden('../formats/onnx.sarif', renderSarif(report));
  });
});
