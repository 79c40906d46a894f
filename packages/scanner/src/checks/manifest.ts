/**
 * Scan checks of the submission manifest: when a scanned directory holds vacsrp.yaml at its root, the
 * manifest must parse, its digests and sizes must match the artifacts on disk, every listed artifact must
 * exist, every model artifact must be listed, and every base model must be pinned (docs/manifest.md).
 */
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Evidence, type Finding, type FindingInput, makeFinding } from '../findings.js';
import { isModelArtifact, relativeInside } from '../manifest/artifacts.js';
import { MAX_MANIFEST_BYTES, parseManifest } from '../manifest/parse.js';
import { isPinnedRevision, MANIFEST_FILE } from '../manifest/types.js';
import type { ArtifactRecord } from '../report/types.js';
import type { MANIFEST_RULES } from '../rules/manifest.js';

type ManifestRuleId = keyof typeof MANIFEST_RULES;

/** A finding of a manifest rule (the rules are in the registry, so this is makeFinding). */
function manifestFinding(ruleId: ManifestRuleId, input: FindingInput): Finding {
  return makeFinding(ruleId, input);
}

/** Findings about `dir/vacsrp.yaml` against the scanned `artifacts` (all of them; those outside dir are ignored). */
export async function manifestFindings(
  dir: string,
  artifacts: readonly ArtifactRecord[],
): Promise<Finding[]> {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    const st = await lstat(file);
    if (!st.isFile()) return []; // a link or a directory named vacsrp.yaml: the walk reports links
    if (st.size > MAX_MANIFEST_BYTES) text = ' '.repeat(MAX_MANIFEST_BYTES + 1);
    else text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const parsed = parseManifest(text, file);
  if (parsed.manifest === undefined) {
    return parsed.problems.map((p) =>
      manifestFinding('VAC-MAN-001', {
        message: `${p.line}:${p.column}: ${p.message} (write: ${p.hint})`,
        location: { artifact: file },
        evidence: { details: { line: p.line, column: p.column, pointer: p.path, code: p.code } },
      }),
    );
  }
  const manifest = parsed.manifest;
  const findings: Finding[] = [];

  const onDisk = new Map<string, ArtifactRecord>();
  for (const a of artifacts) {
    const rel = relativeInside(path.resolve(dir), path.resolve(a.path), path.relative);
    if (rel !== undefined) onDisk.set(rel, a);
  }
  const listed = new Set<string>();
  for (const [i, entry] of manifest.artifacts.entries()) {
    const rel = path.posix.normalize(entry.path);
    listed.add(rel);
    const record = onDisk.get(rel);
    const evidence: Evidence = { details: { pointer: `/artifacts/${i}`, path: entry.path } };
    if (
      record === undefined ||
      record.format === 'symlink' ||
      record.status === 'errored' ||
      record.reason?.endsWith('not a regular file')
    ) {
      findings.push(
        manifestFinding('VAC-MAN-003', {
          message: `${entry.path} is listed in ${MANIFEST_FILE} but ${record === undefined ? 'is not in the submission' : `cannot be read as a regular file (${record.reason ?? record.format})`}`,
          location: { artifact: path.join(dir, entry.path) },
          evidence,
        }),
      );
      continue;
    }
    const digestDiffers = record.sha256 !== undefined && record.sha256 !== entry.sha256;
    if (digestDiffers || record.size !== entry.size) {
      findings.push(
        manifestFinding('VAC-MAN-002', {
          message: digestDiffers
            ? `SHA-256 of ${entry.path} is ${record.sha256}, the manifest records ${entry.sha256}`
            : `${entry.path} is ${record.size} bytes, the manifest records ${entry.size}`,
          location: { artifact: record.path },
          evidence: {
            details: {
              pointer: `/artifacts/${i}`,
              expectedSha256: entry.sha256,
              ...(record.sha256 === undefined ? {} : { actualSha256: record.sha256 }),
              expectedSize: entry.size,
              actualSize: record.size,
            },
          },
        }),
      );
    }
  }
  for (const [rel, record] of onDisk) {
    if (listed.has(rel) || !isModelArtifact(record, rel)) continue;
    findings.push(
      manifestFinding('VAC-MAN-004', {
        message: `${rel} (${record.format}) is not listed in ${MANIFEST_FILE}`,
        location: { artifact: record.path },
        evidence: {
          details: {
            format: record.format,
            ...(record.sha256 === undefined ? {} : { sha256: record.sha256 }),
          },
        },
      }),
    );
  }
  for (const [i, base] of (manifest.model.baseModels ?? []).entries()) {
    if (isPinnedRevision(base.revision)) continue;
    findings.push(
      manifestFinding('VAC-MAN-005', {
        message:
          base.revision === undefined
            ? `base model ${base.repository} has no revision`
            : `base model ${base.repository} is referenced by "${base.revision}", which can move; pin a full commit hash`,
        location: { artifact: file },
        evidence: { details: { pointer: `/model/baseModels/${i}`, repository: base.repository } },
      }),
    );
  }
  return findings;
}
