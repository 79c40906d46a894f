/** Rules of supply-chain vetting: the dependency inventory and known vulnerabilities (docs/supply-chain.md). */
import type { RuleSpec } from './definition.js';
import { atlas, cwe } from './refs.js';

/** MITRE ATLAS: AI Supply Chain Compromise: AI Software. */
const SUPPLY_CHAIN_SOFTWARE = atlas('AML.T0010.001');

const PIN_AND_HASH =
  'Pin every dependency to one version and record its artifact hashes: a lock file (uv.lock, poetry.lock, Pipfile.lock, package-lock.json) or `pip-compile --generate-hashes`, then install with `pip install --require-hashes`.';

export const SUPPLY_RULES = {
  'VAC-DEP-001': {
    title: 'Dependency version has a known vulnerability',
    severity: 'high',
    criterion: 'SC-2',
    description:
      "A dependency is pinned to a version that an imported OSV advisory lists as affected (its ECOSYSTEM or SEMVER ranges, or its explicit versions). The finding's severity follows the advisory's database severity; its references carry the advisory's ID, CVE aliases and CWEs.",
    remediation:
      'Upgrade the dependency to the fixed version the finding names (or later), regenerate the lock file, and rescan. If no fix exists, remove the dependency or record an accepted risk with the mitigation.',
    references: [cwe(1395), cwe(1104), SUPPLY_CHAIN_SOFTWARE],
  },
  'VAC-DEP-002': {
    title: 'Dependency range admits a vulnerable version',
    severity: 'medium',
    criterion: 'SC-2',
    description:
      'A dependency is not pinned and its version specifier admits at least one version an imported OSV advisory lists as affected, so an install may pick a vulnerable release. Reported one severity level below the advisory, since the version installed is not known.',
    remediation:
      'Raise the lower bound of the specifier past the fixed version the finding names, or pin the dependency (a lock file) to a version outside every affected range.',
    references: [cwe(1395), SUPPLY_CHAIN_SOFTWARE],
  },
  'VAC-DEP-003': {
    title: 'Dependency is not pinned to one version',
    severity: 'low',
    criterion: 'SC-1',
    description:
      'A requirement admits more than one version (a range, a wildcard, or no version at all), so what is installed changes over time and can be replaced by a malicious release. In pyproject.toml ranges are normal for libraries and are reported for information; applications should lock them.',
    remediation: PIN_AND_HASH,
    references: [cwe(1357), cwe(829), SUPPLY_CHAIN_SOFTWARE],
  },
  'VAC-DEP-004': {
    title: 'Dependency has no artifact hash',
    severity: 'low',
    criterion: 'SC-1',
    description:
      'The dependency file can record artifact hashes (pip --hash, lock files) but none is recorded for this dependency, so a substituted download (a compromised index, mirror or proxy) installs without notice. When no dependency in a file is hashed, one finding lists them.',
    remediation: PIN_AND_HASH,
    references: [cwe(494), cwe(353), SUPPLY_CHAIN_SOFTWARE],
  },
  'VAC-DEP-005': {
    title: 'Dependency is installed from a URL, path or version-control system',
    severity: 'medium',
    criterion: 'SC-1',
    description:
      'The dependency comes from a VCS reference, a URL or a local path rather than the package index: it bypasses index-side vetting, and a branch or tag can change under the same reference. Advisories cannot be matched to it.',
    remediation:
      'Depend on a released version from the package index, or pin the VCS reference to a full commit hash and record the artifact hash.',
    references: [cwe(829), cwe(494), SUPPLY_CHAIN_SOFTWARE],
  },
  'VAC-DEP-006': {
    title: 'Dependency file changes where packages are installed from',
    severity: 'medium',
    criterion: 'SC-1',
    description:
      'An option (--index-url, --extra-index-url, --find-links, --trusted-host, --no-index, --pre) changes the package source or relaxes its checks. An extra index lets a same-named package on either index win (dependency confusion); a trusted host disables TLS verification.',
    remediation:
      'Use one index you control (a mirror that proxies the public index) rather than --extra-index-url; never use --trusted-host; hash every requirement.',
    references: [cwe(427), cwe(829), SUPPLY_CHAIN_SOFTWARE],
  },
  'VAC-DEP-007': {
    title: 'Dependency file includes another file',
    severity: 'info',
    criterion: 'SC-1',
    description:
      'A requirements file includes another requirements or constraints file (-r, -c). The scanner reads only the tree it was given and never follows includes; the included file is vetted only if it is inside that tree.',
    remediation: 'Make sure the included file is part of the submission so it is scanned too.',
    references: [cwe(829)],
  },
  'VAC-DEP-008': {
    title: 'Malformed dependency file',
    severity: 'medium',
    criterion: 'SC-1',
    description:
      'A dependency file does not parse, has fields of the wrong shape, has a version this scanner does not know, or hit a size limit. Dependencies in the unread part are not vetted. The message carries the line and column where the parser gives them.',
    remediation:
      'Fix the file so the package manager and the scanner read the same dependencies; regenerate lock files with the tool that owns them.',
    references: [cwe(20), SUPPLY_CHAIN_SOFTWARE],
  },
  'VAC-DEP-009': {
    title: 'Dependencies not checked for known vulnerabilities',
    severity: 'info',
    criterion: 'SC-2',
    description:
      'No advisory database was available to the scan, so the dependencies were inventoried but not matched against known vulnerabilities. Import OSV advisories with `vacsrp advisories import` and pass the same --data directory to the scan.',
    remediation: 'Run `vacsrp advisories import <osv.zip|folder> --data DIR`, then `vacsrp scan --data DIR`.',
    references: [cwe(1395)],
  },
} as const satisfies Record<string, RuleSpec>;
