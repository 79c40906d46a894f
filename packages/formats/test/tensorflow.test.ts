import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../src/source.js';
import { parseGraphDef, parseGraphDefText, parseSavedModel, TF_LIMITS } from '../src/tensorflow/index.js';
import { corpusFile } from './helpers/bytes.js';
import { applyMutations, mutationsArb } from './helpers/mutate.js';
import {
  mf,
  msg,
  sf,
  tfAttr,
  tfConst,
  tfFunction,
  tfGraph,
  tfNode,
  tfSavedModel,
} from './helpers/protobuf-encode.js';

const src = (b: Uint8Array) => new BufferSource(b);

describe('TensorFlow SavedModel and GraphDef decoder', () => {
  it('decodes the corpus SavedModels', async () => {
    const benign = await parseSavedModel(src(corpusFile('benign/tensorflow/dense_relu/saved_model.pb')));
    expect(benign.anomalies).toEqual([]);
    expect(benign.nodes.map((n) => n.op)).toEqual(['Placeholder', 'Const', 'MatMul', 'Relu', 'Identity']);
    const bad = await parseSavedModel(
      src(corpusFile('malicious/tensorflow/readfile_printv2/saved_model.pb')),
    );
    expect(bad.nodes.map((n) => n.op)).toEqual(['Const', 'ReadFile', 'PrintV2', 'Identity']);
    expect(bad.nodes[0]!.attrs.value!.strings).toEqual(['/etc/passwd']);
    expect(bad.nodes[1]!.inputs).toEqual(['path']);
    expect(bad.nodes[2]!.attrs.output_stream!.strings).toEqual(['stderr']);
  });

  it('walks the function library and reads list, func and tensor attributes', async () => {
    const fn = tfFunction(
      '__inference_evil_7',
      tfConst('p', '/tmp/x'),
      tfNode('w', 'WriteFile', ['p:output:0', 'data']),
    );
    const call = tfNode(
      'call',
      'StatefulPartitionedCall',
      [],
      tfAttr('f', mf(10, sf(1, '__inference_evil_7'))),
      tfAttr('names', mf(1, sf(2, 'a'), sf(2, 'b'))),
    );
    const m = await parseSavedModel(src(tfSavedModel(tfGraph([call], [fn]))));
    expect(m.anomalies).toEqual([]);
    expect(m.functions).toEqual(['__inference_evil_7']);
    expect(m.nodes.map((n) => [n.scope, n.op])).toEqual([
      ['meta_graphs[0]', 'StatefulPartitionedCall'],
      ['function:__inference_evil_7', 'Const'],
      ['function:__inference_evil_7', 'WriteFile'],
    ]);
    expect(m.nodes[0]!.attrs.f!.funcs).toEqual(['__inference_evil_7']);
    expect(m.nodes[0]!.attrs.names!.strings).toEqual(['a', 'b']);
  });

  it('decodes a frozen GraphDef and reports a node without an op', async () => {
    const g = await parseGraphDef(src(tfGraph([tfNode('a', 'ReadFile', ['p']), msg(sf(1, 'b'))])));
    expect(g.kind).toBe('graph-def');
    expect(g.nodes.map((n) => n.op)).toEqual(['ReadFile', '']);
    expect(g.anomalies.map((a) => a.code)).toEqual(['NODE_WITHOUT_OP']);
  });

  it('reports a SavedModel without meta graphs or graph_def', async () => {
    expect((await parseSavedModel(src(msg(sf(2, msg()))))).anomalies.map((a) => a.code)).toEqual([
      'MISSING_GRAPH_DEF',
    ]);
    expect((await parseSavedModel(src(new Uint8Array([8, 1])))).anomalies.map((a) => a.code)).toEqual([
      'MISSING_META_GRAPH',
    ]);
  });

  it('bounds kept attribute strings and nodes', async () => {
    const big = tfNode(
      'c',
      'Const',
      [],
      tfAttr('value', mf(8, ...Array.from({ length: 100 }, (_, i) => sf(8, `v${i}`)))),
    );
    const m = await parseGraphDef(
      src(tfGraph([big, ...Array.from({ length: 10 }, (_, i) => tfNode(`n${i}`, 'NoOp'))])),
      {
        ...TF_LIMITS,
        maxAttrStrings: 3,
        maxNodes: 4,
      },
    );
    expect(m.nodes[0]!.attrs.value!.strings).toEqual(['v0', 'v1', 'v2']);
    expect(m.nodes).toHaveLength(4);
    expect(m.anomalies.map((a) => a.code)).toEqual(['LIMIT_NODES']);
  });

  it('never throws on mutated corpus graphs or random bytes (seeded)', async () => {
    const samples = [
      'benign/tensorflow/dense_relu/saved_model.pb',
      'malicious/tensorflow/readfile_printv2/saved_model.pb',
    ].map(corpusFile);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1 }), mutationsArb, async (i, muts) => {
        const b = applyMutations(samples[i]!, muts);
        const started = performance.now();
        await parseSavedModel(src(b));
        await parseGraphDef(src(b));
        parseGraphDefText(new TextDecoder().decode(b));
        expect(performance.now() - started).toBeLessThan(2000);
      }),
      { seed: 777, numRuns: 300 },
    );
  });
});

