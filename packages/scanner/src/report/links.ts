/** Public addresses quoted by reports: the project site, rule documentation and reference links. */
import type { Reference } from '../findings.js';

export const INFORMATION_URI = 'https://vacsrp.dev/';
export const RULES_DOC_URI = 'https://vacsrp.dev/docs/rules';

/** Anchor of a rule in docs/rules.md (the generator writes an explicit `<a id>` for it). */
export const ruleAnchor = (ruleId: string): string => ruleId.toLowerCase();

export const ruleHelpUri = (ruleId: string): string => `${RULES_DOC_URI}#${ruleAnchor(ruleId)}`;

/** Where a reference is described, or undefined when its id has no well-known page. */
export function referenceUrl(ref: Reference): string | undefined {
  switch (ref.type) {
    case 'cwe': {
      const n = /^CWE-(\d+)$/.exec(ref.id)?.[1];
      return n === undefined ? undefined : `https://cwe.mitre.org/data/definitions/${n}.html`;
    }
    case 'atlas':
      return /^AML\.T\d{4}(\.\d{3})?$/.test(ref.id)
        ? `https://atlas.mitre.org/techniques/${ref.id}`
        : undefined;
    case 'cve':
      return /^CVE-\d{4}-\d{4,}$/.test(ref.id) ? `https://www.cve.org/CVERecord?id=${ref.id}` : undefined;
    case 'ghsa':
      return /^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/.test(ref.id)
        ? `https://github.com/advisories/${ref.id}`
        : undefined;
    case 'doc':
      return /^https:\/\//.test(ref.id) ? ref.id : undefined;
  }
}
