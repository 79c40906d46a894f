import path from 'node:path';
import { TF_LIMITS } from '@vacsrp/formats';
import { describe, expect, it } from 'vitest';
import {
  mf,
  msg,
  sf,
  tfAttr,
  tfAttrS,
  tfConst,
  tfFunction,
  tfGraph,
  tfNode,
  tfSavedModel,
  vf,
} from '../../formats/test/helpers/protobuf-encode.js';
import { analyse, type ScanState } from '../src/checks/artifact.js';
import { streamContent } from '../src/checks/content.js';
import { classifyPath, validateOpsPolicy } from '../src/checks/tensorflow.js';
import { BUILTIN_POLICY, renderJson, renderSarif, resolveLimits, scan } from '../src/index.js';
import { expectGolden } from './fixtures/report/golden.js';
import { analyseBytes, analyseFile, CORPUS, ids } from './helpers/graphs.js';

const saved = (nodes: Uint8Array[], functions: Uint8Array[] = []) => tfSavedModel(tfGraph(nodes, functions));
const run = async (bytes: Uint8Array, name = 'saved_model.pb') => analyseBytes(bytes, name);

describe('TensorFlow corpus samples', () => {
  it('flags ReadFile and the PrintV2 that prints its result', async () => {
    const r = await analyseFile(`${CORPUS}malicious/tensorflow/readfile_printv2/saved_model.pb`);
    expect(r.format).toBe('tf-savedmodel');
    expect(ids(r.findings)).toEqual(['VAC-TF-002:critical', 'VAC-TF-004:medium']);
    expect(r.findings.find((f) => f.ruleId === 'VAC-TF-002')!.evidence.excerpt).toBe('/etc/passwd');
  });

  it('reports nothing for the benign SavedModel', async () => {
    const r = await analyseFile(`${CORPUS}benign/tensorflow/dense_relu/saved_model.pb`);
    expect(r.format).toBe('tf-savedmodel');
    expect(r.findings).toEqual([]);
  });
});

