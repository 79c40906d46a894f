import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ONNX_LIMITS, parseOnnxModel } from '../src/onnx/index.js';
import { BufferSource, type ByteSource } from '../src/source.js';
import { corpusFile } from './helpers/bytes.js';
import { applyMutations, mutationsArb } from './helpers/mutate.js';
import {
  mf,
  msg,
  onnxAttrGraph,
  onnxExternalTensor,
  onnxModel,
  onnxNode,
  onnxNodeBody,
  sf,
  tag,
  varint,
  vf,
} from './helpers/protobuf-encode.js';

const parse = (bytes: Uint8Array, limits = ONNX_LIMITS) => parseOnnxModel(new BufferSource(bytes), limits);

describe('ONNX ModelProto decoder', () => {
  it('decodes the corpus MLP: opsets, nodes, inline initializers', async () => {
    const m = await parse(corpusFile('benign/onnx/mlp.onnx'));
    expect(m.anomalies).toEqual([]);
    expect(m.irVersion).toBe(8);
    expect(m.opsetImports).toEqual([{ domain: '', version: 13 }]);
    expect(m.nodes.map((n) => n.opType)).toEqual(['MatMul', 'Add', 'Relu', 'MatMul', 'Add']);
    expect(m.tensors.map((t) => [t.name, t.externalData.length])).toEqual([
      ['W1', 0],
      ['B1', 0],
      ['W2', 0],
      ['B2', 0],
    ]);
  });

  it('reads external_data entries and data_location', async () => {
    const m = await parse(corpusFile('benign/onnx/mlp_external/mlp_external.onnx'));
    expect(m.tensors[0]).toMatchObject({
      name: 'W1',
      dataLocation: 1,
      externalData: [
        { key: 'location', value: 'mlp_external.onnx.data' },
        { key: 'offset', value: '0' },
        { key: 'length', value: '128' },
      ],
    });
  });

  it('finds nodes and tensors in subgraphs at any depth, functions, sparse and training graphs', async () => {
    const inner = msg(onnxNode('Deep', 'x.inner'), onnxExternalTensor(5, 'Wi', { location: 'a.bin' }));
    const thenBranch = msg(onnxNode('Loop', '', onnxAttrGraph('body', inner)));
    const constNode = onnxNode(
      'Constant',
      '',
      mf(5, sf(1, 'value'), onnxExternalTensor(5, 'Cv', { location: 'c.bin' })),
    );
    const graph = msg(
      onnxNode('If', '', onnxAttrGraph('then_branch', thenBranch)),
      constNode,
      mf(15, onnxExternalTensor(1, 'Sv', { location: 's.bin' })),
    );
    const fn = mf(
      25,
      sf(1, 'MyFn'),
      sf(10, 'my.fns'),
      mf(9, sf(1, 'py.ops'), vf(2, 1)),
      sf(7, onnxNodeBody('Hidden', 'py.ops')),
    );
    const training = mf(20, mf(1, onnxNode('TrainOp', 'train.x')));
    const m = await parse(onnxModel(graph, fn, training));
    expect(m.anomalies).toEqual([]);
    expect(m.nodes.map((n) => [n.opType, n.domain])).toEqual(
      expect.arrayContaining([
        ['Deep', 'x.inner'],
        ['Hidden', 'py.ops'],
        ['TrainOp', 'train.x'],
      ]),
    );
    expect(m.nodes.find((n) => n.opType === 'Deep')!.scope).toMatch(/then_branch.*body/);
    expect(m.tensors.map((t) => [t.name, t.kind]).sort()).toEqual([
      ['Cv', 'attribute'],
      ['Sv', 'sparse-initializer'],
      ['Wi', 'initializer'],
    ]);
    expect(m.functions).toEqual([
      { name: 'MyFn', domain: 'my.fns', opsetImports: [{ domain: 'py.ops', version: 1 }] },
    ]);
  });

  it('reports a missing ir_version or graph', async () => {
    expect((await parse(msg(vf(1, 8)))).anomalies.map((a) => a.code)).toEqual(['MISSING_GRAPH']);
    expect((await parse(msg(mf(7, onnxNode('Relu'))))).anomalies.map((a) => a.code)).toEqual([
      'MISSING_IR_VERSION',
    ]);
  });

  it('reports a field with the wrong wire type (libprotobuf keeps it as unknown)', async () => {
    const m = await parse(msg(vf(1, 8), vf(7, 3)));
    expect(m.anomalies.map((a) => a.code)).toContain('WRONG_WIRE_TYPE');
  });

  it('bounds subgraph nesting and node counts', async () => {
    let g = onnxNode('Relu');
    for (let i = 0; i < 6; i++) g = onnxNode('If', '', onnxAttrGraph('then_branch', g));
    const deep = await parse(onnxModel(g), { ...ONNX_LIMITS, maxGraphDepth: 3 });
    expect(deep.anomalies.map((a) => a.code)).toEqual(['LIMIT_GRAPH_DEPTH']);
    const many = await parse(onnxModel(msg(...Array.from({ length: 20 }, () => onnxNode('Relu')))), {
      ...ONNX_LIMITS,
      maxNodes: 5,
    });
    expect(many.nodes).toHaveLength(5);
    expect(many.anomalies.map((a) => a.code)).toEqual(['LIMIT_NODES']);
  });

  it('skips gigabytes of raw_data with bounded reads', async () => {
    const huge = 4 * 1024 ** 3;
    // GraphProto { initializer { name, raw_data(huge) } } with the lengths written out by hand.
    const tensorHead = msg(sf(8, 'W'), tag(9, 2), varint(huge));
    const tensorLen = tensorHead.length + huge;
    const init = msg(tag(5, 2), varint(tensorLen), tensorHead);
    const graphLen = init.length + huge;
    const prefix = msg(vf(1, 9), tag(7, 2), varint(graphLen), init);
    let read = 0;
    const source: ByteSource = {
      size: prefix.length + huge,
      async read(offset, length) {
        read += Math.min(length, source.size - offset);
        const out = new Uint8Array(Math.min(length, 1 << 16));
        for (let i = 0; i < out.length && offset + i < prefix.length; i++) out[i] = prefix[offset + i]!;
        return out;
      },
    };
    const m = await parseOnnxModel(source);
    expect(m.anomalies).toEqual([]);
    expect(m.tensors.map((t) => t.name)).toEqual(['W']);
    expect(read).toBeLessThan(1 << 20);
  });

  it('never throws on mutated corpus models or random bytes, and stays fast (seeded)', async () => {
    const samples = [
      'benign/onnx/mlp.onnx',
      'malicious/onnx/external_data_path_traversal.onnx',
      'malicious/onnx/custom_domain_operator.onnx',
    ].map(corpusFile);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: samples.length - 1 }), mutationsArb, async (i, muts) => {
        const started = performance.now();
        await parse(applyMutations(samples[i]!, muts));
        expect(performance.now() - started).toBeLessThan(2000);
      }),
      { seed: 4242, numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1024 }), async (b) => {
        await parse(b);
      }),
      { seed: 4243, numRuns: 300 },
    );
  });
});
