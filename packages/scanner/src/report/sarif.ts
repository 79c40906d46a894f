/**
 * SARIF 2.1.0 rendering of a scan report, shaped for GitHub code scanning (see docs/report-format.md
 * for the mapping). Model artifacts are binary; GitHub still requires `region.startLine` (its GH1003
 * rule), so every result carries line 1, plus a byte offset when it is an offset into the very file the
 * result points at. Archive members cannot be
 * addressed by GitHub, so a result points at the outermost file and names the member path in its
 * message, a logical location and its properties.
 */
import { createHash } from 'node:crypto';
import { type Finding, type FindingLocation, formatLocation, type Severity } from '../findings.js';
import { RULES, type RuleDefinition } from '../rules/registry.js';
import { evidenceJson, sortArtifacts, sortFindings } from './json.js';
import { INFORMATION_URI, referenceUrl, ruleHelpUri } from './links.js';
import type { ArtifactRecord, ScanReport } from './types.js';

export const SARIF_VERSION = '2.1.0';
export const SARIF_SCHEMA_URI =
  'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** Base id of artifact URIs: the directory vacsrp ran in (the repository root in CI). */
export const SRCROOT = '%SRCROOT%';

export type SarifLevel = 'error' | 'warning' | 'note';

export const SARIF_LEVEL: Readonly<Record<Severity, SarifLevel>> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub's `security-severity` score: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low. */
export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

/** Key of our own fingerprint in `partialFingerprints`; bump the suffix if its inputs change. */
export const FINGERPRINT_KEY = 'vacsrpFindingHash/v1';

// SARIF is JSON; these loose types keep the builder honest without restating the whole schema.
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export function renderSarif(report: ScanReport): string {
  return `${JSON.stringify(toSarifLog(report), null, 2)}\n`;
}

export function toSarifLog(report: ScanReport): JsonObject {
  const artifacts = sortArtifacts(report.artifacts);
  const artifactIndex = new Map(artifacts.map((a, i) => [a.path, i]));
  const findings = sortFindings(report.findings);
  const ruleIds = [...new Set(findings.map((f) => f.ruleId))].sort();
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const fingerprints = fingerprintAll(findings);
  const errored = artifacts.filter((a) => a.status === 'errored');

  const driver: JsonObject = {
    name: 'vacsrp',
    version: report.tool.version,
    ...(isSemver(report.tool.version) ? { semanticVersion: report.tool.version } : {}),
    informationUri: INFORMATION_URI,
    rules: ruleIds.map((id) =>
      ruleDescriptor(RULES[id as keyof typeof RULES] ?? ruleFromFinding(id, findings)),
    ),
  };

  const results = findings.map((f, i) =>
    resultJson(f, ruleIndex.get(f.ruleId)!, fingerprints[i]!, artifactIndex.get(f.location.artifact)),
  );

  const invocation: JsonObject = {
    executionSuccessful: errored.length === 0,
    startTimeUtc: report.startedAt,
    endTimeUtc: report.finishedAt,
  };
  if (errored.length > 0) {
    invocation.toolExecutionNotifications = errored.map((a) => ({
      level: 'error',
      message: { text: `${a.path} could not be scanned: ${a.reason ?? 'unknown error'}` },
      locations: [
        { physicalLocation: { artifactLocation: artifactLocation(a.path, artifactIndex.get(a.path)) } },
      ],
    }));
  }

  return {
    $schema: SARIF_SCHEMA_URI,
    version: SARIF_VERSION,
    runs: [
      {
        tool: { driver },
        invocations: [invocation],
        artifacts: artifacts.map(artifactJson),
        results,
        properties: runProperties(report, artifacts),
      },
    ],
  };
}

function ruleDescriptor(rule: RuleDefinition): JsonObject {
  const tags = ['security'];
  for (const r of rule.references) {
    if (r.type === 'cwe') tags.push(r.id, `external/cwe/${r.id.toLowerCase()}`);
    else if (r.type === 'atlas') tags.push(r.id);
  }
  const refs = rule.references.map((r) => {
    const url = referenceUrl(r);
    return url === undefined ? r.id : `[${r.id}](${url})`;
  });
  const markdown = [
    rule.description,
    `**Remediation.** ${rule.remediation}`,
    `**Criterion.** ${rule.criterion}`,
    ...(refs.length > 0 ? [`**References.** ${refs.join(', ')}`] : []),
  ].join('\n\n');
  return {
    id: rule.id,
    name: pascalCase(rule.title),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    helpUri: ruleHelpUri(rule.id),
    help: { text: rule.remediation, markdown },
    properties: {
      tags,
      'security-severity': SECURITY_SEVERITY[rule.severity],
      criterion: rule.criterion,
      severity: rule.severity,
    },
  };
}

/** A rule missing from the registry (a report from another version): describe it from its finding. */
function ruleFromFinding(id: string, findings: readonly Finding[]): RuleDefinition {
  const f = findings.find((x) => x.ruleId === id)!;
  return {
    id,
    title: f.title,
    severity: f.severity,
    criterion: f.criterion,
    description: f.title,
    remediation: f.remediation,
    references: f.references,
  };
}

