import { cpSync, mkdirSync, mkdtempSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type Finding, LimitError, type ScanReport, scan, WalkError } from '../src/index.js';
import {
  binbytes,
  build,
  bytes,
  callPickle,
  emptyDict,
  emptyTuple,
  global,
  memoize,
  proto,
  reduce,
  setitem,
  stackGlobal,
  stop,
  tuple1,
  tuple2,
  ustr,
} from './helpers/pickles.js';

function workdir(): string {
  return mkdtempSync(path.join(tmpdir(), 'vacsrp-scan-'));
}

async function scanBytes(
  name: string,
  content: Uint8Array,
  options: Parameters<typeof scan>[1] = {},
): Promise<ScanReport> {
  const dir = workdir();
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  // The file itself, not its directory: directory roots also get a model-signature check.
  return scan([file], { digest: false, ...options });
}

const rules = (r: ScanReport) => r.findings.map((f) => f.ruleId);
const byRule = (r: ScanReport, id: string): Finding[] => r.findings.filter((f) => f.ruleId === id);

describe('pickle findings', () => {
  it('reports a denylisted callable as critical with the resolved name and opcodes', async () => {
    const r = await scanBytes('model.pkl', callPickle('posix', 'system', 'echo hi'));
    const [f] = byRule(r, 'VAC-PKL-001');
    expect(f?.severity).toBe('critical');
    expect(f?.evidence.callable).toBe('posix.system');
    expect(f?.evidence.opcode).toBe('GLOBAL→REDUCE');
    expect(f?.location.offset).toBe(2);
    expect(r.summary.failed).toBe(true);
  });

  it('applies _compat_pickle names below protocol 3 and says what was written', async () => {
    const r = await scanBytes('m.pkl', callPickle('__builtin__', 'eval', '1+1'));
    const [f] = byRule(r, 'VAC-PKL-001');
    expect(f?.evidence.callable).toBe('builtins.eval');
    expect(f?.evidence.details).toEqual({ writtenAs: '__builtin__.eval' });
  });

  it('reports an unlisted callable that is invoked or only imported (import runs module code) as high', async () => {
    const called = await scanBytes('a.pkl', callPickle('mylib.hooks', 'run', 'x'));
    expect(byRule(called, 'VAC-PKL-002')[0]?.severity).toBe('high');
    const imported = await scanBytes('b.pkl', bytes(proto(2), global('mylib.hooks', 'Thing'), stop));
    expect(rules(imported)).toEqual(['VAC-PKL-003']);
  });

  it('passes a benign OrderedDict state dict without findings', async () => {
    const p = bytes(
      proto(2),
      global('collections', 'OrderedDict'),
      emptyTuple,
      reduce,
      ustr('w'),
      bytes('K', [1]),
      setitem,
      stop,
    );
    const r = await scanBytes('state.pkl', p);
    expect(r.findings).toEqual([]);
    expect(r.artifacts[0]).toMatchObject({ format: 'pickle', status: 'scanned' });
  });

  it('admits getattr on an allowlisted object with a public name, and nothing else', async () => {
    const safe = bytes(
      proto(2),
      global('builtins', 'getattr'),
      global('collections', 'OrderedDict'),
      ustr('fromkeys'),
      tuple2,
      reduce,
      stop,
    );
    expect((await scanBytes('safe.pkl', safe)).findings).toEqual([]);
    const unsafe = bytes(
      proto(2),
      global('builtins', 'getattr'),
      global('builtins', '__import__'),
      ustr('os'),
      tuple1,
      reduce,
      ustr('system'),
      tuple2,
      reduce,
      ustr('id'),
      tuple1,
      reduce,
      stop,
    );
    const r = await scanBytes('unsafe.pkl', unsafe);
    expect(
      byRule(r, 'VAC-PKL-001')
        .map((f) => f.evidence.callable)
        .sort(),
    ).toEqual(['builtins.__import__', 'builtins.getattr']);
    expect(byRule(r, 'VAC-PKL-002')[0]?.message).toContain('value computed at load time');
  });

  it('reports a STACK_GLOBAL whose operand is computed at load time', async () => {
    // str.join('', ['o','s']) builds the module name at load time.
    const p = bytes(
      proto(4),
      stackGlobal('builtins', 'str.join'),
      ustr(''),
      bytes(']', '('),
      ustr('o'),
      ustr('s'),
      bytes('e'),
      tuple2,
      reduce,
      ustr('system'),
      bytes([0x93]),
      stop,
    );
    const r = await scanBytes('dyn.pkl', p);
    expect(rules(r)).toContain('VAC-PKL-004');
    expect(byRule(r, 'VAC-PKL-004')[0]?.severity).toBe('critical');
  });

  it('follows a __setstate__ planted by BUILD to the callable a later BUILD calls', async () => {
    const p = bytes(
      proto(2),
      global('argparse', 'Namespace'),
      emptyTuple,
      reduce,
      emptyDict,
      ustr('__setstate__'),
      global('mylib', 'hook'),
      setitem,
      build,
      ustr('payload'),
      build,
      stop,
    );
    const r = await scanBytes('gadget.pkl', p);
    expect(rules(r)).toContain('VAC-PKL-009');
    expect(byRule(r, 'VAC-PKL-002')[0]?.evidence).toMatchObject({
      callable: 'mylib.hook',
      opcode: 'GLOBAL→BUILD',
    });
  });

  it('scans a pickle handed to pickle.loads as bytes and reports its findings at a nested location', async () => {
    const inner = callPickle('posix', 'system', 'id');
    const outer = bytes(proto(3), global('pickle', 'loads'), binbytes(inner), tuple1, reduce, stop);
    const r = await scanBytes('outer.pkl', outer);
    expect(rules(r)).toContain('VAC-PKL-011');
    const nested = r.findings.find((f) => f.evidence.callable === 'posix.system');
    expect(nested?.location.members?.[0]).toMatch(/^<argument of pickle\.loads/);
  });

  it('keeps what it resolved before a truncated stream and reports the truncation', async () => {
    const p = bytes(proto(2), global('posix', 'system'), ustr('id'), tuple1, reduce, [0xff]);
    const r = await scanBytes('broken.pkl', p);
    expect(rules(r).sort()).toEqual(['VAC-PKL-001', 'VAC-PKL-006']);
  });

  it('reads every stream after STOP', async () => {
    const benign = bytes(proto(2), bytes(']'), stop);
    const r = await scanBytes('two.pkl', bytes(benign, callPickle('subprocess', 'Popen', 'id')));
    expect(rules(r).sort()).toEqual(['VAC-PKL-001', 'VAC-PKL-007']);
    expect(byRule(r, 'VAC-PKL-001')[0]?.location.stream).toBe(1);
  });

  it('reports trailing junk after STOP at low severity only', async () => {
    const r = await scanBytes('junk.pkl', bytes(proto(2), bytes(']'), stop, '\n\n\t\t'));
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['VAC-PKL-008', 'low']]);
  });

  it('uses memoised operands exactly as the unpickler does', async () => {
    // Decoy names memoised first; GET of the later entries must resolve to os.system.
    const p = bytes(
      proto(4),
      ustr('collections'),
      memoize,
      ustr('OrderedDict'),
      memoize,
      ustr('posix'),
      memoize,
      ustr('system'),
      memoize,
      bytes('0000'),
      bytes('h', [2]),
      bytes('h', [3]),
      bytes([0x93]),
      ustr('id'),
      tuple1,
      reduce,
      stop,
    );
    const r = await scanBytes('memo.pkl', p);
    expect(byRule(r, 'VAC-PKL-001')[0]?.evidence.callable).toBe('posix.system');
  });
});

