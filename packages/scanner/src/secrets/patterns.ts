/**
 * The credential formats the detector knows: each is a prefix or structure its issuer documents, so a
 * match is a credential unless it is a placeholder. Values of generic assignments (`password=`) are
 * judged by entropy in detect.ts instead.
 */

export type SecretKind =
  | 'aws-access-key-id'
  | 'aws-secret-access-key'
  | 'github-token'
  | 'gitlab-token'
  | 'slack-token'
  | 'slack-webhook'
  | 'stripe-live-key'
  | 'google-api-key'
  | 'openai-api-key'
  | 'anthropic-api-key'
  | 'huggingface-token'
  | 'azure-connection-string'
  | 'private-key'
  | 'putty-private-key'
  | 'jwt'
  | 'url-credentials'
  | 'generic-secret';

/** `credential`: a live token or key (high); `weak`: may be expired or partial (medium). */
export type SecretClass = 'credential' | 'weak';

export interface SecretPattern {
  readonly kind: SecretKind;
  readonly label: string;
  readonly class: SecretClass;
  /** Global regex; group `v` (or the whole match) is the secret value. */
  readonly regex: RegExp;
  /**
   * Anchored patterns (private keys): the regex finds a header, and this must match the text that
   * follows it (within FOLLOW_WINDOW characters). Two steps keep matching linear on hostile text.
   */
  readonly follows?: RegExp;
  /** Part of the value that must look random (after a fixed prefix), for the placeholder checks. */
  readonly body?: (value: string) => string;
}

/** Characters after an anchor looked at by `follows`. */
export const FOLLOW_WINDOW = 4096;

const after = (n: number) => (v: string) => v.slice(n);

export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    kind: 'private-key',
    label: 'private key (PEM)',
    class: 'credential',
    // The header alone (docs quote it) is not a key: detect.ts requires a base64 body after it.
    regex: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g,
    // A line of base64 key material (PEM headers such as Proc-Type may come first).
    follows: /(?:^|\n|\\n)[ \t]*[A-Za-z0-9+/]{40,}/,
  },
  {
    kind: 'putty-private-key',
    label: 'PuTTY private key',
    class: 'credential',
    regex: /PuTTY-User-Key-File-[23]: /g,
    follows: /Private-Lines: \d+/,
  },
  {
    kind: 'aws-access-key-id',
    label: 'AWS access key ID',
    class: 'weak',
    regex: /(?<![A-Za-z0-9])(?<v>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9])/g,
    body: after(4),
  },
  {
    kind: 'aws-secret-access-key',
    label: 'AWS secret access key',
    class: 'credential',
    regex: /aws_?secret_?(?:access_?)?key["']?\s*[:=]\s*["']?(?<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
  },
  {
    kind: 'github-token',
    label: 'GitHub token',
    class: 'credential',
    regex:
      /(?<![A-Za-z0-9_])(?<v>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})(?![A-Za-z0-9_])/g,
    body: (v) => v.slice(v.indexOf('_') + 1).replace(/^pat_/, ''),
  },
  {
    kind: 'gitlab-token',
    label: 'GitLab personal access token',
    class: 'credential',
    regex: /(?<![A-Za-z0-9_-])(?<v>glpat-[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])/g,
    body: after(6),
  },
  {
    kind: 'slack-token',
    label: 'Slack token',
    class: 'credential',
    regex: /(?<![A-Za-z0-9-])(?<v>xox[abposre]-(?:[0-9]{6,}-)+[A-Za-z0-9-]{10,})(?![A-Za-z0-9-])/g,
    body: after(5),
  },
  {
    kind: 'slack-webhook',
    label: 'Slack webhook URL',
    class: 'credential',
    regex: /(?<v>https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,})/g,
    body: (v) => v.slice(v.lastIndexOf('/') + 1),
  },
  {
    kind: 'stripe-live-key',
    label: 'Stripe live secret key',
    class: 'credential',
    regex: /(?<![A-Za-z0-9_])(?<v>(?:sk|rk)_live_[A-Za-z0-9]{20,})(?![A-Za-z0-9_])/g,
    body: after(8),
  },
  {
    kind: 'google-api-key',
    label: 'Google API key',
    class: 'credential',
    regex: /(?<![A-Za-z0-9_-])(?<v>AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])/g,
    body: after(4),
  },
  {
    kind: 'anthropic-api-key',
    label: 'Anthropic API key',
    class: 'credential',
    regex: /(?<![A-Za-z0-9_-])(?<v>sk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_-]{40,})(?![A-Za-z0-9_-])/g,
    body: (v) => v.slice(14),
  },
  {
    kind: 'openai-api-key',
    label: 'OpenAI API key',
    class: 'credential',
    regex:
      /(?<![A-Za-z0-9_-])(?<v>sk-(?:proj-|svcacct-|admin-)[A-Za-z0-9_-]{40,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|sk-[A-Za-z0-9]{48})(?![A-Za-z0-9_-])/g,
    body: (v) => v.replace(/^sk-(?:proj-|svcacct-|admin-)?/, ''),
  },
  {
    kind: 'huggingface-token',
    label: 'Hugging Face token',
    class: 'credential',
    regex: /(?<![A-Za-z0-9_])(?<v>hf_[A-Za-z]{34}|api_org_[A-Za-z]{34})(?![A-Za-z0-9_])/g,
    body: (v) => v.replace(/^(?:hf_|api_org_)/, ''),
  },
  {
    kind: 'azure-connection-string',
    label: 'Azure connection string key',
    class: 'credential',
    regex: /(?:AccountKey|SharedAccessKey)=(?<v>[A-Za-z0-9+/]{40,}={0,2})/g,
  },
  {
    kind: 'url-credentials',
    label: 'password in a URL',
    class: 'weak',
    // scheme://user:password@host (index URLs in requirements files, database URLs); judged like a password.
    regex:
      /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/[^\s:/@'"]{1,64}:(?<v>[^\s:/@'"]{8,128})@[A-Za-z0-9.-]+/g,
  },
  {
    kind: 'jwt',
    label: 'JSON Web Token',
    class: 'weak',
    regex:
      /(?<![A-Za-z0-9_-])(?<v>eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_-])/g,
  },
];
