import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_POLICY, loadPolicyFile, PolicyError, validatePolicy } from '../src/index.js';

const p = BUILTIN_POLICY;

describe('built-in pickle policy', () => {
  it('allows the globals benign checkpoints use', () => {
    for (const [m, n] of [
      ['collections', 'OrderedDict'],
      ['torch._utils', '_rebuild_tensor_v2'],
      ['torch', 'FloatStorage'],
      ['torch', 'BFloat16Storage'],
      ['torch.nn.modules.linear', 'Linear'],
      ['numpy.core.multiarray', '_reconstruct'],
      ['numpy', 'dtype'],
      ['sklearn.ensemble._forest', 'RandomForestClassifier'],
      ['joblib.numpy_pickle', 'NumpyArrayWrapper'],
      ['_codecs', 'encode'],
    ] as const) {
      expect(p.verdict(m, n, 'pickle'), `${m}.${n}`).toEqual({ kind: 'allowed' });
    }
  });

  it('never admits a dotted attribute walk through a pattern', () => {
    expect(p.isAllowed('torch.nn.modules.linear', 'Linear.__init__', 'pickle')).toBe(false);
    expect(p.isAllowed('sklearn', 'Foo.bar', 'pickle')).toBe(false);
  });

  it('admits TorchScript class types only in the TorchScript context', () => {
    expect(p.isAllowed('__torch__.torch.nn.modules.linear', 'Linear', 'torchscript')).toBe(true);
    expect(p.isAllowed('__torch__.torch.nn.modules.linear', 'Linear', 'torch')).toBe(false);
  });

  it('denies dangerous callables under every spelling', () => {
    const denied: Array<[string, string, string]> = [
      ['posix', 'system', 'posix'],
      ['nt', 'system', 'nt'],
      ['os', 'system', 'os'],
      ['builtins', 'eval', 'builtins'],
      ['_operator', 'attrgetter', '_operator'],
      ['asyncio.unix_events', '_UnixSubprocessTransport._start', 'asyncio'],
      ['pathlib', 'os.system', 'os'],
      ['numpy', 'core._internal.sys.modules', 'sys'],
      ['torch.serialization', 'load', 'torch.serialization.load'],
      ['numpy.testing._private.utils', 'runstring', 'numpy.testing'],
    ];
    for (const [m, n, match] of denied)
      expect(p.verdict(m, n, 'pickle'), `${m}.${n}`).toEqual({ kind: 'denied', match });
  });

  it('reports dunder attribute walks as denied', () => {
    expect(p.verdict('builtins', 'print.__class__.__base__.__subclasses__', 'pickle').kind).toBe('denied');
    expect(p.verdict('mylib', 'Thing.__globals__', 'pickle').kind).toBe('denied');
  });

  it('does not treat a submodule that merely shares a stdlib name as that module', () => {
    expect(p.verdict('mylib.types', 'Config', 'pickle')).toEqual({ kind: 'unlisted' });
    expect(p.verdict('ultralytics.nn.tasks', 'DetectionModel', 'pickle')).toEqual({ kind: 'unlisted' });
  });
});

describe('policy files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vacsrp-policy-'));
  const write = (name: string, body: unknown) => {
    const f = path.join(dir, name);
    writeFileSync(f, typeof body === 'string' ? body : JSON.stringify(body));
    return f;
  };
  const minimal = {
    id: 'site',
    version: '1',
    allow: { exact: ['mylib.models.Net'], patterns: [] },
    deny: { modules: ['mylib.danger'] },
  };

  it('extend the built-in policy', async () => {
    const merged = await loadPolicyFile(write('ok.json', minimal));
    expect(merged.isAllowed('mylib.models', 'Net', 'pickle')).toBe(true);
    expect(merged.isAllowed('collections', 'OrderedDict', 'pickle')).toBe(true);
    expect(merged.verdict('mylib.danger', 'run', 'pickle').kind).toBe('denied');
    expect(merged.id).toBe('vacsrp-pickle-policy+site');
  });

  it.each([
    ['unreadable', path.join(dir, 'missing.json'), 'POLICY_UNREADABLE'],
    ['not JSON', 'notjson', 'POLICY_NOT_JSON'],
    ['unknown property', { ...minimal, extra: 1 }, 'POLICY_INVALID'],
    ['missing deny', { id: 'x', version: '1', allow: { exact: [], patterns: [] } }, 'POLICY_INVALID'],
    ['unqualified exact name', { ...minimal, allow: { exact: ['system'], patterns: [] } }, 'POLICY_INVALID'],
    [
      'unanchored pattern',
      { ...minimal, allow: { exact: [], patterns: [{ module: 'a', name: 'B' }] } },
      'POLICY_INVALID',
    ],
    [
      'bad regex',
      { ...minimal, allow: { exact: [], patterns: [{ module: 'a', name: '^(B$' }] } },
      'POLICY_INVALID',
    ],
    [
      'unknown context',
      { ...minimal, allow: { exact: [], patterns: [{ module: 'a', name: '^B$', contexts: ['web'] }] } },
      'POLICY_INVALID',
    ],
  ] as const)('rejects a file that is %s with a clear error', async (_what, body, code) => {
    const file =
      typeof body === 'string' && body.startsWith('/') ? body : write(`${code}-${Math.random()}.json`, body);
    const err = await loadPolicyFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as PolicyError).code).toBe(code);
    expect((err as PolicyError).message.length).toBeGreaterThan(10);
  });

  it('validates the built-in policy data itself', () => {
    expect(() => validatePolicy(BUILTIN_POLICY.data, 'built-in')).not.toThrow();
  });
});

describe('allowlist packs for common benign checkpoints', () => {
  it('admits the classes training, pandas, boosting and Lightning checkpoints reference', () => {
    for (const [m, n] of [
      ['numpy', 'float64'],
      ['transformers.training_args', 'TrainingArguments'],
      ['transformers.trainer_utils', 'IntervalStrategy'],
      ['accelerate.utils.dataclasses', 'DistributedType'],
      ['peft.utils.peft_types', 'TaskType'],
      ['omegaconf.dictconfig', 'DictConfig'],
      ['typing', 'Any'],
      ['pandas.core.frame', 'DataFrame'],
      ['pandas.core.indexes.base', '_new_Index'],
      ['xgboost.sklearn', 'XGBClassifier'],
      ['lightgbm.sklearn', 'LGBMClassifier'],
      ['torchvision.models.resnet', 'ResNet'],
    ] as const) {
      expect(p.verdict(m, n, 'pickle'), `${m}.${n}`).toEqual({ kind: 'allowed' });
    }
  });

  it('lets the denylist override a broad pattern, never an exact entry', () => {
    expect(p.verdict('pandas.core.computation.expr', 'PandasExprVisitor', 'pickle').kind).toBe('denied');
    expect(p.verdict('transformers.dynamic_module_utils', 'Config', 'pickle').kind).toBe('denied');
    expect(p.verdict('transformers.pipelines.base', 'PipelineType', 'pickle').kind).toBe('denied');
    expect(p.verdict('numpy', 'load', 'pickle').kind).toBe('denied');
  });
});
