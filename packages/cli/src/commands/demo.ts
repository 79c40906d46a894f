/** `vacsrp demo [dir]`: writes the demo model repository (generated in code) and scans it. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { demoFiles } from '@vacsrp/scanner';
import type { ScanDeps, ScanFlags } from './scan.js';
import { runScan } from './scan.js';

export const DEFAULT_DEMO_DIR = 'vacsrp-demo';

export async function runDemo(dir: string, flags: ScanFlags, deps: ScanDeps): Promise<number> {
  const files = demoFiles();
  for (const f of files) {
    const target = path.join(dir, f.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, f.bytes);
  }
  if (!flags.quiet) {
    deps.stderr.write(`wrote a demo model repository to ${dir}/:\n`);
    for (const f of files) deps.stderr.write(`  ${f.path}  (${f.about})\n`);
    deps.stderr.write(`scanning it: vacsrp scan ${dir}\n\n`);
  }
  return runScan([dir], flags, deps);
}