describe('TensorFlow operators', () => {
  it('flags Python callbacks and file writes inside the function library', async () => {
    const fn = tfFunction(
      '__inference_f_1',
      tfConst('p', 'out.txt'),
      tfNode('w', 'WriteFile', ['p:output:0', 'x']),
      tfNode('py', 'EagerPyFunc'),
    );
    const r = await run(
      saved(
        [tfNode('call', 'StatefulPartitionedCall', [], tfAttr('f', mf(10, sf(1, '__inference_f_1'))))],
        [fn],
      ),
    );
    expect(ids(r.findings)).toEqual(['VAC-TF-001:critical', 'VAC-TF-002:critical']);
    expect(r.findings.every((f) => f.evidence.details!.scope === 'function:__inference_f_1')).toBe(true);
  });

  it('raises a path that is absolute, escapes or is remote; relative constants stay at the op severity', async () => {
    const read = (p: string) => run(saved([tfConst('p', p), tfNode('r', 'MatchingFiles', ['p'])]));
    expect(ids((await read('*.txt')).findings)).toEqual(['VAC-TF-002:high']);
    expect(ids((await read('../../*')).findings)).toEqual(['VAC-TF-002:critical']);
    expect(ids((await read('gs://bucket/x')).findings)).toEqual(['VAC-TF-002:critical']);
    const viaIdentity = await run(
      saved([tfConst('p', '/etc/passwd'), tfNode('i', 'Identity', ['p']), tfNode('r', 'ReadFile', ['i:0'])]),
    );
    expect(viaIdentity.findings[0]!.evidence.excerpt).toBe('/etc/passwd');
  });

  it('ignores checkpoint ops fed by the saver placeholder, flags constant paths', async () => {
    const ckpt = (pathNode: Uint8Array) =>
      run(saved([pathNode, tfNode('s', 'SaveV2', ['p', 'names', 'slices', 'v'])]));
    expect((await ckpt(tfNode('p', 'Placeholder'))).findings).toEqual([]);
    expect(ids((await ckpt(tfConst('p', 'model'))).findings)).toEqual(['VAC-TF-003:low']);
    expect(ids((await ckpt(tfConst('p', 'a/../../../etc/cron.d/x'))).findings)).toEqual(['VAC-TF-003:high']);
    expect(ids((await ckpt(tfConst('p', '/home/user/.bashrc'))).findings)).toEqual(['VAC-TF-003:high']);
    expect(ids((await ckpt(tfConst('p', 's3://bucket/ckpt'))).findings)).toEqual(['VAC-TF-003:high']);
  });

  it('evaluates paths built from constants, not from placeholders', async () => {
    const join = (a: Uint8Array, b: Uint8Array) =>
      ckptWith([
        a,
        b,
        tfNode('j', 'StringJoin', ['a', 'b'], tfAttrS('separator', '/')),
        tfNode('s', 'SaveV2', ['j']),
      ]);
    const ckptWith = (nodes: Uint8Array[]) => run(saved(nodes));
    const hidden = await join(tfConst('a', '/home/u'), tfConst('b', '.bashrc'));
    expect(ids(hidden.findings)).toEqual(['VAC-TF-003:high']);
    expect(hidden.findings[0]!.evidence.excerpt).toBe('/home/u/.bashrc');
    // The TF2 saver joins the loader-fed prefix with a constant suffix: not a constant path.
    expect((await join(tfNode('a', 'Placeholder'), tfConst('b', '_temp/part'))).findings).toEqual([]);
  });

  it('PrintV2: a file output stream is high; printing to stderr is a finding only for file contents', async () => {
    const toFile = await run(
      saved([
        tfNode('x', 'Placeholder'),
        tfNode('pr', 'PrintV2', ['x'], tfAttrS('output_stream', 'file:///tmp/log')),
      ]),
    );
    expect(ids(toFile.findings)).toEqual(['VAC-TF-004:high']);
    const plain = await run(
      saved([tfNode('x', 'Placeholder'), tfNode('pr', 'PrintV2', ['x'], tfAttrS('output_stream', 'stderr'))]),
    );
    expect(plain.findings).toEqual([]);
  });

  it('DecodeProtoV2 and debug ops are findings only when they name a file or URL', async () => {
    const decode = (src: string) =>
      run(saved([tfNode('d', 'DecodeProtoV2', ['b'], tfAttrS('descriptor_source', src))]));
    expect((await decode('local://')).findings).toEqual([]);
    expect(ids((await decode('/tmp/evil.desc')).findings)).toEqual(['VAC-TF-002:critical']);
    const debug = await run(
      saved([
        tfNode('d', 'DebugIdentity', ['x'], tfAttr('debug_urls', mf(1, sf(2, 'grpc://10.0.0.1:6064')))),
      ]),
    );
    expect(ids(debug.findings)).toEqual(['VAC-TF-002:critical']);
  });

  it('groups repeated operators into one finding', async () => {
    const r = await run(saved(Array.from({ length: 5 }, (_, i) => tfNode(`r${i}`, 'ReadFile', ['p']))));
    expect(ids(r.findings)).toEqual(['VAC-TF-002:high']);
    expect(r.findings[0]!.evidence.details!.nodes).toBe(5);
  });

  it('classifies paths', () => {
    expect(
      ['a/b', '../a', 'a/../../b', '/etc', 'C:\\x', 'file:///etc', 'hdfs://n/x', 'a..b'].map(classifyPath),
    ).toEqual([
      'relative',
      'traversal',
      'traversal',
      'absolute',
      'absolute',
      'absolute',
      'remote',
      'relative',
    ]);
  });

  it('the op policy is validated strictly', () => {
    expect(() =>
      validateOpsPolicy({ ops: { X: { category: 'nope', severity: 'high', reason: '' } } }),
    ).toThrow(/X/);
    expect(() => validateOpsPolicy({ ops: {}, extra: true })).toThrow();
  });
});

