/**
 * The scan runner: walks the roots, hashes every artifact on worker threads while the main thread
 * analyses them one by one, and assembles the report. Expected outcomes (malicious or malformed
 * artifacts) are findings; only a usage problem (a missing root, a bad policy or limit) throws.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { createDigestPool } from '@vacsrp/attest';
import type { ProgressEvent, ScanOptions } from './api.js';
import { analyse, type ScanState } from './checks/artifact.js';
import { sourceContent } from './checks/content.js';
import { licenceFindings } from './checks/licences.js';
import { manifestFindings } from './checks/manifest.js';
import { modelSignatureFindings } from './checks/signature.js';
import criteria from './criteria/vacsrp-criteria-v1.json' with { type: 'json' };
import {
  compareFindings,
  type Finding,
  makeFinding,
  SEVERITIES,
  SEVERITY_RANK,
  type Severity,
} from './findings.js';
import { FileSource } from './io/file-source.js';
import { resolveLimits, type ScanLimits } from './limits.js';
import { BUILTIN_POLICY, loadPolicyFile, type Policy } from './policy/policy.js';
import { type ArtifactRecord, REPORT_SCHEMA_ID, type ScanReport } from './report/types.js';
import { type AdvisoryDatabase, loadAdvisoryDatabase } from './supply/database.js';
import { VERSION } from './version.js';
import { checkRoots, type WalkItem, walkRoots } from './walk/walk.js';

export async function scan(roots: readonly string[], options: ScanOptions = {}): Promise<ScanReport> {
  if (roots.length === 0) throw new TypeError('scan needs at least one path');
  const now = options.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const limits = resolveLimits(options.limits);
  const policy = options.policyFile ? await loadPolicyFile(options.policyFile) : BUILTIN_POLICY;
  await checkRoots(roots);
  const failOn = options.failOn ?? 'medium';
  const advisories = options.dataDir === undefined ? undefined : await loadAdvisoryDatabase(options.dataDir);
  const progress = options.onProgress ?? (() => {});

  const items = await walkRoots(roots, { maxFiles: limits.maxFiles, maxDirDepth: limits.maxDirDepth });
  const files = items.filter((i): i is WalkItem & { kind: 'file' } => i.kind === 'file');
  progress({ kind: 'walk', files: files.length });

  const findings: Finding[] = walkFindings(items);
  findings.push(...(await signatureFindings(roots)));
  const artifacts: ArtifactRecord[] = [];
  for (const i of items) {
    if (i.kind === 'special')
      artifacts.push({
        path: i.path,
        size: 0,
        format: i.what,
        status: 'skipped',
        reason: `${i.what}, not a regular file`,
      });
    if (i.kind === 'error')
      artifacts.push({ path: i.path, size: 0, format: 'unknown', status: 'errored', reason: i.message });
    if (i.kind === 'link')
      artifacts.push({
        path: i.path,
        size: 0,
        format: 'symlink',
        status: 'skipped',
        reason: `symbolic link to ${i.target} (not followed)`,
      });
  }

  const pool = options.digest === false ? undefined : createDigestPool();
  try {
    const digests = new Map<string, Promise<string | Error>>();
    if (pool) {
      for (const f of files) {
        digests.set(
          f.path,
          pool
            .digestFile(f.path, (bytes) => progress({ kind: 'digest', path: f.path, bytes, size: f.size }))
            .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))),
        );
      }
    }
    await runWeighted(
      files,
      (f) => (f.size < SMALL_FILE_BYTES ? 1 : PARALLEL_SMALL_FILES),
      PARALLEL_SMALL_FILES,
      async (f, index) => {
        progress({ kind: 'artifact-start', path: f.path, size: f.size, index, total: files.length });
        const record = await scanFile(f.path, f.size, policy, limits, findings, advisories);
        const digest = await digests.get(f.path);
        let final: ArtifactRecord = record;
        if (typeof digest === 'string') final = { ...record, sha256: digest };
        else if (digest instanceof Error && record.status === 'scanned') {
          final = { ...record, status: 'errored', reason: `digest failed: ${digest.message}` };
        }
        artifacts.push(final);
        progress({ kind: 'artifact-done', path: f.path, status: final.status });
      },
    );
  } finally {
    await pool?.close();
  }
  // A vacsrp.yaml at a directory root is checked against what is on disk (needs the digests above).
  for (const root of roots) findings.push(...(await manifestFindings(root, artifacts)));

  findings.sort(compareFindings);
  artifacts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    schema: REPORT_SCHEMA_ID,
    tool: {
      name: 'vacsrp',
      version: VERSION,
      policy: { id: policy.id, version: policy.version },
      criteria: criteria.id,
    },
    startedAt,
    finishedAt: now().toISOString(),
    roots: [...roots],
    artifacts,
    findings,
    summary: summarise(artifacts, findings, failOn),
  };
}

/**
 * Small files are scanned several at a time: their cost is file-system latency, not CPU. A large file
 * takes every slot and runs alone, so memory stays bounded by one artifact's analysis.
 */
