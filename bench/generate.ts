/**
 * Writes the benchmark inputs into bench/out/ (git-ignored): a ~2 GB PyTorch zip checkpoint, a ~2 GB
 * safetensors file, a ~1 GB legacy PyTorch file, a tree of 10,000 small files, and a directory with
 * hard links to the two 2 GB files. Large files are streamed (memory stays flat). Idempotent: a file
 * already present with the expected size is kept.
 *
 *   node --import tsx bench/generate.ts [--out DIR] [--scale 0.01] [--only zip,safetensors,legacy,tree,pair]
 */
import { link, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { modulePaths, type TensorSpec, transformerTensors } from './lib/model.js';
import { safetensorsSize, writeSafetensors } from './lib/safetensors.js';
import { type ByteSink, CountingSink, FileSink } from './lib/sink.js';
import { DEFAULT_OUT, SIZES, targets } from './lib/targets.js';
import { TensorBytes } from './lib/tensor-data.js';
import { legacyLayout, writeTorchLegacy, writeTorchZip } from './lib/torch.js';
import { writeTree } from './lib/tree.js';

const KINDS = ['zip', 'safetensors', 'legacy', 'tree', 'pair'] as const;
type Kind = (typeof KINDS)[number];

export interface GenerateOptions {
  readonly out?: string;
  /** Multiplies every size (and the tree's file count when < 1); for quick runs and tests. */
  readonly scale?: number;
  readonly only?: readonly Kind[];
  readonly log?: (line: string) => void;
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}

/** Writes `file` through a temporary name unless it already exists with `expected` bytes. */
async function produce(
  file: string,
  expected: number,
  write: (sink: ByteSink) => Promise<void>,
  log: (line: string) => void,
): Promise<void> {
  if ((await sizeOf(file)) === expected) {
    log(`keep   ${file} (${expected} bytes)`);
    return;
  }
  const partial = `${file}.partial`;
  const started = performance.now();
  const sink = await FileSink.create(partial);
  try {
    await write(sink);
  } finally {
    await sink.close();
  }
  if (sink.position !== expected)
    throw new Error(`${file}: wrote ${sink.position} bytes, planned ${expected}`);
  await rename(partial, file);
  const seconds = (performance.now() - started) / 1000;
  log(`wrote  ${file} (${expected} bytes, ${seconds.toFixed(1)} s)`);
}

export async function generate(options: GenerateOptions = {}): Promise<ReturnType<typeof targets>> {
  const out = path.resolve(options.out ?? DEFAULT_OUT);
  const scale = options.scale ?? 1;
  const only = new Set<Kind>(options.only ?? KINDS);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const t = targets(out);
  await mkdir(out, { recursive: true });

  const big: TensorSpec[] = transformerTensors(SIZES.bigLayers, SIZES.bigBytes * scale);
  const bigModules = modulePaths(SIZES.bigLayers);

  if (only.has('zip')) {
    const counter = new CountingSink();
    const data = new TensorBytes('vacsrp-bench-zip');
    await writeTorchZip(counter, big, bigModules, data);
    await produce(t.zip, counter.position, (sink) => writeTorchZip(sink, big, bigModules, data), log);
  }
  if (only.has('safetensors')) {
    const data = new TensorBytes('vacsrp-bench-safetensors');
    await produce(t.safetensors, safetensorsSize(big), (sink) => writeSafetensors(sink, big, data), log);
  }
  if (only.has('legacy')) {
    const tensors = transformerTensors(SIZES.legacyLayers, SIZES.legacyBytes * scale);
    const modules = modulePaths(SIZES.legacyLayers);
    const data = new TensorBytes('vacsrp-bench-legacy');
    const { size } = legacyLayout(tensors, modules);
    await produce(t.legacy, size, (sink) => writeTorchLegacy(sink, tensors, modules, data), log);
  }
  if (only.has('tree')) {
    const perDir = scale < 1 ? Math.max(1, Math.round(100 * scale)) : 100;
    const marker = `tree v1 ${10 * 10 * perDir} files\n`;
    const current = await readFile(t.treeMarker, 'utf8').catch(() => '');
    if (current === marker) {
      log(`keep   ${t.tree} (${marker.trim()})`);
    } else {
      const started = performance.now();
      await rm(t.treeMarker, { force: true });
      await rm(t.tree, { recursive: true, force: true });
      const count = await writeTree(t.tree, 10, 10, perDir);
      await writeFile(t.treeMarker, marker);
      log(`wrote  ${t.tree} (${count} files, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  if (only.has('pair')) {
    await mkdir(t.pair, { recursive: true });
    for (const source of [t.zip, t.safetensors]) {
      const target = path.join(t.pair, path.basename(source));
      await rm(target, { force: true });
      if ((await sizeOf(source)) !== undefined) await link(source, target);
    }
    log(`linked ${t.pair}`);
  }
  return t;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      scale: { type: 'string' },
      only: { type: 'string' },
    },
  });
  const scale = values.scale === undefined ? 1 : Number(values.scale);
  if (!(scale > 0)) throw new Error(`--scale must be a positive number: ${values.scale}`);
  const only = values.only?.split(',').map((kind) => {
    if (!(KINDS as readonly string[]).includes(kind)) throw new Error(`--only: unknown kind ${kind}`);
    return kind as Kind;
  });
  await generate({ out: values.out, scale, only });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`generate: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
