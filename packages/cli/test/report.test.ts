/**
 * `vacsrp report annual`: the annual report to Congress from a service store (SQLite in a temporary
 * data directory, or PostgreSQL in a schema of its own), as Markdown on stdout or in a file, or as a
 * PDF file; usage errors exit 2 before the store is opened, a store the statistics refuse exits 1.
 */

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { annualReport, configFrom, createOrganisation, openRuntime, readAudit } from '@vacsrp/service';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dropSchema, TEST_DATABASE_URL, testSchemaName } from '../../../test/helpers/postgres.js';
import { harness } from './helpers.js';

const SYSTEM = { actor: { role: 'administrator' as const, userId: 'system' }, where: 'test' };

describe.each(['sqlite', 'postgres'] as const)('vacsrp report annual (%s)', (store) => {
  let dir: string;
  let env: Record<string, string>;

  /** Opens the store the way the command does, runs `f`, closes. */
  async function withStore<T>(
    f: (runtime: Awaited<ReturnType<typeof openRuntime>>) => Promise<T>,
  ): Promise<T> {
    const runtime = await openRuntime(configFrom({ data: join(dir, 'data') }, env), { workers: false });
    try {
      return await f(runtime);
    } finally {
      await runtime.close();
    }
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vacsrp-report-'));
    env = {
      VACSRP_MASTER_KEY: randomBytes(32).toString('hex'),
      ...(store === 'postgres'
        ? { DATABASE_URL: TEST_DATABASE_URL, VACSRP_DATABASE_SCHEMA: testSchemaName('r') }
        : {}),
    };
    await withStore(async ({ ctx }) => {
      await createOrganisation(ctx, SYSTEM, {
        name: 'Lab',
        type: 'small-business',
        sizeBand: '10-49',
        sector: 'health',
      });
    });
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(env.VACSRP_DATABASE_SCHEMA);
  });

  const run = (...argv: string[]) => {
    const h = harness({ env });
    return h
      .run('report', 'annual', ...argv)
      .then((code) => ({ code, stdout: h.stdout.text(), stderr: h.stderr.text() }));
  };

  it('writes the Markdown report to stdout and audits the generation as the command line', async () => {
    const r = await run('--fiscal-year', '2027', '--data', join(dir, 'data'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`# ${annualReport.ANNUAL_TITLE}`)).toBe(true);
    for (const heading of annualReport.ANNUAL_HEADINGS)
      expect(r.stdout).toMatch(new RegExp(`^##+ (\\d+\\. )?${heading}`, 'm'));
    expect(r.stdout).toContain('2027');
    const entries = await withStore(({ ctx }) => readAudit(ctx.db));
    const generated = entries.filter((e) => e.event.what === 'annual-report.generated');
    expect(generated).toHaveLength(1);
    expect(generated[0]!.event).toMatchObject({
      who: 'cli',
      role: 'administrator',
      where: 'cli',
      object: { kind: 'report', id: 'annual-FY2027' },
      detail: { fiscalYear: 2027, format: 'markdown' },
    });
  });

  it('writes Markdown to --output and says where on stderr', async () => {
    const out = join(dir, 'annual.md');
    const r = await run('--fiscal-year', '2027', '--output', out, '--data', join(dir, 'data'));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`written to ${out}`);
    const text = readFileSync(out, 'utf8');
    for (const heading of annualReport.ANNUAL_HEADINGS) expect(text).toContain(heading);
  });

  it('writes a PDF to --output whose text has every heading', async () => {
    const out = join(dir, 'annual.pdf');
    const r = await run(
      '--fiscal-year',
      '2027',
      '--format',
      'pdf',
      '--output',
      out,
      '--data',
      join(dir, 'data'),
    );
    expect(r.stderr).toContain(`written to ${out}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = spawnSync('pdftotext', [out, '-'], { encoding: 'utf8' });
    expect(text.error).toBeUndefined();
    for (const heading of annualReport.ANNUAL_HEADINGS) expect(text.stdout).toContain(heading);
    expect(text.stdout).toContain('2027');
  });

  it('refuses to write a PDF to stdout, before opening any store', async () => {
    const missing = join(dir, 'never-created');
    const r = await run('--fiscal-year', '2027', '--format', 'pdf', '--data', missing);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^vacsrp: a PDF is binary .*--output FILE\n$/);
    expect(existsSync(missing)).toBe(false);
  });

  it.each([
    [['--fiscal-year', '27']],
    [['--fiscal-year', '2019']],
    [['--fiscal-year', '2101']],
    [['--fiscal-year', '2027', '--format', 'docx']],
    [[]],
  ])('exits 2 on a usage error: %j', async (argv) => {
    const r = await run(...argv, '--data', join(dir, 'data'));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^vacsrp: /);
  });

  it('exits 2 on a bad configuration', async () => {
    env = { ...env, DATABASE_URL: 'mysql://nope' };
    const r = await run('--fiscal-year', '2027', '--data', join(dir, 'data'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DATABASE_URL');
  });

  it('exits 1 when the store holds records the statistics refuse, naming the row', async () => {
    await withStore(async ({ ctx }) => {
      const org = await ctx.db.selectFrom('organisations').select('id').executeTakeFirstOrThrow();
      await ctx.db
        .insertInto('submissions')
        .values({
          id: 'sub-without-history',
          organisation_id: org.id,
          model_name: 'm',
          model_version: '1',
          state: 'in-review',
          reviewers: '[]',
          sign_offs: '[]',
          wrapped_key: 'x',
          created_by: 'x',
          created_at: '2027-01-01T00:00:00.000Z',
          updated_at: '2027-01-01T00:00:00.000Z',
          version: 1,
        })
        .execute();
    });
    const r = await run('--fiscal-year', '2027', '--data', join(dir, 'data'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('submission sub-without-history');
  });

  it('documents its formats and exit codes in --help', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--fiscal-year <year>');
    expect(r.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 /);
    expect(r.stdout).toContain('pdf       a Letter PDF; needs --output FILE');
  });
});