describe('TensorFlow detection', () => {
  it('detects a frozen GraphDef and a text graph by structure', async () => {
    const frozen = await run(
      tfGraph([tfConst('p', '/etc/hosts'), tfNode('r', 'ReadFile', ['p'])]),
      'frozen.pb',
    );
    expect(frozen.format).toBe('tf-graphdef');
    // (extension.ts does not list tf-graphdef for .pb yet, which may add a low VAC-FMT-002.)
    expect(ids(frozen.findings.filter((f) => f.ruleId.startsWith('VAC-TF-')))).toEqual([
      'VAC-TF-002:critical',
    ]);
    const banner = `# ${'exported graph '.repeat(10)}\n# second comment line\n`;
    const text = new TextEncoder().encode(
      `${banner}node {\n  name: "w"\n  op: "WriteFile"\n  input: "p"\n}\n`,
    );
    const t = await run(text, 'graph.pbtxt');
    expect(t.format).toBe('tf-graphdef-text');
    expect(ids(t.findings)).toEqual(['VAC-TF-002:critical']);
  });

  it('does not claim text or bytes that only resemble a graph', async () => {
    expect((await run(new TextEncoder().encode('node: just words here\n'), 'notes.txt')).format).not.toMatch(
      /tf-/,
    );
    // GraphDef-shaped bytes whose node has no name are not a GraphDef.
    expect((await run(msg(sf(1, msg(sf(2, 'ReadFile')))), 'x.bin')).format).toBe('data');
  });

  it('does not read a large text that only starts like a graph as one', async () => {
    const big = new Uint8Array(TF_LIMITS.maxTextBytes + 10).fill(0x61);
    big.set(new TextEncoder().encode('version: 2\nservices:\n  web: {}\n'));
    expect((await run(big, 'compose.yaml')).findings).toEqual([]);
    const graph = new Uint8Array(TF_LIMITS.maxTextBytes + 10).fill(0x20);
    graph.set(new TextEncoder().encode('node { name: "a" op: "NoOp" }\n'));
    expect(ids((await run(graph, 'huge.pbtxt')).findings)).toEqual(['VAC-TF-006:medium']);
  });

  it('reports a malformed file named .pb', async () => {
    const good = saved([tfNode('r', 'ReadFile', ['p'])]);
    const r = await run(good.subarray(0, good.length - 3));
    expect(ids(r.findings)).toEqual(['VAC-TF-005:medium']);
  });
});

describe('TensorFlow report golden files', () => {
  it('renders the ReadFile/PrintV2 sample identically as JSON and SARIF', async () => {
    const file = path.relative(
      process.cwd(),
      `${CORPUS}malicious/tensorflow/readfile_printv2/saved_model.pb`,
    );
    const report = await scan([file], { digest: true, now: () => new Date(0) });
    expectGolden('../formats/tensorflow.json', renderJson(report));
    expectGolden('../formats/tensorflow.sarif', renderSarif(report));
  });
});

describe('TensorFlow content without random access', () => {
  it('decodes a SavedModel from a forward-only stream', async () => {
    const bytes = saved([tfConst('p', '/etc/passwd'), tfNode('r', 'ReadFile', ['p'])]);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    }
    const state: ScanState = {
      policy: BUILTIN_POLICY,
      analyse,
      limits: resolveLimits(),
      findings: [],
      members: 0,
    };
    const r = await analyse(state, {
      content: streamContent(chunks),
      name: 'saved_model.pb',
      location: { artifact: 'a.tar.gz', members: ['a.tar.gz#gunzip', 'm/saved_model.pb'] },
      depth: 1,
      context: 'pickle',
    });
    expect(r.format).toBe('tf-savedmodel');
    expect(ids(state.findings)).toEqual(['VAC-TF-002:critical']);
  });

  it('treats other well-formed protobufs in a SavedModel directory (fingerprint.pb) as data', async () => {
    const fingerprint = msg(
      vf(1, 123456789),
      vf(2, 987654321),
      vf(3, 5),
      vf(4, 6),
      vf(5, 7),
      mf(6, vf(1, 1)),
    );
    const r = await run(fingerprint, 'fingerprint.pb');
    expect(r.format).toBe('data');
    expect(r.findings).toEqual([]);
  });
});
