/**
 * Certificate-method trust: the signing certificate must chain, through the certificates in the
 * bundle, to one of the caller's trust anchors, every link valid at the verification time, every
 * issuer a CA, and the leaf allowed to sign code when it restricts its extended key usage.
 */
import type { X509Certificate } from 'node:crypto';
import type { ModelSigningLimits } from './limits.js';
import { fail, type Result } from './result.js';

const CODE_SIGNING = '1.3.6.1.5.5.7.3.3';
const ANY_EKU = '2.5.29.37.0';

export function verifyChain(
  leaf: X509Certificate,
  intermediates: readonly X509Certificate[],
  anchors: readonly X509Certificate[],
  at: Date,
  limits: ModelSigningLimits,
): Result<{ path: readonly string[] }> {
  if (intermediates.length + anchors.length + 1 > limits.maxChainCertificates) {
    return fail(
      'LIMIT_EXCEEDED',
      `more than maxChainCertificates (${limits.maxChainCertificates}) certificates to consider`,
    );
  }
  const eku = leaf.keyUsage;
  if (eku !== undefined && eku.length > 0 && !eku.includes(CODE_SIGNING) && !eku.includes(ANY_EKU)) {
    return fail(
      'CERTIFICATE_UNTRUSTED',
      `signing certificate (${name(leaf)}) does not allow code signing (extended key usage ${eku.join(', ')})`,
    );
  }
  const path = [name(leaf)];
  let current = leaf;
  const used = new Set<string>([leaf.fingerprint256]);
  for (;;) {
    const expired = outsideValidity(current, at);
    if (expired !== undefined) return fail('CERTIFICATE_UNTRUSTED', expired);
    if (anchors.some((a) => a.fingerprint256 === current.fingerprint256)) return { ok: true, path };
    const anchor = anchors.find((a) => issued(current, a));
    if (anchor !== undefined) {
      const bad = outsideValidity(anchor, at);
      if (bad !== undefined) return fail('CERTIFICATE_UNTRUSTED', bad);
      path.push(name(anchor));
      return { ok: true, path };
    }
    const next = intermediates.find((c) => !used.has(c.fingerprint256) && issued(current, c));
    if (next === undefined) {
      return fail(
        'CERTIFICATE_UNTRUSTED',
        `certificate ${name(current)} is not issued by a trusted certificate (chain so far: ${path.join(' → ')})`,
      );
    }
    if (!next.ca) return fail('CERTIFICATE_UNTRUSTED', `issuer ${name(next)} is not a CA certificate`);
    used.add(next.fingerprint256);
    path.push(name(next));
    current = next;
  }
}

function issued(child: X509Certificate, parent: X509Certificate): boolean {
  if (child.fingerprint256 === parent.fingerprint256) return false;
  try {
    return child.checkIssued(parent) && child.verify(parent.publicKey);
  } catch {
    return false;
  }
}

function outsideValidity(cert: X509Certificate, at: Date): string | undefined {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (!(at >= from && at <= to)) {
    return `certificate ${name(cert)} is not valid at ${at.toISOString()} (valid ${from.toISOString()} to ${to.toISOString()})`;
  }
  return undefined;
}

export function certificateName(cert: X509Certificate): string {
  // Fulcio leaves have an empty subject (node reports undefined); their identity is the SAN.
  const subject = (cert.subject as string | undefined)?.replace(/\n/g, ', ') || (cert.subjectAltName ?? '');
  return `"${subject}" serial ${cert.serialNumber}`;
}

const name = certificateName;
