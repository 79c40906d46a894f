import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { buildZip } from '../../formats/test/helpers/zip-writer.js';
import {
  AdvisoryError,
  advisoryRecords,
  importAdvisories,
  listAdvisories,
  loadAdvisoryDatabase,
} from '../src/supply/database.js';
import { type AdvisoryRecord, validateOsv } from '../src/supply/osv.js';
import { isAffected, mayBeAffected, toPep440Specifier } from '../src/supply/versions.js';

const OSV_DIR = fileURLToPath(new URL('../../../../shared/standards/osv', import.meta.url));
const osvFile = (id: string) => join(OSV_DIR, `${id}.json`);
const advisory = (id: string) => JSON.parse(readFileSync(osvFile(id), 'utf8')) as Record<string, unknown>;
const record = (id: string, pkg: string): AdvisoryRecord => {
  const r = advisoryRecords(advisory(id)).find((x) => x.package === pkg);
  if (r === undefined) throw new Error(`${id} names no ${pkg}`);
  return r;
};
// biome-ignore lint/suspicious/noExplicitAny: tests mutate parsed JSON freely
type Loose = any;
const first = (v: unknown): Loose => (v as Loose[])[0];
const aff = (d: Record<string, unknown>): Loose => first(d.affected);
const ADVISORY_IDS = readdirSync(OSV_DIR)
  .filter((f) => f.startsWith('GHSA-'))
  .map((f) => f.slice(0, -'.json'.length));

describe('OSV schema check', () => {
  it('accepts all 44 real GitHub-reviewed advisories', () => {
    expect(ADVISORY_IDS).toHaveLength(44);
    for (const id of ADVISORY_IDS) expect(validateOsv(advisory(id)), id).toEqual([]);
  });

  it.each<[string, (d: Record<string, unknown>) => void, string]>([
    ['missing id', (d) => delete d.id, '/id: is required'],
    ['unknown id prefix', (d) => (d.id = 'NOPE-1'), '/id'],
    ['path in id', (d) => (d.id = 'GHSA-../../x'), 'characters not allowed'],
    ['bad timestamp', (d) => (d.modified = 'yesterday'), '/modified'],
    ['unknown ecosystem', (d) => (aff(d).package.ecosystem = 'Pypi'), 'known ecosystem'],
    [
      'two keys in one event',
      (d) => (aff(d).ranges[0].events[0] = { introduced: '0', fixed: '1' }),
      'exactly one',
    ],
    ['no introduced event', (d) => (aff(d).ranges[0].events = [{ fixed: '1' }]), 'introduced'],
    [
      'fixed and last_affected',
      (d) => aff(d).ranges[0].events.push({ last_affected: '2' }),
      'mutually exclusive',
    ],
    ['GIT without repo', (d) => (aff(d).ranges[0].type = 'GIT'), 'required for GIT'],
    ['bad range type', (d) => (aff(d).ranges[0].type = 'PEP440'), 'GIT, SEMVER or ECOSYSTEM'],
    ['bad severity type', (d) => (first(d.severity).type = 'CVSS_V9'), '/severity/0/type'],
    ['bad CVSS vector', (d) => (first(d.severity).score = 'CVSS:3.1/garbage'), 'CVSS_V3 vector'],
    ['severity at both levels', (d) => (aff(d).severity = []), 'top-level severity'],
    ['bad reference type', (d) => (first(d.references).type = 'LINK'), '/references/0/type'],
    ['aliases not strings', (d) => (d.aliases = [1]), '/aliases/0'],
  ])('rejects %s', (_, mutate, expected) => {
    const d = advisory('GHSA-f8xq-q7px-wg8c');
    mutate(d);
    expect(validateOsv(d).join('\n')).toContain(expected);
  });

  it('rejects non-objects', () => {
    expect(validateOsv([])).toEqual(['/: not a JSON object']);
  });
});

