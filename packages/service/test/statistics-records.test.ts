/**
 * The program records read from a store seeded through the use cases match what the use cases did
 * (dates from the audit log, states, accepted risks, families, ATLAS techniques), on both stores;
 * the annual report route is for administrators only and every generation is audited.
 */

import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { findCriterion, RULES } from '@vacsrp/scanner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNUAL_HEADINGS } from '../src/annual/index.js';
import type { Context, Origin } from '../src/app/context.js';
import { createManualFinding, decide, resolve } from '../src/app/findings.js';
import { actorOf, type User } from '../src/app/identity.js';
import { assignReviewer } from '../src/app/reviewers.js';
import {
  annualReportFor,
  atlasTechniquesOf,
  clearStatisticsCache,
  programRecords,
  publishedSector,
  publishedSizeBand,
  StatisticsError,
} from '../src/app/statistics.js';
import { changeState, createSubmission, listArtifacts } from '../src/app/submissions.js';
import { appendUpload } from '../src/app/uploads.js';
import type { ProgramRecords } from '../src/dashboard/input.js';
import { demoPackage } from '../src/demo/package.js';
import { readAudit } from '../src/store/audit.js';
import {
  bearer,
  type Cast,
  STORES,
  seedCast,
  startTestService,
  type TestService,
} from './helpers/runtime.js';

/** A clock the test moves: each step of the scenario happens at a known instant. */
function steppedClock(start: string) {
  let t = Date.parse(start);
  return {
    now: () => new Date(t),
    set(at: string) {
      t = Date.parse(at);
    },
  };
}

const as = (user: User): Origin => ({ actor: actorOf(user), where: 'test' });

describe('mapping stored values to the published categories', () => {
  it('folds the two smallest stored size bands into the published 1-49 band', () => {
    expect(publishedSizeBand('1-9')).toBe('1-49');
    expect(publishedSizeBand('10-49')).toBe('1-49');
    expect(publishedSizeBand('50-249')).toBe('50-249');
    expect(publishedSizeBand('1000+')).toBe('1000+');
  });

  it('maps free-text sectors to the closed list, anything else to other', () => {
    expect(publishedSector('health')).toBe('health');
    expect(publishedSector('  Health Care ')).toBe('health');
    expect(publishedSector('Software')).toBe('technology');
    expect(publishedSector('education')).toBe('education-research');
    expect(publishedSector('Public sector')).toBe('public-sector');
    expect(publishedSector('defence')).toBe('defense');
    expect(publishedSector('retail')).toBe('other');
    expect(publishedSector('constructor')).toBe('other');
  });

  it('takes ATLAS techniques from the rule for automated findings, from the criterion otherwise', () => {
    expect(atlasTechniquesOf('VAC-PKL-001', 'MI-1')).toEqual(['AML.T0011.000', 'AML.T0018.002']);
    const fromRule = RULES['VAC-PKL-001'].references.filter((r) => r.type === 'atlas').map((r) => r.id);
    expect(atlasTechniquesOf('VAC-PKL-001', 'MI-1')).toEqual([...new Set(fromRule)].sort());
    const mapped = [...findCriterion('AR-3')!.criterion.mappings['mitre-atlas']].sort();
    expect(mapped.length).toBeGreaterThan(0);
    expect(atlasTechniquesOf(null, 'AR-3')).toEqual(mapped);
    // An id the registry does not know, even one Object.prototype has, falls back to the criterion.
    expect(atlasTechniquesOf('constructor', 'AR-3')).toEqual(mapped);
  });
});

