/**
 * Evaluating OSV affected ranges: ECOSYSTEM ranges of PyPI with real PEP 440 ordering, SEMVER ranges
 * and npm with SemVer 2.0 ordering. Events are applied in version order (OSV's algorithm):
 * `introduced` opens a range, `fixed` closes it at that version, `last_affected` just after it.
 */
import { createRequire } from 'node:module';
import type * as Pep440Module from '@renovatebot/pep440';
import type * as SemverModule from 'semver';
import type { AdvisoryRecord, AffectedRange, RangeEvent } from './osv.js';
import type { Ecosystem } from './types.js';

// The version libraries are loaded on first use: only scans that vet dependencies need them.
const require = createRequire(import.meta.url);
let pep440Lib: typeof Pep440Module | undefined;
let semverLib: typeof SemverModule | undefined;
const pep440 = (): typeof Pep440Module => (pep440Lib ??= require('@renovatebot/pep440'));
const semver = (): typeof SemverModule => (semverLib ??= require('semver'));

export interface VersionScheme {
  valid(v: string): boolean;
  /** Negative, zero or positive; only called on valid versions. */
  compare(a: string, b: string): number;
  /** Whether v satisfies a requirement specifier in the ecosystem's own syntax ('' is any). */
  satisfies(v: string, specifier: string): boolean;
}

const PEP440: VersionScheme = {
  valid: (v) => pep440().valid(v) !== null,
  compare: (a, b) => pep440().compare(a, b),
  satisfies: (v, spec) => {
    try {
      return pep440().satisfies(v, toPep440Specifier(spec), { prereleases: true });
    } catch {
      return false;
    }
  },
};

/**
 * Poetry's constraint syntax in PEP 440 terms: `*` is any version, `^1.2.3` is `>=1.2.3,<2.0.0` (the
 * first non-zero component is bumped), `~1.2.3` is `>=1.2.3,<1.3.0`, a bare version is `==`.
 */
export function toPep440Specifier(spec: string): string {
  return spec
    .split(',')
    .map((raw) => {
      const c = raw.trim();
      if (c === '*' || c === '') return '';
      const m = /^(\^|~(?!=))\s*([0-9]+(?:\.[0-9]+)*)$/.exec(c);
      if (m !== null) {
        const parts = m[2]!.split('.').map(Number);
        let upper: number[];
        if (m[1] === '^') {
          const i = parts.findIndex((n) => n !== 0);
          const at = i < 0 ? parts.length - 1 : i;
          upper = [...parts.slice(0, at), parts[at]! + 1];
        } else {
          const at = parts.length === 1 ? 0 : 1;
          upper = [...parts.slice(0, at), parts[at]! + 1];
        }
        return `>=${m[2]},<${upper.join('.')}`;
      }
      return /^[0-9]/.test(c) ? `==${c}` : c;
    })
    .filter((c) => c !== '')
    .join(',');
}

const SEMVER: VersionScheme = {
  valid: (v) => semver().valid(v) !== null,
  compare: (a, b) => semver().compare(a, b),
  satisfies: (v, spec) => semver().satisfies(v, spec === '' ? '*' : spec, { includePrerelease: true }),
};

/** The scheme for a package's versions; conda has none in OSV, so conda components are not matched. */
export function schemeFor(
  ecosystem: Ecosystem,
  rangeType: AffectedRange['type'] = 'ECOSYSTEM',
): VersionScheme | undefined {
  if (rangeType === 'SEMVER' || ecosystem === 'npm') return SEMVER;
  if (ecosystem === 'PyPI') return PEP440;
  return undefined;
}

const eventVersion = (e: RangeEvent): string =>
  'introduced' in e
    ? e.introduced
    : 'fixed' in e
      ? e.fixed
      : 'last_affected' in e
        ? e.last_affected
        : e.limit;

