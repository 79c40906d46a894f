/** Matching local files to the attested subjects: hashing on the digest pool, every mismatch reported. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDigestPool, hashArtifacts, verifyAttestationFiles } from '../src/index.js';
import { AT, defaultKeyring, ED, issue } from './fixtures/program/helpers.js';

const hex = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

let dir = '';
const files: Record<string, string | Uint8Array> = {
  'config.json': '{"hidden_size": 64}',
  'model.safetensors': new Uint8Array(300_000).fill(7), // above the pool's inline threshold
  'tokenizer/tokenizer.json': '{"vocab": {}}',
};
const artifacts = () => Object.entries(files).map(([name, data]) => ({ name, sha256: hex(data) }));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vacsrp-attest-'));
  for (const [name, data] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), data);
  }
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hashArtifacts', () => {
  it('hashes exactly the named files; absent ones and directories are null', async () => {
    await mkdir(join(dir, 'weights'));
    const r = await hashArtifacts(dir, [
      'model.safetensors',
      'tokenizer/tokenizer.json',
      'nope.bin',
      'weights',
    ]);
    expect(r).toEqual([
      { name: 'model.safetensors', sha256: hex(files['model.safetensors']!) },
      { name: 'tokenizer/tokenizer.json', sha256: hex(files['tokenizer/tokenizer.json']!) },
      { name: 'nope.bin', sha256: null },
      { name: 'weights', sha256: null },
    ]);
  });

  it('uses a pool handed in and leaves it open', async () => {
    const pool = createDigestPool({ threads: 0 });
    try {
      const r = await hashArtifacts(dir, ['config.json'], { pool });
      expect(r[0]!.sha256).toBe(hex(files['config.json']!));
      expect(await pool.digestFile(join(dir, 'config.json'))).toBe(r[0]!.sha256);
    } finally {
      await pool.close();
    }
  });
});

describe('verifyAttestationFiles', () => {
  const opts = () => ({ jwks: defaultKeyring(), now: AT, artifactsDir: dir });

  it('verifies when every attested file matches (extra local files are ignored)', async () => {
    await writeFile(join(dir, 'README.md'), 'not attested');
    const r = await verifyAttestationFiles(issue(ED(), { artifacts: artifacts() }), opts());
    expect(r).toMatchObject({ ok: true, artifactsMatched: 3 });
  });

  it('reports every changed and missing file, naming each', async () => {
    await writeFile(join(dir, 'config.json'), '{"hidden_size": 65}');
    await rm(join(dir, 'tokenizer/tokenizer.json'));
    const r = await verifyAttestationFiles(issue(ED(), { artifacts: artifacts() }), opts());
    expect(r).toMatchObject({
      ok: false,
      code: 'DIGEST_MISMATCH',
      artifacts: [
        {
          name: 'config.json',
          problem: 'digest-mismatch',
          expected: hex(files['config.json']!),
          actual: hex('{"hidden_size": 65}'),
        },
        { name: 'tokenizer/tokenizer.json', problem: 'missing' },
      ],
    });
  });

  it('only missing files → MISSING_ARTIFACT', async () => {
    await rm(join(dir, 'model.safetensors'));
    const r = await verifyAttestationFiles(issue(ED(), { artifacts: artifacts() }), opts());
    expect(r).toMatchObject({
      ok: false,
      code: 'MISSING_ARTIFACT',
      artifacts: [{ name: 'model.safetensors' }],
    });
  });

  it('reads no file when the attestation itself fails', async () => {
    await rm(dir, { recursive: true, force: true });
    const r = await verifyAttestationFiles('not an envelope', opts());
    expect(r).toMatchObject({ ok: false, code: 'MALFORMED' });
  });
});

describe('subjects named by digest (as the program service issues them)', () => {
  const opts = () => ({ jwks: defaultKeyring(), now: AT, artifactsDir: dir });
  const byDigest = () => artifacts().map((a) => ({ name: `sha256-${a.sha256}`, sha256: a.sha256 }));

  it('finds each attested digest among the files of the directory, whatever their names', async () => {
    await writeFile(join(dir, 'README.md'), 'not attested');
    const r = await verifyAttestationFiles(issue(ED(), { artifacts: byDigest() }), opts());
    expect(r).toMatchObject({ ok: true, artifactsMatched: 3 });
  });

  it('reports a digest no file has as missing', async () => {
    await writeFile(join(dir, 'config.json'), '{"hidden_size": 65}');
    const r = await verifyAttestationFiles(issue(ED(), { artifacts: byDigest() }), opts());
    expect(r).toMatchObject({
      ok: false,
      code: 'MISSING_ARTIFACT',
      artifacts: [{ name: `sha256-${hex(files['config.json']!)}`, problem: 'missing' }],
    });
  });
});
