/**
 * OSV advisories (https://ossf.github.io/osv-schema/, schema 1.7.5 in ../shared/standards/osv/schema):
 * a strict hand-written check of the schema's constraints (types, enums, ID prefixes, timestamps,
 * event shapes, fixed/last_affected exclusion, GIT ranges need a repo, severity at one level only),
 * and the normalised form the scanner matches against.
 */
import type { Ecosystem } from './types.js';

export const OSV_ID_PREFIXES =
  /^(ASB-A|PUB-A|ALPINE|ALSA|ALBA|ALEA|BELL|BIT|CGA|CLEANSTART|CURL|CVE|DEBIAN|DHI|DRUPAL|DSA|DLA|ELA|DTSA|ECHO|EEF|FreeBSD|GHSA|GO|GSD|HSEC|JLSEC|KUBE|LBSEC|LSN|MAL|MINI|MGASA|OESA|OSEC|OSV|openSUSE-SU|PHSA|PSF|PYSEC|RHBA|RHEA|RHSA|RLSA|RXSA|RSEC|ROOT|RUSTSEC|SUSE-[SRFO]U|UBUNTU|USN|V8)-/;
/** IDs become file names in the store: one path segment, no dots at the start. */
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const ECOSYSTEM =
  /^(AlmaLinux|Alpaquita|Alpine|Android|BellSoft Hardened Containers|Bioconductor|Bitnami|Chainguard|CleanStart|ConanCenter|CRAN|crates\.io|Debian|Docker Hardened Images|Echo|FreeBSD|GHC|GitHub Actions|Go|Hackage|Hex|Julia|Kubernetes|Linux|Mageia|Maven|MinimOS|npm|NuGet|opam|openEuler|openSUSE|OSS-Fuzz|Packagist|Photon OS|Pub|PyPI|Red Hat|Rocky Linux|Root|RubyGems|SUSE|SwiftURL|Ubuntu|VSCode|Wolfi|GIT)(:.+)?$/;
/** RFC 3339 as the schema's timestamp pattern requires (UTC, `Z`). */
const TIMESTAMP = /^[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](\.[0-9]+)?Z$/;
const SEVERITY_TYPES = ['CVSS_V2', 'CVSS_V3', 'CVSS_V4', 'Ubuntu'];
const CVSS_PREFIX: Readonly<Record<string, RegExp>> = {
  CVSS_V2: /^(AV|AC|Au|C|I|A|E|RL|RC|CDP|TD|CR|IR|AR):[A-Z]+(\/[A-Za-z]+:[A-Z]+)*$/,
  CVSS_V3: /^CVSS:3[.][01]\/(([A-Z]+):[A-Z])(\/[A-Z]+:[A-Z])*$/,
  CVSS_V4: /^CVSS:4[.]0\/([A-Z]+:[A-Z])(\/[A-Z]+:[A-Z])*$/,
};
const REFERENCE_TYPES = [
  'ADVISORY',
  'ARTICLE',
  'DETECTION',
  'DISCUSSION',
  'REPORT',
  'FIX',
  'INTRODUCED',
  'GIT',
  'PACKAGE',
  'EVIDENCE',
  'WEB',
];
const CREDIT_TYPES = [
  'FINDER',
  'REPORTER',
  'ANALYST',
  'COORDINATOR',
  'REMEDIATION_DEVELOPER',
  'REMEDIATION_REVIEWER',
  'REMEDIATION_VERIFIER',
  'TOOL',
  'SPONSOR',
  'OTHER',
];
const EVENT_KEYS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

type Fail = (path: string, message: string) => void;

/** Every violation, each with a JSON pointer; empty when the advisory is valid. */
export function validateOsv(doc: unknown): string[] {
  const errors: string[] = [];
  const fail: Fail = (path, msg) => {
    if (errors.length < 20) errors.push(`${path || '/'}: ${msg}`);
  };
  if (!isObj(doc)) {
    fail('', 'not a JSON object');
    return errors;
  }
  if (doc.schema_version !== undefined) str(doc.schema_version, '/schema_version', fail);
  if (doc.id === undefined) fail('/id', 'is required');
  else {
    str(doc.id, '/id', fail, OSV_ID_PREFIXES, 'an ID with a known home-database prefix');
    if (typeof doc.id === 'string' && !SAFE_ID.test(doc.id))
      fail('/id', 'contains characters not allowed in an advisory ID');
  }
  if (doc.modified === undefined) fail('/modified', 'is required');
  else str(doc.modified, '/modified', fail, TIMESTAMP, 'an RFC 3339 UTC timestamp');
  for (const k of ['published', 'withdrawn'] as const) {
    if (doc[k] !== undefined) str(doc[k], `/${k}`, fail, TIMESTAMP, 'an RFC 3339 UTC timestamp');
  }
  strArray(doc.aliases, '/aliases', fail, true);
  strArray(doc.related, '/related', fail);
  strArray(doc.upstream, '/upstream', fail);
  for (const k of ['summary', 'details'] as const) if (doc[k] !== undefined) str(doc[k], `/${k}`, fail);
  severity(doc.severity, '/severity', fail);
  obj(doc.database_specific, '/database_specific', fail);
  if (doc.affected !== undefined && doc.affected !== null) {
    if (!Array.isArray(doc.affected)) fail('/affected', 'must be an array');
    else
      for (const [i, a] of doc.affected.entries())
        affected(a, `/affected/${i}`, doc.severity !== undefined, fail);
  }
  if (doc.references !== undefined && doc.references !== null) {
    if (!Array.isArray(doc.references)) fail('/references', 'must be an array');
    else for (const [i, r] of doc.references.entries()) reference(r, `/references/${i}`, fail);
  }
  if (doc.credits !== undefined) {
    if (!Array.isArray(doc.credits)) fail('/credits', 'must be an array');
    else for (const [i, c] of doc.credits.entries()) credit(c, `/credits/${i}`, fail);
  }
  return errors;
}

