/** Issuing a completion attestation: build the statement, sign it into a DSSE envelope. */

import { IN_TOTO_PAYLOAD_TYPE } from '../model-signing/dsse.js';
import { serializeEnvelope, signEnvelope } from './envelope.js';
import type { ProgramSigningKey } from './keys.js';
import { type AttestationLimits, resolveAttestationLimits } from './limits.js';
import type { InputResult } from './result.js';
import { buildCompletionStatement, type CompletionInput, type CompletionStatement } from './statement.js';

export interface IssuedAttestation {
  readonly statement: CompletionStatement;
  /** The canonical statement bytes (the DSSE payload). */
  readonly payload: Uint8Array;
  /** The DSSE envelope as published: canonical JSON text. */
  readonly envelope: string;
}

/**
 * Builds and signs the attestation. The caller (the service) is responsible for signing with a key
 * that is active in the published JWKS at `input.issuedAt`; a verifier refuses anything else.
 */
export function issueAttestation(
  input: CompletionInput,
  key: ProgramSigningKey,
  limits?: Partial<AttestationLimits>,
): InputResult<IssuedAttestation> {
  const built = buildCompletionStatement(input, resolveAttestationLimits(limits));
  if (!built.ok) return built;
  const envelope = serializeEnvelope(signEnvelope(IN_TOTO_PAYLOAD_TYPE, built.payload, key));
  return { ok: true, statement: built.statement, payload: built.payload, envelope };
}