describe('TensorFlow text graphs (.pbtxt)', () => {
  const pbtxt = `# written by tf.io.write_graph
node {
  name: "path"
  op: "Const"
  attr { key: "value" value { tensor { dtype: DT_STRING string_val: "/etc/\\160asswd" } } }
}
node { name: "read" op: "ReadFile" input: "path" }
node <
  name: 'print'; op: "PrintV2" input: ["read", "^path"]
  attr { key: "output_stream" value { s: "file:///tmp/" "out" } }
>
library {
  function {
    signature { name: "fn" }
    node_def { name: "m" op: "MatchingFiles" input: "g" }
  }
}
versions { producer: 1087 min_consumer: -12 }
`;

  it('reads nodes, inputs, attributes with escapes and concatenated strings, and functions', () => {
    const m = parseGraphDefText(pbtxt);
    expect(m.anomalies).toEqual([]);
    expect(m.nodes.map((n) => [n.scope, n.op])).toEqual([
      ['graph', 'Const'],
      ['graph', 'ReadFile'],
      ['graph', 'PrintV2'],
      ['function:fn', 'MatchingFiles'],
    ]);
    expect(m.nodes[0]!.attrs.value!.strings).toEqual(['/etc/passwd']);
    expect(m.nodes[2]!.inputs).toEqual(['read', '^path']);
    expect(m.nodes[2]!.attrs.output_stream!.strings).toEqual(['file:///tmp/out']);
  });

  it('reads a text SavedModel', () => {
    const m = parseGraphDefText(
      'saved_model_schema_version: 1\nmeta_graphs { graph_def { node { name: "a" op: "ReadFile" } } }',
    );
    expect(m.nodes.map((n) => [n.scope, n.op])).toEqual([['meta_graphs[0]', 'ReadFile']]);
  });

  it('reports syntax errors and unknown top-level fields', () => {
    expect(parseGraphDefText('node { name: "a" op: "X" ').anomalies.map((a) => a.code)).toEqual([
      'TEXT_SYNTAX',
    ]);
    expect(parseGraphDefText('node { name: "a\n" }').anomalies.map((a) => a.code)).toEqual(['TEXT_SYNTAX']);
    expect(parseGraphDefText('hello: world').anomalies.map((a) => a.code)).toEqual(['TEXT_SYNTAX']);
    expect(parseGraphDefText('The quick brown fox').anomalies.map((a) => a.code)).toEqual(['TEXT_SYNTAX']);
  });

  it('bounds nesting depth', () => {
    const deep = `node ${'{ a '.repeat(200)}${'}'.repeat(200)}`;
    expect(parseGraphDefText(deep).anomalies.map((a) => a.code)).toEqual(['TEXT_SYNTAX']);
  });

  it('never throws on random text (seeded)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        parseGraphDefText(`node { ${s}`);
        parseGraphDefText(s);
      }),
      { seed: 778, numRuns: 500 },
    );
  });
});
