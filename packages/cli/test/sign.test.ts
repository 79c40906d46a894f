/** `vacsrp sign` and `vacsrp verify-model`, run in-process on a fresh commander program. */

import { generateKeyPairSync } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerSignCommands } from '../src/commands/sign.js';
import { type CommandRun, recorder, runCommand } from './helpers.js';

const STANDARDS = fileURLToPath(new URL('../../../../shared/standards/model-signing', import.meta.url));
const VECTORS = join(STANDARDS, 'vectors');

const run = (...argv: string[]): Promise<CommandRun> => runCommand(registerSignCommands, argv);

let dir = '';
let model = '';
let keyPath = '';
let pubPath = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vacsrp-sign-'));
  model = join(dir, 'model');
  await mkdir(join(model, 'sub'), { recursive: true });
  await writeFile(join(model, 'weights.safetensors'), new Uint8Array(5000).fill(1));
  await writeFile(join(model, 'sub/config.json'), '{}');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  keyPath = join(dir, 'key.pem');
  pubPath = join(dir, 'pub.pem');
  await writeFile(keyPath, String(privateKey.export({ type: 'pkcs8', format: 'pem' })), { mode: 0o600 });
  await writeFile(pubPath, String(publicKey.export({ type: 'spki', format: 'pem' })));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vacsrp sign', () => {
  it('signs into DIR/model.sig, then verify-model exits 0', async () => {
    const s = await run('sign', model, '--key', keyPath);
    expect(s.code).toBe(0);
    expect(s.stderr.text()).toMatch(/^vacsrp: signed 2 resources of .* signature written to .*model\.sig\n$/);
    expect(s.stdout.text()).toBe('');
    const bundle = JSON.parse(await readFile(join(model, 'model.sig'), 'utf8'));
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    const v = await run('verify-model', model, '--key', pubPath);
    expect(v.code).toBe(0);
    expect(v.stderr.text()).toMatch(/^vacsrp: verified .*: 2 resources match/);
  });

  it('--output inside the model is left out of what it signs; --shard-size, --ignore', async () => {
    await writeFile(join(model, 'notes.txt'), 'n');
    const out = join(model, 'sigs.json');
    const s = await run(
      'sign',
      model,
      '--key',
      keyPath,
      '-o',
      out,
      '--shard-size',
      '1024',
      '--ignore',
      'notes.txt',
    );
    expect(s.code).toBe(0);
    const payload = JSON.parse(
      Buffer.from(JSON.parse(await readFile(out, 'utf8')).dsseEnvelope.payload, 'base64').toString(),
    );
    expect(payload.predicate.serialization).toMatchObject({ method: 'shards', shard_size: 1024 });
    expect(payload.predicate.serialization.ignore_paths).toEqual(
      expect.arrayContaining(['notes.txt', 'sigs.json']),
    );
    expect(payload.predicate.resources).toHaveLength(6);
    expect((await run('verify-model', model, '--key', pubPath, '--signature', out)).code).toBe(0);
  });

  it('a one-file model: the signature goes beside it and verifies', async () => {
    const file = join(model, 'weights.safetensors');
    expect((await run('sign', file, '--key', keyPath)).code).toBe(0);
    const payload = JSON.parse(
      Buffer.from(
        JSON.parse(await readFile(join(model, 'model.sig'), 'utf8')).dsseEnvelope.payload,
        'base64',
      ).toString(),
    );
    expect(payload.subject[0].name).toBe('weights.safetensors');
    expect(payload.predicate.resources.map((r: { name: string }) => r.name)).toEqual(['.']);
    expect((await run('verify-model', file, '--key', pubPath)).code).toBe(0);
  });

  it('refuses a key file other users can read, with the fix', async () => {
    await chmod(keyPath, 0o644);
    const s = await run('sign', model, '--key', keyPath);
    expect(s.code).toBe(2);
    expect(s.stderr.text()).toContain('readable or writable by other users (mode 644); run chmod 600');
  });

  it('usage errors exit 2: no --key, bad --shard-size, missing key or model, a public key as key', async () => {
    expect((await run('sign', model)).code).toBe(2);
    expect((await run('sign', model, '--key', keyPath, '--shard-size', '0')).code).toBe(2);
    expect((await run('sign', model, '--key', join(dir, 'nope.pem'))).code).toBe(2);
    expect((await run('sign', join(dir, 'nope'), '--key', keyPath)).code).toBe(2);
    await chmod(pubPath, 0o600);
    const r = await run('sign', model, '--key', pubPath);
    expect(r.code).toBe(2);
    expect(r.stderr.text()).toContain('no PRIVATE KEY block [TRUST_INPUT_INVALID]');
  });

  it('a symbolic link in the model exits 1 unless --allow-symlinks', async () => {
    const { symlink } = await import('node:fs/promises');
    await symlink('weights.safetensors', join(model, 'alias'));
    const r = await run('sign', model, '--key', keyPath);
    expect(r.code).toBe(1);
    expect(r.stderr.text()).toContain('[SYMLINK_REFUSED]');
    expect((await run('sign', model, '--key', keyPath, '--allow-symlinks')).code).toBe(0);
  });
});