describe('affected ranges with real PEP 440 ordering (real advisories)', () => {
  it('introduced 0, fixed (gradio GHSA-f8xq-q7px-wg8c, fixed 2.8.11)', () => {
    const r = record('GHSA-f8xq-q7px-wg8c', 'gradio');
    for (const v of ['0.1', '2.8.10', '2.8.11rc1', '2.8.11.dev0']) expect(isAffected(v, r), v).toBe(true);
    for (const v of ['2.8.11', '2.8.11.0', '2.8.11.post1', '2.9', '3.0.0', '1!0.1'])
      expect(isAffected(v, r), v).toBe(false);
  });

  it('last_affected (transformers GHSA-282v-666c-3fvg, last affected 4.29.2)', () => {
    const r = record('GHSA-282v-666c-3fvg', 'transformers');
    for (const v of ['4.0.0', '4.29.2', '4.29.2.0']) expect(isAffected(v, r), v).toBe(true);
    for (const v of ['4.29.2.post1', '4.29.3', '4.30.0']) expect(isAffected(v, r), v).toBe(false);
  });

  it('introduced above 0 with last_affected (llama-cpp-python GHSA-56xg-wfcc-g829)', () => {
    const r = record('GHSA-56xg-wfcc-g829', 'llama-cpp-python');
    expect(['0.2.29', '0.2.30', '0.2.71', '0.2.72'].map((v) => isAffected(v, r))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('short fixed version equals its zero-padded form (numpy GHSA-6p56-wp2h-9hxr, 1.9.0 to 1.21)', () => {
    const r = record('GHSA-6p56-wp2h-9hxr', 'numpy');
    expect(
      ['1.8.2', '1.9.0', '1.20.3', '1.21rc1', '1.21', '1.21.0', '1.22.0'].map((v) => isAffected(v, r)),
    ).toEqual([false, true, true, true, false, false, false]);
  });

  it('several ranges for one package (tensorflow GHSA-3rcw-9p9x-582v)', () => {
    const r = record('GHSA-3rcw-9p9x-582v', 'tensorflow');
    const cases: Record<string, boolean> = {
      '2.4.3': true,
      '2.4.4': false,
      '2.5.0': true,
      '2.5.1': true,
      '2.5.2': false,
      '2.6.0': true,
      '2.6.1': false,
      '2.7.0': false,
    };
    for (const [v, affected] of Object.entries(cases)) expect(isAffected(v, r), v).toBe(affected);
  });

  it('explicit versions lists (tensorflow-gpu GHSA-w5gh-2wr2-pm6g lists 2.2.0 and 2.3.0)', () => {
    const r = record('GHSA-w5gh-2wr2-pm6g', 'tensorflow-gpu');
    expect(r.versions).toEqual(['2.2.0', '2.3.0']);
    expect(isAffected('2.3.0', r)).toBe(true);
    // The list alone, without the ranges, still matches.
    expect(isAffected('2.3.0', { ...r, ranges: [] })).toBe(true);
    expect(isAffected('2.3.1', { ...r, ranges: [] })).toBe(false);
  });

  it('normalises advisory package names (Pillow → pillow)', () => {
    expect(record('GHSA-8vj2-vxx3-667w', 'pillow').package).toBe('pillow');
  });

  it('matches ranges conservatively', () => {
    const gradio = record('GHSA-f8xq-q7px-wg8c', 'gradio');
    expect(mayBeAffected('', gradio)).toBe(true);
    expect(mayBeAffected('>=2.0,<3', gradio)).toBe(true);
    expect(mayBeAffected('>2.8.10,<2.8.11', gradio)).toBe(true);
    expect(mayBeAffected('~=2.8.0', gradio)).toBe(true);
    expect(mayBeAffected('>=2.8.11', gradio)).toBe(false);
    expect(mayBeAffected('==3.0', gradio)).toBe(false);
    const tf = record('GHSA-3rcw-9p9x-582v', 'tensorflow');
    expect(mayBeAffected('>=2.4.4,<2.5', tf)).toBe(false);
    expect(mayBeAffected('>=2.4.4,<2.6', tf)).toBe(true);
    const transformers = record('GHSA-282v-666c-3fvg', 'transformers');
    expect(mayBeAffected('>=4.30', transformers)).toBe(false);
    expect(mayBeAffected('>4.29.1', transformers)).toBe(true);
  });

  it('evaluates SEMVER ranges and npm versions with SemVer ordering', () => {
    const r: AdvisoryRecord = {
      id: 'GHSA-test-npm0-0000',
      modified: '2024-01-01T00:00:00Z',
      aliases: [],
      summary: 'synthetic',
      cvss: [],
      ecosystem: 'npm',
      package: 'lodash',
      ranges: [{ type: 'SEMVER', events: [{ introduced: '4.0.0' }, { fixed: '4.17.21' }] }],
      versions: [],
      cwes: [],
    };
    expect(
      ['3.10.1', '4.0.0', '4.17.20', '4.17.21-beta.1', '4.17.21', '5.0.0'].map((v) => isAffected(v, r)),
    ).toEqual([false, true, true, true, false, false]);
    expect(mayBeAffected('^4.17.0', r)).toBe(true);
    expect(mayBeAffected('^4.17.21', r)).toBe(false);
  });
});

describe('advisory import', () => {
  const dirs: string[] = [];
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'vacsrp-adv-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('imports a folder, skips what is not an advisory, and is idempotent', async () => {
    const data = temp();
    const first = await importAdvisories(OSV_DIR, data);
    expect(first.imported).toHaveLength(44);
    expect(first.updated).toEqual([]);
    expect(first.skipped.map((s) => s.source).sort()).toEqual([
      'index.json',
      join('schema', 'osv-schema-1.7.5.json'),
    ]);
    expect(first.skipped[0]!.reason).toContain('not a valid OSV advisory');

    const manifestBefore = await readFile(join(data, 'advisories', 'manifest.json'), 'utf8');
    const again = await importAdvisories(OSV_DIR, data);
    expect(again.imported).toEqual([]);
    expect(again.unchanged).toHaveLength(44);
    expect(await readFile(join(data, 'advisories', 'manifest.json'), 'utf8')).toBe(manifestBefore);

    // The original bytes are kept; the index is per ecosystem and package.
    expect(await readFile(join(data, 'advisories', 'osv', 'GHSA-f8xq-q7px-wg8c.json'), 'utf8')).toBe(
      readFileSync(osvFile('GHSA-f8xq-q7px-wg8c'), 'utf8'),
    );
    const gradio = JSON.parse(
      await readFile(join(data, 'advisories', 'index', 'PyPI', 'gradio.json'), 'utf8'),
    );
    expect(gradio.map((r: AdvisoryRecord) => r.id)).toContain('GHSA-f8xq-q7px-wg8c');

    const db = await loadAdvisoryDatabase(data);
    expect(db?.count).toBe(44);
    const pillow = await db!.lookup('PyPI', 'PILLOW');
    expect(pillow.map((r) => r.id).sort()).toEqual(
      [
        'GHSA-3f63-hfp8-52jq',
        'GHSA-8vj2-vxx3-667w',
        'GHSA-98vv-pw6r-q6q4',
        'GHSA-9j59-75qj-795w',
        'GHSA-pw3c-h7wp-cvhx',
        'GHSA-xrcv-f9gm-v42c',
      ].sort(),
    );
    expect(await db!.lookup('npm', 'left-pad')).toEqual([]);
    const listed = await listAdvisories(data);
    expect(listed.map((a) => a.id)).toEqual([...ADVISORY_IDS].sort());
  });

  it('updates a newer revision, skips an older one, and drops packages an update no longer names', async () => {
    const data = temp();
    const src = temp();
    const base = advisory('GHSA-f8xq-q7px-wg8c');
    writeFileSync(join(src, 'a.json'), JSON.stringify(base));
    expect((await importAdvisories(src, data)).imported).toEqual(['GHSA-f8xq-q7px-wg8c']);

    const newer = {
      ...base,
      modified: '2025-01-01T00:00:00Z',
      affected: [{ ...aff(base), package: { ecosystem: 'PyPI', name: 'gradio-client' } }],
    };
    writeFileSync(join(src, 'a.json'), JSON.stringify(newer));
    expect((await importAdvisories(src, data)).updated).toEqual(['GHSA-f8xq-q7px-wg8c']);
    const db = await loadAdvisoryDatabase(data);
    expect(await db!.lookup('PyPI', 'gradio')).toEqual([]);
    expect((await db!.lookup('PyPI', 'gradio_client')).map((r) => r.id)).toEqual(['GHSA-f8xq-q7px-wg8c']);

    writeFileSync(join(src, 'a.json'), JSON.stringify({ ...base, summary: 'older' }));
    const older = await importAdvisories(src, data);
    expect(older.skipped[0]!.reason).toContain('older');
  });

  it('reports invalid advisories with reasons and imports the rest', async () => {
    const data = temp();
    const src = temp();
    await mkdir(join(src, 'nested'));
    writeFileSync(join(src, 'nested', 'good.json'), readFileSync(osvFile('GHSA-47fc-vmwq-366v')));
    writeFileSync(join(src, 'broken.json'), '{"id": ');
    writeFileSync(
      join(src, 'invalid.json'),
      JSON.stringify({ id: 'GHSA-xxxx-xxxx-xxxx', modified: 'not a date' }),
    );
    writeFileSync(
      join(src, 'go.json'),
      JSON.stringify({
        id: 'GO-2024-0001',
        modified: '2024-01-01T00:00:00Z',
        affected: [{ package: { ecosystem: 'Go', name: 'x' } }],
      }),
    );
    const s = await importAdvisories(src, data);
    expect(s.imported).toEqual(['GHSA-47fc-vmwq-366v']);
    expect(Object.fromEntries(s.skipped.map((x) => [x.source, x.reason.split(':')[0]]))).toEqual({
      'broken.json': 'not JSON',
      'invalid.json': 'not a valid OSV advisory',
      'go.json': 'GO-2024-0001 names no PyPI or npm package (the ecosystems the scanner matches)',
    });
  });

  it('imports an OSV zip export', async () => {
    const data = temp();
    const src = temp();
    const ids = ['GHSA-47fc-vmwq-366v', 'GHSA-3rcw-9p9x-582v', 'GHSA-r6jx-9g48-2r5r'];
    const zip = buildZip({
      members: [
        ...ids.map((id, i) => ({
          name: `${id}.json`,
          data: readFileSync(osvFile(id)),
          method: i === 0 ? 0 : 8,
        })),
        { name: 'README.txt', data: 'not an advisory' },
        { name: 'bad.json', data: '[]', method: 8 },
      ],
    });
    const file = join(src, 'PyPI.zip');
    writeFileSync(file, zip);
    const s = await importAdvisories(file, data);
    expect(s.imported).toEqual([...ids].sort());
    expect(s.skipped).toEqual([
      { source: 'bad.json', reason: 'not a valid OSV advisory: /: not a JSON object' },
    ]);
    const db = await loadAdvisoryDatabase(data);
    expect((await db!.lookup('PyPI', 'tensorflow-cpu')).map((r) => r.id).sort()).toEqual([
      'GHSA-3rcw-9p9x-582v',
      'GHSA-r6jx-9g48-2r5r',
    ]);
  });

  it('refuses a missing source or a file that is not a zip', async () => {
    const data = temp();
    await expect(importAdvisories(join(data, 'nope'), data)).rejects.toMatchObject({
      code: 'SOURCE_NOT_FOUND',
    });
    const f = join(data, 'x.zip');
    writeFileSync(f, 'plain text');
    await expect(importAdvisories(f, data)).rejects.toBeInstanceOf(AdvisoryError);
  });

  it('has no database until something is imported; a damaged manifest is an error', async () => {
    const data = temp();
    expect(await loadAdvisoryDatabase(data)).toBeUndefined();
    await mkdir(join(data, 'advisories'));
    writeFileSync(join(data, 'advisories', 'manifest.json'), '{');
    await expect(loadAdvisoryDatabase(data)).rejects.toMatchObject({ code: 'BAD_DATABASE' });
  });
});

describe('Poetry constraints in PEP 440 terms', () => {
  it.each([
    ['^1.2.3', '>=1.2.3,<2'],
    ['^0.2.3', '>=0.2.3,<0.3'],
    ['^0.0.3', '>=0.0.3,<0.0.4'],
    ['~1.2.3', '>=1.2.3,<1.3'],
    ['~1', '>=1,<2'],
    ['*', ''],
    ['1.2.3', '==1.2.3'],
    ['>=1,<2', '>=1,<2'],
    ['~=1.4', '~=1.4'],
  ])('%s → %s', (poetry, pep440) => {
    expect(toPep440Specifier(poetry)).toBe(pep440);
  });

  it('matches a caret range against a real advisory (mlflow ^2.3 and GHSA-4qq5-mxxx-m6gg, last affected 2.5.0)', () => {
    const r = record('GHSA-4qq5-mxxx-m6gg', 'mlflow');
    expect(mayBeAffected('^2.3', r)).toBe(true);
    expect(mayBeAffected('^2.6', r)).toBe(false);
    // Unreadable specifiers are reported rather than missed.
    expect(mayBeAffected('>>2', r)).toBe(true);
  });
});
