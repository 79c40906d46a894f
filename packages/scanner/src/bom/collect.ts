/**
 * Reads a model repository into BomInputs: the scan's artifact list (with SHA-256 digests), the model
 * card, config.json, vacsrp.yaml, Croissant files and dependency files. Bounded; whatever cannot be read
 * becomes a located problem and the rest is still used.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { ScanOptions } from '../api.js';
import type { ScanReport } from '../report/types.js';
import { scan } from '../scan.js';
import { parseDependencyFile } from '../supply/inventory.js';
import { dependencyFileKind } from '../supply/names.js';
import type { Component as Dependency } from '../supply/types.js';
import { VERSION } from '../version.js';
import { parseCroissant } from './croissant.js';
import { parseManifestFacts } from './manifest.js';
import { parseModelCard, parseModelConfig } from './model-card.js';
import type { BomArtifact, BomInputs, BomProblem, DatasetFact } from './types.js';

export const BOM_LIMITS = {
  /** Bytes of README.md, config.json or vacsrp.yaml read (CWE-400: metadata files are small). */
  maxMetadataBytes: 1024 ** 2,
  /** Bytes of a JSON file read to see whether it is Croissant (CWE-400). */
  maxCroissantBytes: 4 * 1024 ** 2,
  /** JSON files opened to look for Croissant (CWE-400: a tree of a million .json files). */
  maxCroissantFiles: 64,
  /** Dependency files parsed (CWE-400). */
  maxDependencyFiles: 256,
  /** Bytes of one dependency file read (CWE-400). */
  maxDependencyFileBytes: 16 * 1024 ** 2,
  /** Bytes of an existing BOM read for merging (CWE-400). */
  maxExistingBomBytes: 64 * 1024 ** 2,
} as const;

export interface CollectOptions {
  /** Compute SHA-256 of every file (default true). */
  readonly digest?: boolean;
  /** The scan to run (injected in tests); default the scanner's own. */
  readonly scan?: (roots: readonly string[], options: ScanOptions) => Promise<ScanReport>;
}

export interface CollectedInputs extends BomInputs {
  /** Existing BOMs at the repository root, to merge: `bom.json`, `*.cdx.json` (relative, sorted). */
  readonly existingBoms: readonly string[];
}

/** Files that are BOMs, never described as artifacts of the model (they describe it). */
export function isExistingBomName(rel: string): boolean {
  return rel === 'bom.json' || (!rel.includes('/') && rel.endsWith('.cdx.json'));
}

/** Reads at most `max` bytes; `truncated` when the file is larger. */
export async function readBoundedText(
  file: string,
  max: number,
): Promise<{ text: string; truncated: boolean }> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    // Room for one byte past the limit, to tell a file at the limit from a larger one.
    const buf = new Uint8Array(Math.min(size, max) + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return { text: new TextDecoder().decode(buf.subarray(0, Math.min(n, max))), truncated: n > max };
  } finally {
    await handle.close();
  }
}

