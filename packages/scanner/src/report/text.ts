/**
 * The human-readable report: findings grouped by artifact, then a summary that names every skipped and
 * errored artifact, so nothing unanalysed can pass for clean. Everything quoted from an artifact (member
 * names, callables, excerpts) is escaped: a crafted name must not drive the reader's terminal.
 */
import { type Finding, formatLocation, SEVERITIES, type Severity } from '../findings.js';
import { sortArtifacts, sortFindings } from './json.js';
import type { ArtifactRecord, ScanReport } from './types.js';

export interface TextOptions {
  /** Emit ANSI colour sequences. */
  readonly color: boolean;
  /** Also print descriptions of remediation, references, excerpts, details and digests. */
  readonly verbose?: boolean;
}

type Style = 'bold' | 'dim' | Severity | 'ok' | 'fail';

const SGR: Readonly<Record<Style, string>> = {
  bold: '1',
  dim: '2',
  critical: '1;97;41',
  high: '1;31',
  medium: '33',
  low: '36',
  info: '2',
  ok: '1;32',
  fail: '1;31',
};

const BADGE_WIDTH = 'CRITICAL'.length;
const esc = (s: string): string => escapeTerminal(s);

export function renderText(report: ScanReport, options: TextOptions): string {
  const paint = (style: Style, s: string): string => (options.color ? `\x1b[${SGR[style]}m${s}\x1b[0m` : s);
  const verbose = options.verbose ?? false;
  const lines: string[] = [];
  const { tool } = report;
  lines.push(
    paint('bold', `vacsrp ${esc(tool.version)}`) +
      ` · policy ${esc(tool.policy.id)}@${esc(tool.policy.version)} · criteria ${esc(tool.criteria)}`,
  );
  lines.push(`Scanned ${report.roots.map(esc).join(', ')}`);

  const artifacts = sortArtifacts(report.artifacts);
  const byPath = new Map(artifacts.map((a) => [a.path, a]));
  const groups = new Map<string, Finding[]>();
  for (const f of sortFindings(report.findings)) {
    const list = groups.get(f.location.artifact) ?? [];
    list.push(f);
    groups.set(f.location.artifact, list);
  }

  for (const path of [...groups.keys()].sort()) {
    const artifact = byPath.get(path);
    lines.push(
      '',
      paint('bold', esc(path)) + (artifact ? `  ${paint('dim', describe(artifact, verbose))}` : ''),
    );
    for (const f of groups.get(path)!) lines.push(...findingLines(f, paint, verbose));
  }
  if (groups.size === 0) lines.push('', 'No findings.');

  lines.push('', ...summaryLines(report, artifacts, paint));
  return `${lines.join('\n')}\n`;
}

function findingLines(f: Finding, paint: (s: Style, t: string) => string, verbose: boolean): string[] {
  const indent = ' '.repeat(2 + BADGE_WIDTH + 2);
  const badge = paint(f.severity, f.severity.toUpperCase().padEnd(BADGE_WIDTH));
  const out = [`  ${badge}  ${f.ruleId}  ${esc(f.title)}`];
  out.push(`${indent}at ${esc(formatLocation(f.location))}`);
  const ev = f.evidence;
  if (ev.callable !== undefined || ev.opcode !== undefined) {
    const parts = [
      ev.callable === undefined ? undefined : `callable ${esc(ev.callable)}`,
      ev.opcode === undefined ? undefined : `opcode ${esc(ev.opcode)}`,
      f.location.opcodeIndex === undefined ? undefined : `#${f.location.opcodeIndex}`,
    ].filter((p) => p !== undefined);
    out.push(`${indent}${parts.join(' ')}`);
  }
  out.push(`${indent}${esc(f.message)}`);
  if (verbose) {
    if (ev.excerpt !== undefined) out.push(`${indent}excerpt: ${esc(ev.excerpt)}`);
    for (const k of Object.keys(ev.details ?? {}).sort())
      out.push(`${indent}${esc(k)}: ${esc(String(ev.details![k]))}`);
    out.push(`${indent}criterion ${esc(f.criterion)}; fix: ${esc(f.remediation)}`);
    if (f.references.length > 0) out.push(`${indent}refs: ${f.references.map((r) => esc(r.id)).join(', ')}`);
  }
  return out;
}

function summaryLines(
  report: ScanReport,
  artifacts: readonly ArtifactRecord[],
  paint: (s: Style, t: string) => string,
): string[] {
  const s = report.summary;
  const out = [paint('bold', 'Summary')];
  out.push(
    `  Artifacts: ${s.artifacts.scanned} scanned, ${s.artifacts.skipped} skipped, ${s.artifacts.errored} errored`,
  );
  const list = (label: string, status: ArtifactRecord['status'], withReason: boolean): void => {
    const matching = artifacts.filter((a) => a.status === status);
    if (matching.length === 0) return;
    out.push(`  ${label}:`);
    for (const a of matching) {
      out.push(
        `    ${esc(a.path)} (${esc(a.format)})${withReason ? `: ${esc(a.reason ?? 'no reason given')}` : ''}`,
      );
    }
  };
  list('Scanned', 'scanned', false);
  list('Skipped, not analysed', 'skipped', true);
  list('Errored, not analysed', 'errored', true);
  const counts = SEVERITIES.map((sev) => {
    const n = s.findings[sev];
    const text = `${n} ${sev}`;
    return n > 0 ? paint(sev, text) : text;
  });
  out.push(`  Findings: ${counts.join(', ')}`);
  out.push(
    s.failed
      ? `  Result: ${paint('fail', 'FAIL')} (findings at or above ${s.failOn})`
      : `  Result: ${paint('ok', 'PASS')} (no findings at or above ${s.failOn})`,
  );
  return out;
}

function describe(a: ArtifactRecord, verbose: boolean): string {
  const parts = [esc(a.format), formatBytes(a.size)];
  if (a.members !== undefined) parts.push(`${a.members} members`);
  if (a.status !== 'scanned') parts.push(a.status);
  if (verbose && a.sha256 !== undefined) parts.push(`sha256 ${a.sha256}`);
  return `(${parts.join(', ')})`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * Escapes what a terminal would interpret: C0/C1 controls, DEL, and bidirectional overrides that can
 * reorder what the reader sees (Trojan Source, CVE-2021-42574).
 */
export function escapeTerminal(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
