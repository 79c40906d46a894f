/** Archive member names that escape the extraction directory (Zip Slip, tar slip) or are absolute. */
import { type Finding, type FindingLocation, makeFinding } from '../findings.js';

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