describe('content, not names, decides the format', () => {
  it('flags a pickle named as safetensors', async () => {
    const r = await scanBytes('model.safetensors', callPickle('posix', 'system', 'id'));
    expect(rules(r)).toEqual(expect.arrayContaining(['VAC-PKL-001', 'VAC-FMT-001']));
  });

  it('finds a protocol-0 pickle (no magic) in a .txt file', async () => {
    const r = await scanBytes('notes.txt', bytes("cos\nsystem\n(S'id'\ntR."));
    expect(byRule(r, 'VAC-PKL-001')[0]?.evidence.callable).toBe('os.system');
    expect(rules(r)).toContain('VAC-FMT-001');
  });

  it('leaves ordinary text and JSON alone', async () => {
    const dir = workdir();
    writeFileSync(path.join(dir, 'README.md'), '# model\nconfig: cat\n');
    writeFileSync(path.join(dir, 'config.json'), '{"hidden_size": 4}');
    writeFileSync(path.join(dir, 'certs.txt'), 'certifi==2024.1\nrequests==2\n');
    const r = await scan([dir], { digest: false });
    // The only finding is the licence inventory's note that the directory declares no licence.
    expect(r.findings.map((f) => [f.ruleId, f.severity])).toEqual([['VAC-LIC-001', 'low']]);
    expect(r.artifacts.every((a) => a.status === 'scanned')).toBe(true);
  });

  it('decompresses gzip and zlib streams before analysing them', async () => {
    const payload = callPickle('posix', 'system', 'id');
    const gz = await scanBytes('model.pkl.gz', gzipSync(payload));
    expect(gz.artifacts[0]?.format).toBe('gzip+pickle');
    expect(byRule(gz, 'VAC-PKL-001')[0]?.location.members).toEqual(['<gzip stream>']);
    const z = await scanBytes('model.joblib', deflateSync(payload));
    expect(rules(z)).toContain('VAC-PKL-001');
  });

  it('stops at the nesting limit with a finding', async () => {
    let data = callPickle('posix', 'system', 'id');
    for (let i = 0; i < 5; i++) data = gzipSync(data);
    const r = await scanBytes('deep.gz', data, { limits: { maxNestingDepth: 3 } });
    expect(rules(r)).toContain('VAC-ARC-005');
  });

  it('lists unrecognised binary content as skipped, with the reason, never as clean', async () => {
    const r = await scanBytes(
      'blob.bin',
      Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251),
    );
    expect(r.artifacts[0]).toMatchObject({ status: 'skipped', format: 'data' });
    expect(r.artifacts[0]?.reason).toMatch(/unrecognised binary content/);
  });

  it('reports 7z archives as not analysed, never as clean', async () => {
    const r = await scanBytes(
      'model.7z',
      bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4], new Uint8Array(40)),
    );
    expect(byRule(r, 'VAC-ARC-004')[0]?.severity).toBe('medium');
    expect(r.artifacts[0]?.status).toBe('skipped');
  });
});

