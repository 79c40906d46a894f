/**
 * `vacsrp verify ATTESTATION`: offline verification of a program completion attestation
 * (docs/attestations.md). Thin: flags → keys and revocation list (pinned files, or fetched once from
 * the program's well-known URLs) → @vacsrp/attest → exit code.
 */
import { open, stat } from 'node:fs/promises';
import {
  type AttestationFailure,
  DEFAULT_ATTESTATION_LIMITS,
  type Keyring,
  parseJwks,
  type VerifiedAttestation,
  type VerifyAttestationResult,
  verifyAttestation,
  verifyAttestationFiles,
} from '@vacsrp/attest';
import { escapeTerminal } from '@vacsrp/scanner';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { errorLine, messageOf, type OutStream } from '../output.js';

/** Exit codes of `vacsrp verify` (docs/attestations.md). */
export const VERIFY_EXIT = {
  /** Signature, key period, revocation (when checked), validity period and artifacts (when given) all hold. */
  ok: 0,
  /** The attestation does not verify; the code and reason are on stderr (text) or stdout (json). */
  failed: 1,
  /** Usage error: bad or conflicting flags, unreadable files, an invalid JWKS, keys that could not be fetched. */
  usage: 2,
} as const;

export const VERIFY_FORMATS = ['text', 'json'] as const;
type VerifyFormat = (typeof VERIFY_FORMATS)[number];

export const WELL_KNOWN_JWKS = '/.well-known/vacsrp/jwks.json';
export const WELL_KNOWN_REVOCATIONS = '/.well-known/vacsrp/revocations.json';

export interface VerifyCommandDeps {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** As in program.ts: the action reports its exit code here; runCli returns it. */
  readonly setExitCode: (code: number) => void;
  /** The default verification time (tests pin it); default: the system clock. */
  readonly now?: () => Date;
  /** Deadline of each fetch from --program, in milliseconds; default 10 s. */
  readonly fetchTimeoutMs?: number;
}

interface VerifyFlags {
  readonly keys?: string;
  readonly program?: URL;
  readonly revocations?: string;
  readonly artifacts?: string;
  readonly at?: Date;
  readonly format: VerifyFormat;
}

const NO_REVOCATION_WARNING =
  'no revocation list was checked: the attestation may have been revoked (use --revocations FILE or --program URL)';

const HELP = `
Keys (exactly one):
  --keys JWKS_FILE     the program's public keys, pinned (fully offline)
  --program URL        fetch URL${WELL_KNOWN_JWKS} and URL${WELL_KNOWN_REVOCATIONS}
                       (https; plain http only to 127.0.0.1, ::1 or localhost; no redirects)

Checks, in order (the first failure decides the code): envelope and size limits (MALFORMED),
signature (UNKNOWN_KEY, BAD_SIGNATURE), statement (MALFORMED), signing key active at issue time
(KEY_INACTIVE), revocation list (REVOCATION_LIST_INVALID, REVOKED), validity period
(NOT_YET_VALID, EXPIRED), artifacts with --artifacts (DIGEST_MISMATCH, MISSING_ARTIFACT).

Without a revocation list (no --revocations, and --program serves none) the attestation is
verified without revocation checking: a warning says so and the exit code can still be 0.

Exit codes:
  0  the attestation verifies (see the warning when revocation was not checked)
  1  it does not verify: the code and reason on stderr (text) or in the JSON on stdout
  2  usage error: bad or conflicting flags, missing or unreadable files, an invalid JWKS,
     or keys / revocation list that could not be fetched from --program`;

function parseAt(value: string): Date {
  const m = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2}))?$/.exec(value);
  const d = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (m === null || Number.isNaN(d.getTime())) {
    throw new InvalidArgumentError('Expected an ISO 8601 date (2026-06-01) or time (2026-06-01T12:00:00Z).');
  }
  return d;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

function parseProgramUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('Expected an absolute URL, e.g. https://vacsrp.example.gov.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new InvalidArgumentError('The program URL must use https (plain http only to a loopback address).');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new InvalidArgumentError('The program URL must not carry credentials, a query or a fragment.');
  }
  return url;
}

export function registerVerifyCommand(program: Command, deps: VerifyCommandDeps): void {
  program
    .command('verify')
    .description('verify a program completion attestation (DSSE in-toto statement), offline')
    .argument('<attestation>', 'the attestation file (DSSE envelope JSON)')
    .option('--keys <jwks-file>', "the program's public keys (JWKS file)")
    .option('--program <url>', 'fetch the keys and revocation list from the program', parseProgramUrl)
    .option('--revocations <file>', 'the signed revocation list (file; overrides the one --program serves)')
    .option('--artifacts <dir>', 'check the attested files in DIR (by relative path and SHA-256)')
    .option('--at <iso-date>', 'verify as of this time (default: now)', parseAt)
    .addOption(new Option('-f, --format <format>', 'output format').choices(VERIFY_FORMATS).default('text'))
    .addHelpText('after', HELP)
    .action(async (attestation: string, flags: VerifyFlags) => {
      deps.setExitCode(await runVerifyAttestation(attestation, flags, deps));
    });
}