function resultJson(
  f: Finding,
  ruleIndex: number,
  fingerprint: string,
  index: number | undefined,
): JsonObject {
  const l = f.location;
  const physical: JsonObject = { artifactLocation: artifactLocation(l.artifact, index) };
  // An offset names a byte of the file itself only when no archive member or decoder sits between.
  physical.region =
    l.offset !== undefined && (l.members ?? []).length === 0
      ? { startLine: 1, byteOffset: l.offset }
      : { startLine: 1 };
  const location: JsonObject = { physicalLocation: physical };
  if (l.members !== undefined && l.members.length > 0) {
    location.logicalLocations = [
      { name: l.members[l.members.length - 1]!, fullyQualifiedName: memberPath(l), kind: 'resource' },
    ];
  }
  const properties: JsonObject = {
    severity: f.severity,
    criterion: f.criterion,
    location: formatLocation(l),
    evidence: evidenceJson(f.evidence),
  };
  if (l.members !== undefined && l.members.length > 0) properties.members = [...l.members];
  return {
    ruleId: f.ruleId,
    ruleIndex,
    level: SARIF_LEVEL[f.severity],
    message: { text: resultMessage(f) },
    locations: [location],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint, primaryLocationLineHash: fingerprint },
    properties,
  };
}

function resultMessage(f: Finding): string {
  const ev = f.evidence;
  const evidence =
    ev.callable === undefined ? '' : ` [${ev.callable}${ev.opcode ? ` via ${ev.opcode}` : ''}]`;
  return `${f.title}: ${f.message}${evidence} (at ${formatLocation(f.location)})`;
}

const memberPath = (l: FindingLocation): string => [l.artifact, ...(l.members ?? [])].join('!');

/**
 * A stable identity for a finding across runs: rule, location and the callable it names, so the same
 * payload in the same place keeps its alert. Identical findings get an occurrence suffix, as GitHub's
 * own `primaryLocationLineHash` does. Providing it also stops upload tools from line-hashing binaries.
 */
export function findingFingerprint(f: Finding): string {
  return createHash('sha256')
    .update(JSON.stringify([f.ruleId, formatLocation(f.location), f.evidence.callable ?? '']))
    .digest('hex')
    .slice(0, 32);
}

function fingerprintAll(sorted: readonly Finding[]): string[] {
  const seen = new Map<string, number>();
  return sorted.map((f) => {
    const h = findingFingerprint(f);
    const n = (seen.get(h) ?? 0) + 1;
    seen.set(h, n);
    return `${h}:${n}`;
  });
}

function artifactLocation(path: string, index: number | undefined): JsonObject {
  const loc = artifactUri(path);
  const out: JsonObject = { uri: loc.uri };
  if (loc.uriBaseId !== undefined) out.uriBaseId = loc.uriBaseId;
  if (index !== undefined) out.index = index;
  return out;
}

/**
 * The URI of an artifact path: relative paths become relative references (percent-encoded segments,
 * forward slashes) against %SRCROOT%; absolute paths become file: URIs.
 */
export function artifactUri(path: string): { uri: string; uriBaseId?: string } {
  const p = path.replace(/\\/g, '/');
  const drive = /^[A-Za-z]:\//.test(p);
  if (p.startsWith('/') || drive) {
    const segments = p.split('/').filter((s, i) => s !== '' || i === 0);
    const encoded = segments.map((s, i) => (drive && i === 0 ? s : encodeURIComponent(s))).join('/');
    return { uri: `file://${drive ? '/' : ''}${encoded}` };
  }
  const segments = p.split('/').filter((s) => s !== '' && s !== '.');
  return { uri: segments.map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

function artifactJson(a: ArtifactRecord): JsonObject {
  const out: JsonObject = { location: artifactLocation(a.path, undefined), length: a.size };
  if (a.sha256 !== undefined) out.hashes = { 'sha-256': a.sha256 };
  const properties: JsonObject = { format: a.format, status: a.status };
  if (a.reason !== undefined) properties.reason = a.reason;
  if (a.members !== undefined) properties.members = a.members;
  out.properties = properties;
  return out;
}

function runProperties(report: ScanReport, artifacts: readonly ArtifactRecord[]): JsonObject {
  const listed = (status: ArtifactRecord['status']): Json[] =>
    artifacts
      .filter((a) => a.status === status)
      .map((a) => ({ path: a.path, format: a.format, reason: a.reason ?? '' }));
  const s = report.summary;
  return {
    reportSchema: report.schema,
    policy: { id: report.tool.policy.id, version: report.tool.policy.version },
    criteria: report.tool.criteria,
    roots: [...report.roots],
    failOn: s.failOn,
    failed: s.failed,
    artifactCounts: {
      scanned: s.artifacts.scanned,
      skipped: s.artifacts.skipped,
      errored: s.artifacts.errored,
    },
    skipped: listed('skipped'),
    errored: listed('errored'),
  };
}

const isSemver = (v: string): boolean =>
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(v);

const pascalCase = (title: string): string =>
  title
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
