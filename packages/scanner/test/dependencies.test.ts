/**
 * The dependency-file check on a temporary tree.
 *
 * NEEDS THE REGISTRY WIRING: findings go through makeFinding, which looks rules up in
 * rules/registry.ts. Until SUPPLY_RULES is spread into the registry's `defs`, the mock below adds them
 * for this file only; once the registry lists them the mock hands the real module through untouched,
 * so this test checks the wired registry.
 */

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyse } from '../src/checks/artifact.js';
import { sourceContent } from '../src/checks/content.js';
import { dependencyFindings, scanDependencyFile } from '../src/checks/dependencies.js';
import { bytesContent } from '../src/checks/pickle-artifact.js';
import type { ScanState, Target } from '../src/checks/types.js';
import { FileSource } from '../src/io/file-source.js';
import { resolveLimits } from '../src/limits.js';
import { BUILTIN_POLICY } from '../src/policy/policy.js';
import { type AdvisoryDatabase, importAdvisories, loadAdvisoryDatabase } from '../src/supply/database.js';
import { parseRequirementsTxt } from '../src/supply/requirements.js';
import { parsePyproject } from '../src/supply/toml-files.js';

vi.mock('../src/rules/registry.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/rules/registry.js')>();
  const rules: Record<string, unknown> = real.RULES;
  if ('VAC-DEP-001' in rules) return real;
  const { SUPPLY_RULES } = await import('../src/rules/supply.js');
  const extra = Object.fromEntries(
    Object.entries(SUPPLY_RULES).map(([id, d]) => [id, { id, ...(d as object) }]),
  );
  return {
    ...real,
    RULES: { ...rules, ...extra },
    RULE_IDS: [...real.RULE_IDS, ...Object.keys(extra)].sort(),
  };
});

let tree: string;
let db: AdvisoryDatabase;

