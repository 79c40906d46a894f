/**
 * The administrator's pages: reviewers and their declarations, conflict-checked assignments per
 * submission, the published criteria, users and organisations, and the audit log with verification.
 */
import { loadCriteriaCatalog } from '@vacsrp/scanner';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readAuditLog, verifyAuditLog } from '../../app/audit.js';
import { AppError, type Context } from '../../app/context.js';
import { createUser, toUser, USER_ROLES } from '../../app/identity.js';
import {
  createOrganisation,
  listOrganisations,
  ORGANISATION_TYPES,
  SIZE_BANDS,
} from '../../app/organisations.js';
import { assignReviewer, history, listDeclarations, listReviewers, suggest } from '../../app/reviewers.js';
import { currentFiscalYear, STATISTICS_FISCAL_YEARS } from '../../app/statistics.js';
import { getSubmission } from '../../app/submissions.js';
import { origin } from '../../http/auth.js';
import { EMPTY, html } from '../html.js';
import { alert, csrfField } from '../layout.js';
import { when } from '../parts.js';
import { attempt, choice, formOf, idParam, queryOf, text, view } from '../view.js';
import { submissionSide } from './submission.js';

const AUDIT_PAGE = 100;

function requireAdmin(request: FastifyRequest): void {
  if (request.actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  if (request.actor.role !== 'administrator')
    throw new AppError('FORBIDDEN', 'this page is for administrators');
}

export function adminPages(web: FastifyInstance, ctx: Context): void {
  web.get('/admin/reviewers', { config: { access: 'user' } }, async (request, reply) => {
    requireAdmin(request);
    const [reviewers, organisations] = await Promise.all([
      listReviewers(ctx, request.actor),
      listOrganisations(ctx, request.actor),
    ]);
    const orgName = new Map(organisations.map((o) => [o.id, o.name]));
    const declared = await Promise.all(reviewers.map((r) => listDeclarations(ctx, request.actor, r.id)));
    return view(
      request,
      reply,
      'Reviewers',
      () => html`<h1>Reviewers</h1>
        <p>Reviewers’ employers and declared interests decide which submissions they may review. Assign reviewers from each
        submission’s <em>Assignments</em> page: conflicted reviewers are refused there.</p>
        <table class="usa-table usa-table--borderless usa-table--stacked"><caption>Program reviewers</caption>
          <thead><tr><th scope="col">Reviewer</th><th scope="col">Employer</th><th scope="col">Declared interests</th></tr></thead>
          <tbody>${reviewers.map(
            (r, i) => html`<tr><th scope="row" data-label="Reviewer">${r.name}</th>
              <td data-label="Employer">${r.organisationId === null ? '—' : (orgName.get(r.organisationId) ?? r.organisationId)}</td>
              <td data-label="Declared interests">${
                (declared[i] ?? []).length === 0
                  ? 'none'
                  : html`<ul class="usa-list">${(declared[i] ?? []).map(
                      (d) =>
                        html`<li>${d.kind} with ${orgName.get(d.organisationId) ?? d.organisationId}, ${d.from} to ${d.to ?? 'ongoing'}</li>`,
                    )}</ul>`
              }</td></tr>`,
          )}</tbody></table>`,
    );
  });

  web.get('/submissions/:id/assignments', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const o = origin(request);
    const s = await getSubmission(ctx, o, id);
    requireAdmin(request);
    const [events, reviewers, suggestion] = await Promise.all([
      history(ctx, o.actor, id),
      listReviewers(ctx, o.actor),
      suggest(ctx, o.actor, id),
    ]);
    const name = new Map(reviewers.map((r) => [r.id, r.name]));
    const suggested = suggestion.ok ? suggestion.reviewerIds : [];
    return view(
      request,
      reply,
      `Assignments: ${s.modelName}`,
      (csrf) => html`<h1>Assignments: ${s.modelName} ${s.modelVersion}</h1>
        <p>A review needs two independent reviewers. The suggestion below already excludes reviewers who work for the
        organisation, declared an interest in it within the cooling-off period, recused, or were declared by the submitter.</p>
        ${
          suggestion.ok
            ? alert('info', html`Suggested: ${suggested.map((r) => name.get(r) ?? r).join(', ')}`)
            : alert(
                'warning',
                html`No independent pair can be suggested: ${suggestion.eligible.length} eligible of ${suggestion.needed} needed.`,
              )
        }
        <form class="usa-form" method="post" action="/submissions/${s.id}/assignments">${csrfField(csrf)}
          <label class="usa-label" for="a-reviewer">Reviewer</label>
          <select class="usa-select" id="a-reviewer" name="reviewerId">${reviewers.map(
            (r) =>
              html`<option value="${r.id}"${suggested.includes(r.id) ? html` selected` : EMPTY}>${r.name}${
                suggested.includes(r.id) ? ' (suggested)' : ''
              }</option>`,
          )}</select>
          <button class="usa-button" type="submit">Assign (conflict-checked)</button>
        </form>
        <h2>Assignment history</h2>
        ${
          events.length === 0
            ? html`<p>No one has been assigned yet.</p>`
            : html`<table class="usa-table usa-table--borderless"><caption>Every assignment change</caption>
              <thead><tr><th scope="col">When</th><th scope="col">Reviewer</th><th scope="col">Change</th><th scope="col">Reason</th></tr></thead>
              <tbody>${events.map(
                (e) =>
                  html`<tr><th scope="row">${when(e.at)}</th><td>${name.get(e.reviewerId) ?? e.reviewerId}</td><td>${e.type}</td><td>${e.reason ?? ''}</td></tr>`,
              )}</tbody></table>`
        }`,
      { side: submissionSide(s, o.actor) },
    );
  });

  web.post('/submissions/:id/assignments', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const back = `/submissions/${id}/assignments`;
    return attempt(reply, back, async () => {
      const reviewerId = text(formOf(request), 'reviewerId', 'The reviewer', 36);
      await assignReviewer(ctx, origin(request), id, reviewerId);
      return { to: back, text: 'The reviewer is assigned.' };
    });
  });

  web.get('/admin/criteria', { config: { access: 'user' } }, async (request, reply) => {
    requireAdmin(request);
    const catalog = loadCriteriaCatalog();
    return view(
      request,
      reply,
      'Criteria',
      () => html`<h1>Review criteria</h1>
        <table class="usa-table usa-table--borderless"><caption>Criteria versions</caption>
          <thead><tr><th scope="col">Catalog</th><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Publisher</th><th scope="col">Last modified</th></tr></thead>
          <tbody><tr><th scope="row">${catalog.title}</th><td>${catalog.version}</td><td>${catalog.status}</td><td>${catalog.publisher}</td><td>${when(catalog.lastModified)}</td></tr></tbody>
        </table>
        <p>This service reviews against the catalog it ships with; a new version is published with a new release.</p>
        ${catalog.families.map(
          (f) => html`<h2>${f.id}: ${f.title}</h2><p>${f.summary}</p>
            <table class="usa-table usa-table--borderless usa-table--stacked"><caption>${f.title} criteria</caption>
              <thead><tr><th scope="col">Criterion</th><th scope="col">Requirement</th><th scope="col">Automated rules</th></tr></thead>
              <tbody>${f.criteria.map(
                (
                  c,
                ) => html`<tr><th scope="row" data-label="Criterion">${c.id} — ${c.title}</th><td data-label="Requirement">${c.requirement}</td>
                  <td data-label="Automated rules">${c.testing.automated.length === 0 ? '—' : c.testing.automated.join(', ')}</td></tr>`,
              )}</tbody></table>`,
        )}`,
    );
  });

  web.get('/admin/annual-report', { config: { access: 'user' } }, async (request, reply) => {
    requireAdmin(request);
    const current = currentFiscalYear(ctx.clock);
    const years = Array.from(
      { length: Math.min(6, current - STATISTICS_FISCAL_YEARS.min + 1) },
      (_, i) => current - i,
    );
    return view(
      request,
      reply,
      'Annual report to Congress',
      () => html`<h1>Annual report to Congress</h1>
        <p>The report covers one federal fiscal year (1 October to 30 September): participation, common
          vulnerability findings, trends against the previous year, recommendations and the methodology,
          with the same disclosure control as the public dashboard. Generating it is recorded in the audit log.</p>
        <form class="usa-form" method="get" action="/api/v1/reports/annual">
          <label class="usa-label" for="fiscalYear">Fiscal year</label>
          <select class="usa-select" id="fiscalYear" name="fiscalYear">${years.map(
            (y) => html`<option value="${String(y)}">FY${String(y)}</option>`,
          )}</select>
          <fieldset class="usa-fieldset"><legend class="usa-legend">Format</legend>
            <div class="usa-radio"><input class="usa-radio__input" id="format-pdf" type="radio" name="format" value="pdf" checked>
              <label class="usa-radio__label" for="format-pdf">PDF</label></div>
            <div class="usa-radio"><input class="usa-radio__input" id="format-md" type="radio" name="format" value="markdown">
              <label class="usa-radio__label" for="format-md">Markdown</label></div>
          </fieldset>
          <button class="usa-button" type="submit">Download the report</button>
        </form>`,
    );
  });

  web.get('/admin/users', { config: { access: 'user' } }, async (request, reply) => {
    requireAdmin(request);
    const [rows, organisations] = await Promise.all([
      ctx.db.selectFrom('users').selectAll().orderBy('email').limit(10_000).execute(),
      listOrganisations(ctx, request.actor),
    ]);
    const users = rows.map(toUser);
    const orgName = new Map(organisations.map((o) => [o.id, o.name]));
    return view(
      request,
      reply,
      'Users and organisations',
      (csrf) => html`<h1>Users and organisations</h1>
        <table class="usa-table usa-table--borderless usa-table--stacked"><caption>Users</caption>
          <thead><tr><th scope="col">E-mail</th><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Organisation</th></tr></thead>
          <tbody>${users.map(
            (
              u,
            ) => html`<tr><th scope="row" data-label="E-mail">${u.email}</th><td data-label="Name">${u.name}</td><td data-label="Role">${u.role}</td>
              <td data-label="Organisation">${u.organisationId === null ? '—' : (orgName.get(u.organisationId) ?? u.organisationId)}</td></tr>`,
          )}</tbody></table>
        <form class="usa-form usa-form--large" method="post" action="/admin/users">${csrfField(csrf)}
          <fieldset class="usa-fieldset"><legend class="usa-legend usa-legend--large">Create a user</legend>
            <label class="usa-label" for="u-email">E-mail address</label>
            <input class="usa-input" id="u-email" name="email" type="email" required maxlength="254">
            <label class="usa-label" for="u-name">Name</label>
            <input class="usa-input" id="u-name" name="name" required maxlength="200">
            <label class="usa-label" for="u-role">Role</label>
            <select class="usa-select" id="u-role" name="role">${USER_ROLES.map((r) => html`<option value="${r}">${r}</option>`)}</select>
            <label class="usa-label" for="u-org">Organisation (submitters, and reviewers’ employers)</label>
            <select class="usa-select" id="u-org" name="organisationId"><option value="">None</option>${organisations.map(
              (o) => html`<option value="${o.id}">${o.name}</option>`,
            )}</select>
            <label class="usa-label" for="u-password">Initial password (at least 12 characters)</label>
            <input class="usa-input" id="u-password" name="password" type="password" autocomplete="new-password" required minlength="12" maxlength="1024">
            <button class="usa-button" type="submit">Create the user</button>
          </fieldset></form>
        <form class="usa-form usa-form--large" method="post" action="/admin/organisations">${csrfField(csrf)}
          <fieldset class="usa-fieldset"><legend class="usa-legend usa-legend--large">Create an organisation</legend>
            <label class="usa-label" for="o-name">Name</label>
            <input class="usa-input" id="o-name" name="name" required maxlength="200">
            <label class="usa-label" for="o-type">Type</label>
            <select class="usa-select" id="o-type" name="type">${ORGANISATION_TYPES.map((t) => html`<option value="${t}">${t}</option>`)}</select>
            <label class="usa-label" for="o-size">Size band (people)</label>
            <select class="usa-select" id="o-size" name="sizeBand">${SIZE_BANDS.map((t) => html`<option value="${t}">${t}</option>`)}</select>
            <label class="usa-label" for="o-sector">Sector</label>
            <input class="usa-input" id="o-sector" name="sector" required maxlength="100">
            <button class="usa-button" type="submit">Create the organisation</button>
          </fieldset></form>`,
    );
  });

  web.post('/admin/users', { config: { access: 'user' } }, async (request, reply) => {
    const form = formOf(request);
    return attempt(reply, '/admin/users', async () => {
      const org = text(form, 'organisationId', 'The organisation', 36, false).trim();
      const u = await createUser(ctx, origin(request), {
        email: text(form, 'email', 'The e-mail address', 254),
        name: text(form, 'name', 'The name', 200),
        role: choice(form, 'role', 'role', USER_ROLES),
        organisationId: org === '' ? null : org,
        password: text(form, 'password', 'The password', 1024),
      });
      return { to: '/admin/users', text: `User ${u.email} created.` };
    });
  });

  web.post('/admin/organisations', { config: { access: 'user' } }, async (request, reply) => {
    const form = formOf(request);
    return attempt(reply, '/admin/users', async () => {
      const o = await createOrganisation(ctx, origin(request), {
        name: text(form, 'name', 'The name', 200),
        type: choice(form, 'type', 'type', ORGANISATION_TYPES),
        sizeBand: choice(form, 'sizeBand', 'size band', SIZE_BANDS),
        sector: text(form, 'sector', 'The sector', 100),
      });
      return { to: '/admin/users', text: `Organisation ${o.name} created.` };
    });
  });

  web.get('/admin/audit', { config: { access: 'user' } }, async (request, reply) => {
    requireAdmin(request);
    const q = queryOf(request);
    const tip = await ctx.db.selectFrom('audit_tip').select('seq').where('id', '=', 1).executeTakeFirst();
    const last = tip === undefined ? -1 : Number(tip.seq);
    const after =
      q.after !== undefined && /^(-1|0|[1-9][0-9]{0,15})$/.test(q.after)
        ? Number(q.after)
        : Math.max(-1, last - AUDIT_PAGE);
    const entries = await readAuditLog(ctx, origin(request), { after, limit: AUDIT_PAGE });
    const newest = [...entries].reverse();
    return view(
      request,
      reply,
      'Audit log',
      () => html`<h1>Audit log</h1>
        <p>Every change and every read of confidential material, hash-chained. <a class="usa-link" href="/admin/audit/verification">Verify the whole chain</a>.</p>
        <nav class="web-actions" aria-label="Audit pages">
          ${after > -1 ? html`<a class="usa-button usa-button--outline" href="/admin/audit?after=${Math.max(-1, after - AUDIT_PAGE)}">Older entries</a>` : EMPTY}
          ${after + AUDIT_PAGE < last ? html`<a class="usa-button usa-button--outline" href="/admin/audit?after=${after + AUDIT_PAGE}">Newer entries</a>` : EMPTY}
        </nav>
        <table class="usa-table usa-table--borderless usa-table--stacked"><caption>Entries ${after + 1} to ${after + entries.length}</caption>
          <thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Object</th><th scope="col">From</th><th scope="col">Hash</th></tr></thead>
          <tbody>${newest.map(
            (
              e,
            ) => html`<tr><th scope="row" data-label="#">${e.seq}</th><td data-label="When">${when(e.event.when)}</td>
              <td data-label="Who">${e.event.who} (${e.event.role})</td><td data-label="What">${e.event.what}</td>
              <td data-label="Object">${e.event.object.kind} ${e.event.object.id}</td><td data-label="From">${e.event.where}</td>
              <td data-label="Hash" class="web-digest">${e.hash.slice(0, 16)}…</td></tr>`,
          )}</tbody></table>`,
    );
  });

  web.get('/admin/audit/verification', { config: { access: 'user' } }, async (request, reply) => {
    requireAdmin(request);
    const result = await verifyAuditLog(ctx, request.actor);
    return view(
      request,
      reply,
      'Audit verification',
      () => html`<h1>Audit log verification</h1>
        ${
          result.ok
            ? alert(
                'success',
                html`The chain of ${result.count} entries is intact; every hash links to the one before.`,
                'Verified',
              )
            : alert(
                'error',
                html`The chain is broken at entry ${result.index}: ${result.reason}`,
                'Verification failed',
              )
        }
        <p><a class="usa-link" href="/admin/audit">Back to the audit log</a></p>`,
    );
  });
}
