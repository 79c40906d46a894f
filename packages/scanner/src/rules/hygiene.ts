/** Rules of repository hygiene: committed secrets (SC-8) and the licence inventory (SC-7). */
import type { RuleSpec } from './definition.js';
import { atlas, cwe } from './refs.js';

/** MITRE ATLAS: Unsecured Credentials. */
const UNSECURED_CREDENTIALS = atlas('AML.T0055');

export const HYGIENE_RULES = {
  'VAC-SEC-001': {
    title: 'Credential committed in the repository',
    severity: 'high',
    criterion: 'SC-8',
    description:
      'Text content (a configuration, notebook, .env file, script or model card) holds a credential: a private key (PEM, OpenSSH, PuTTY), a cloud or API token of a documented format (AWS, GitHub, GitLab, Slack, Stripe, Google, OpenAI, Anthropic, Hugging Face, Azure), a JSON Web Token, or a high-entropy literal assigned to a name such as password, secret or token. Private keys and tokens of a known format are high; JWTs, lone AWS key IDs and generic assignments are medium. The finding names the kind, the line and column (and notebook cell) and a fingerprint (first 4 characters and a SHA-256 prefix); it never contains the value. Placeholders such as YOUR_API_KEY, xxxx or <token> are ignored.',
    remediation:
      'Revoke the credential with its issuer now (removing it is not enough: the repository and its mirrors keep it), remove it from the files and the history, and load credentials from the environment or a secret store at run time.',
    references: [cwe(798), cwe(540), cwe(312), UNSECURED_CREDENTIALS],
  },
  'VAC-LIC-001': {
    title: 'Licence missing, unknown or not identified',
    severity: 'low',
    criterion: 'SC-7',
    description:
      'The licence inventory (model-card front matter, LICENSE/COPYING files identified by their text, dataset declarations, Croissant metadata, lock files) has no licence for the model, a licence text that matches no known licence, or components whose licence is not recorded (dependencies in Python lock files, which rarely carry one, are reported for information).',
    remediation:
      'Declare an SPDX licence identifier for the model in the model card (`license:`), ship the full licence text as LICENSE, and record the licences of upstream datasets and dependencies in the AI bill of materials.',
    references: [cwe(1357)],
  },
  'VAC-LIC-002': {
    title: 'Conflicting licence declarations',
    severity: 'medium',
    criterion: 'SC-7',
    description:
      "The model card's front matter declares one licence and the repository's LICENSE file is another, so buyers cannot tell which terms apply.",
    remediation:
      'Make the model card and the LICENSE file agree; if the model is dual-licensed, say so with an SPDX expression (`A OR B`) and ship both texts.',
    references: [],
  },
} as const satisfies Record<string, RuleSpec>;
