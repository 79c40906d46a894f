import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesContent } from '../src/checks/pickle-artifact.js';
import { SECRET_FILES, scanSecretsText, secretFindings } from '../src/checks/secrets.js';
import type { ScanState, Target } from '../src/checks/types.js';
import type { Finding } from '../src/findings.js';
import { renderJson } from '../src/report/json.js';
import { renderSarif } from '../src/report/sarif.js';
import { renderText } from '../src/report/text.js';
import { RULES } from '../src/rules/registry.js';
import { scan } from '../src/scan.js';
import { detectSecrets, entropy, isPlaceholder } from '../src/secrets/detect.js';
import { detectNotebookSecrets } from '../src/secrets/notebook.js';
import { fingerprint } from '../src/secrets/redact.js';
import { makeReport } from './fixtures/report/sample-report.js';

const FIXTURES = new URL('./fixtures/secrets/benign/', import.meta.url);

/**
 * Canary credentials, generated at run time from a seeded generator so that no token-shaped string is
 * committed (and so that each run plants the same ones).
 */
function canaries(seed = 0x5ec2e7) {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 8;
  };
  const pick = (alphabet: string, n: number) =>
    Array.from({ length: n }, () => alphabet[next() % alphabet.length]).join('');
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const a = 'abcdefghijklmnopqrstuvwxyz';
  const d = '0123456789';
  const alnum = A + a + d;
  const b64 = `${alnum}+/`;
  // Mixed classes guaranteed: the generator could in principle produce a run of one class.
  const mixed = (alphabet: string, n: number) => `Qz7${pick(alphabet, n - 3)}`;
  const pemBody = Array.from({ length: 6 }, () => pick(b64, 64)).join('\n');
  return {
    'aws-access-key-id': `AKIA${pick(`${A}234567`, 16)}`,
    'aws-secret-access-key': mixed(b64, 40),
    'github-token': `ghp_${mixed(alnum, 36)}`,
    'github-pat': `github_pat_${mixed(alnum, 22)}_${pick(alnum, 59)}`,
    'gitlab-token': `glpat-${mixed(alnum, 20)}`,
    'slack-token': `xoxb-${pick(d, 12)}-${pick(d, 13)}-${mixed(alnum, 24)}`,
    'stripe-live-key': `sk_live_${mixed(alnum, 24)}`,
    'google-api-key': `AIza${mixed(alnum, 35)}`,
    'openai-api-key': `sk-proj-${mixed(alnum, 48)}`,
    'anthropic-api-key': `sk-ant-api03-${mixed(alnum, 93)}AA`,
    'huggingface-token': `hf_${`Qz${pick(A + a, 30)}kW`}`,
    'azure-key': mixed(alnum, 86).concat('=='),
    'private-key': `-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\n-----END RSA PRIVATE KEY-----`,
    jwt: [
      Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url'),
      Buffer.from(`{"sub":"${pick(d, 10)}","name":"canary"}`).toString('base64url'),
      mixed(`${alnum}_-`, 43),
    ].join('.'),
    password: `Pw9!${pick(alnum, 16)}`,
  } as const;
}

const C = canaries();

/** A realistic .env with every canary; line numbers are asserted below. */
const ENV_FILE = [
  '# service credentials', // 1
  `AWS_ACCESS_KEY_ID=${C['aws-access-key-id']}`, // 2
  `AWS_SECRET_ACCESS_KEY=${C['aws-secret-access-key']}`, // 3
  `GITHUB_TOKEN=${C['github-token']}`, // 4
  `GH_PAT=${C['github-pat']}`, // 5
  `GITLAB_TOKEN=${C['gitlab-token']}`, // 6
  `SLACK_BOT_TOKEN=${C['slack-token']}`, // 7
  `STRIPE_KEY=${C['stripe-live-key']}`, // 8
  `GOOGLE_API_KEY=${C['google-api-key']}`, // 9
  `OPENAI_API_KEY=${C['openai-api-key']}`, // 10
  `ANTHROPIC_API_KEY=${C['anthropic-api-key']}`, // 11
  `HF_TOKEN=${C['huggingface-token']}`, // 12
  `AZURE_STORAGE=DefaultEndpointsProtocol=https;AccountName=acmemodels;AccountKey=${C['azure-key']};EndpointSuffix=core.windows.net`, // 13
  `SESSION=${C.jwt}`, // 14
  `DB_PASSWORD="${C.password}"`, // 15
  `PIP_INDEX_URL=https://ci:${C.password}@pypi.acme.example/simple`, // 16
  '', // 17
].join('\n');

