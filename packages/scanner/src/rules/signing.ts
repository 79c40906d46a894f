/** Rules for model signatures (OpenSSF model signing v1.0, `model.sig`; docs/model-signing.md). */
import type { RuleSpec } from './definition.js';
import { cwe, SUPPLY_CHAIN_MODEL } from './refs.js';

const SIGN_MODEL =
  'Sign the released model with `vacsrp sign DIR --key KEY.pem` (or model_signing / Sigstore keyless) and publish model.sig with it, so users can verify what they load.';
const RESIGN_OR_RESTORE =
  'Do not load this model. Restore the files from the publisher, or, if the change is intended, have the publisher sign the new revision.';

export const SIGNING_RULES = {
  'VAC-SIG-001': {
    title: 'Model is not signed',
    severity: 'low',
    criterion: 'SC-5',
    description:
      'A directory holds model artifacts but no model.sig (OpenSSF model signing). Without a signature a consumer cannot tell the files the publisher released from files changed in transit or in a repository.',
    remediation: SIGN_MODEL,
    references: [cwe(494), cwe(345), SUPPLY_CHAIN_MODEL],
  },
  'VAC-SIG-002': {
    title: 'Model signature is invalid',
    severity: 'critical',
    criterion: 'SC-5',
    description:
      'model.sig is malformed, unsupported, too large, or its DSSE signature does not verify with the key or certificate it carries. The signed manifest cannot be relied on.',
    remediation: RESIGN_OR_RESTORE,
    references: [cwe(347), SUPPLY_CHAIN_MODEL],
  },
  'VAC-SIG-003': {
    title: 'Model files do not match their signature',
    severity: 'critical',
    criterion: 'SC-5',
    description:
      'A file listed in model.sig is missing or has a different SHA-256, a file not in the signature was added, or a symbolic link or special file stands where the signature expects a file. The model is not the one that was signed.',
    remediation: RESIGN_OR_RESTORE,
    references: [cwe(345), cwe(354), SUPPLY_CHAIN_MODEL],
  },
  'VAC-SIG-004': {
    title: 'Model signature names its key only by hint',
    severity: 'info',
    criterion: 'SC-5',
    description:
      "model.sig identifies the signing key only by its hash (publicKey.hint), so the scan checked every file digest but not the signature itself. Verify it with the publisher's key: `vacsrp verify-model DIR --key PUB.pem`.",
    remediation: "Verify the signature with the publisher's public key before relying on it.",
    references: [cwe(347)],
  },
} as const satisfies Record<string, RuleSpec>;