export async function collectBomInputs(dir: string, options: CollectOptions = {}): Promise<CollectedInputs> {
  const run = options.scan ?? scan;
  const report = await run([dir], { digest: options.digest ?? true, failOn: 'critical' });
  const problems: BomProblem[] = [];
  const rel = (p: string) => path.relative(dir, p).split(path.sep).join('/');
  const artifacts: BomArtifact[] = [];
  const files: string[] = [];
  for (const a of report.artifacts) {
    const r = rel(a.path);
    if (r === '' || r.startsWith('..') || r.split('/').includes('.git')) continue;
    if (a.format === 'symlink' || (a.status === 'errored' && a.sha256 === undefined && a.size === 0))
      continue;
    files.push(r);
    if (isExistingBomName(r)) continue;
    artifacts.push({ path: r, size: a.size, format: a.format, ...(a.sha256 ? { sha256: a.sha256 } : {}) });
  }
  files.sort();
  const sizes = new Map(artifacts.map((a) => [a.path, a.size]));

  const read = async (r: string, max: number): Promise<string | undefined> => {
    try {
      const { text, truncated } = await readBoundedText(path.join(dir, r), max);
      if (truncated) {
        problems.push({ code: 'LIMIT', file: r, message: `larger than ${max} bytes; not read` });
        return undefined;
      }
      return text.startsWith('\uFEFF') ? text.slice(1) : text;
    } catch (e) {
      problems.push({ code: 'LIMIT', file: r, message: `cannot read: ${(e as Error).message}` });
      return undefined;
    }
  };
  const has = (r: string) => files.includes(r);

  // Model card, config, manifest.
  const datasets: DatasetFact[] = [];
  let card: ReturnType<typeof parseModelCard>['card'] | undefined;
  if (has('README.md')) {
    const t = await read('README.md', BOM_LIMITS.maxMetadataBytes);
    if (t !== undefined) {
      const parsed = parseModelCard(t, 'README.md');
      card = parsed.card;
      problems.push(...parsed.problems);
      for (const name of card.datasets) datasets.push({ name, source: 'README.md' });
    }
  }
  let config: ReturnType<typeof parseModelConfig> | undefined;
  if (has('config.json')) {
    const t = await read('config.json', BOM_LIMITS.maxMetadataBytes);
    if (t !== undefined) {
      config = parseModelConfig(t, 'config.json');
      problems.push(...config.problems);
    }
  }
  let manifest: ReturnType<typeof parseManifestFacts>['facts'] | undefined;
  const manifestName = has('vacsrp.yaml') ? 'vacsrp.yaml' : has('vacsrp.yml') ? 'vacsrp.yml' : undefined;
  if (manifestName) {
    const t = await read(manifestName, BOM_LIMITS.maxMetadataBytes);
    if (t !== undefined) {
      const parsed = parseManifestFacts(t, manifestName);
      manifest = parsed.facts;
      problems.push(...parsed.problems);
      datasets.push(...manifest.datasets);
    }
  }

  // Croissant: JSON files other than the known ones, bounded in number and size.
  let opened = 0;
  for (const r of files) {
    if (!r.endsWith('.json') || r === 'config.json' || isExistingBomName(r) || dependencyFileKind(r))
      continue;
    const size = sizes.get(r) ?? 0;
    if (size > BOM_LIMITS.maxCroissantBytes) continue;
    if (opened >= BOM_LIMITS.maxCroissantFiles) {
      problems.push({
        code: 'LIMIT',
        file: '',
        message: `more than ${BOM_LIMITS.maxCroissantFiles} JSON files; the rest were not read for Croissant`,
      });
      break;
    }
    opened++;
    const t = await read(r, BOM_LIMITS.maxCroissantBytes);
    if (t === undefined || !t.includes('@context')) continue;
    const parsed = parseCroissant(t, r);
    if (parsed === undefined) continue;
    problems.push(...parsed.problems);
    if (parsed.dataset) datasets.push(parsed.dataset);
  }

  // Dependency files.
  const dependencies: Dependency[] = [];
  let depFiles = 0;
  for (const r of files) {
    const kind = dependencyFileKind(r);
    if (kind === undefined) continue;
    if (depFiles >= BOM_LIMITS.maxDependencyFiles) {
      problems.push({
        code: 'LIMIT',
        file: '',
        message: `more than ${BOM_LIMITS.maxDependencyFiles} dependency files; the rest were not read`,
      });
      break;
    }
    depFiles++;
    const t = await read(r, BOM_LIMITS.maxDependencyFileBytes);
    if (t === undefined) continue;
    const inv = parseDependencyFile(kind, t, r);
    dependencies.push(...inv.components);
    for (const p of inv.problems)
      problems.push({
        code: 'DEPENDENCIES',
        file: r,
        ...(p.line === undefined ? {} : { line: p.line }),
        message: `${p.code}: ${p.message}`,
      });
  }

  const model = {
    ...pick('name', manifest?.name ?? card?.name),
    ...pick('version', manifest?.version),
    ...pick('description', card?.description),
    licenses: manifest && manifest.licenses.length > 0 ? manifest.licenses : (card?.licenses ?? []),
    baseModels: card?.baseModels ?? [],
    ...pick('task', card?.task),
    ...pick('architectureFamily', config?.architectureFamily),
    ...pick('modelArchitecture', config?.modelArchitecture),
    languages: card?.languages ?? [],
    tags: card?.tags ?? [],
    metrics: card?.metrics ?? [],
    useCases: card?.useCases ?? [],
    technicalLimitations: card?.technicalLimitations ?? [],
    ethicalConsiderations: card?.ethicalConsiderations ?? [],
  };
  return {
    directoryName: path.basename(path.resolve(dir)),
    tool: { name: 'vacsrp', version: VERSION },
    model,
    datasets,
    artifacts,
    dependencies,
    problems,
    existingBoms: files.filter(isExistingBomName),
  };
}

function pick<K extends string>(key: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: string };
}