const EXPECTED: ReadonlyArray<[kind: string, line: number, severity: string]> = [
  ['aws-access-key-id', 2, 'high'],
  ['aws-secret-access-key', 3, 'high'],
  ['github-token', 4, 'high'],
  ['github-token', 5, 'high'],
  ['gitlab-token', 6, 'high'],
  ['slack-token', 7, 'high'],
  ['stripe-live-key', 8, 'high'],
  ['google-api-key', 9, 'high'],
  ['openai-api-key', 10, 'high'],
  ['anthropic-api-key', 11, 'high'],
  ['huggingface-token', 12, 'high'],
  ['azure-connection-string', 13, 'high'],
  ['jwt', 14, 'medium'],
  ['generic-secret', 15, 'medium'],
  ['url-credentials', 16, 'medium'],
];

const loc = { artifact: 'repo/.env' };

describe('secret detectors', () => {
  it('finds every planted credential with its kind, line, column and severity', () => {
    const findings = secretFindings(ENV_FILE, loc);
    const got = findings.map((f) => [f.evidence.details!.kind, f.evidence.details!.line, f.severity]);
    expect(got).toEqual(EXPECTED);
    const lines = ENV_FILE.split('\n');
    for (const f of findings) {
      const { line, column } = f.evidence.details as { line: number; column: number };
      // The column points at the value: the text there starts with the fingerprint's shown prefix.
      const shown = String(f.evidence.details!.fingerprint).slice(0, 4);
      expect(lines[line - 1]!.slice(column - 1, column + 3)).toBe(shown);
      expect(f.criterion).toBe('SC-8');
      expect(f.ruleId).toBe('VAC-SEC-001');
    }
  });

  it('reports a lone AWS key ID as medium and pairs it with its secret as high', () => {
    const lone = secretFindings(`aws_access_key_id = ${C['aws-access-key-id']}\n`, loc);
    expect(lone.map((f) => f.severity)).toEqual(['medium']);
  });

  it('finds PEM, OpenSSH and PuTTY private keys, also inside JSON strings, but not a quoted header', () => {
    expect(detectSecrets(C['private-key']).map((h) => h.kind)).toEqual(['private-key']);
    const json = JSON.stringify({ key: C['private-key'].replace('RSA ', 'OPENSSH ') });
    expect(detectSecrets(json).map((h) => h.kind)).toEqual(['private-key']);
    const putty = `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: canary\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5\nAAAAIG\nPrivate-Lines: 1\nAAAAIB\n`;
    expect(detectSecrets(putty).map((h) => h.kind)).toEqual(['putty-private-key']);
    expect(detectSecrets('A key begins with `-----BEGIN PRIVATE KEY-----` in PEM.')).toEqual([]);
  });

  it('ignores placeholders and examples', () => {
    const docs = [
      'export OPENAI_API_KEY="sk-..."',
      'HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      'api_key = "YOUR_API_KEY"',
      'token: <token>',
      'password = "changeme"',
      '--index-url https://user:password@pypi.example.com/simple',
      'postgresql://postgres:postgres@localhost:5432/db',
      'git+https://github.com/huggingface/transformers@v4.40.0',
      'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      `secret = "\${SECRET_FROM_VAULT}"`,
      'token = os.environ["HF_TOKEN"]',
      'hub_token: {{ secrets.HF_TOKEN }}',
      'password: "********************"',
      'pad_token: "<|finetune_right_pad_id|>"',
      'eos_token = "<|im_end|>"',
      'max_tokens = 409600000000',
      'challenge = AttributeOID.CHALLENGE_PASSWORD: "challengePassword"',
    ].join('\n');
    expect(detectSecrets(docs)).toEqual([]);
  });

  it('yields nothing on realistic benign model configs, cards and notebooks', () => {
    const files = readdirSync(FIXTURES);
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const text = readFileSync(new URL(f, FIXTURES), 'utf8');
      expect(secretFindings(text, { artifact: f }), f).toEqual([]);
    }
  });

  it('reports the cell, part and line of a secret in a Jupyter notebook', () => {
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: 'markdown', metadata: {}, source: ['# Setup\n'] },
        {
          cell_type: 'code',
          metadata: {},
          source: ['from huggingface_hub import login\n', `login(token="${C['huggingface-token']}")\n`],
          outputs: [],
        },
        {
          cell_type: 'code',
          metadata: {},
          source: '!env',
          outputs: [
            {
              output_type: 'stream',
              name: 'stdout',
              text: ['PATH=/usr/bin\n', `GITHUB_TOKEN=${C['github-token']}\n`],
            },
          ],
        },
      ],
    };
    const findings = secretFindings(JSON.stringify(nb, null, 1), { artifact: 'train.ipynb' });
    expect(findings.map((f) => f.evidence.details)).toMatchObject([
      { kind: 'huggingface-token', cell: 1, part: 'source', line: 2 },
      { kind: 'github-token', cell: 2, part: 'output 0', line: 2 },
    ]);
    expect(findings[0]!.message).toContain('cell 1 source, line 2:');
    expect(detectNotebookSecrets([{ source: 1 }, null])).toEqual([]);
  });

  it('fingerprints show 4 characters and a SHA-256 prefix, never the value', () => {
    const fp = fingerprint(C['github-token']);
    expect(fp).toMatch(/^ghp_…sha256:[0-9a-f]{12}$/);
    expect(fp).not.toContain(C['github-token'].slice(4, 12));
  });

  it('finds a token wherever it is planted in benign text (property)', () => {
    const benign = readFileSync(new URL('train.yaml', FIXTURES), 'utf8');
    // Values that identify themselves (not the AWS secret, Azure key or password, found by their names).
    const selfEvident = Object.entries(C)
      .filter(([k]) => !['aws-secret-access-key', 'azure-key', 'password'].includes(k))
      .map(([, v]) => v);
    fc.assert(
      fc.property(fc.nat(benign.length), fc.constantFrom(...selfEvident), (at, secret) => {
        const cut = benign.lastIndexOf('\n', at) + 1;
        const text = `${benign.slice(0, cut)}KEY=${secret}\n${benign.slice(cut)}`;
        const findings = secretFindings(text, loc);
        expect(findings.length).toBeGreaterThan(0);
        expect(JSON.stringify(findings)).not.toContain(secret);
      }),
      { seed: 20261126, numRuns: 200 },
    );
  });

  it('stays fast on hostile text (no super-linear backtracking)', () => {
    const hostile = [
      '-----BEGIN PRIVATE KEY-----\nAB\n'.repeat(40_000),
      `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: ${'a: a '.repeat(2_000)}\n`.repeat(200),
      `PuTTY-User-Key-File-2: ${'x\\n'.repeat(3_000)}`.repeat(100),
      `password=${'a'.repeat(1_000_000)}`,
      `eyJ${'a'.repeat(1_000_000)}.`,
    ];
    for (const text of hostile) {
      const t0 = performance.now();
      expect(detectSecrets(text)).toEqual([]);
      expect(performance.now() - t0, text.slice(0, 40)).toBeLessThan(2_000);
    }
  });

  it('computes entropy and recognises repetitive placeholders', () => {
    expect(entropy('aaaa')).toBe(0);
    expect(entropy('abcd')).toBe(2);
    expect(isPlaceholder('a'.repeat(30))).toBe(true);
    expect(isPlaceholder(C['github-token'].slice(4))).toBe(false);
  });
});