class Usage extends Error {}

/** Up to `max + 1` bytes of a regular file: enough for the library to see that a limit is exceeded. */
async function readUpTo(path: string, max: number, what: string): Promise<Uint8Array> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new Usage(`no such ${what}: ${path}`);
  }
  if (!info.isFile()) throw new Usage(`${what} ${path} is not a regular file`);
  const handle = await open(path, 'r');
  try {
    const want = Math.min(info.size, max + 1);
    const buf = new Uint8Array(want);
    let off = 0;
    while (off < want) {
      const { bytesRead } = await handle.read(buf, off, want - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } finally {
    await handle.close();
  }
}

export async function runVerifyAttestation(
  attestation: string,
  flags: VerifyFlags,
  deps: VerifyCommandDeps,
): Promise<number> {
  try {
    return await verifyAndReport(attestation, flags, deps);
  } catch (err) {
    deps.stderr.write(
      errorLine(err instanceof Usage ? `${err.message} (see 'vacsrp verify --help')` : messageOf(err)),
    );
    return VERIFY_EXIT.usage;
  }
}

async function verifyAndReport(
  attestation: string,
  flags: VerifyFlags,
  deps: VerifyCommandDeps,
): Promise<number> {
  const limits = DEFAULT_ATTESTATION_LIMITS;
  if ((flags.keys === undefined) === (flags.program === undefined)) {
    throw new Usage('choose exactly one of --keys and --program');
  }
  if (flags.artifacts !== undefined) {
    const info = await stat(flags.artifacts).catch(() => undefined);
    if (info === undefined || !info.isDirectory()) throw new Usage(`no such directory: ${flags.artifacts}`);
  }
  const envelope = await readUpTo(attestation, limits.maxEnvelopeBytes, 'attestation file');

  let jwksBytes: Uint8Array;
  let jwksSource: string;
  let revocations: Uint8Array | undefined;
  let revocationSource: string | undefined;
  if (flags.keys !== undefined) {
    jwksBytes = await readUpTo(flags.keys, limits.maxJwksBytes, 'JWKS file');
    jwksSource = flags.keys;
  } else {
    const base = flags.program!.href.replace(/\/+$/, '');
    jwksSource = `${base}${WELL_KNOWN_JWKS}`;
    const keys = await fetchBounded(jwksSource, limits.maxJwksBytes, deps.fetchTimeoutMs ?? 10_000);
    if (keys.status !== 200)
      throw new Usage(`could not fetch the program keys: ${jwksSource} answered ${keys.status}`);
    jwksBytes = keys.body;
    if (flags.revocations === undefined) {
      const url = `${base}${WELL_KNOWN_REVOCATIONS}`;
      const list = await fetchBounded(url, limits.maxRevocationListBytes, deps.fetchTimeoutMs ?? 10_000);
      // 404: the program publishes no list (yet); any other answer is a failure to learn revocations.
      if (list.status === 200) {
        revocations = list.body;
        revocationSource = url;
      } else if (list.status !== 404) {
        throw new Usage(`could not fetch the revocation list: ${url} answered ${list.status}`);
      }
    }
  }
  if (flags.revocations !== undefined) {
    revocations = await readUpTo(flags.revocations, limits.maxRevocationListBytes, 'revocation list file');
    revocationSource = flags.revocations;
  }

  const ring = parseJwks(jwksBytes, limits);
  if (!ring.ok) throw new Usage(`${jwksSource}: ${ring.message} [${ring.code}]`);
  const keyring: Keyring = ring.keyring;
  const now = flags.at ?? deps.now?.() ?? new Date();
  const options = { jwks: keyring, now, ...(revocations === undefined ? {} : { revocations }) };
  const result: VerifyAttestationResult =
    flags.artifacts === undefined
      ? verifyAttestation(envelope, options)
      : await verifyAttestationFiles(envelope, { ...options, artifactsDir: flags.artifacts });

  const context: ReportContext = {
    attestation,
    now,
    keys: jwksSource,
    revocations: revocationSource,
    artifacts: flags.artifacts,
  };
  if (flags.format === 'json') {
    deps.stdout.write(`${JSON.stringify(jsonReport(result, context), null, 2)}\n`);
  } else if (result.ok) {
    deps.stdout.write(textReport(result, context));
    if (!result.revocation.checked) deps.stderr.write(errorLine(`warning: ${NO_REVOCATION_WARNING}`));
  } else {
    writeFailure(result, deps.stderr);
  }
  return result.ok ? VERIFY_EXIT.ok : VERIFY_EXIT.failed;
}

interface ReportContext {
  readonly attestation: string;
  readonly now: Date;
  readonly keys: string;
  readonly revocations: string | undefined;
  readonly artifacts: string | undefined;
}

/** The JSON report (stdout with --format json); `ok`, `code` and `warnings` are the stable fields. */
function jsonReport(result: VerifyAttestationResult, ctx: ReportContext): Record<string, unknown> {
  const common = {
    attestation: ctx.attestation,
    verifiedAt: ctx.now.toISOString(),
    keys: ctx.keys,
    revocationList: ctx.revocations ?? null,
  };
  if (!result.ok) {
    const { ok: _ok, code, message, ...details } = result;
    return { ok: false, code, message, ...common, ...details };
  }
  return {
    ok: true,
    ...common,
    attestationId: result.statement.predicate.attestationId,
    key: result.key,
    revocationChecked: result.revocation.checked,
    revocation: result.revocation,
    artifactsChecked: result.artifactsMatched !== undefined,
    ...(result.artifactsMatched === undefined ? {} : { artifactsMatched: result.artifactsMatched }),
    warnings: result.revocation.checked ? [] : [NO_REVOCATION_WARNING],
    statement: result.statement,
  };
}

function textReport(r: VerifiedAttestation, ctx: ReportContext): string {
  const p = r.statement.predicate;
  const e = escapeTerminal;
  const lines = [
    `verified attestation ${e(p.attestationId)} (${e(ctx.attestation)}) as of ${ctx.now.toISOString()}`,
    `  program:        ${e(p.program.name)} <${e(p.program.url)}>`,
    `  submission:     ${e(p.submission.id)} revision ${p.submission.revision}, criteria ${e(p.criteriaVersion)}`,
    `  valid:          ${p.issuedAt} to ${p.expiresAt}`,
    `  signed by:      key ${r.key.kid} (${r.key.alg}, active ${r.key.activatedAt} to ${r.key.retiredAt ?? 'now'})`,
    `  revocation:     ${
      r.revocation.checked
        ? `not revoked (list issued ${r.revocation.listIssuedAt}, ${r.revocation.entries} entries)`
        : 'NOT CHECKED (no revocation list)'
    }`,
    `  artifacts:      ${
      r.artifactsMatched === undefined
        ? 'not checked (use --artifacts DIR)'
        : `${r.artifactsMatched} attested file(s) match ${e(ctx.artifacts ?? '')}`
    }`,
    `  public summary: ${e(p.publicSummaryUrl)}`,
    '  criteria:',
    ...p.criteria.map((c) => `    ${e(c.id).padEnd(12)} ${c.outcome}`),
  ];
  if (p.acceptedRisks.length > 0) {
    lines.push('  accepted risks:');
    for (const risk of p.acceptedRisks) {
      lines.push(
        `    ${e(risk.criterion).padEnd(12)} ${risk.severity.padEnd(8)} ${e(risk.justification.replace(/\s+/g, ' '))}`,
      );
    }
  }
  lines.push('  subjects:');
  for (const s of r.statement.subject) {
    const kind = s.annotations === undefined ? '' : ' (OpenSSF model-signing manifest)';
    lines.push(`    sha256:${s.digest.sha256}  ${e(s.name)}${kind}`);
  }
  return `${lines.join('\n')}\n`;
}

function writeFailure(f: AttestationFailure, stderr: OutStream): void {
  stderr.write(errorLine(`not verified [${f.code}]: ${f.message}`));
  for (const a of f.artifacts ?? []) {
    stderr.write(
      errorLine(
        a.problem === 'missing'
          ? `  ${a.name}: missing (expected sha256 ${a.expected})`
          : `  ${a.name}: digest mismatch (expected sha256 ${a.expected}, found ${a.actual})`,
      ),
    );
  }
}

/**
 * GET with a deadline and a size limit, no redirects. Returns the status and, for 200, the body.
 * http and https are loaded here, on first use, not when the CLI starts.
 */
async function fetchBounded(
  target: string,
  maxBytes: number,
  timeoutMs: number,
): Promise<{ status: number; body: Uint8Array }> {
  const url = new URL(target);
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return await new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new Usage(`could not fetch ${target}: ${why}`));
    const req = request(
      url,
      { method: 'GET', agent: false, headers: { accept: 'application/json' } },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          res.resume();
          if (status >= 300 && status < 400)
            return fail(`redirect to ${res.headers.location ?? '?'} not followed`);
          return resolve({ status, body: new Uint8Array(0) });
        }
        const declared = Number(res.headers['content-length'] ?? '0');
        if (declared > maxBytes) {
          req.destroy();
          return fail(`${declared} bytes, more than the limit of ${maxBytes}`);
        }
        const chunks: Uint8Array[] = [];
        let total = 0;
        res.on('data', (chunk: Uint8Array) => {
          total += chunk.length;
          if (total > maxBytes) {
            req.destroy();
            fail(`more than the limit of ${maxBytes} bytes`);
          } else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status, body: new Uint8Array(Buffer.concat(chunks)) }));
        res.on('error', (err) => fail(err.message));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      fail(`no complete answer within ${timeoutMs} ms`);
    }, timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', (err) => fail(err.message));
    req.end();
  });
}
