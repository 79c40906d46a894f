/** Named limits on everything an attacker controls in a model signature or a model directory. */

export interface ModelSigningLimits {
  /** Bytes of `model.sig` read before parsing (CWE-400: a huge file must not exhaust memory). */
  readonly maxSignatureBytes: number;
  /** Resources in a manifest, signed or on disk (CWE-770: one entry per file or shard). */
  readonly maxResources: number;
  /** UTF-8 bytes of one resource path (CWE-400; PATH_MAX on Linux is 4096). */
  readonly maxPathBytes: number;
  /** Directory nesting below the model root (CWE-674: unbounded recursion). */
  readonly maxDepth: number;
  /** Certificates in a chain, from the bundle plus the trust file (CWE-400: path building cost). */
  readonly maxChainCertificates: number;
  /** Bytes of a key or certificate PEM file (CWE-400). */
  readonly maxPemBytes: number;
  /** Bytes of a Sigstore trusted-root JSON file (CWE-400). */
  readonly maxTrustedRootBytes: number;
}

export const DEFAULT_LIMITS: ModelSigningLimits = {
  maxSignatureBytes: 64 * 1024 * 1024,
  maxResources: 1_000_000,
  maxPathBytes: 4096,
  maxDepth: 64,
  maxChainCertificates: 10,
  maxPemBytes: 1024 * 1024,
  maxTrustedRootBytes: 4 * 1024 * 1024,
};

export function resolveLimits(overrides: Partial<ModelSigningLimits> | undefined): ModelSigningLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}
