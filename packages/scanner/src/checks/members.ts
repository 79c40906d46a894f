/** What every archive check does per member: name hygiene, and the member-count limit. */
import { type Finding, type FindingLocation, makeFinding } from '../findings.js';
import type { ScanState, Target } from './types.js';

export function memberNameFindings(name: string, location: FindingLocation, container: string): Finding[] {
  const out: Finding[] = [];
  const normalised = name.replace(/\\/g, '/');
  if (normalised.startsWith('/') || /^[A-Za-z]:/.test(normalised) || normalised.startsWith('//')) {
    out.push(
      makeFinding('VAC-ARC-002', {
        message: `${container} member ${JSON.stringify(name)} has an absolute path`,
        location,
        evidence: { excerpt: name.slice(0, 200) },
      }),
    );
  }
  if (normalised.split('/').includes('..')) {
    out.push(
      makeFinding('VAC-ARC-001', {
        message: `${container} member ${JSON.stringify(name)} climbs out of the extraction directory`,
        location,
        evidence: { excerpt: name.slice(0, 200) },
      }),
    );
  }
  if (name.includes('\u0000')) {
    out.push(
      makeFinding('VAC-ARC-001', {
        message: `${container} member name contains a NUL byte; tools truncate it differently`,
        location,
        evidence: { excerpt: JSON.stringify(name.slice(0, 200)) },
      }),
    );
  }
  return out;
}

/**
 * Counts one more member visited under the current artifact; false (with one VAC-ARC-007 finding)
 * once maxArchiveMembers is reached, so the caller stops.
 */
export function admitMember(state: ScanState, t: Target): boolean {
  if (state.members >= state.limits.maxArchiveMembers) {
    state.findings.push(
      makeFinding('VAC-ARC-007', {
        message: `more than ${state.limits.maxArchiveMembers} archive members; the rest were not analysed`,
        location: t.location,
      }),
    );
    return false;
  }
  state.members++;
  return true;
}