function str(v: unknown, path: string, fail: Fail, pattern?: RegExp, what?: string): void {
  if (typeof v !== 'string') fail(path, 'must be a string');
  else if (pattern !== undefined && !pattern.test(v)) fail(path, `'${v.slice(0, 60)}' is not ${what}`);
}

function strArray(v: unknown, path: string, fail: Fail, nullable = false): void {
  if (v === undefined || (nullable && v === null)) return;
  if (!Array.isArray(v)) fail(path, 'must be an array of strings');
  else for (const [i, s] of v.entries()) str(s, `${path}/${i}`, fail);
}

function obj(v: unknown, path: string, fail: Fail): void {
  if (v !== undefined && !isObj(v)) fail(path, 'must be an object');
}

function affected(a: unknown, p: string, topSeverity: boolean, fail: Fail): void {
  if (!isObj(a)) {
    fail(p, 'must be an object');
    return;
  }
  if (a.package !== undefined) {
    if (!isObj(a.package)) fail(`${p}/package`, 'must be an object');
    else {
      str(a.package.ecosystem, `${p}/package/ecosystem`, fail, ECOSYSTEM, 'a known ecosystem');
      str(a.package.name, `${p}/package/name`, fail);
      if (a.package.purl !== undefined) str(a.package.purl, `${p}/package/purl`, fail);
    }
  }
  if (topSeverity && a.severity !== undefined && a.severity !== null) {
    fail(`${p}/severity`, 'must be absent when the advisory has a top-level severity');
  } else severity(a.severity, `${p}/severity`, fail);
  strArray(a.versions, `${p}/versions`, fail);
  obj(a.ecosystem_specific, `${p}/ecosystem_specific`, fail);
  obj(a.database_specific, `${p}/database_specific`, fail);
  if (a.ranges !== undefined) {
    if (!Array.isArray(a.ranges)) fail(`${p}/ranges`, 'must be an array');
    else for (const [j, r] of a.ranges.entries()) range(r, `${p}/ranges/${j}`, fail);
  }
}

function reference(r: unknown, p: string, fail: Fail): void {
  if (!isObj(r)) {
    fail(p, 'must be an object');
    return;
  }
  if (typeof r.type !== 'string' || !REFERENCE_TYPES.includes(r.type)) {
    fail(`${p}/type`, `must be one of ${REFERENCE_TYPES.join(', ')}`);
  }
  if (typeof r.url !== 'string' || !URL.canParse(r.url)) fail(`${p}/url`, 'must be a URI');
}

function credit(c: unknown, p: string, fail: Fail): void {
  if (!isObj(c)) {
    fail(p, 'must be an object');
    return;
  }
  str(c.name, `${p}/name`, fail);
  strArray(c.contact, `${p}/contact`, fail);
  if (c.type !== undefined && (typeof c.type !== 'string' || !CREDIT_TYPES.includes(c.type))) {
    fail(`${p}/type`, 'is not a known credit type');
  }
}

function severity(v: unknown, path: string, fail: Fail): void {
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) {
    fail(path, 'must be an array');
    return;
  }
  for (const [i, s] of v.entries()) {
    const p = `${path}/${i}`;
    if (!isObj(s)) fail(p, 'must be an object');
    else if (typeof s.type !== 'string' || !SEVERITY_TYPES.includes(s.type)) {
      fail(`${p}/type`, `must be one of ${SEVERITY_TYPES.join(', ')}`);
    } else if (typeof s.score !== 'string') fail(`${p}/score`, 'must be a string');
    else {
      const pattern = CVSS_PREFIX[s.type];
      if (pattern !== undefined && !pattern.test(s.score)) fail(`${p}/score`, `is not a ${s.type} vector`);
    }
  }
}

