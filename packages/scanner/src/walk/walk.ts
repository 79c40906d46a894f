/**
 * Walks the scan roots: directories recursively in a stable (sorted) order, never following symbolic
 * links. Links are reported, as pointing inside or outside the root they were found in.
 */

import type { Stats } from 'node:fs';
import { lstat, opendir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** Directory entries stat'ed concurrently. */
const STAT_BATCH = 64;

export type WalkItem =
  | { readonly kind: 'file'; readonly path: string; readonly size: number }
  | {
      readonly kind: 'link';
      readonly path: string;
      readonly target: string;
      readonly inside: boolean;
      readonly dangling: boolean;
    }
  | { readonly kind: 'special'; readonly path: string; readonly what: string }
  | { readonly kind: 'error'; readonly path: string; readonly message: string }
  | { readonly kind: 'limit'; readonly path: string; readonly message: string };

export interface WalkLimits {
  /** Files listed across all roots (CWE-400). */
  readonly maxFiles: number;
  /** Directory depth below a root (CWE-674: deeply nested trees). */
  readonly maxDirDepth: number;
}

export const WALK_LIMITS: WalkLimits = { maxFiles: 1_000_000, maxDirDepth: 64 };

export class WalkError extends Error {
  constructor(
    readonly code: 'PATH_NOT_FOUND' | 'PATH_UNREADABLE',
    message: string,
  ) {
    super(message);
    this.name = 'WalkError';
  }
}

/** Checks that every root exists before any work starts (a usage error, exit 2, when not). */
export async function checkRoots(roots: readonly string[]): Promise<void> {
  for (const r of roots) {
    try {
      await lstat(r);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new WalkError(
        code === 'ENOENT' ? 'PATH_NOT_FOUND' : 'PATH_UNREADABLE',
        `${r}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`,
      );
    }
  }
}

export async function walkRoots(
  roots: readonly string[],
  limits: WalkLimits = WALK_LIMITS,
): Promise<WalkItem[]> {
  const items: WalkItem[] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    const rootReal = await realpath(root).catch(() => path.resolve(root));
    await visit(root, rootReal, 0);
  }
  return items;

  async function visit(p: string, rootReal: string, depth: number, known?: Stats | Error): Promise<void> {
    if (items.length >= limits.maxFiles) {
      if (items[items.length - 1]?.kind !== 'limit')
        items.push({ kind: 'limit', path: p, message: `more than ${limits.maxFiles} files` });
      return;
    }
    let st: Stats;
    try {
      if (known instanceof Error) throw known;
      // A root given as a link is what the user asked for: follow it; never follow links below it.
      st = known ?? (depth === 0 ? await stat(p) : await lstat(p));
    } catch (e) {
      items.push({ kind: 'error', path: p, message: (e as Error).message });
      return;
    }
    if (st.isSymbolicLink()) {
      items.push(await describeLink(p, rootReal));
      return;
    }
    if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) return; // the same file named twice (overlapping roots, hard links)
      seen.add(key);
      items.push({ kind: 'file', path: p, size: st.size });
      return;
    }
    if (st.isDirectory()) {
      if (depth >= limits.maxDirDepth) {
        items.push({
          kind: 'limit',
          path: p,
          message: `directory nesting deeper than ${limits.maxDirDepth}`,
        });
        return;
      }
      let names: string[];
      try {
        names = [];
        for await (const d of await opendir(p)) names.push(d.name);
      } catch (e) {
        items.push({ kind: 'error', path: p, message: (e as Error).message });
        return;
      }
      names.sort();
      // lstat a batch of entries at once (latency, not CPU), then visit them in sorted order.
      for (let i = 0; i < names.length; i += STAT_BATCH) {
        const batch = names.slice(i, i + STAT_BATCH).map((n) => path.join(p, n));
        const stats = await Promise.all(batch.map((c) => lstat(c).catch((e: unknown) => e as Error)));
        for (const [k, child] of batch.entries()) await visit(child, rootReal, depth + 1, stats[k]);
      }
      return;
    }
    items.push({
      kind: 'special',
      path: p,
      what: st.isFIFO() ? 'FIFO' : st.isSocket() ? 'socket' : 'device',
    });
  }
}

async function describeLink(p: string, rootReal: string): Promise<WalkItem> {
  const target = await readlink(p).catch(() => '');
  let resolved: string;
  let dangling = false;
  try {
    resolved = await realpath(p);
  } catch {
    dangling = true;
    const dir = await realpath(path.dirname(p)).catch(() => path.resolve(path.dirname(p)));
    resolved = path.resolve(dir, target);
  }
  const rel = path.relative(rootReal, resolved);
  const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  return { kind: 'link', path: p, target, inside, dangling };
}
