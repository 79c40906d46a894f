import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parseManifest } from '@vacsrp/scanner';
import { Command, CommanderError } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST_EXIT, registerManifestCommands } from '../src/commands/manifest.js';
import { type Recorder, recorder } from './helpers.js';

/** A program shaped like program.ts (root --version, exitOverride) holding only the manifest commands. */
async function run(
  argv: readonly string[],
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean },
): Promise<{ code: number; stdout: Recorder; stderr: Recorder }> {
  const stdout = recorder();
  const stderr = recorder();
  let code = 0;
  const program = new Command('vacsrp')
    .version('9.9.9', '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void stdout.write(s), writeErr: (s) => void stderr.write(s) });
  registerManifestCommands(program, {
    stdout,
    stderr,
    ...(stdin === undefined ? {} : { stdin }),
    setExitCode: (c) => {
      code = c;
    },
  });
  for (const c of program.commands) c.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? 0 : 2;
  }
  return { code, stdout, stderr };
}

const CARD = `---
license: apache-2.0
base_model: meta-llama/Llama-3.1-8B
datasets:
  - HuggingFaceFW/fineweb
pipeline_tag: text-generation
language: [en]
---
# Tiny model
`;

function safetensors(): Buffer {
  const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.alloc(8)]);
}

let repo: string;
beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'vacsrp-init-'));
  await writeFile(join(repo, 'README.md'), CARD);
  await writeFile(
    join(repo, 'config.json'),
    JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama' }),
  );
  await writeFile(join(repo, 'model.safetensors'), safetensors());
  await writeFile(join(repo, 'requirements.txt'), 'torch==2.3.0\n');
});
afterEach(async () => {
  await rm(repo, { recursive: true, force: true });
});

const FLAGS = [
  '--name',
  'tiny',
  '--model-version',
  '1.0.0',
  '--organisation',
  'Acme AI',
  '--contact',
  'security@acme.example',
  '--intended-use',
  'Summarising public documents',
  '--confidentiality',
  'digests-only',
];

