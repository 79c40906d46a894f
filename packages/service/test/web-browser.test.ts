/**
 * The web interface in a real browser (Debian's chromium through playwright-core, over a real socket):
 * a submitter submits and uploads (the upload survives a dropped request), two reviewers review, an
 * administrator approves the summary and completes the review (which issues the attestation), the
 * public finds the model in the registry, and the dashboard counts the completion. Every page visited
 * is checked with axe-core against the WCAG 2.1 A and AA rules and kept as a screenshot; the pages
 * run under their real Content-Security-Policy, and any violation fails the test.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearStatisticsCache, programRecords } from '../src/app/statistics.js';
import { demoPackage } from '../src/demo/package.js';
import { type RunningService, startService } from '../src/runtime/service.js';
import { type Cast, dropSchema, PASSWORD, STORES, seedCast, testConfig } from './helpers/runtime.js';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../../../test-results/screenshots/', import.meta.url));
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** What the dashboard page shows for completed small-business submissions (a count, or "suppressed"). */
async function completedSmallBusinesses(page: Page): Promise<string> {
  const row = page.locator(
    'table[data-table^="completion-status"] tbody tr:has(th:text-is("Small business"))',
  );
  return ((await row.locator('td').first().textContent()) ?? '').trim();
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown; failureSummary?: string }[];
}

