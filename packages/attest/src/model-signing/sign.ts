/** Signing a model with a private key into a `model.sig` other model-signing implementations verify. */
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { buildKeyBundle } from './bundle.js';
import { bytesOf, IN_TOTO_PAYLOAD_TYPE, pae } from './dsse.js';
import { describeKey, digestFor, keyAlgorithm, pemBlocks, publicKeyHint } from './keys.js';
import { hashModel, type Manifest, type ManifestOptions } from './manifest.js';
import { fail, type Result } from './result.js';
import { buildStatement } from './statement.js';

export interface SignedModel {
  /** The `model.sig` text (compact JSON, as model_signing writes it). */
  readonly signature: string;
  readonly manifest: Manifest;
  readonly subjectDigest: string;
}

/** Parses an unencrypted PKCS#8, SEC1 or OpenSSH-free PEM private key; `source` names it in errors. */
export function parsePrivateKeyPem(text: string, source: string): Result<{ key: KeyObject }> {
  const r = pemBlocks(text, source);
  if (!r.ok) return r;
  const block = r.blocks.find((b) => b.label === 'PRIVATE KEY' || b.label === 'EC PRIVATE KEY');
  if (block === undefined) {
    const enc = r.blocks.some((b) => b.label === 'ENCRYPTED PRIVATE KEY');
    return fail(
      'TRUST_INPUT_INVALID',
      `${source}: ${enc ? 'encrypted private keys are not supported' : 'no PRIVATE KEY block'}`,
    );
  }
  try {
    const key = createPrivateKey({
      key: block.der,
      format: 'der',
      type: block.label === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8',
    });
    if (keyAlgorithm(key) === undefined) {
      return fail(
        'UNSUPPORTED',
        `${source}: key type ${describeKey(key)} is not supported (ECDSA P-256/P-384/P-521 or Ed25519)`,
      );
    }
    return { ok: true, key };
  } catch (err) {
    return fail(
      'TRUST_INPUT_INVALID',
      `${source} line ${block.line}: not a private key (${(err as Error).message})`,
    );
  }
}

export async function signModel(
  modelPath: string,
  privateKey: KeyObject,
  options: ManifestOptions = {},
): Promise<Result<SignedModel>> {
  const alg = keyAlgorithm(privateKey);
  if (alg === undefined) return fail('UNSUPPORTED', `key type ${describeKey(privateKey)} is not supported`);
  const hashed = await hashModel(modelPath, options);
  if (!hashed.ok) return hashed;
  const statement = buildStatement(hashed.manifest);
  const payload = Buffer.from(JSON.stringify(statement, null, 2), 'utf8');
  const signature = sign(digestFor(alg), pae(IN_TOTO_PAYLOAD_TYPE, bytesOf(payload)), {
    key: privateKey,
    dsaEncoding: 'der',
  });
  const bundle = buildKeyBundle(payload, signature, publicKeyHint(createPublicKey(privateKey)));
  const subject = (statement.subject as { digest: { sha256: string } }[])[0]!.digest.sha256;
  return { ok: true, signature: JSON.stringify(bundle), manifest: hashed.manifest, subjectDigest: subject };
}