const state = (): ScanState => ({
  policy: undefined as never,
  analyse: async () => ({ format: 'data' }),
  limits: undefined as never,
  findings: [],
  members: 0,
});
const target = (bytes: Uint8Array, name = '.env'): Target => ({
  content: bytesContent(bytes),
  name,
  location: { artifact: `repo/${name}` },
  depth: 0,
  context: 'pickle',
});

describe('scanSecretsText', () => {
  it('pushes findings and returns an analysis for text with secrets', async () => {
    const s = state();
    const r = await scanSecretsText(s, target(new TextEncoder().encode(ENV_FILE)));
    expect(r).toEqual({ format: 'text' });
    expect(s.findings).toHaveLength(EXPECTED.length);
  });

  it('returns undefined (and finds nothing) for clean text, binary content and oversized text', async () => {
    const s = state();
    expect(await scanSecretsText(s, target(new TextEncoder().encode('a = 1\n')))).toBeUndefined();
    const binary = new TextEncoder().encode(`\u0000\u0001${ENV_FILE}`);
    expect(await scanSecretsText(s, target(binary, 'tensor.bin'))).toBeUndefined();
    const big = new Uint8Array(SECRET_FILES.maxBytes + 1).fill(0x20);
    big.set(new TextEncoder().encode(ENV_FILE));
    expect(await scanSecretsText(s, target(big))).toBeUndefined();
    const latin1 = Uint8Array.from([0xe9, ...new TextEncoder().encode(ENV_FILE)]);
    expect(await scanSecretsText(s, target(latin1))).toBeUndefined();
    expect(s.findings).toEqual([]);
  });
});

