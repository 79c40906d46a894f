/**
 * Start-up cost: a scan of plain model files must not load the libraries only some runs need (YAML,
 * Ajv, Sigstore, version ordering). They are loaded on first use; these tests keep it that way.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));
const main = join(PACKAGES, 'cli/dist/main.js');
const DEFERRED = [
  'yaml',
  'ajv',
  'ajv-formats',
  '@sigstore/bundle',
  '@sigstore/verify',
  '@sigstore/protobuf-specs',
  'semver',
  '@renovatebot/pep440',
];
const SMALL_MODEL = fileURLToPath(
  new URL('../../../../shared/corpus/benign/pytorch/full_module_sequential.pt', import.meta.url),
);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('libraries some runs need are loaded on first use', () => {
  it('no source file imports them eagerly (type imports are free)', () => {
    const eager: string[] = [];
    for (const pkg of ['formats', 'attest', 'scanner', 'cli']) {
      for (const file of sources(join(PACKAGES, pkg, 'src'))) {
        for (const m of readFileSync(file, 'utf8').matchAll(/^import (?!type\b)[^;]*?from '([^']+)'/gms)) {
          const spec = m[1]!;
          if (DEFERRED.some((d) => spec === d || spec.startsWith(`${d}/`))) eager.push(`${file}: ${spec}`);
        }
      }
    }
    expect(eager).toEqual([]);
  });

  it('a scan of a model file leaves them unloaded', (ctx) => {
    if (!existsSync(main)) ctx.skip('packages/cli/dist/main.js is not built; run `npm run build` first');
    const dir = mkdtempSync(join(tmpdir(), 'vacsrp-startup-'));
    try {
      const probe = join(dir, 'probe.cjs');
      writeFileSync(
        probe,
        "process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n",
      );
      const r = spawnSync(
        process.execPath,
        ['--require', probe, main, 'scan', SMALL_MODEL, '--format', 'json', '-q'],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      expect(r.status).toBe(0);
      const loaded: string[] = JSON.parse(/^LOADED (.*)$/m.exec(r.stderr)![1]!);
      const heavy = loaded.filter((p) => DEFERRED.some((d) => p.includes(`/node_modules/${d}/`)));
      expect(heavy).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
