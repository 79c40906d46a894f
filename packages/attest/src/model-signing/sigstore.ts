/**
 * Sigstore keyless trust, offline: the Fulcio certificate chain, SCT, Rekor entry (SET and inclusion
 * proof) and timestamps are checked by @sigstore/verify against a trusted-root JSON the caller hands in;
 * the certificate's SAN and OIDC issuer must then equal the expected identity. No TUF, no network.
 */
import { createRequire } from 'node:module';
import type * as SigstoreBundle from '@sigstore/bundle';
import type * as SigstoreSpecs from '@sigstore/protobuf-specs';
import type * as SigstoreVerify from '@sigstore/verify';
import type { TrustMaterial } from '@sigstore/verify';
import { fail, type Result } from './result.js';

// The Sigstore libraries are loaded on first use: most runs (every scan, key-based signing) never
// touch keyless trust, and loading them costs start-up time.
const require = createRequire(import.meta.url);
let libs:
  | { bundle: typeof SigstoreBundle; specs: typeof SigstoreSpecs; verify: typeof SigstoreVerify }
  | undefined;
function sigstore(): NonNullable<typeof libs> {
  libs ??= {
    bundle: require('@sigstore/bundle'),
    specs: require('@sigstore/protobuf-specs'),
    verify: require('@sigstore/verify'),
  };
  return libs;
}

/** Trust material from trusted-root JSON text; `source` names the file in errors. */
export function parseTrustedRoot(text: string, source: string): Result<{ trustMaterial: TrustMaterial }> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return fail('TRUST_INPUT_INVALID', `${source}: not JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail('TRUST_INPUT_INVALID', `${source}: not a JSON object`);
  }
  const mediaType = (json as { mediaType?: unknown }).mediaType;
  if (typeof mediaType !== 'string' || !mediaType.startsWith('application/vnd.dev.sigstore.trustedroot')) {
    return fail(
      'TRUST_INPUT_INVALID',
      `${source}: mediaType ${JSON.stringify(mediaType)} is not a Sigstore trusted root`,
    );
  }
  try {
    const { specs, verify } = sigstore();
    const root = specs.TrustedRoot.fromJSON(json);
    if (root.tlogs.length === 0 || root.certificateAuthorities.length === 0) {
      return fail('TRUST_INPUT_INVALID', `${source}: no transparency logs or no certificate authorities`);
    }
    return { ok: true, trustMaterial: verify.toTrustMaterial(root) };
  } catch (err) {
    return fail('TRUST_INPUT_INVALID', `${source}: ${(err as Error).message}`);
  }
}

export interface SigstorePolicy {
  /** The certificate's subject alternative name (email or URI), compared exactly. */
  readonly identity: string;
  /** The OIDC issuer recorded by Fulcio, compared exactly. */
  readonly issuer: string;
}

export function verifySigstoreBundle(
  json: Record<string, unknown>,
  trustMaterial: TrustMaterial,
  policy: SigstorePolicy,
): Result<{ identity: string; issuer: string }> {
  const { bundle, verify } = sigstore();
  let entity: ReturnType<typeof verify.toSignedEntity>;
  try {
    entity = verify.toSignedEntity(bundle.bundleFromJSON(json));
  } catch (err) {
    return fail('BUNDLE_MALFORMED', `not a valid Sigstore bundle: ${(err as Error).message}`);
  }
  try {
    const signer = new verify.Verifier(trustMaterial, { tlogThreshold: 1, ctlogThreshold: 1 }).verify(
      entity,
      {
        subjectAlternativeName: policy.identity,
        extensions: { issuer: policy.issuer },
      },
    );
    return {
      ok: true,
      identity: signer.identity?.subjectAlternativeName ?? policy.identity,
      issuer: signer.identity?.extensions?.issuer ?? policy.issuer,
    };
  } catch (err) {
    if (err instanceof verify.PolicyError)
      return fail('IDENTITY_MISMATCH', `signer identity does not match: ${err.message}`);
    if (err instanceof verify.VerificationError) {
      if (err.code === 'SIGNATURE_ERROR')
        return fail('SIGNATURE_INVALID', `DSSE signature does not verify: ${err.message}`);
      return fail('SIGSTORE_INVALID', `${err.code}: ${err.message}`);
    }
    throw err;
  }
}
