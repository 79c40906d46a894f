/** Containers end to end: archives built in code, scanned through the whole engine. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildTar } from '../../formats/test/helpers/tar-writer.js';
import { buildZip } from '../../formats/test/helpers/zip-writer.js';
import { type ScanReport, scan } from '../src/index.js';
import { bytes, callPickle, global, proto, stop } from './helpers/pickles.js';

async function scanFile(
  name: string,
  content: Uint8Array,
  limits?: Record<string, number>,
): Promise<ScanReport> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vacsrp-containers-'));
  writeFileSync(path.join(dir, name), content);
  // The file itself, not its directory: directory roots also get a model-signature check.
  return scan([path.join(dir, name)], { digest: false, ...(limits ? { limits } : {}) });
}
const rules = (r: ScanReport) => r.findings.map((f) => f.ruleId).sort();
const payload = callPickle('posix', 'system', 'id');
const stateDict = bytes(proto(2), global('collections', 'OrderedDict'), bytes(')R'), stop);

describe('PyTorch-style zip checkpoints', () => {
  it('finds a payload in any pickle member, whatever it is called and wherever it sits', async () => {
    const r = await scanFile(
      'model.pt',
      buildZip({
        members: [
          { name: 'weights_v2/data.pkl', data: stateDict },
          { name: 'weights_v2/version', data: '3\n' },
          { name: 'weights_v2/extra/config.p', data: payload },
        ],
      }),
    );
    const f = r.findings.find((x) => x.ruleId === 'VAC-PKL-001');
    expect(f?.location.members).toEqual(['weights_v2/extra/config.p']);
    expect(r.artifacts[0]?.format).toBe('pytorch-zip');
  });

  it('finds a protocol-0 pickle (no magic) stored as a text member', async () => {
    const r = await scanFile(
      'model.pt',
      buildZip({
        members: [
          { name: 'archive/data.pkl', data: stateDict },
          { name: 'archive/notes.txt', data: "cposix\nsystem\n(S'id'\ntR." },
        ],
      }),
    );
    expect(rules(r)).toEqual(expect.arrayContaining(['VAC-PKL-001', 'VAC-FMT-001']));
  });

  it('reads a member whole when its first window parses cleanly, so padding cannot hide a payload', async () => {
    // A protocol-1 pickle (no magic) whose first 100 KB are a harmless list; the payload follows.
    const padding = bytes(']', '(', ...Array.from({ length: 50_000 }, () => 'K\x01'), 'e0');
    const padded = bytes(padding, "cposix\nsystem\n(S'id'\ntR.");
    const r = await scanFile(
      'model.pt',
      buildZip({
        members: [
          { name: 'archive/data.pkl', data: stateDict },
          { name: 'archive/blob', data: padded },
        ],
      }),
    );
    expect(r.findings.find((f) => f.ruleId === 'VAC-PKL-001')?.location.members).toEqual(['archive/blob']);
  });

  it('reports deflated members with a bad CRC, and still analyses them', async () => {
    const r = await scanFile(
      'model.pt',
      buildZip({ members: [{ name: 'archive/data.pkl', data: payload, method: 8, crc: 0 }] }),
    );
    expect(rules(r)).toEqual(expect.arrayContaining(['VAC-PKL-001', 'VAC-ZIP-003']));
  });

  it('checks storages named by data.pkl against the data/ members', async () => {
    const pk = bytes(
      proto(2),
      global('torch._utils', '_rebuild_tensor_v2'),
      '((X\x07\x00\x00\x00storage',
      global('torch', 'FloatStorage'),
      'X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x04tQK\x00K\x04\x85K\x01\x85\x89',
      global('collections', 'OrderedDict'),
      ')RtR.',
    );
    const ok = await scanFile(
      'm.pt',
      buildZip({
        members: [
          { name: 'a/data.pkl', data: pk },
          { name: 'a/data/0', data: new Uint8Array(16) },
        ],
      }),
    );
    expect(ok.findings).toEqual([]);
    const short = await scanFile(
      'm.pt',
      buildZip({
        members: [
          { name: 'a/data.pkl', data: pk },
          { name: 'a/data/0', data: new Uint8Array(8) },
        ],
      }),
    );
    expect(rules(short)).toEqual(['VAC-PT-005']);
    const missing = await scanFile('m.pt', buildZip({ members: [{ name: 'a/data.pkl', data: pk }] }));
    expect(rules(missing)).toEqual(['VAC-PT-005']);
  });

  it('stops at the member limit with a finding', async () => {
    const members = Array.from({ length: 5 }, (_, i) => ({ name: `m${i}.txt`, data: 'x' }));
    const r = await scanFile('many.zip', buildZip({ members }), { maxArchiveMembers: 3 });
    expect(rules(r)).toEqual(['VAC-ARC-007']);
  });

  it('reads a zip nested in a gzip stream (buffered within its limit)', async () => {
    const inner = buildZip({ members: [{ name: 'evil.pkl', data: payload }] });
    const r = await scanFile('bundle.zip.gz', gzipSync(inner));
    expect(r.findings.find((f) => f.ruleId === 'VAC-PKL-001')?.location.members).toEqual([
      '<gzip stream>',
      'evil.pkl',
    ]);
    const big = await scanFile('bundle.zip.gz', gzipSync(inner), { maxBufferedArchiveBytes: 10 });
    expect(rules(big)).toEqual(['VAC-ARC-006']);
  });
});

describe('tar archives', () => {
  it('analyses members by content, and reports links and escaping names', async () => {
    const r = await scanFile(
      'bundle.tar',
      buildTar([
        { name: 'model/weights.bin', data: payload },
        { name: 'model/link', type: '2', linkName: '/etc/passwd' },
        { name: '../outside.sh', data: 'echo hi\n' },
      ]),
    );
    expect(rules(r)).toEqual(['VAC-ARC-001', 'VAC-ARC-003', 'VAC-PKL-001']);
  });

  it('recognises the legacy tar-format PyTorch checkpoint', async () => {
    const r = await scanFile(
      'old.pt',
      buildTar([
        { name: 'sys_info', data: stateDict },
        { name: 'pickle', data: stateDict },
        { name: 'tensors', data: stateDict },
        { name: 'storages', data: stateDict },
      ]),
    );
    expect(r.artifacts[0]?.format).toBe('pytorch-tar');
    expect(rules(r)).toEqual(['VAC-PT-001']);
  });

  it('analyses tar members inside gzip from memory', async () => {
    const r = await scanFile('bundle.tar.gz', gzipSync(buildTar([{ name: 'a/b.pkl', data: payload }])));
    expect(r.findings.find((f) => f.ruleId === 'VAC-PKL-001')?.location.members).toEqual([
      '<gzip stream>',
      'a/b.pkl',
    ]);
  });
});

describe('polyglots', () => {
  it('analyses a ZIP appended to a pickle, which zipfile-based loaders read from the end', async () => {
    const zip = buildZip({
      members: [
        { name: 'config.json', data: '{}' },
        { name: 'hook.pkl', data: payload },
      ],
    });
    const r = await scanFile('model.keras', bytes(stateDict, zip));
    expect(rules(r)).toEqual(expect.arrayContaining(['VAC-FMT-004', 'VAC-PKL-001']));
    expect(r.findings.find((f) => f.ruleId === 'VAC-PKL-001')?.location.members).toEqual([
      '<zip read from the end>',
      'hook.pkl',
    ]);
  });

  it('leaves content without an end record alone', async () => {
    const r = await scanFile('state.pkl', stateDict);
    expect(r.findings).toEqual([]);
  });
});