beforeAll(async () => {
  tree = mkdtempSync(join(tmpdir(), 'vacsrp-deps-'));
  const data = join(tree, '.vacsrp');
  await importAdvisories(fileURLToPath(new URL('../../../../shared/standards/osv', import.meta.url)), data);
  db = (await loadAdvisoryDatabase(data))!;
  writeFileSync(
    join(tree, 'requirements.txt'),
    [
      '# serving stack',
      'torch==1.13.0 --hash=sha256:0b1a2b3c4d5e6f708192a3b4c5d6e7f80b1a2b3c4d5e6f708192a3b4c5d6e7f8',
      'gradio>=3.0',
      'numpy==1.26.4 --hash=sha256:0b1a2b3c4d5e6f708192a3b4c5d6e7f80b1a2b3c4d5e6f708192a3b4c5d6e7f8',
      '--extra-index-url https://internal.example/simple',
      'transformers >> 4',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(tree, { recursive: true, force: true }));

function state(advisories?: AdvisoryDatabase): ScanState & { advisories?: AdvisoryDatabase } {
  return {
    policy: BUILTIN_POLICY,
    analyse,
    limits: resolveLimits(),
    findings: [],
    members: 0,
    ...(advisories && { advisories }),
  };
}

async function fileTarget(name: string): Promise<{ t: Target; close: () => Promise<void> }> {
  const source = await FileSource.open(join(tree, name));
  return {
    t: { content: sourceContent(source), name, location: { artifact: name }, depth: 0, context: 'pickle' },
    close: () => source.close(),
  };
}

describe('scanDependencyFile', () => {
  it('reports a vulnerable pinned requirement, a possibly affected range, and file problems', async () => {
    const s = state(db);
    const { t, close } = await fileTarget('requirements.txt');
    const analysis = await scanDependencyFile(s, t).finally(close);
    expect(analysis).toEqual({ format: 'requirements' });

    const torch = s.findings.filter((f) => f.ruleId === 'VAC-DEP-001');
    // torch 1.13.0: GHSA-47fc-vmwq-366v (fixed 1.13.1), GHSA-5pcm-hx3q-hm94 and GHSA-pg7h-5qx3-wjr3 (fixed 2.2.0).
    expect(torch.map((f) => f.evidence.details?.advisory).sort()).toEqual([
      'GHSA-47fc-vmwq-366v',
      'GHSA-5pcm-hx3q-hm94',
      'GHSA-pg7h-5qx3-wjr3',
    ]);
    const critical = torch.find((f) => f.evidence.details?.advisory === 'GHSA-47fc-vmwq-366v')!;
    expect(critical.severity).toBe('critical');
    expect(critical.message).toMatch(
      /^requirements\.txt:2:1: torch 1\.13\.0 is affected by GHSA-47fc-vmwq-366v, CVE-2022-45907: .*\(fixed in 1\.13\.1\)$/,
    );
    expect(critical.references).toEqual(
      expect.arrayContaining([
        { type: 'ghsa', id: 'GHSA-47fc-vmwq-366v' },
        { type: 'cve', id: 'CVE-2022-45907' },
        { type: 'atlas', id: 'AML.T0010.001' },
      ]),
    );
    expect(critical.evidence.details).toMatchObject({
      line: 2,
      column: 1,
      fixed: '1.13.1',
      cvss: expect.stringMatching(/^CVSS:3\.1\//),
    });
    expect(critical.criterion).toBe('SC-2');

    // gradio>=3.0 admits versions below 3.34.0, 3.13.1 and 4.11.0: possible, one level lower.
    const gradio = s.findings.filter((f) => f.ruleId === 'VAC-DEP-002');
    expect(gradio.map((f) => f.evidence.details?.advisory).sort()).toEqual([
      'GHSA-3qqg-pgqq-3695',
      'GHSA-3x5j-9vwr-8rr5',
      'GHSA-6qm2-wpxq-7qh2',
    ]);
    expect(gradio.find((f) => f.evidence.details?.advisory === 'GHSA-3qqg-pgqq-3695')!.severity).toBe(
      'medium',
    ); // HIGH → medium
    expect(gradio[0]!.message).toContain('may be affected');

    // numpy 1.26.4 is past every numpy advisory.
    expect(s.findings.some((f) => f.evidence.details?.package === 'numpy')).toBe(false);

    const rest = s.findings
      .filter((f) => f.ruleId !== 'VAC-DEP-001' && f.ruleId !== 'VAC-DEP-002')
      .map((f) => [f.ruleId, f.message]);
    expect(rest).toEqual(
      expect.arrayContaining([
        ['VAC-DEP-003', 'requirements.txt:3:1: gradio is not pinned (>=3.0)'],
        ['VAC-DEP-004', expect.stringMatching(/^requirements\.txt:3:1: gradio has no artifact hash/)],
        [
          'VAC-DEP-006',
          'requirements.txt:5:1: --extra-index-url https://internal.example/simple changes where packages are installed from',
        ],
        ['VAC-DEP-008', "requirements.txt:6:14: invalid requirement: invalid version clause '>> 4'"],
      ]),
    );
    expect(rest).toHaveLength(4);
  });

  it('without a database: inventory findings and one note that nothing was matched', async () => {
    const s = state();
    const { t, close } = await fileTarget('requirements.txt');
    await scanDependencyFile(s, t).finally(close);
    expect(s.findings.filter((f) => f.ruleId === 'VAC-DEP-009').map((f) => f.severity)).toEqual(['info']);
    expect(s.findings.some((f) => f.ruleId === 'VAC-DEP-001')).toBe(false);
  });

  it('returns undefined for other names, and reads members of archives by their member path', async () => {
    const s = state(db);
    const target = (name: string, text: string): Target => ({
      content: bytesContent(new TextEncoder().encode(text)),
      name,
      location: { artifact: 'model.zip', members: [name] },
      depth: 1,
      context: 'pickle',
    });
    expect(await scanDependencyFile(s, target('config.json', '{}'))).toBeUndefined();
    expect(
      await scanDependencyFile(
        s,
        target('src/app/uv.lock', 'version = 1\n[[package]]\nname = "mlflow"\nversion = "2.2.0"\n'),
      ),
    ).toEqual({
      format: 'uv-lock',
    });
    const mlflow = s.findings
      .filter((f) => f.ruleId === 'VAC-DEP-001')
      .map((f) => f.evidence.details?.advisory);
    expect(mlflow).toEqual(
      expect.arrayContaining(['GHSA-83fm-w79m-64r5', 'GHSA-x422-6qhv-p29g', 'GHSA-4qq5-mxxx-m6gg']),
    );
    expect(s.findings.every((f) => f.location.members?.[0] === 'src/app/uv.lock')).toBe(true);
  });

  it('reports content that is not UTF-8 or too large without reading it', async () => {
    const s = state();
    const bad: Target = {
      content: bytesContent(new Uint8Array([0xff, 0xfe, 0x00])),
      name: 'requirements.txt',
      location: { artifact: 'requirements.txt' },
      depth: 0,
      context: 'pickle',
    };
    await scanDependencyFile(s, bad);
    expect(s.findings.map((f) => [f.ruleId, f.message])).toEqual([
      ['VAC-DEP-008', 'requirements file is not UTF-8 text: not read'],
    ]);
  });
});

describe('dependencyFindings (pure)', () => {
  it('summarises a file where nothing is hashed in one finding', () => {
    const inv = parseRequirementsTxt('a==1\nb==2\n', 'requirements.txt');
    const out = dependencyFindings(inv, [], { artifact: 'requirements.txt' });
    expect(out.map((f) => [f.ruleId, f.message])).toEqual([
      ['VAC-DEP-004', 'requirements.txt: none of the 2 dependencies has an artifact hash'],
    ]);
  });

  it('lists unpinned pyproject ranges for information only', () => {
    const fixture = readFileSync(new URL('./fixtures/supply/pyproject.toml', import.meta.url), 'utf8');
    const out = dependencyFindings(parsePyproject(fixture, 'pyproject.toml'), [], {
      artifact: 'pyproject.toml',
    });
    expect(out.filter((f) => f.ruleId === 'VAC-DEP-003').every((f) => f.severity === 'info')).toBe(true);
    expect(out.filter((f) => f.ruleId === 'VAC-DEP-005').map((f) => f.evidence?.details?.package)).toEqual([
      'private-lib',
    ]);
    expect(out.some((f) => f.ruleId === 'VAC-DEP-004')).toBe(false);
  });
});
