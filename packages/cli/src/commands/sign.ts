/**
 * `vacsrp sign` and `vacsrp verify-model`: OpenSSF model signing v1.0 (docs/model-signing.md).
 * Thin: declared flags → @vacsrp/attest → exit code. Secrets never come from argv: the private key is
 * a file path, and a key file other users can read is refused.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  DEFAULT_LIMITS,
  DEFAULT_SIGNATURE_NAME,
  defaultSignaturePath,
  type Failure,
  parseCertificatesPem,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  parseTrustedRoot,
  readBounded,
  signModel,
  type TrustPolicy,
  verifyModel,
} from '@vacsrp/attest';
import { type Command, InvalidArgumentError } from 'commander';
import { errorLine, messageOf, type OutStream, writeFileAtomic } from '../output.js';

/** Exit codes of both commands (docs/model-signing.md). */
export const SIGN_EXIT = {
  /** Signed; or signature, trust and every file digest hold. */
  ok: 0,
  /** The model could not be signed or does not verify (reason on stderr). */
  failed: 1,
  /** Usage error: bad or conflicting flags, unreadable or invalid key/certificate/root files, missing model. */
  usage: 2,
} as const;

export interface SignCommandDeps {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** As in program.ts: the action reports its exit code here; runCli returns it. */
  readonly setExitCode: (code: number) => void;
}

interface SignFlags {
  readonly key: string;
  readonly output?: string;
  readonly shardSize?: number;
  readonly ignore?: readonly string[];
  readonly allowSymlinks?: boolean;
}

interface VerifyFlags {
  readonly signature?: string;
  readonly key?: string;
  readonly certificateChain?: string;
  readonly trustedRoot?: string;
  readonly identity?: string;
  readonly issuer?: string;
  readonly ignore?: readonly string[];
}

const VERIFY_HELP = `
Trust (exactly one):
  --key PUB.pem                  the bundle must name this public key and verify with it
  --certificate-chain CA.pem     the bundle's certificate must chain to a certificate in CA.pem
                                 (valid now, code-signing usage when restricted)
  --trusted-root ROOT.json --identity ID --issuer URL
                                 Sigstore keyless, offline: Fulcio chain, SCT and Rekor entry
                                 checked against ROOT.json; certificate SAN = ID, OIDC issuer = URL

Exit codes:
  0  signature valid, trust holds and every file matches the signed digests
  1  verification failed (the reason is printed on stderr)
  2  usage error: bad or conflicting flags, missing model path, unreadable or
     invalid key, certificate or trusted-root file`;

const SIGN_HELP = `
The private key is read from KEY.pem (PKCS#8 or SEC1 PEM, unencrypted; ECDSA P-256,
P-384, P-521 or Ed25519). A key file readable by other users is refused.
model.sig and git metadata (.git, .gitattributes, .github, .gitignore) are never hashed.

Exit codes:
  0  signed; model.sig written
  1  the model could not be signed (symbolic link, special file, a limit)
  2  usage error: bad flags, missing model path, unreadable, unsafe or invalid key file`;

function positiveInteger(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('Expected a positive integer number of bytes.');
  }
  return Number(value);
}

const collect = (value: string, previous: readonly string[] = []): string[] => [...previous, value];

export function registerSignCommands(program: Command, deps: SignCommandDeps): void {
  program
    .command('sign')
    .description('sign a model directory (or file) into model.sig (OpenSSF model signing v1.0)')
    .argument('[dir]', 'the model directory or file', '.')
    .requiredOption('--key <file>', 'private key PEM file (never the key itself)')
    .option('-o, --output <file>', `where to write the signature (default: DIR/${DEFAULT_SIGNATURE_NAME})`)
    .option(
      '--shard-size <bytes>',
      'hash files in shards of this many bytes (the "shards" method)',
      positiveInteger,
    )
    .option('--ignore <path>', 'leave this path (relative to DIR) out of the signature (repeatable)', collect)
    .option('--allow-symlinks', 'follow symbolic links to files inside the model (refused otherwise)')
    .addHelpText('after', SIGN_HELP)
    .action(async (dir: string, flags: SignFlags) => {
      deps.setExitCode(await guarded(deps, () => runSign(dir, flags, deps)));
    });

  program
    .command('verify-model')
    .description('verify a model directory (or file) against its model.sig')
    .argument('<dir>', 'the model directory or file')
    .option('--signature <file>', `the signature (default: DIR/${DEFAULT_SIGNATURE_NAME})`)
    .option('--key <file>', 'trust: public key PEM file')
    .option('--certificate-chain <file>', 'trust: CA certificate(s) PEM file')
    .option('--trusted-root <file>', 'trust: Sigstore trusted_root.json')
    .option('--identity <id>', 'with --trusted-root: expected certificate identity (email or URI)')
    .option('--issuer <url>', 'with --trusted-root: expected OIDC issuer')
    .option('--ignore <path>', 'also leave this path out of the comparison (repeatable)', collect)
    .addHelpText('after', VERIFY_HELP)
    .action(async (dir: string, flags: VerifyFlags) => {
      deps.setExitCode(await guarded(deps, () => runVerify(dir, flags, deps)));
    });
}