describe('no canary leaks into reports', () => {
  it('keeps every planted value out of JSON, SARIF and text output', () => {
    const nb = JSON.stringify({
      nbformat: 4,
      cells: [{ cell_type: 'code', source: `k = "${C['openai-api-key']}"`, outputs: [] }],
    });
    const findings: Finding[] = [
      ...secretFindings(ENV_FILE, loc),
      ...secretFindings(`${C['private-key']}\n`, { artifact: 'repo/id_rsa' }),
      ...secretFindings(nb, { artifact: 'repo/nb.ipynb' }),
    ];
    expect(findings.length).toBe(EXPECTED.length + 2);
    const report = makeReport(findings, []);
    const outputs = [
      renderJson(report),
      renderSarif(report),
      renderText(report, { color: false }),
      renderText(report, { color: false, verbose: true }),
    ];
    for (const out of outputs) {
      for (const [kind, value] of Object.entries(C)) {
        expect(out.includes(value), kind).toBe(false);
        // Nor a long run of it (the fingerprint shows 4 characters).
        const body = value.replace(/^[^A-Za-z0-9]*/, '');
        expect(out.includes(body.slice(4, 16)), kind).toBe(false);
      }
    }
  });
});

/**
 * NEEDS WIRING: runs only once HYGIENE_RULES is in rules/registry.ts and scanSecretsText is called from
 * notPickle() (checks/pickle-artifact.ts). Skipped until then.
 */
describe.skipIf(!('VAC-SEC-001' in RULES))('scan() with the secrets check wired in', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vacsrp-secrets-'));
    await writeFile(path.join(dir, '.env'), ENV_FILE);
    for (const f of readdirSync(FIXTURES))
      await writeFile(path.join(dir, f), readFileSync(new URL(f, FIXTURES)));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports the planted secrets, nothing in the benign files, and leaks no canary', async () => {
    const report = await scan([dir], { digest: false });
    const secrets = report.findings.filter((f) => (f.ruleId as string) === 'VAC-SEC-001');
    expect(secrets.map((f) => path.basename(f.location.artifact))).toEqual(EXPECTED.map(() => '.env'));
    const out = [
      renderJson(report),
      renderSarif(report),
      renderText(report, { color: false, verbose: true }),
    ];
    for (const o of out) for (const v of Object.values(C)) expect(o.includes(v)).toBe(false);
  });
});
