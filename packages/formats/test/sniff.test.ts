/**
 * sniff: what a file is, from its first bytes only (loaders route by content, so must we). Corpus
 * expectations come from the manifest's `format` field.
 */
import { type FormatKind, SNIFF_HEAD_BYTES, sniff } from '@vacsrp/formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FORMAT_KINDS } from './helpers/closed-sets.js';
import { asm, corpusFile, corpusManifest, corpusPaths, hex, u64le } from './helpers/pickle-asm.js';

/** Manifest formats that carry a magic number (or a protocol-2+ pickle header) → what sniff must say. */
const BY_FORMAT: Record<string, FormatKind> = {
  zip: 'zip',
  'keras-v3': 'zip',
  'pytorch-zip': 'zip',
  'torchscript-zip': 'zip',
  'numpy-npz': 'zip',
  'tar.gz': 'gzip',
  'gzip+pickle': 'gzip',
  'gguf-v3': 'gguf',
  hdf5: 'hdf5',
  'keras-h5': 'hdf5',
  'numpy-npy': 'npy',
  'pickle-protocol-2': 'pickle',
  'pickle-protocol-3': 'pickle',
  'pickle-protocol-4': 'pickle',
  'pickle-protocol-5': 'pickle',
  joblib: 'pickle',
  'pytorch-legacy': 'pickle',
  'joblib-zlib': 'zlib',
};

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const head = (b: Uint8Array) => b.subarray(0, SNIFF_HEAD_BYTES);

describe('corpus', () => {
  const entries = corpusManifest();

  for (const entry of entries.filter((e) => BY_FORMAT[e.format] !== undefined)) {
    it(`${entry.path} (${entry.format}) is ${BY_FORMAT[entry.format]}`, () => {
      const bytes = corpusFile(entry.path);
      expect(sniff(head(bytes), bytes.length)).toBe(BY_FORMAT[entry.format]);
    });
  }

  it('benign safetensors files are safetensors, and so is one whose header length passes the file', () => {
    for (const e of entries.filter((x) => x.format === 'safetensors' && x.expected === 'benign')) {
      const bytes = corpusFile(e.path);
      expect(sniff(head(bytes), bytes.length), e.path).toBe('safetensors');
    }
    const hugeHeader = corpusFile('malicious/safetensors/huge_header_length.safetensors');
    // A lying length is the safetensors analyser's finding to make, not a reason to call it unknown.
    expect(sniff(head(hugeHeader), hugeHeader.length)).toBe('safetensors');
  });

  it('protocol 0/1 pickles have no magic: text or unknown, for the caller to probe', () => {
    for (const e of entries.filter((x) => /^pickle-protocol-[01]$/.test(x.format))) {
      const bytes = corpusFile(e.path);
      expect(['text', 'unknown'], e.path).toContain(sniff(head(bytes), bytes.length));
    }
  });
});