/** Faults of the environment (unreadable files) end as usage errors with the OS message. */
async function guarded(deps: SignCommandDeps, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    deps.stderr.write(errorLine(messageOf(err)));
    return SIGN_EXIT.usage;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

const failed = (deps: SignCommandDeps, f: Failure, code: number = SIGN_EXIT.failed) => {
  deps.stderr.write(errorLine(`${f.reason} [${f.code}]`));
  return code;
};

async function readText(
  path: string,
  max: number,
  what: string,
  deps: SignCommandDeps,
): Promise<string | number> {
  if (!(await exists(path))) {
    deps.stderr.write(errorLine(`no such ${what}: ${path}`));
    return SIGN_EXIT.usage;
  }
  const r = await readBounded(path, max, what);
  if (!r.ok) return failed(deps, r, SIGN_EXIT.usage);
  return r.bytes.toString('utf8');
}

export async function runSign(dir: string, flags: SignFlags, deps: SignCommandDeps): Promise<number> {
  if (!(await exists(dir))) {
    deps.stderr.write(errorLine(`no such file or directory: ${dir}`));
    return SIGN_EXIT.usage;
  }
  if (!(await exists(flags.key))) {
    deps.stderr.write(errorLine(`no such key file: ${flags.key}`));
    return SIGN_EXIT.usage;
  }
  const keyInfo = await stat(flags.key);
  if (process.platform !== 'win32' && (keyInfo.mode & 0o077) !== 0) {
    deps.stderr.write(
      errorLine(
        `refusing key file ${flags.key}: it is readable or writable by other users (mode ${(keyInfo.mode & 0o777).toString(8)}); run chmod 600 ${flags.key}`,
      ),
    );
    return SIGN_EXIT.usage;
  }
  const text = await readText(flags.key, DEFAULT_LIMITS.maxPemBytes, 'key file', deps);
  if (typeof text === 'number') return text;
  const key = parsePrivateKeyPem(text, flags.key);
  if (!key.ok) return failed(deps, key, SIGN_EXIT.usage);

  const info = await stat(dir);
  const output = flags.output ?? (await defaultSignaturePath(dir));
  const ignore = [...(flags.ignore ?? [])];
  if (info.isDirectory()) {
    // A signature written inside the model under another name must not sign itself.
    const rel = relative(resolve(dir), resolve(output));
    if (rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)) ignore.push(rel);
  }
  const signed = await signModel(dir, key.key, {
    method: flags.shardSize === undefined ? 'files' : 'shards',
    ...(flags.shardSize === undefined ? {} : { shardSize: flags.shardSize }),
    ignorePaths: ignore,
    allowSymlinks: flags.allowSymlinks ?? false,
  });
  if (!signed.ok) return failed(deps, signed);
  await writeFileAtomic(output, signed.signature);
  const n = signed.manifest.resources.length;
  deps.stderr.write(
    errorLine(
      `signed ${n} resource${n === 1 ? '' : 's'} of ${dir} (subject sha256 ${signed.subjectDigest}); signature written to ${output}`,
    ),
  );
  return SIGN_EXIT.ok;
}

export async function runVerify(dir: string, flags: VerifyFlags, deps: SignCommandDeps): Promise<number> {
  const usage = (msg: string) => {
    deps.stderr.write(errorLine(`${msg} (see 'vacsrp verify-model --help')`));
    return SIGN_EXIT.usage;
  };
  const methods = [flags.key, flags.certificateChain, flags.trustedRoot].filter(
    (m) => m !== undefined,
  ).length;
  if (methods !== 1) return usage('choose exactly one of --key, --certificate-chain, --trusted-root');
  if (flags.trustedRoot !== undefined && (flags.identity === undefined || flags.issuer === undefined)) {
    return usage('--trusted-root needs --identity and --issuer');
  }
  if (flags.trustedRoot === undefined && (flags.identity !== undefined || flags.issuer !== undefined)) {
    return usage('--identity and --issuer go with --trusted-root');
  }
  if (!(await exists(dir))) return usage(`no such file or directory: ${dir}`);

  let trust: TrustPolicy;
  if (flags.key !== undefined) {
    const text = await readText(flags.key, DEFAULT_LIMITS.maxPemBytes, 'key file', deps);
    if (typeof text === 'number') return text;
    const r = parsePublicKeyPem(text, flags.key);
    if (!r.ok) return failed(deps, r, SIGN_EXIT.usage);
    trust = { method: 'key', publicKey: r.key };
  } else if (flags.certificateChain !== undefined) {
    const text = await readText(flags.certificateChain, DEFAULT_LIMITS.maxPemBytes, 'certificate file', deps);
    if (typeof text === 'number') return text;
    const r = parseCertificatesPem(text, flags.certificateChain);
    if (!r.ok) return failed(deps, r, SIGN_EXIT.usage);
    trust = { method: 'certificate', anchors: r.certificates };
  } else {
    const root = flags.trustedRoot!;
    const text = await readText(root, DEFAULT_LIMITS.maxTrustedRootBytes, 'trusted root', deps);
    if (typeof text === 'number') return text;
    const r = parseTrustedRoot(text, root);
    if (!r.ok) return failed(deps, r, SIGN_EXIT.usage);
    trust = {
      method: 'sigstore',
      trustMaterial: r.trustMaterial,
      identity: flags.identity!,
      issuer: flags.issuer!,
    };
  }

  const signaturePath = flags.signature ?? (await defaultSignaturePath(dir));
  if (!(await exists(signaturePath))) {
    deps.stderr.write(errorLine(`not verified: no signature at ${signaturePath} [SIGNATURE_MISSING]`));
    return SIGN_EXIT.failed;
  }
  const r = await verifyModel(dir, trust, { signaturePath, ignorePaths: flags.ignore ?? [] });
  if (!r.ok) return failed(deps, { ...r, reason: `not verified: ${r.reason}` });
  deps.stderr.write(
    errorLine(
      `verified ${dir}: ${r.resources} resource${r.resources === 1 ? '' : 's'} match ${signaturePath}, signed by ${r.signer}`,
    ),
  );
  return SIGN_EXIT.ok;
}