describe.each(STORES)('program records from the store (%s)', (store) => {
  const clock = steppedClock('2026-10-05T09:00:00.000Z');
  let svc: TestService;
  let cast: Cast;
  let ctx: Context;
  const ids: Record<string, string> = {};
  const planted: Record<string, string> = {};

  async function submitted(submitter: User, name: string, createdAt: string, submittedAt: string) {
    clock.set(createdAt);
    const pkg = demoPackage({ name, which: (f) => f.path.endsWith('config.json') });
    const s = await createSubmission(ctx, as(submitter), { manifest: pkg.manifest });
    const [artifact] = await listArtifacts(ctx, actorOf(submitter), s.id, 1);
    await appendUpload(
      ctx,
      as(submitter),
      artifact!.id,
      0,
      Readable.from([Buffer.from(pkg.files[0]!.bytes)]),
    );
    clock.set(submittedAt);
    await changeState(ctx, as(submitter), s.id, { type: 'submit' });
    return s.id;
  }

  async function plantAutomated(
    submissionId: string,
    organisationId: string,
    ruleId: string,
    criterionId: string,
  ) {
    const scan = await ctx.db
      .selectFrom('scans')
      .select('id')
      .where('submission_id', '=', submissionId)
      .executeTakeFirstOrThrow();
    const id = randomUUID();
    await ctx.db
      .insertInto('findings')
      .values({
        id,
        submission_id: submissionId,
        organisation_id: organisationId,
        revision: 1,
        source: 'automated',
        scan_id: scan.id,
        rule_id: ruleId,
        criterion_id: criterionId,
        severity: 'high',
        title: 'planted',
        description: 'planted by the test as the scanner would',
        location: '{}',
        evidence: '{}',
        remediation: 'fix it',
        state: 'open',
        resolution: null,
        created_by: 'scanner',
        created_at: clock.now().toISOString(),
      })
      .execute();
    return id;
  }

  async function startReview(id: string, at: string) {
    clock.set(at);
    await assignReviewer(ctx, as(cast.admin), id, cast.reviewer1.id);
    await assignReviewer(ctx, as(cast.admin), id, cast.reviewer2.id);
    await changeState(ctx, as(cast.admin), id, { type: 'start-review' });
  }

  async function finish(id: string, completedAt: string) {
    await changeState(ctx, as(cast.reviewer1), id, { type: 'sign-off' });
    await changeState(ctx, as(cast.reviewer2), id, { type: 'sign-off' });
    await changeState(ctx, as(cast.admin), id, { type: 'issue-final-report' });
    clock.set(completedAt);
    await complete(id);
  }

  /**
   * Completes a review. Where completion needs the public summary approved first (the outputs
   * module), approve it through its use case; the module is loaded only then.
   */
  async function complete(id: string) {
    try {
      await changeState(ctx, as(cast.admin), id, { type: 'complete' });
    } catch (error) {
      if ((error as { extra?: { reason?: string } }).extra?.reason !== 'SUMMARY_NOT_APPROVED') throw error;
      const outputs = '../src/app/outputs/summary.js';
      const { approvePublicSummary } = (await import(/* @vite-ignore */ outputs)) as {
        approvePublicSummary: (ctx: Context, origin: Origin, id: string) => Promise<unknown>;
      };
      await approvePublicSummary(ctx, as(cast.admin), id);
      await changeState(ctx, as(cast.admin), id, { type: 'complete' });
    }
  }

  beforeAll(async () => {
    svc = await startTestService(store, { inProcessWorkers: false, clock });
    ctx = svc.ctx;
    cast = await seedCast(svc);

    // 1. Org A: completed with a disclosed accepted risk (a manual finding); the automated one is a false positive.
    ids.accepted = await submitted(
      cast.submitterA,
      'model-one',
      '2026-10-05T09:00:00.000Z',
      '2026-10-06T10:00:00.000Z',
    );
    await startReview(ids.accepted, '2026-10-07T09:00:00.000Z');
    planted.pickle = await plantAutomated(ids.accepted, cast.orgA.id, 'VAC-PKL-001', 'MI-1');
    const manual = await createManualFinding(ctx, as(cast.reviewer1), ids.accepted, {
      criterionId: 'AR-3',
      severity: 'low',
      title: 'Prompt injection in one scenario',
      description: '2 of 50 attempts changed the answer.',
      remediation: 'Filter retrieved documents.',
      method: 'simulated-attack',
    });
    planted.manual = manual.id;
    await changeState(ctx, as(cast.reviewer1), ids.accepted, { type: 'issue-findings' });
    await resolve(ctx, as(cast.reviewer1), planted.pickle, {
      type: 'mark-false-positive',
      rationale: 'not reachable',
    });
    await resolve(ctx, as(cast.submitterA), manual.id, {
      type: 'accept-risk',
      justification: 'low, allow-listed',
    });
    await decide(ctx, as(cast.submitterA), ids.accepted, {
      kind: 'proceed',
      justification: 'proceeding with the accepted risk disclosed',
      acceptedFindingIds: [manual.id],
    });
    await finish(ids.accepted, '2027-01-15T16:30:00.000Z');

    // 2. Org B: submitted, then withdrawn.
    ids.withdrawn = await submitted(
      cast.submitterB,
      'model-two',
      '2026-12-01T08:00:00.000Z',
      '2026-12-02T08:00:00.000Z',
    );
    clock.set('2027-02-01T12:00:00.000Z');
    await changeState(ctx, as(cast.submitterB), ids.withdrawn, { type: 'withdraw' });

    // 3. Org A: a draft never submitted, and 4. a draft withdrawn before submitting.
    clock.set('2027-03-01T10:00:00.000Z');
    ids.draft = (
      await createSubmission(ctx, as(cast.submitterA), {
        manifest: demoPackage({ name: 'model-three' }).manifest,
      })
    ).id;
    ids.droppedDraft = (
      await createSubmission(ctx, as(cast.submitterA), {
        manifest: demoPackage({ name: 'model-four' }).manifest,
      })
    ).id;
    clock.set('2027-03-02T10:00:00.000Z');
    await changeState(ctx, as(cast.submitterA), ids.droppedDraft, { type: 'withdraw' });

    // 5. Org B: completed without accepted risks; its signing finding was remediated.
    ids.clean = await submitted(
      cast.submitterB,
      'model-five',
      '2027-04-01T09:00:00.000Z',
      '2027-04-02T09:00:00.000Z',
    );
    await startReview(ids.clean, '2027-04-03T09:00:00.000Z');
    planted.signing = await plantAutomated(ids.clean, cast.orgB.id, 'VAC-SIG-001', 'SC-5');
    await changeState(ctx, as(cast.reviewer1), ids.clean, { type: 'issue-findings' });
    await resolve(ctx, as(cast.reviewer2), planted.signing, {
      type: 'confirm-remediation-by-reviewer',
      note: 'signature verified against the published key',
    });
    await finish(ids.clean, '2027-05-10T11:00:00.000Z');

    // 6. Org A: in review, with an open finding.
    ids.inReview = await submitted(
      cast.submitterA,
      'model-six',
      '2027-06-01T09:00:00.000Z',
      '2027-06-02T09:00:00.000Z',
    );
    await startReview(ids.inReview, '2027-06-03T09:00:00.000Z');
    planted.open = await plantAutomated(ids.inReview, cast.orgA.id, 'VAC-PKL-001', 'MI-1');
    clock.set('2027-06-10T00:00:00.000Z');
  }, 120_000);
  afterAll(async () => svc?.close());

  let records: ProgramRecords;
  beforeAll(async () => {
    records = await programRecords(ctx.db, { asOf: '2027-06-10T00:00:00.000Z' });
  });

  it('reads every organisation with its published type, size band and sector', () => {
    const byId = new Map(records.organisations.map((o) => [o.id, o]));
    expect(byId.get(cast.orgA.id)).toEqual({
      id: cast.orgA.id,
      type: 'small-business',
      sizeBand: '1-49',
      sector: 'health',
    });
    expect(byId.get(cast.orgB.id)).toEqual({
      id: cast.orgB.id,
      type: 'large-company',
      sizeBand: '1000+',
      sector: 'finance',
    });
    expect(records.asOf).toBe('2027-06-10T00:00:00.000Z');
  });

  it('dates each submission from its transitions and carries its state and accepted risks', () => {
    const byId = new Map(records.submissions.map((s) => [s.id, s]));
    expect(records.submissions).toHaveLength(6);
    expect(byId.get(ids.accepted!)).toEqual({
      id: ids.accepted,
      organisationId: cast.orgA.id,
      createdAt: '2026-10-05T09:00:00.000Z',
      submittedAt: '2026-10-06T10:00:00.000Z',
      completedAt: '2027-01-15T16:30:00.000Z',
      state: 'completed',
      acceptedRisks: true,
    });
    expect(byId.get(ids.withdrawn!)).toEqual({
      id: ids.withdrawn,
      organisationId: cast.orgB.id,
      createdAt: '2026-12-01T08:00:00.000Z',
      submittedAt: '2026-12-02T08:00:00.000Z',
      withdrawnAt: '2027-02-01T12:00:00.000Z',
      state: 'withdrawn',
      acceptedRisks: false,
    });
    expect(byId.get(ids.draft!)).toEqual({
      id: ids.draft,
      organisationId: cast.orgA.id,
      createdAt: '2027-03-01T10:00:00.000Z',
      state: 'draft',
      acceptedRisks: false,
    });
    expect(byId.get(ids.droppedDraft!)).toEqual({
      id: ids.droppedDraft,
      organisationId: cast.orgA.id,
      createdAt: '2027-03-01T10:00:00.000Z',
      withdrawnAt: '2027-03-02T10:00:00.000Z',
      state: 'withdrawn',
      acceptedRisks: false,
    });
    expect(byId.get(ids.clean!)).toEqual({
      id: ids.clean,
      organisationId: cast.orgB.id,
      createdAt: '2027-04-01T09:00:00.000Z',
      submittedAt: '2027-04-02T09:00:00.000Z',
      completedAt: '2027-05-10T11:00:00.000Z',
      state: 'completed',
      acceptedRisks: false,
    });
    expect(byId.get(ids.inReview!)).toEqual({
      id: ids.inReview,
      organisationId: cast.orgA.id,
      createdAt: '2027-06-01T09:00:00.000Z',
      submittedAt: '2027-06-02T09:00:00.000Z',
      state: 'in-review',
      acceptedRisks: false,
    });
  });

  it('carries each finding with its criterion family, severity, state, rule and ATLAS techniques', () => {
    const byId = new Map(records.findings.map((f) => [f.id, f]));
    expect(records.findings).toHaveLength(4);
    expect(byId.get(planted.pickle!)).toEqual({
      id: planted.pickle,
      submissionId: ids.accepted,
      organisationId: cast.orgA.id,
      criterionId: 'MI-1',
      family: 'MI',
      severity: 'high',
      state: 'false-positive',
      ruleId: 'VAC-PKL-001',
      atlasTechniques: ['AML.T0011.000', 'AML.T0018.002'],
    });
    expect(byId.get(planted.manual!)).toEqual({
      id: planted.manual,
      submissionId: ids.accepted,
      organisationId: cast.orgA.id,
      criterionId: 'AR-3',
      family: 'AR',
      severity: 'low',
      state: 'risk-accepted',
      atlasTechniques: [...findCriterion('AR-3')!.criterion.mappings['mitre-atlas']].sort(),
    });
    expect(byId.get(planted.signing!)).toMatchObject({
      criterionId: 'SC-5',
      family: 'SC',
      state: 'remediated',
      ruleId: 'VAC-SIG-001',
      atlasTechniques: ['AML.T0010.003'],
    });
    expect(byId.get(planted.open!)).toMatchObject({
      submissionId: ids.inReview,
      state: 'open',
      family: 'MI',
    });
  });

  it('reads in pages: more rows than one page come back complete', async () => {
    const { READ_PAGE_SIZE } = await import('../src/app/statistics.js');
    const extra = READ_PAGE_SIZE + 7;
    const findingRows = Array.from({ length: extra }, (_, i) => ({
      id: `zz-page-${String(i).padStart(6, '0')}`,
      submission_id: ids.inReview!,
      organisation_id: cast.orgA.id,
      revision: 1,
      source: 'manual',
      scan_id: null,
      rule_id: null,
      criterion_id: 'PS-1',
      severity: 'info',
      title: 't',
      description: 'd',
      location: '{}',
      evidence: '{}',
      remediation: 'r',
      state: 'open',
      resolution: null,
      created_by: cast.reviewer1.id,
      created_at: '2027-06-04T00:00:00.000Z',
    }));
    for (let i = 0; i < findingRows.length; i += 500)
      await ctx.db
        .insertInto('findings')
        .values(findingRows.slice(i, i + 500))
        .execute();
    try {
      const more = await programRecords(ctx.db, { asOf: '2027-06-10T00:00:00.000Z' });
      expect(more.findings).toHaveLength(4 + extra);
      expect(new Set(more.findings.map((f) => f.id)).size).toBe(4 + extra);
    } finally {
      await ctx.db.deleteFrom('findings').where('id', 'like', 'zz-page-%').execute();
    }
  });

  it('refuses records the statistics cannot use, naming the row', async () => {
    // A submission in review without a submit transition in the audit log.
    clock.set('2027-06-10T00:00:00.000Z');
    const orphan = randomUUID();
    await ctx.db
      .insertInto('submissions')
      .values({
        id: orphan,
        organisation_id: cast.orgB.id,
        model_name: 'orphan',
        model_version: '1',
        state: 'in-review',
        reviewers: '[]',
        sign_offs: '[]',
        wrapped_key: 'x',
        created_by: cast.submitterB.id,
        created_at: '2027-06-01T00:00:00.000Z',
        updated_at: '2027-06-01T00:00:00.000Z',
        version: 1,
      })
      .execute();
    try {
      const failure = await programRecords(ctx.db, { asOf: '2027-06-10T00:00:00.000Z' }).catch(
        (e: unknown) => e,
      );
      expect(failure).toBeInstanceOf(StatisticsError);
      const e = failure as StatisticsError;
      expect(e.code).toBe('INVALID_RECORDS');
      expect(e.issues).toContainEqual({ code: 'STATE_MISMATCH', where: `submission ${orphan}: submittedAt` });
      expect(e.message).toContain(orphan);
      // The public route fails as an internal error and says nothing about the row.
      clearStatisticsCache(ctx);
      const res = await svc.app.inject({ method: 'GET', url: '/api/v1/dashboard?fiscalYear=2027' });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body).not.toContain(orphan);
    } finally {
      await ctx.db.deleteFrom('submissions').where('id', '=', orphan).execute();
      clearStatisticsCache(ctx);
    }
  });

  it('serves the annual report to administrators only and audits each generation', async () => {
    const before = (await readAudit(ctx.db)).length;
    for (const user of [cast.submitterA, cast.reviewer1, cast.officer]) {
      const res = await svc.app.inject({
        method: 'GET',
        url: '/api/v1/reports/annual?fiscalYear=2027',
        headers: bearer(cast, user),
      });
      expect(res.statusCode).toBe(403);
    }
    const anonymous = await svc.app.inject({ method: 'GET', url: '/api/v1/reports/annual?fiscalYear=2027' });
    expect(anonymous.statusCode).toBe(401);
    expect((await readAudit(ctx.db)).length).toBe(before);

    const md = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/reports/annual?fiscalYear=2027&format=markdown',
      headers: bearer(cast, cast.admin),
    });
    expect(md.statusCode).toBe(200);
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(md.headers['content-disposition']).toBe('attachment; filename="vacsrp-annual-report-FY2027.md"');
    for (const heading of ANNUAL_HEADINGS) expect(md.body).toContain(heading);
    expect(md.body).toContain('2027-06-10');

    const pdf = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/reports/annual?fiscalYear=2027&format=pdf',
      headers: bearer(cast, cast.admin),
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const entries = (await readAudit(ctx.db)).slice(before);
    expect(entries.map((e) => e.event.what)).toEqual(['annual-report.generated', 'annual-report.generated']);
    expect(entries[0]!.event).toMatchObject({
      who: cast.admin.id,
      role: 'administrator',
      object: { kind: 'report', id: 'annual-FY2027' },
      detail: {
        fiscalYear: 2027,
        format: 'markdown',
        asOf: '2027-06-10T00:00:00.000Z',
        sha256: createHash('sha256').update(md.rawPayload).digest('hex'),
      },
    });
    expect(entries[1]!.event.detail).toMatchObject({
      format: 'pdf',
      sha256: createHash('sha256').update(pdf.rawPayload).digest('hex'),
    });

    const pdftotext = spawnSync('pdftotext', ['-v']);
    if (pdftotext.error === undefined) {
      const dir = mkdtempSync(join(tmpdir(), 'vacsrp-annual-'));
      try {
        writeFileSync(join(dir, 'r.pdf'), pdf.rawPayload);
        const text = spawnSync('pdftotext', [join(dir, 'r.pdf'), '-'], { encoding: 'utf8' }).stdout;
        expect(text).toContain('Common vulnerability findings');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('checks the role and the fiscal year in the use case as well', async () => {
    await expect(annualReportFor(ctx, as(cast.submitterA), 2027, 'markdown')).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      annualReportFor(ctx, { actor: { role: 'public' }, where: 'test' }, 2027, 'markdown'),
    ).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    await expect(annualReportFor(ctx, as(cast.admin), 2019, 'markdown')).rejects.toMatchObject({
      code: 'INVALID',
    });
    const bad = await svc.app.inject({
      method: 'GET',
      url: '/api/v1/reports/annual?fiscalYear=2027&format=docx',
      headers: bearer(cast, cast.admin),
    });
    expect(bad.statusCode).toBe(400);
  });
});
