/** Shared by the ONNX and TensorFlow check tests: analyse bytes as a file or an archive member. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BufferSource } from '@vacsrp/formats';
import { analyse, type ScanState } from '../../src/checks/artifact.js';
import { sourceContent } from '../../src/checks/content.js';
import type { Finding } from '../../src/findings.js';
import { resolveLimits } from '../../src/limits.js';
import { BUILTIN_POLICY } from '../../src/policy/policy.js';

export const CORPUS = fileURLToPath(new URL('../../../../../shared/corpus/', import.meta.url));

const made: string[] = [];

/** A fresh directory under the OS temp dir; removeTempDirs() deletes every one made. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vacsrp-graphs-'));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes the bytes to `file` and analyses them as a top-level artifact named by that path. */
export async function analyseFile(
  file: string,
  bytes?: Uint8Array,
): Promise<{ format: string; findings: Finding[] }> {
  if (bytes) writeFileSync(file, bytes);
  return analyseBytes(new Uint8Array(readFileSync(file)), file);
}

export async function analyseBytes(
  bytes: Uint8Array,
  artifact: string,
  members: string[] = [],
): Promise<{ format: string; findings: Finding[] }> {
  const state: ScanState = {
    policy: BUILTIN_POLICY,
    analyse,
    limits: resolveLimits(),
    findings: [],
    members: 0,
  };
  const name = members.at(-1) ?? artifact;
  const result = await analyse(state, {
    content: sourceContent(new BufferSource(bytes)),
    name,
    location: members.length > 0 ? { artifact, members } : { artifact },
    depth: 0,
    context: 'pickle',
  });
  return { format: result.format, findings: state.findings };
}

export const ids = (fs: readonly Finding[]): string[] => fs.map((f) => `${f.ruleId}:${f.severity}`).sort();