/** Whether `version` is inside one range. Events with versions the scheme cannot read are ignored. */
export function inRange(version: string, range: AffectedRange, scheme: VersionScheme): boolean {
  // "0" is OSV's "from the first version", not a version to compare (SemVer has no "0").
  const cmp = (v: string) => (v === '0' ? 1 : scheme.compare(version, v));
  const events = range.events
    .filter((e) => !('limit' in e) && (eventVersion(e) === '0' || scheme.valid(eventVersion(e))))
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const va = eventVersion(a.e);
      const vb = eventVersion(b.e);
      const c = va === vb ? 0 : va === '0' ? -1 : vb === '0' ? 1 : scheme.compare(va, vb);
      return c !== 0 ? c : a.i - b.i;
    });
  let affected = false;
  for (const { e } of events) {
    if ('introduced' in e && cmp(e.introduced) >= 0) affected = true;
    else if ('fixed' in e && cmp(e.fixed) >= 0) affected = false;
    else if ('last_affected' in e && cmp(e.last_affected) > 0) affected = false;
  }
  return affected;
}

/** Whether an exact version is affected by an advisory record (its ranges or its explicit versions list). */
export function isAffected(version: string, record: AdvisoryRecord): boolean {
  const pkgScheme = schemeFor(record.ecosystem);
  if (
    pkgScheme?.valid(version) &&
    record.versions.some((v) => pkgScheme.valid(v) && pkgScheme.compare(v, version) === 0)
  ) {
    return true;
  }
  if (pkgScheme === undefined && record.versions.includes(version)) return true;
  return record.ranges.some((r) => {
    const scheme = schemeFor(record.ecosystem, r.type);
    return scheme?.valid(version) === true && inRange(version, r, scheme);
  });
}

/**
 * Whether some version a specifier admits may be affected. Conservative: an empty specifier admits
 * everything; otherwise candidate versions (the advisory's boundaries and listed versions, the
 * specifier's own boundaries, and versions just above each) are tried against both.
 */
export function mayBeAffected(specifier: string, record: AdvisoryRecord): boolean {
  const scheme = schemeFor(record.ecosystem);
  if (scheme === undefined) return false;
  const anyVersion = record.ranges.length > 0 || record.versions.length > 0;
  if (specifier.trim() === '' || specifier.trim() === '*') return anyVersion;
  // A specifier the scheme cannot read may admit anything: report it rather than miss it.
  if (record.ecosystem === 'PyPI' && !pep440().validRange(toPep440Specifier(specifier))) return anyVersion;
  if (record.ecosystem === 'npm' && semver().validRange(specifier) === null) return anyVersion;
  const bounds = new Set<string>(record.versions);
  for (const r of record.ranges) for (const e of r.events) bounds.add(eventVersion(e));
  for (const m of specifier.matchAll(/[0-9][0-9A-Za-z.+!-]*/g)) bounds.add(m[0].replace(/\.$/, ''));
  const candidates = new Set<string>();
  for (const b of bounds) {
    const base = b === '0' ? '0.0.0' : b;
    for (const c of record.ecosystem === 'npm'
      ? [base, semver().inc(base, 'patch') ?? '']
      : [base, `${base}.0.1`, `${base}.post1`]) {
      if (c !== '' && scheme.valid(c)) candidates.add(c);
    }
  }
  for (const c of candidates) {
    if (scheme.satisfies(c, specifier) && isAffected(c, record)) return true;
  }
  return false;
}

/** The first fixed version of the range an exact version falls in, or every fixed version for a specifier. */
export function fixedVersions(record: AdvisoryRecord): string[] {
  const out: string[] = [];
  for (const r of record.ranges)
    for (const e of r.events) if ('fixed' in e && !out.includes(e.fixed)) out.push(e.fixed);
  return out;
}

export function fixedFor(version: string, record: AdvisoryRecord): string | undefined {
  for (const r of record.ranges) {
    const scheme = schemeFor(record.ecosystem, r.type);
    if (scheme === undefined || !scheme.valid(version) || !inRange(version, r, scheme)) continue;
    const fixes = r.events.flatMap((e) =>
      'fixed' in e && scheme.valid(e.fixed) && scheme.compare(e.fixed, version) > 0 ? [e.fixed] : [],
    );
    fixes.sort((a, b) => scheme.compare(a, b));
    if (fixes[0] !== undefined) return fixes[0];
  }
  return undefined;
}