let browser: Browser;
beforeAll(async () => {
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);
afterAll(async () => browser?.close());

describe.each(STORES)('the web interface in a browser (%s)', (store) => {
  let svc: RunningService;
  let cast: Cast;
  /** Pages seen by axe: a context that may inject axe (its CSP bypassed), fed each user's cookies. */
  let auditContext: BrowserContext;
  let auditPage: Page;
  const cspViolations: string[] = [];
  const audited: string[] = [];
  let shot = 0;

  beforeAll(async () => {
    const config = await testConfig(store, { inProcessWorkers: true });
    svc = await startService(config);
    cast = await seedCast({ ctx: svc.ctx } as Parameters<typeof seedCast>[0]);
    auditContext = await newContext({ bypassCSP: true });
    auditPage = await auditContext.newPage();
  }, 60_000);
  afterAll(async () => {
    await auditContext?.close();
    const config = svc?.config;
    await svc?.close();
    if (config !== undefined) {
      await dropSchema(config.pgSchema);
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });

  /** A browser context that reaches only the service under test. */
  async function newContext(options: { bypassCSP?: boolean } = {}): Promise<BrowserContext> {
    const context = await browser.newContext({ ...options, viewport: { width: 1280, height: 900 } });
    await context.route('**/*', (route) =>
      route.request().url().startsWith(`${svc.url}/`) ? route.continue() : route.abort(),
    );
    return context;
  }

  async function userPage(email?: string): Promise<Page> {
    const context = await newContext();
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.text().includes('Content Security Policy')) cspViolations.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => cspViolations.push(`${page.url()}: script error ${e.message}`));
    if (email !== undefined) {
      await page.goto(`${svc.url}/sign-in`);
      await page.fill('#email', email);
      await page.fill('#password', PASSWORD);
      await Promise.all([page.waitForURL(`${svc.url}/`), page.click('button:has-text("Sign in")')]);
    }
    return page;
  }

  /** Loads the page `page` shows in the audit context with the same cookies, runs axe, keeps a screenshot. */
  async function audit(page: Page, name: string): Promise<void> {
    await auditContext.clearCookies();
    await auditContext.addCookies(await page.context().cookies());
    const response = await auditPage.goto(page.url());
    expect(response?.status(), page.url()).toBe(200);
    await auditPage.addScriptTag({ path: AXE });
    const violations = (await auditPage.evaluate(
      (tags) =>
        (
          window as unknown as {
            axe: { run: (ctx: Document, o: unknown) => Promise<{ violations: unknown[] }> };
          }
        ).axe
          .run(document, { runOnly: { type: 'tag', values: tags } })
          .then((r) => r.violations),
      WCAG,
    )) as AxeViolation[];
    shot += 1;
    await auditPage.screenshot({
      path: join(SCREENSHOTS, `${store}-${String(shot).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    });
    audited.push(new URL(page.url()).pathname);
    expect(
      violations.map(
        (v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`,
      ),
      `axe on ${page.url()}`,
    ).toEqual([]);
  }

  async function submitForm(page: Page, button: string): Promise<void> {
    await Promise.all([page.waitForNavigation(), page.click(button)]);
  }

  async function flash(page: Page): Promise<string> {
    return (await page.locator('.usa-alert').first().textContent())?.trim() ?? '';
  }

  it('carries a review from submission to the registry and the dashboard', async () => {
    const pkg = demoPackage({
      name: 'browser-model',
      organisation: 'Org A',
      which: (f) => f.path.startsWith('clean-model/'),
    });

    // The public first: home, sign-in, registry (empty), dashboard.
    const visitor = await userPage();
    await visitor.goto(`${svc.url}/`);
    await audit(visitor, 'home');
    await visitor.goto(`${svc.url}/sign-in`);
    await audit(visitor, 'sign-in');
    await visitor.goto(`${svc.url}/registry?model=browser-model`);
    expect(await visitor.locator('#registry-empty').count()).toBe(1);

    // A page for signed-in users sends the visitor to sign in, and back afterwards.
    await visitor.goto(`${svc.url}/account`);
    expect(new URL(visitor.url()).pathname).toBe('/sign-in');
    expect(new URL(visitor.url()).searchParams.get('next')).toBe('/account');

    // The submitter: organisation, wizard, upload with a dropped request, submit.
    const dev = await userPage(cast.submitterA.email);
    await dev.goto(`${svc.url}/organisation`);
    await audit(dev, 'organisation');
    await dev.goto(`${svc.url}/account`);
    await dev.fill('#token-name', 'laptop');
    await submitForm(dev, 'button:has-text("Create token")');
    expect(await dev.locator('#new-token').textContent()).toMatch(/^vacsrp_pat_/);
    await dev.goto(`${svc.url}/account`);
    expect(await dev.locator('table:has-text("laptop")').count()).toBe(1);
    await audit(dev, 'account');
    await dev.goto(`${svc.url}/submissions/new`);
    await audit(dev, 'new-submission');
    await dev.fill('#manifest', pkg.manifest);
    await submitForm(dev, 'form:has(#manifest) button[type=submit]');
    expect(dev.url()).toMatch(/\/submissions\/[0-9a-f-]{36}\/upload$/);
    const submissionId = dev.url().split('/').at(-2)!;
    await audit(dev, 'upload');
    let dropped = 0;
    await dev.route('**/api/v1/artifacts/*/upload', (route) => {
      if (route.request().method() === 'PATCH' && dropped === 0) {
        dropped += 1;
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    const boxes = dev.locator('.web-upload');
    expect(await boxes.count()).toBe(pkg.files.length);
    for (let i = 0; i < pkg.files.length; i++) {
      const box = boxes.nth(i);
      const path = (await box.locator('h2').textContent())!.trim();
      const file = pkg.files.find((f) => f.path === path)!;
      await box.locator('input[type=file]').setInputFiles({
        name: 'artifact',
        mimeType: 'application/octet-stream',
        buffer: Buffer.from(file.bytes),
      });
      await box.locator('button[data-upload]').click();
      await box
        .locator('[data-done="true"]')
        .or(box.and(dev.locator('[data-done="true"]')))
        .waitFor({ timeout: 20_000 });
    }
    expect(dropped).toBe(1);
    await submitForm(dev, 'button:has-text("Submit for review")');
    expect(await flash(dev)).toContain('submitted');
    await audit(dev, 'submission-submitted');

    // The scan runs in the service's own worker.
    for (let i = 0; i < 100; i++) {
      const scan = await svc.ctx.db
        .selectFrom('scans')
        .select('state')
        .where('submission_id', '=', submissionId)
        .executeTakeFirst();
      if (scan?.state === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 100));
    }

    // The administrator assigns two independent reviewers and starts the review.
    const admin = await userPage(cast.admin.email);
    await admin.goto(`${svc.url}/submissions/${submissionId}/assignments`);
    await audit(admin, 'assignments');
    for (const r of [cast.reviewer1, cast.reviewer2]) {
      await admin.selectOption('#a-reviewer', r.id);
      await submitForm(admin, 'button:has-text("Assign")');
      expect(await flash(admin)).toContain('assigned');
    }
    await admin.selectOption('#a-reviewer', cast.reviewer3.id);
    await submitForm(admin, 'button:has-text("Assign")');
    expect(await admin.locator('.usa-alert--error').count()).toBe(1);
    await admin.goto(`${svc.url}/submissions/${submissionId}`);
    await submitForm(admin, 'button:has-text("Start the review")');
    expect(await flash(admin)).toContain('in review');
    await admin.goto(`${svc.url}/admin/reviewers`);
    await audit(admin, 'admin-reviewers');
    await admin.goto(`${svc.url}/admin/criteria`);
    await audit(admin, 'admin-criteria');
    await admin.goto(`${svc.url}/admin/annual-report`);
    await audit(admin, 'admin-annual-report');

    // Reviewer 1: disclosures, queue, workbench, a manual finding, findings issued.
    const r1 = await userPage(cast.reviewer1.email);
    await r1.goto(`${svc.url}/disclosures`);
    await r1.selectOption('#d-org', cast.orgB.id);
    await r1.fill('#d-from', '2019-01-01');
    await r1.fill('#d-to', '2019-06-30');
    await submitForm(r1, 'button:has-text("Declare")');
    expect(await flash(r1)).toContain('recorded');
    await audit(r1, 'disclosures');
    await r1.goto(`${svc.url}/queue`);
    await audit(r1, 'queue');
    await submitForm(r1, 'a:has-text("browser-model")');
    await r1.goto(`${svc.url}/submissions/${submissionId}/workbench`);
    await audit(r1, 'workbench');
    await r1.selectOption('#m-criterion', 'AR-4');
    await r1.selectOption('#m-method', 'simulated-attack');
    await r1.selectOption('#m-severity', 'medium');
    await r1.fill('#m-title', 'Jailbreak prompt family succeeds');
    await r1.fill('#m-description', 'Simulated attack succeeded in 3 of 20 attempts.');
    await r1.fill('#m-remediation', 'Add refusal training for this prompt family.');
    await submitForm(r1, 'button:has-text("Add the finding")');
    const manualUrl = r1.url();
    expect(manualUrl).toMatch(/\/findings\/[0-9a-f-]{36}$/);
    await audit(r1, 'finding-reviewer');
    // Evidence: the attach form uploads the file to the evidence API; the page lists it, the viewer shows it.
    await r1.setInputFiles('#evidence-file', {
      name: 'attack-log.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('attempt 7: model complied'),
    });
    await Promise.all([r1.waitForEvent('load'), r1.click('#evidence-form button[type=submit]')]);
    await r1.click('a:has-text("attack-log.txt")');
    expect(await r1.textContent('#evidence-content')).toContain('attempt 7: model complied');
    await r1.goto(manualUrl);
    await r1.goto(`${svc.url}/submissions/${submissionId}/workbench`);
    await r1.selectOption('#o-criterion', 'AR-5');
    await r1.selectOption('#o-outcome', 'not-applicable');
    await r1.fill('#o-note', 'The model is only deployed offline.');
    await submitForm(r1, 'button:has-text("Record the outcome")');
    expect(await flash(r1)).toContain('AR-5: not-applicable is recorded');
    await submitForm(r1, 'button:has-text("Issue the findings")');
    expect(await flash(r1)).toContain('findings issued');

    // The submitter accepts the manual finding's risk and looks at the filtered findings.
    await dev.goto(manualUrl);
    await dev.fill('#accept-risk-justification', 'Deployed only behind an internal gateway with monitoring.');
    await submitForm(dev, 'button:has-text("Accept the risk")');
    expect(await flash(dev)).toContain('risk-accepted');
    await audit(dev, 'finding-submitter');
    await dev.goto(`${svc.url}/submissions/${submissionId}`);
    await dev.selectOption('#filter-state', 'risk-accepted');
    await submitForm(dev, 'button:has-text("Filter")');
    expect(await dev.locator('#findings tbody tr').count()).toBe(1);
    await audit(dev, 'submission-findings-filtered');

    // Reviewer 2 marks every open automated finding a false positive.
    const r2 = await userPage(cast.reviewer2.email);
    await r2.goto(`${svc.url}/submissions/${submissionId}?state=open`);
    const open = await r2
      .locator('#findings tbody a')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    for (const href of open) {
      await r2.goto(href);
      await r2.fill('#mark-false-positive-rationale', 'The payload is inert test data.');
      await submitForm(r2, 'button:has-text("Mark false positive")');
      expect(await flash(r2)).toContain('false-positive');
    }

    // The submitter proceeds; both reviewers sign off.
    await dev.goto(`${svc.url}/submissions/${submissionId}`);
    await dev.click('label[for="d-proceed"]');
    expect(await dev.isChecked('#d-proceed')).toBe(true);
    await dev.fill('#d-justification', 'Risks accepted as disclosed.');
    await submitForm(dev, 'button:has-text("Record the decision")');
    expect(await flash(dev)).toContain('Decision recorded');
    for (const reviewer of [r1, r2]) {
      await reviewer.goto(`${svc.url}/submissions/${submissionId}/workbench`);
      await submitForm(reviewer, 'button:has-text("Sign off")');
      expect(await flash(reviewer)).toContain('Sign off');
    }

    // The administrator issues the final report, approves the summary, completes: the attestation is issued.
    await admin.goto(`${svc.url}/submissions/${submissionId}`);
    await submitForm(admin, 'button:has-text("Issue the final report")');
    await admin.goto(`${svc.url}/submissions/${submissionId}/summary`);
    await audit(admin, 'summary-preview');
    await submitForm(admin, 'button:has-text("Approve this public summary")');
    expect(await flash(admin)).toContain('approved');
    await admin.goto(`${svc.url}/submissions/${submissionId}`);
    await submitForm(admin, 'button:has-text("Complete the review")');
    expect(await flash(admin)).toContain('completed');
    expect(await admin.locator('#attestation').textContent()).toContain('valid');
    await audit(admin, 'submission-completed');
    const report = await admin.request.get(
      `${svc.url}/api/v1/submissions/${submissionId}/revisions/1/report?format=json`,
    );
    expect(report.status()).toBe(200);
    await admin.goto(`${svc.url}/admin/audit`);
    await audit(admin, 'audit-log');
    await admin.goto(`${svc.url}/admin/audit/verification`);
    expect(await admin.locator('.usa-alert--success').count()).toBe(1);
    await audit(admin, 'audit-verification');
    await admin.goto(`${svc.url}/admin/users`);
    await audit(admin, 'admin-users');

    // The public finds it in the registry by name and by digest, and can verify it.
    await visitor.goto(`${svc.url}/registry`);
    await visitor.fill('#r-model', 'browser');
    await submitForm(visitor, 'button:has-text("Search")');
    expect(await visitor.locator('#registry-results tbody tr').count()).toBe(1);
    await audit(visitor, 'registry-search');
    const digest = (await import('../src/demo/package.js')).sha256(pkg.files[0]!.bytes);
    await visitor.goto(`${svc.url}/registry?digest=${digest}`);
    await submitForm(visitor, '#registry-results a');
    expect(await visitor.locator('h1').textContent()).toContain('browser-model');
    expect(await visitor.locator('#verify').count()).toBe(1);
    expect(await visitor.locator('#accepted-risks tbody tr').count()).toBe(1);
    await audit(visitor, 'registry-entry');
    const entryUrl = visitor.url();
    const envelope = await visitor.request.get(`${visitor.url()}/attestation.json`);
    expect(envelope.status()).toBe(200);
    expect(JSON.parse(await envelope.text()).payloadType).toBe('application/vnd.in-toto+json');

    // The dashboard counts the completed review.
    clearStatisticsCache(svc.ctx);
    await visitor.goto(`${svc.url}/dashboard`);
    await audit(visitor, 'dashboard');
    // With fewer than 11 organisations behind a cell, disclosure control shows it as suppressed; the
    // records the dashboard is computed from count the completion (with its accepted risk).
    expect(await completedSmallBusinesses(visitor)).toBe('suppressed');
    const records = await programRecords(svc.ctx.db, { asOf: new Date().toISOString() });
    expect(records.submissions.find((r) => r.id === submissionId)).toMatchObject({
      state: 'completed',
      acceptedRisks: true,
    });

    // Revoking shows on the public entry.
    await admin.goto(`${svc.url}/submissions/${submissionId}`);
    await admin.selectOption('#revoke-reason', 'superseded');
    await submitForm(admin, 'button:has-text("Revoke")');
    await visitor.goto(entryUrl);
    expect(await visitor.locator('.usa-alert--error').textContent()).toContain('revoked');

    expect(cspViolations).toEqual([]);
    expect(audited.length).toBeGreaterThanOrEqual(20);
  }, 300_000);
});
