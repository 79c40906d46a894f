/**
 * Hashes files with the scanner's digest pool alone (no CLI), for throughput measurements and for
 * tuning the pool's defaults. Prints one JSON object on stdout.
 *
 *   node --import tsx bench/digest-only.ts [--threads N] [--chunk-kib K] [--inline-max BYTES] PATH...
 *
 * A directory PATH is walked and every file in it is hashed (all submitted at once). The pool is
 * loaded from packages/attest/dist when built, else from the TypeScript sources.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as DigestModule from '../packages/attest/src/digest/index.js';
import { REPO_DIR } from './lib/targets.js';

export interface DigestOnlyResult {
  readonly source: 'dist' | 'src';
  readonly mode: string;
  readonly threads: number;
  readonly files: number;
  readonly bytes: number;
  /** From the first digestFile call until the last digest resolved (includes starting the workers). */
  readonly seconds: number;
  readonly digests: Record<string, string>;
}

async function loadDigest(): Promise<{ module: typeof DigestModule; source: 'dist' | 'src' }> {
  const dist = path.join(REPO_DIR, 'packages/attest/dist/digest');
  const src = path.join(REPO_DIR, 'packages/scanner/src/digest');
  if (existsSync(path.join(dist, 'pool.js'))) {
    // tsc -b rewrites only changed outputs, so compare each source with its own output.
    const stale = readdirSync(src)
      .filter((f) => f.endsWith('.ts'))
      .some((f) => mtime(path.join(dist, f.replace(/\.ts$/, '.js'))) < mtime(path.join(src, f)));
    if (!stale)
      return { module: await import(pathToFileURL(path.join(dist, 'index.js')).href), source: 'dist' };
    process.stderr.write('digest-only: packages/scanner/dist is older than its sources; using the sources\n');
  }
  return { module: await import('../packages/attest/src/digest/index.js'), source: 'src' };
}

const mtime = (file: string): number => (existsSync(file) ? statSync(file).mtimeMs : 0);

async function listFiles(target: string): Promise<string[]> {
  if (!(await stat(target)).isDirectory()) return [target];
  const entries = await readdir(target, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join((entry as { parentPath?: string }).parentPath ?? entry.path, entry.name))
    .sort();
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      threads: { type: 'string' },
      'chunk-kib': { type: 'string' },
      'inline-max': { type: 'string' },
      /** Digest this file on every worker before the clock starts (steady-state measurements). */
      'warm-with': { type: 'string' },
    },
  });
  if (positionals.length === 0)
    throw new Error('usage: digest-only.ts [--threads N] [--chunk-kib K] [--inline-max BYTES] PATH...');
  const files = (await Promise.all(positionals.map(listFiles))).flat();
  let bytes = 0;
  for (const file of files) bytes += (await stat(file)).size;

  const { module, source } = await loadDigest();
  let started = performance.now();
  const pool = module.createDigestPool({
    threads: values.threads === undefined ? undefined : Number(values.threads),
    chunkBytes: values['chunk-kib'] === undefined ? undefined : Number(values['chunk-kib']) * 1024,
    inlineMaxBytes: values['inline-max'] === undefined ? undefined : Number(values['inline-max']),
  });
  const warm = values['warm-with'];
  if (warm) {
    await Promise.all(Array.from({ length: pool.threads }, () => pool.digestFile(warm)));
    started = performance.now();
  }
  const hex = await Promise.all(files.map((file) => pool.digestFile(file)));
  const seconds = (performance.now() - started) / 1000;
  const result: DigestOnlyResult = {
    source,
    mode: pool.mode,
    threads: pool.threads,
    files: files.length,
    bytes,
    seconds,
    // Only a few digests: the tree has 10,000.
    digests: Object.fromEntries(files.slice(0, 4).map((file, i) => [path.relative(REPO_DIR, file), hex[i]!])),
  };
  await pool.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`digest-only: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