describe('magic numbers', () => {
  const cases: Array<[string, Uint8Array, FormatKind]> = [
    ['zip local header', hex('504b0304 14000000'), 'zip'],
    ['empty zip', hex('504b0506 00000000'), 'zip'],
    ['spanned zip', hex('504b0708 504b0304'), 'zip'],
    ['7z', hex('377abcaf271c 0004'), '7z'],
    ['gzip', hex('1f8b 0800'), 'gzip'],
    ['bzip2 level 9', ascii('BZh91AY&SY'), 'bzip2'],
    ['xz', hex('fd377a585a00 0004'), 'xz'],
    ['lz4 frame', hex('04224d18 6440a7'), 'lz4'],
    ['npy', asm(hex('934e554d5059 0100'), 'v\0'), 'npy'],
    ['gguf', ascii('GGUF\x03\0\0\0'), 'gguf'],
    ['hdf5', hex('894844460d0a1a0a 0000'), 'hdf5'],
    ['pickle protocol 2', hex('8002 7d71 002e'), 'pickle'],
    ['pickle protocol 5', hex('8005 9500'), 'pickle'],
    ['zlib default', hex('789c 0300 0000 0001'), 'zlib'],
    ['zlib best', hex('78da 0300'), 'zlib'],
    ['lzma alone', hex('5d 00008000 ffffffffffffffff 00'), 'lzma'],
    ['text', ascii('hello, world\nthis is a README\n'), 'text'],
    ['empty', new Uint8Array(), 'unknown'],
  ];
  for (const [label, bytes, kind] of cases) {
    it(`${label} → ${kind}`, () => expect(sniff(bytes, bytes.length)).toBe(kind));
  }

  it('near misses are not taken for the format', () => {
    expect(sniff(ascii('BZh0xxxx'))).not.toBe('bzip2');
    expect(sniff(hex('8006 7d2e'))).not.toBe('pickle');
    expect(sniff(hex('80'))).not.toBe('pickle');
    expect(sniff(hex('7800'))).not.toBe('zlib'); // FCHECK fails
    expect(sniff(hex('78bb'))).not.toBe('zlib'); // preset dictionary
    expect(sniff(hex('5d 00000000 ffffffffffffffff 00'))).not.toBe('lzma'); // dictionary too small
    expect(sniff(asm(ascii('text with a NUL'), hex('00'), ascii(' inside')))).toBe('unknown');
  });

  it('tar is recognised by ustar at offset 257', () => {
    const tar = new Uint8Array(512);
    tar.set(ascii('model/config.json'), 0);
    tar.set(ascii('ustar\x0000'), 257);
    expect(sniff(tar)).toBe('tar');
    expect(sniff(tar.subarray(0, 262))).not.toBe('tar');
  });

  it('safetensors: a u64 header length, then a JSON object (a lying length needs a JSON key after {)', () => {
    const json = ascii('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    const file = asm(u64le(json.length), json, new Uint8Array(4));
    expect(sniff(file, file.length)).toBe('safetensors');
    const lies = asm(u64le(1_000_000), json, new Uint8Array(4));
    expect(sniff(lies, lies.length)).toBe('safetensors');
    const notJson = asm(u64le(1_000_000), ascii('{ x'), new Uint8Array(4));
    expect(sniff(notJson, notJson.length)).not.toBe('safetensors');
  });
});

describe('content that only looks like a compressed stream', () => {
  // Regression (fixed): the zlib test (CMF low nibble 8, FCHECK) passes for about 1 in 30 arbitrary byte pairs and
  // runs before anything can probe for protocol 0/1 pickles. '(S' — MARK then STRING, how every
  // protocol-0 INST pickle starts (the P3 recipe "(S'…'\ni__builtin__\nexec\n.") — is 0x28 0x53,
  // a valid zlib header, so such a pickle is routed to inflate and never probed as a pickle.
  // joblib only treats content starting with 'x' as zlib; pickle.load does not care.
  it('a protocol-0 INST pickle starting with (S is not zlib', () => {
    const p0 = ascii("(S'echo x'\ni__builtin__\nexec\n.");
    expect(sniff(p0, p0.length)).not.toBe('zlib');
  });

  // Regression (fixed): likewise pickle.dumps([(1, 2), (3, 4)], protocol=1) starts 5d 71 00 28 28 (EMPTY_LIST,
  // BINPUT 0, MARK, MARK), which the lzma-alone test reads as props 0x5d and a 0x28280071-byte
  // dictionary, so a plain protocol-1 pickle is sniffed as 'lzma'.
  it('a protocol-1 pickle starting with EMPTY_LIST is not lzma', () => {
    const p1 = hex('5d710028284b014b02747101284b034b04747102652e');
    expect(sniff(p1, p1.length)).not.toBe('lzma');
  });

  // Regression (fixed): a safetensors file whose JSON header is 376 (0x178) bytes long starts 78 01, a valid zlib
  // header, and the zlib test runs before the safetensors one.
  it('a safetensors file with a 376-byte header is safetensors', () => {
    const json = asm('{', new Uint8Array(374).fill(0x20), '}');
    const file = asm(u64le(json.length), json, new Uint8Array(16));
    expect(sniff(head(file), file.length)).toBe('safetensors');
  });
});

describe('properties (fixed seeds)', () => {
  it('random bytes: never throws, always a known kind, and only the head matters', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const kind = sniff(head(bytes), bytes.length);
        expect(FORMAT_KINDS.has(kind)).toBe(true);
        expect(sniff(bytes, bytes.length)).toBe(kind);
      }),
      { seed: 0x5a1f, numRuns: 2000 },
    );
  });

  it('mutations of the first bytes of every corpus file: never throws, always a known kind', () => {
    const files = corpusPaths().map((p) => head(corpusFile(p)));
    const edit = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.nat(), fc.array(edit, { maxLength: 4 }), fc.nat(), (which, edits, cut) => {
        const b = Uint8Array.from(files[which % files.length]!);
        for (const e of edits) if (b.length > 0) b[e.at % b.length] = e.value;
        const truncated = b.subarray(0, cut % (b.length + 1));
        expect(FORMAT_KINDS.has(sniff(truncated, truncated.length))).toBe(true);
        expect(FORMAT_KINDS.has(sniff(truncated, 0))).toBe(true);
      }),
      { seed: 0x5a20, numRuns: 3000 },
    );
  });
});