const SMALL_FILE_BYTES = 1 << 20;
const PARALLEL_SMALL_FILES = 4;

async function runWeighted<T>(
  items: readonly T[],
  weight: (item: T) => number,
  capacity: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let inUse = 0;
  let wake: Array<() => void> = [];
  const running = new Set<Promise<void>>();
  for (const [index, item] of items.entries()) {
    const w = Math.min(capacity, weight(item));
    while (inUse + w > capacity) await new Promise<void>((resolve) => wake.push(resolve));
    inUse += w;
    const p: Promise<void> = task(item, index).finally(() => {
      inUse -= w;
      running.delete(p);
      const waiting = wake;
      wake = [];
      for (const resolve of waiting) resolve();
    });
    running.add(p);
  }
  await Promise.all(running);
}

/** Per scanned directory: OpenSSF model signature (unsigned low, invalid critical) and licence inventory. */
async function signatureFindings(roots: readonly string[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const root of roots) {
    const st = await stat(root).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    try {
      out.push(...(await modelSignatureFindings(root)));
      out.push(...(await licenceFindings(root)));
    } catch (e) {
      out.push(
        makeFinding('VAC-SCAN-001', {
          message: `model signature or licence check failed: ${(e as Error).message}`,
          location: { artifact: root },
        }),
      );
    }
  }
  return out;
}

async function scanFile(
  file: string,
  size: number,
  policy: Policy,
  limits: ScanLimits,
  findings: Finding[],
  advisories: AdvisoryDatabase | undefined,
): Promise<ArtifactRecord> {
  let source: FileSource;
  try {
    source = await FileSource.open(file);
  } catch (e) {
    findings.push(
      makeFinding('VAC-FS-003', {
        message: `cannot open: ${(e as Error).message}`,
        location: { artifact: file },
      }),
    );
    return { path: file, size, format: 'unknown', status: 'errored', reason: (e as Error).message };
  }
  const state: ScanState = {
    policy,
    limits,
    analyse,
    findings: [],
    members: 0,
    ...(advisories ? { advisories } : {}),
  };
  try {
    const result = await analyse(state, {
      content: sourceContent(source),
      name: path.basename(file),
      location: { artifact: file },
      depth: 0,
      context: 'pickle',
    });
    findings.push(...state.findings);
    return {
      path: file,
      size: source.size,
      format: result.format,
      status: result.skipped ? 'skipped' : 'scanned',
      ...(result.skipped ? { reason: result.skipped } : {}),
      ...(state.members > 0 ? { members: state.members } : {}),
    };
  } catch (e) {
    findings.push(...state.findings);
    findings.push(
      makeFinding('VAC-SCAN-001', {
        message: `internal error: ${(e as Error).message}`,
        location: { artifact: file },
      }),
    );
    return {
      path: file,
      size: source.size,
      format: 'unknown',
      status: 'errored',
      reason: `internal error: ${(e as Error).message}`,
    };
  } finally {
    await source.close();
  }
}

function walkFindings(items: readonly WalkItem[]): Finding[] {
  const out: Finding[] = [];
  for (const i of items) {
    if (i.kind === 'link') {
      out.push(
        makeFinding(i.inside ? 'VAC-FS-002' : 'VAC-FS-001', {
          message: `symbolic link to ${i.target}${i.dangling ? ' (dangling)' : ''}, ${i.inside ? 'inside' : 'outside'} the scanned root; not followed`,
          location: { artifact: i.path },
          evidence: { details: { target: i.target, dangling: i.dangling } },
        }),
      );
    } else if (i.kind === 'error' || i.kind === 'special') {
      out.push(
        makeFinding('VAC-FS-003', {
          message:
            i.kind === 'error' ? `cannot read: ${i.message}` : `${i.what}, not a regular file; not read`,
          location: { artifact: i.path },
        }),
      );
    } else if (i.kind === 'limit') {
      out.push(
        makeFinding('VAC-ARC-007', { message: `walk stopped: ${i.message}`, location: { artifact: i.path } }),
      );
    }
  }
  return out;
}

export function summarise(
  artifacts: readonly ArtifactRecord[],
  findings: readonly Finding[],
  failOn: Severity,
) {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let highest: Severity | null = null;
  for (const f of findings) {
    counts[f.severity]++;
    if (highest === null || SEVERITY_RANK[f.severity] > SEVERITY_RANK[highest]) highest = f.severity;
  }
  return {
    artifacts: {
      scanned: artifacts.filter((a) => a.status === 'scanned').length,
      skipped: artifacts.filter((a) => a.status === 'skipped').length,
      errored: artifacts.filter((a) => a.status === 'errored').length,
    },
    findings: counts,
    highest,
    failOn,
    failed: highest !== null && SEVERITY_RANK[highest] >= SEVERITY_RANK[failOn],
  };
}

export type { ProgressEvent };