describe('walking', () => {
  it('reports links and never follows them', async () => {
    const dir = workdir();
    const outside = workdir();
    writeFileSync(path.join(outside, 'evil.pkl'), callPickle('posix', 'system', 'id'));
    writeFileSync(path.join(dir, 'ok.json'), '{}');
    symlinkSync(path.join(outside, 'evil.pkl'), path.join(dir, 'weights.pkl'));
    symlinkSync('ok.json', path.join(dir, 'alias.json'));
    const r = await scan([dir], { digest: false });
    expect(rules(r).sort()).toEqual(['VAC-FS-001', 'VAC-FS-002']);
    expect(r.artifacts.find((a) => a.path.endsWith('weights.pkl'))?.status).toBe('skipped');
  });

  it('reports a directory of model artifacts without model.sig as unsigned (low)', async () => {
    const dir = workdir();
    writeFileSync(path.join(dir, 'model.pkl'), bytes(proto(2), bytes(']'), stop));
    const r = await scan([dir], { digest: false });
    expect(r.findings.filter((f) => f.ruleId === 'VAC-SIG-001').map((f) => f.severity)).toEqual(['low']);
    expect(r.findings.filter((f) => f.ruleId !== 'VAC-SIG-001' && f.ruleId !== 'VAC-LIC-001')).toEqual([]);
  });

  it('checks a model.sig against the files: a signed vector passes, a changed file is critical', async () => {
    const vector = fileURLToPath(
      new URL('../../../../shared/standards/model-signing/vectors/v1.1.0-elliptic-key/', import.meta.url),
    );
    const ok = await scan([vector], { digest: false });
    expect(ok.findings.filter((f) => f.ruleId.startsWith('VAC-SIG-') && f.severity !== 'info')).toEqual([]);
    const copy = workdir();
    cpSync(vector, copy, { recursive: true });
    const victim = readdirSync(copy).find(
      (n) => n.startsWith('signme') && statSync(path.join(copy, n)).isFile(),
    )!;
    writeFileSync(path.join(copy, victim), 'tampered');
    const bad = await scan([copy], { digest: false });
    expect(bad.findings.some((f) => f.ruleId.startsWith('VAC-SIG-') && f.severity === 'critical')).toBe(true);
  });

  it('rejects a missing path as a usage error', async () => {
    const err = await scan(['/nonexistent/vacsrp']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalkError);
    expect((err as WalkError).code).toBe('PATH_NOT_FOUND');
  });

  it('rejects unknown limits', async () => {
    const err = await scan([workdir()], { limits: { noSuchLimit: 1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitError);
  });

  it('computes SHA-256 of every artifact unless told not to', async () => {
    const dir = workdir();
    writeFileSync(path.join(dir, 'a.txt'), 'abc');
    const r = await scan([dir]);
    expect(r.artifacts[0]?.sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const n = await scan([dir], { digest: false });
    expect(n.artifacts[0]?.sha256).toBeUndefined();
  });
});
