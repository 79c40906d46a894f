/**
 * Escaping by construction: the html tag escapes every interpolation that is not its own markup, and
 * hostile text planted where users and developers write (model names, finding text, comments,
 * organisation names, flash messages) reaches the pages only as text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comment, createManualFinding } from '../src/app/findings.js';
import { actorOf, login } from '../src/app/identity.js';
import { createOrganisation } from '../src/app/organisations.js';
import { createSubmission } from '../src/app/submissions.js';
import { demoPackage } from '../src/demo/package.js';
import { escapeText, html, type Interpolation, isHtml, join, toDocument } from '../src/web/html.js';
import { FLASH_COOKIE } from '../src/web/kit.js';
import {
  type Cast,
  PASSWORD,
  STORES,
  SYSTEM,
  seedCast,
  startTestService,
  type TestService,
} from './helpers/runtime.js';
import { buildWorld, type World } from './helpers/world.js';

const CANARY = '<script>alert("pwned")</script>';
const ATTR_CANARY = '" onmouseover="alert(1)';

describe('the html tag', () => {
  it('escapes text in content and attributes', () => {
    const out = html`<p title="${ATTR_CANARY}">${CANARY}</p>`.markup;
    expect(out).toBe(
      '<p title="&quot; onmouseover=&quot;alert(1)">&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;</p>',
    );
    expect(escapeText('a&b<c>d"e\'f`g')).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f&#96;g');
  });

  it('keeps its own markup, lists and numbers, and drops nothing else silently', () => {
    const inner = html`<b>${'x<y'}</b>`;
    expect(html`<div>${inner}${[html`<i>1</i>`, '<2>']}${3}${null}${undefined}${false}</div>`.markup).toBe(
      '<div><b>x&lt;y</b><i>1</i>&lt;2&gt;3</div>',
    );
    expect(join(['<a>', html`<br>`], ', ').markup).toBe('&lt;a&gt;, <br>');
    expect(toDocument(html`<html></html>`)).toBe('<!DOCTYPE html>\n<html></html>');
  });

  it('cannot be fooled by an object that looks like markup', () => {
    const forged = { markup: CANARY } as unknown as Interpolation;
    expect(isHtml(forged)).toBe(false);
    expect(html`${forged}`.markup).not.toContain('<script>');
    const parsed = JSON.parse(JSON.stringify(html`<b></b>`)) as Interpolation;
    expect(html`${parsed}`.markup).not.toContain('<b>');
  });
});

describe.each(STORES)('hostile text on the pages (%s)', (store) => {
  let svc: TestService;
  let cast: Cast;
  let world: World;
  let hostileId: string;
  let findingId: string;
  const cookies = new Map<string, string>();

  beforeAll(async () => {
    svc = await startTestService(store, { inProcessWorkers: false });
    cast = await seedCast(svc);
    world = await buildWorld(svc, cast);
    const as = (u: Cast['admin']) => ({ actor: actorOf(u), where: 'test' });
    const pkg = demoPackage({
      name: JSON.stringify(CANARY),
      version: JSON.stringify(ATTR_CANARY),
      organisation: CANARY,
      which: (f) => f.path.endsWith('config.json'),
    });
    hostileId = (await createSubmission(svc.ctx, as(cast.submitterA), { manifest: pkg.manifest })).id;
    const f = await createManualFinding(svc.ctx, as(cast.reviewer1), world.submissionId, {
      criterionId: 'AR-4',
      severity: 'high',
      title: CANARY,
      description: `${CANARY}\n<img src=x onerror=alert(2)>`,
      remediation: ATTR_CANARY,
      method: 'simulated-attack',
      location: { artifact: CANARY, note: ATTR_CANARY },
    });
    findingId = f.id;
    await comment(svc.ctx, as(cast.submitterA), f.id, CANARY);
    await createOrganisation(svc.ctx, SYSTEM, {
      name: CANARY,
      type: 'academic-lab',
      sizeBand: '1-9',
      sector: CANARY,
    });
    for (const u of [cast.submitterA, cast.reviewer1, cast.admin]) {
      const s = await login(svc.ctx, { email: u.email, password: PASSWORD }, 'test');
      cookies.set(u.id, `__Host-vacsrp_session=${s.token}`);
    }
  });
  afterAll(async () => svc?.close());

  const page = async (user: Cast['admin'], url: string, extraCookie = '') => {
    const res = await svc.app.inject({
      method: 'GET',
      url,
      headers: { cookie: `${cookies.get(user.id)}${extraCookie}` },
    });
    expect(res.statusCode, url).toBe(200);
    return res.body;
  };

  const assertInert = (body: string) => {
    expect(body).not.toContain(CANARY);
    expect(body).not.toContain('<img src=x');
    expect(body).not.toContain('" onmouseover="');
    expect(body).not.toMatch(/<script(?![^>]*\ssrc=)/);
  };

  it('shows a hostile model name and version as text', async () => {
    for (const url of [
      '/submissions',
      `/submissions/${hostileId}`,
      `/submissions/${hostileId}/upload`,
      '/organisation',
    ]) {
      const body = await page(cast.submitterA, url);
      assertInert(body);
      if (url !== '/organisation')
        expect(body).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    }
  });

  it('shows hostile finding text, locations and comments as text', async () => {
    for (const [user, url] of [
      [cast.submitterA, `/findings/${findingId}`],
      [cast.reviewer1, `/findings/${findingId}`],
      [cast.reviewer1, `/submissions/${world.submissionId}/workbench`],
      [cast.admin, `/submissions/${world.submissionId}`],
    ] as const) {
      const body = await page(user, url);
      assertInert(body);
      expect(body).toContain('&lt;script&gt;');
    }
  });

  it('shows hostile organisation names and sectors as text on the administrators’ and reviewers’ pages', async () => {
    for (const [user, url] of [
      [cast.admin, '/admin/users'],
      [cast.admin, '/admin/reviewers'],
      [cast.reviewer1, '/disclosures'],
    ] as const) {
      assertInert(await page(user, url));
    }
  });

  it('shows a forged flash message as text', async () => {
    const forged = Buffer.from(JSON.stringify({ kind: 'error', text: CANARY })).toString('base64url');
    const body = await page(cast.admin, '/account', `; ${FLASH_COOKIE}=${forged}`);
    assertInert(body);
    expect(body).toContain('&lt;script&gt;');
  });
});
