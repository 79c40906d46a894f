/** Rules of the submission manifest (vacsrp.yaml, docs/manifest.md): is it valid, and does it match the bytes? */
import type { RuleSpec } from './definition.js';
import { cwe, SUPPLY_CHAIN_MODEL } from './refs.js';

export const MANIFEST_RULES = {
  'VAC-MAN-001': {
    title: 'Submission manifest is invalid',
    severity: 'medium',
    criterion: 'SC-4',
    description:
      'vacsrp.yaml at the root of a scanned directory is not valid YAML, repeats a key, or does not follow the manifest schema (vacsrp-manifest-v1): an unknown or missing property, a wrong type or a malformed value. The finding gives the line, column and JSON pointer of each problem. A manifest that cannot be read cannot vouch for the artifacts.',
    remediation:
      'Correct the manifest as each finding says (`vacsrp validate` prints every problem with what to write instead), then rescan.',
    references: [cwe(1284), cwe(20)],
  },
  'VAC-MAN-002': {
    title: 'Artifact does not match its manifest digest',
    severity: 'critical',
    criterion: 'SC-4',
    description:
      'The SHA-256 digest or the size of an artifact on disk differs from what vacsrp.yaml records for it: the bytes are not the ones the manifest describes, through tampering, a failed transfer, or a manifest left behind after a rebuild.',
    remediation:
      'Find out why the bytes changed. If the artifact on disk is the intended one, record its new digest and size (`vacsrp init --force` redrafts the manifest); otherwise restore the artifact from a trusted copy.',
    references: [cwe(353), cwe(494), SUPPLY_CHAIN_MODEL],
  },
  'VAC-MAN-003': {
    title: 'Artifact listed in the manifest is missing',
    severity: 'high',
    criterion: 'SC-4',
    description:
      'vacsrp.yaml lists an artifact that is not a regular file under the scanned directory (absent, a symbolic link, or unreadable), so what the manifest describes cannot be reviewed.',
    remediation:
      'Add the missing artifact to the submission, or remove its entry from the manifest if it is no longer part of the model.',
    references: [cwe(353)],
  },
  'VAC-MAN-004': {
    title: 'Model artifact is not listed in the manifest',
    severity: 'medium',
    criterion: 'SC-4',
    description:
      'A file in a model format (safetensors, pickle, ONNX, GGUF, HDF5, an archive, …) is in the submission but not in vacsrp.yaml, so no digest vouches for it and it would be outside the reviewed package.',
    remediation:
      'List the artifact with its SHA-256 and size in the manifest (`vacsrp init --force` redrafts it), or remove the file from the submission.',
    references: [cwe(353), SUPPLY_CHAIN_MODEL],
  },
  'VAC-MAN-005': {
    title: 'Base model is not pinned to a revision',
    severity: 'medium',
    criterion: 'SC-3',
    description:
      'A base model in vacsrp.yaml has no revision, or a revision that can move (a branch or tag such as main or v1.0), instead of a full 40-hex commit hash or a sha256: digest. The repository name resolves to whatever is pushed next, and hub namespaces have been taken over to substitute malicious models.',
    remediation:
      'Record the full commit hash of the base model revision you built on (the hub shows it per commit), e.g. `revision: 0123456789abcdef0123456789abcdef01234567`, and pass that revision to every download in code.',
    references: [cwe(829), cwe(494), SUPPLY_CHAIN_MODEL],
  },
} as const satisfies Record<string, RuleSpec>;