function range(r: unknown, p: string, fail: Fail): void {
  if (!isObj(r)) {
    fail(p, 'must be an object');
    return;
  }
  if (r.type !== 'GIT' && r.type !== 'SEMVER' && r.type !== 'ECOSYSTEM')
    fail(`${p}/type`, 'must be GIT, SEMVER or ECOSYSTEM');
  if (r.repo !== undefined && typeof r.repo !== 'string') fail(`${p}/repo`, 'must be a string');
  if (r.type === 'GIT' && r.repo === undefined) fail(`${p}/repo`, 'is required for GIT ranges');
  obj(r.database_specific, `${p}/database_specific`, fail);
  if (!Array.isArray(r.events) || r.events.length === 0) {
    fail(`${p}/events`, 'must be a non-empty array');
    return;
  }
  const seen = new Set<string>();
  for (const [k, e] of r.events.entries()) {
    if (!isObj(e)) {
      fail(`${p}/events/${k}`, 'must be an object');
      continue;
    }
    const keys = EVENT_KEYS.filter((key) => key in e);
    const key = keys[0];
    if (keys.length !== 1 || key === undefined) {
      fail(`${p}/events/${k}`, 'must hold exactly one of introduced, fixed, last_affected, limit');
    } else if (typeof e[key] !== 'string') fail(`${p}/events/${k}/${key}`, 'must be a string');
    else seen.add(key);
  }
  if (!seen.has('introduced')) fail(`${p}/events`, 'must contain an introduced event');
  if (seen.has('fixed') && seen.has('last_affected'))
    fail(`${p}/events`, 'fixed and last_affected events are mutually exclusive');
}

export type RangeEvent =
  | { readonly introduced: string }
  | { readonly fixed: string }
  | { readonly last_affected: string }
  | { readonly limit: string };

export interface AffectedRange {
  readonly type: 'SEMVER' | 'ECOSYSTEM';
  readonly events: readonly RangeEvent[];
}

/** One advisory as it bears on one package: what the scanner needs to match and report. */
export interface AdvisoryRecord {
  readonly id: string;
  readonly modified: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly withdrawn?: string;
  /** CVSS vectors from severity[] (the package's own, else the advisory's). */
  readonly cvss: readonly { readonly type: string; readonly score: string }[];
  /** database_specific.severity (GitHub: LOW, MODERATE, HIGH, CRITICAL). */
  readonly databaseSeverity?: string;
  readonly ecosystem: Ecosystem;
  /** Normalised package name. */
  readonly package: string;
  readonly ranges: readonly AffectedRange[];
  readonly versions: readonly string[];
  /** CWE IDs GitHub lists in database_specific.cwe_ids. */
  readonly cwes: readonly string[];
}

/** The per-package records of a valid advisory, for ecosystems the scanner matches (PyPI, npm). */
export function normaliseAdvisory(
  doc: Obj,
  normaliseName: (eco: Ecosystem, name: string) => string,
): AdvisoryRecord[] {
  const out: AdvisoryRecord[] = [];
  const dbs = isObj(doc.database_specific) ? doc.database_specific : {};
  const strings = (v: unknown) =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  const sev = (v: unknown) =>
    Array.isArray(v) ? v.filter(isObj).map((s) => ({ type: String(s.type), score: String(s.score) })) : [];
  for (const a of Array.isArray(doc.affected) ? doc.affected : []) {
    if (!isObj(a) || !isObj(a.package)) continue;
    const eco = a.package.ecosystem;
    if (eco !== 'PyPI' && eco !== 'npm') continue;
    const ranges: AffectedRange[] = [];
    for (const r of Array.isArray(a.ranges) ? a.ranges : []) {
      if (isObj(r) && (r.type === 'ECOSYSTEM' || r.type === 'SEMVER') && Array.isArray(r.events)) {
        ranges.push({ type: r.type, events: r.events as RangeEvent[] });
      }
    }
    const own = sev(a.severity);
    out.push({
      id: String(doc.id),
      modified: String(doc.modified),
      aliases: strings(doc.aliases),
      summary:
        typeof doc.summary === 'string'
          ? doc.summary
          : typeof doc.details === 'string'
            ? doc.details.slice(0, 200)
            : '',
      ...(typeof doc.withdrawn === 'string' && { withdrawn: doc.withdrawn }),
      cvss: own.length > 0 ? own : sev(doc.severity),
      ...(typeof dbs.severity === 'string' && { databaseSeverity: dbs.severity }),
      ecosystem: eco,
      package: normaliseName(eco, String(a.package.name)),
      ranges,
      versions: strings(a.versions),
      cwes: strings(dbs.cwe_ids),
    });
  }
  return out;
}
