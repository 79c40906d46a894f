/**
 * Golden assertions over the shared corpus, derived from manifest.json rather than file names: every
 * pickle-bearing malicious sample must surface its payload callable, every benign one must parse to
 * STOP without anomalies or dangerous imports.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import {
  joblibAfterBuild,
  type PickleRunResult,
  parseNpyHeader,
  qualifiedName,
  readPickleStreams,
  StreamReader,
} from '@vacsrp/formats';
import { describe, expect, it } from 'vitest';
import { type CorpusEntry, corpusFile, corpusManifest, zipMembers } from './helpers/pickle-asm.js';

/** Formats whose loader unpickles something (manifest `format` field). */
const PICKLE_FORMATS =
  /^(pickle-protocol-\d|gzip\+pickle|pytorch-zip|pytorch-legacy|torchscript-zip|joblib(-zlib)?|numpy-npy|numpy-npz)$/;

/** The pickle streams a loader of this entry would read, each with a label. */
function picklesOf(entry: CorpusEntry): Array<{ label: string; bytes: Uint8Array }> {
  const file = corpusFile(entry.path);
  const npyBody = (label: string, npy: Uint8Array) => {
    const { header } = parseNpyHeader(npy, npy.length);
    return header?.object ? [{ label, bytes: npy.subarray(header.dataOffset) }] : [];
  };
  switch (entry.format) {
    case 'gzip+pickle':
      return [{ label: entry.path, bytes: new Uint8Array(gunzipSync(file)) }];
    case 'joblib-zlib':
      return [{ label: entry.path, bytes: new Uint8Array(inflateSync(file)) }];
    case 'pytorch-zip':
    case 'torchscript-zip':
      return [...zipMembers(file)]
        .filter(([name]) => name.endsWith('.pkl'))
        .map(([name, bytes]) => ({ label: name, bytes }));
    case 'numpy-npy':
      return npyBody(entry.path, file);
    case 'numpy-npz':
      return [...zipMembers(file)].flatMap(([name, bytes]) => npyBody(name, bytes));
    default:
      return [{ label: entry.path, bytes: file }];
  }
}

interface Seen {
  names: Set<string>;
  streams: PickleRunResult[];
  trailing: boolean;
}

async function scan(bytes: Uint8Array): Promise<Seen> {
  const names = new Set<string>();
  const r = await readPickleStreams(StreamReader.fromBytes(bytes), {
    afterBuild: joblibAfterBuild(),
    onEvent: (_s, e) => {
      if (e.kind === 'import') names.add(`${e.module}.${e.name}`);
      if (e.kind === 'call') {
        const q = qualifiedName(e.callee);
        if (q) names.add(q);
      }
    },
  });
  return { names, streams: [...r.streams], trailing: r.trailing !== undefined };
}

/** `posix.system('…')`, `second pickle: posix.system(…)` → posix.system; undefined unless module.function. */
function payloadCallable(payload: string | undefined): string | undefined {
  return /^(?:[\w ]+:\s*)?([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\(/.exec(payload ?? '')?.[1];
}

const DANGEROUS =
  /^(posix|nt|os|subprocess|pty|runpy|webbrowser|shutil|ctypes|pip|cProfile|timeit)\.|^builtins\.(eval|exec|getattr|__import__|compile|open)$/;

const entries = corpusManifest().filter((e) => PICKLE_FORMATS.test(e.format) && !e.path.endsWith('.data'));
const malicious = entries.filter((e) => e.expected === 'malicious');
const benign = entries.filter((e) => e.expected === 'benign');

describe('corpus manifest', () => {
  it('has the pickle-bearing samples these tests rely on', () => {
    expect(malicious.filter((e) => e.path.startsWith('malicious/pickle/')).length).toBeGreaterThanOrEqual(20);
    expect(malicious.filter((e) => payloadCallable(e.payload)).length).toBeGreaterThanOrEqual(20);
    expect(benign.length).toBeGreaterThanOrEqual(8);
  });

  it('payloadCallable takes only a leading module.function', () => {
    expect(payloadCallable("posix.system('echo x')")).toBe('posix.system');
    expect(payloadCallable('second pickle: posix.system(x)')).toBe('posix.system');
    expect(payloadCallable('code.InteractiveInterpreter.runcode(i, s)')).toBe(
      'code.InteractiveInterpreter.runcode',
    );
    expect(payloadCallable('exec("import os")')).toBeUndefined();
    expect(payloadCallable("getattr(__import__('os'),'system')(cmd)")).toBeUndefined();
    expect(payloadCallable('Namespace().__setstate__(x) == posix.system(x)')).toBeUndefined();
    expect(payloadCallable(undefined)).toBeUndefined();
  });
});

describe('malicious samples surface their payload callable', () => {
  for (const entry of malicious) {
    const callable = payloadCallable(entry.payload);
    it(`${entry.path}${callable ? ` → ${callable}` : ''}`, async () => {
      const pickles = picklesOf(entry);
      expect(pickles.length).toBeGreaterThan(0);
      const names = new Set<string>();
      let findings = 0;
      for (const p of pickles) {
        const seen = await scan(p.bytes);
        for (const n of seen.names) names.add(n);
        findings += seen.names.size + seen.streams.reduce((n, s) => n + s.anomalies.length, 0);
      }
      expect(findings).toBeGreaterThan(0);
      if (callable) expect([...names]).toContain(callable);
    });
  }
});

describe('benign samples parse cleanly', () => {
  for (const entry of benign) {
    it(entry.path, async () => {
      const pickles = picklesOf(entry);
      // plain numeric arrays carry no pickle; everything else does
      if (entry.format.startsWith('numpy')) expect(pickles).toEqual([]);
      else expect(pickles.length).toBeGreaterThan(0);
      for (const p of pickles) {
        const seen = await scan(p.bytes);
        expect(seen.streams.length, p.label).toBeGreaterThan(0);
        expect(
          seen.streams.map((s) => [s.end, s.anomalies.map((a) => a.code)]),
          p.label,
        ).toEqual(seen.streams.map(() => ['stop', []]));
        expect(
          [...seen.names].filter((n) => DANGEROUS.test(n)),
          p.label,
        ).toEqual([]);
        // legacy torch files end in raw storage bytes, which are not a pickle
        if (entry.format !== 'pytorch-legacy') expect(seen.trailing, p.label).toBe(false);
      }
    });
  }
});