describe('vacsrp verify-model', () => {
  beforeEach(async () => {
    expect((await run('sign', model, '--key', keyPath)).code).toBe(0);
  });

  it('exits 1 with the reason when a file changed', async () => {
    await writeFile(join(model, 'sub/config.json'), '{"x":1}');
    const r = await run('verify-model', model, '--key', pubPath);
    expect(r.code).toBe(1);
    expect(r.stderr.text()).toBe(
      'vacsrp: not verified: the model does not match its signature: 1 modified: "sub/config.json" [FILE_MODIFIED]\n',
    );
  });

  it('exits 1 for another key, and for a missing signature', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
    await writeFile(pubPath, String(other.export({ type: 'spki', format: 'pem' })));
    expect(await run('verify-model', model, '--key', pubPath)).toMatchObject({ code: 1 });
    await rm(join(model, 'model.sig'));
    const r = await run('verify-model', model, '--key', pubPath);
    expect(r.code).toBe(1);
    expect(r.stderr.text()).toContain('no signature at');
  });

  it('usage errors exit 2: no method, two methods, Sigstore without identity, identity without root, bad PEM', async () => {
    const root = join(STANDARDS, 'sigstore-public-good/trusted_root.json');
    expect((await run('verify-model', model)).code).toBe(2);
    expect((await run('verify-model', model, '--key', pubPath, '--certificate-chain', pubPath)).code).toBe(2);
    expect((await run('verify-model', model, '--trusted-root', root, '--identity', 'a@b')).code).toBe(2);
    expect((await run('verify-model', model, '--key', pubPath, '--issuer', 'https://x')).code).toBe(2);
    expect((await run('verify-model', join(dir, 'missing'), '--key', pubPath)).code).toBe(2);
    await writeFile(join(dir, 'bad.pem'), 'not a pem');
    const r = await run('verify-model', model, '--key', join(dir, 'bad.pem'));
    expect(r.code).toBe(2);
    expect(r.stderr.text()).toContain('bad.pem: no PEM block found [TRUST_INPUT_INVALID]');
  });
});

describe('vacsrp verify-model on the upstream vectors', () => {
  it('key, certificate-chain and Sigstore methods exit 0', async () => {
    const key = await run(
      'verify-model',
      join(VECTORS, 'v1.1.0-elliptic-key'),
      '--key',
      join(STANDARDS, 'keys/signing-key-pub.pem'),
    );
    expect(key.code).toBe(0);
    const single = await run(
      'verify-model',
      join(VECTORS, 'v1.0.0-elliptic-key/signme-1'),
      '--key',
      join(STANDARDS, 'keys/signing-key-pub.pem'),
    );
    expect(single.code).toBe(0);
    const cert = await run(
      'verify-model',
      join(VECTORS, 'v1.0.1-certificate'),
      '--certificate-chain',
      join(STANDARDS, 'keys/ca-cert.pem'),
      '--ignore',
      'ignore-me',
    );
    expect(cert.code).toBe(0);
    const sig = [
      'verify-model',
      join(VECTORS, 'v1.1.0-sigstore'),
      '--trusted-root',
      join(STANDARDS, 'sigstore-public-good/trusted_root.json'),
      '--identity',
      'stefanb@us.ibm.com',
      '--issuer',
    ];
    expect((await run(...sig, 'https://sigstore.verify.ibm.com/oauth2')).code).toBe(0);
    const wrong = await run(...sig, 'https://accounts.google.com');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.text()).toContain('[IDENTITY_MISMATCH]');
  });

  it('a vector copy with an added file exits 1', async () => {
    const copy = join(dir, 'v');
    await cp(join(VECTORS, 'v1.1.0-certificate'), copy, { recursive: true });
    await chmod(copy, 0o755);
    await writeFile(join(copy, 'added'), 'x');
    const r = await run('verify-model', copy, '--certificate-chain', join(STANDARDS, 'keys/ca-cert.pem'));
    expect(r.code).toBe(1);
    expect(r.stderr.text()).toContain('1 not in the signature: "added" [FILE_UNEXPECTED]');
  });
});

describe('wiring into the real program (the line program.ts needs)', () => {
  it('buildProgram registers the signing commands: exit codes and help reach the recorders', async () => {
    const { buildProgram } = await import('../src/program.js');
    const stdout = recorder();
    const stderr = recorder();
    let code = 0;
    const setExitCode = (c: number) => {
      code = c;
    };
    const deps = {
      scan: async () => Promise.reject(new Error('unused')),
      stdout,
      stderr,
      env: {},
      version: '9.9.9',
    };
    const program = buildProgram(deps, setExitCode);
    // buildProgram registers the signing commands itself.
    await program.parseAsync(
      [
        'verify-model',
        join(VECTORS, 'v1.1.0-elliptic-key'),
        '--key',
        join(STANDARDS, 'keys/signing-key-pub.pem'),
      ],
      {
        from: 'user',
      },
    );
    expect(code).toBe(0);
    await program.parseAsync(['verify-model', join(VECTORS, 'v1.1.0-elliptic-key'), '--key', pubPath], {
      from: 'user',
    });
    expect(code).toBe(1);
    await expect(program.parseAsync(['verify-model', '--help'], { from: 'user' })).rejects.toBeInstanceOf(
      CommanderError,
    );
    expect(stdout.text()).toContain('--certificate-chain');
  });
});
