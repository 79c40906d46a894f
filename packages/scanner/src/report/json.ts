/**
 * The JSON scan report: the canonical, machine-readable form of a ScanReport. Its shape is fixed by
 * scan-report.schema.json. Output is deterministic (fixed key order, sorted collections) because
 * reports are hashed, signed and compared byte for byte.
 */
import { compareFindings, type Evidence, type Finding, type FindingLocation } from '../findings.js';
import type { ArtifactRecord, ScanReport } from './types.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Renders a report as pretty-printed JSON (two-space indent) ending in a newline. */
export function renderJson(report: ScanReport): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`;
}

/** The report as a plain JSON value in canonical key order, ready to serialise or hash. */
export function toJsonReport(report: ScanReport): { [key: string]: Json } {
  const { summary } = report;
  return {
    schema: report.schema,
    tool: {
      name: report.tool.name,
      version: report.tool.version,
      policy: { id: report.tool.policy.id, version: report.tool.policy.version },
      criteria: report.tool.criteria,
    },
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    roots: [...report.roots],
    artifacts: sortArtifacts(report.artifacts).map(artifactJson),
    findings: sortFindings(report.findings).map(findingJson),
    summary: {
      artifacts: {
        scanned: summary.artifacts.scanned,
        skipped: summary.artifacts.skipped,
        errored: summary.artifacts.errored,
      },
      findings: {
        critical: summary.findings.critical,
        high: summary.findings.high,
        medium: summary.findings.medium,
        low: summary.findings.low,
        info: summary.findings.info,
      },
      highest: summary.highest,
      failOn: summary.failOn,
      failed: summary.failed,
    },
  };
}

export function sortArtifacts(artifacts: readonly ArtifactRecord[]): ArtifactRecord[] {
  return [...artifacts].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

function artifactJson(a: ArtifactRecord): { [key: string]: Json } {
  return compact({
    path: a.path,
    size: a.size,
    sha256: a.sha256,
    format: a.format,
    status: a.status,
    reason: a.reason,
    members: a.members,
  });
}

function findingJson(f: Finding): { [key: string]: Json } {
  return {
    ruleId: f.ruleId,
    severity: f.severity,
    criterion: f.criterion,
    title: f.title,
    message: f.message,
    location: locationJson(f.location),
    evidence: evidenceJson(f.evidence),
    remediation: f.remediation,
    references: f.references.map((r) => ({ type: r.type, id: r.id })),
  };
}

export function locationJson(l: FindingLocation): { [key: string]: Json } {
  return compact({
    artifact: l.artifact,
    members: l.members === undefined ? undefined : [...l.members],
    offset: l.offset,
    opcodeIndex: l.opcodeIndex,
    stream: l.stream,
  });
}

export function evidenceJson(e: Evidence): { [key: string]: Json } {
  const details =
    e.details === undefined
      ? undefined
      : Object.fromEntries(
          Object.keys(e.details)
            .sort()
            .map((k) => [k, e.details![k]!]),
        );
  return compact({ callable: e.callable, opcode: e.opcode, excerpt: e.excerpt, details });
}

/** Drops undefined members, keeping the order in which the others were written. */
function compact(o: { [key: string]: Json | undefined }): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