describe('vacsrp init', () => {
  it('drafts a valid manifest from the repository and the flags', async () => {
    const r = await run(['init', repo, ...FLAGS]);
    expect(r.stderr.text()).toContain('model.licence (README.md front matter)');
    expect(r.stderr.text()).toContain('model.architecture (config.json)');
    expect(r.stderr.text()).toContain('model.baseModels[0].revision');
    expect(r.code).toBe(MANIFEST_EXIT.ok);
    const text = await readFile(join(repo, 'vacsrp.yaml'), 'utf8');
    const parsed = parseManifest(text, 'vacsrp.yaml');
    expect(parsed.problems).toEqual([]);
    const m = parsed.manifest!;
    expect(m.model).toMatchObject({
      name: 'tiny',
      version: '1.0.0',
      architecture: 'LlamaForCausalLM',
      licence: { id: 'Apache-2.0' },
      baseModels: [{ hub: 'huggingface', repository: 'meta-llama/Llama-3.1-8B' }],
      modalities: ['text'],
    });
    expect(m.artifacts).toEqual([
      {
        path: 'model.safetensors',
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        size: safetensors().length,
      },
    ]);
    expect(m.dependencyFiles).toEqual(['requirements.txt']);
    expect(m.documentation).toEqual({ modelCard: 'README.md' });
    expect(m.trainingData?.[0]?.name).toBe('HuggingFaceFW/fineweb');
    expect(m.confidentiality).toBe('digests-only');
  });

  it('never overwrites an existing vacsrp.yaml without --force', async () => {
    await writeFile(join(repo, 'vacsrp.yaml'), 'keep: me\n');
    const r = await run(['init', repo, ...FLAGS]);
    expect(r.code).toBe(MANIFEST_EXIT.usage);
    expect(r.stderr.text()).toContain('--force');
    expect(await readFile(join(repo, 'vacsrp.yaml'), 'utf8')).toBe('keep: me\n');
    const forced = await run(['init', repo, ...FLAGS, '--force']);
    expect(forced.code).toBe(MANIFEST_EXIT.ok);
    expect(await readFile(join(repo, 'vacsrp.yaml'), 'utf8')).toContain('manifestVersion: 1');
  });

  it('lists what is missing and exits 1 without a terminal to ask on', async () => {
    const r = await run(['init', repo]);
    expect(r.code).toBe(MANIFEST_EXIT.problems);
    const err = r.stderr.text();
    for (const f of [
      'model.name',
      'model.version',
      'developer.organisation',
      'developer.securityContact',
      'intendedUses',
      'confidentiality',
    ])
      expect(err).toContain(`  ${f}\n`);
    expect(err).not.toContain('  model.licence\n');
  });

  it('asks for the missing answers on a terminal', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    stdin.end('tiny\n2.0\nAcme AI\nhttps://acme.example/security\nChat support\nupload\n');
    const r = await run(['init', repo], stdin);
    expect(r.stderr.text()).toContain('Model name: ');
    expect(r.code).toBe(MANIFEST_EXIT.ok);
    const m = parseManifest(await readFile(join(repo, 'vacsrp.yaml'), 'utf8'), 'x').manifest!;
    expect(m.model.version).toBe('2.0');
    expect(m.developer.securityContact).toBe('https://acme.example/security');
    expect(m.confidentiality).toBe('upload');
  });

  it('does not follow symbolic links and skips hidden directories', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'vacsrp-outside-'));
    try {
      await writeFile(join(outside, 'secret.safetensors'), safetensors());
      await symlink(join(outside, 'secret.safetensors'), join(repo, 'linked.safetensors'));
      await mkdir(join(repo, '.git'));
      await writeFile(join(repo, '.git', 'x.safetensors'), safetensors());
      await run(['init', repo, ...FLAGS]);
      const m = parseManifest(await readFile(join(repo, 'vacsrp.yaml'), 'utf8'), 'x').manifest!;
      expect(m.artifacts.map((a) => a.path)).toEqual(['model.safetensors']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('lists values that do not validate under "to fix", located in the written file', async () => {
    const r = await run([
      'init',
      repo,
      ...FLAGS.map((f) => (f === 'security@acme.example' ? 'call us' : f)),
      '--license',
      'other',
    ]);
    expect(r.code).toBe(MANIFEST_EXIT.problems);
    const err = r.stderr.text();
    expect(err).toContain('to fix:\n');
    expect(err).toMatch(/vacsrp\.yaml:\d+:\d+: \/model\/licence lacks the required property "text"/);
    expect(err).toMatch(/vacsrp\.yaml:\d+:\d+: \/developer\/securityContact is not in the expected form/);
  });

  it('rejects a confidentiality outside the choices (usage, exit 2)', async () => {
    const r = await run(['init', repo, '--confidentiality', 'secret']);
    expect(r.code).toBe(2);
  });

  it('refuses a directory that does not exist', async () => {
    const r = await run(['init', join(repo, 'nope')]);
    expect(r.code).toBe(MANIFEST_EXIT.usage);
  });
});

describe('vacsrp validate', () => {
  it('prints each problem as file:line:column: message (write: hint) and exits 1', async () => {
    const file = join(repo, 'vacsrp.yaml');
    await writeFile(
      file,
      [
        'manifestVersion: 1',
        'model:',
        '  name: tiny',
        '  verison: "1"',
        '  licence: { id: MIT }',
        'developer:',
        '  organisation: Acme',
        '  securityContact: security@acme.example',
        'intendedUses: [chat]',
        'artifacts:',
        '  - path: model.safetensors',
        '    sha256: "00"',
        '    size: 1',
        'confidentiality: upload',
        '',
      ].join('\n'),
    );
    const r = await run(['validate', file]);
    expect(r.code).toBe(MANIFEST_EXIT.problems);
    expect(r.stdout.text().split('\n').filter(Boolean)).toEqual([
      `${file}:3:3: /model lacks the required property "version" (write: add "version: …" here)`,
      `${file}:4:3: unknown property "verison" in /model; did you mean "version"? (write: version)`,
      `${file}:12:13: /artifacts/0/sha256 is not in the expected form (write: 64 lower-case hexadecimal digits (the output of \`sha256sum FILE\`))`,
    ]);
  });

  it('exits 0 for a valid manifest and 2 for a missing file', async () => {
    await run(['init', repo, ...FLAGS]);
    const ok = await run(['validate', join(repo, 'vacsrp.yaml')]);
    expect(ok.stdout.text()).toBe('');
    expect(ok.code).toBe(MANIFEST_EXIT.ok);
    const missing = await run(['validate', join(repo, 'absent.yaml')]);
    expect(missing.code).toBe(MANIFEST_EXIT.usage);
  });
});
