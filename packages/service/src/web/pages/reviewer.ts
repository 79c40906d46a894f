/**
 * The reviewer's pages: disclosures of interests, the assigned queue, and the workbench per submission
 * (scan results, findings with their evidence, a form for a manual finding, recusal).
 */
import { allCriteria } from '@vacsrp/scanner';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, type Context } from '../../app/context.js';
import { REVIEWER_OUTCOMES, recordCriterionOutcome } from '../../app/criterion-outcomes.js';
import { createManualFinding, listFindings, type NewManualFinding } from '../../app/findings.js';
import { listOrganisations } from '../../app/organisations.js';
import { declare, listDeclarations, recuseReviewer } from '../../app/reviewers.js';
import { listScans, type ScanView } from '../../app/scans.js';
import { getSubmission, listSubmissions } from '../../app/submissions.js';
import type { DeclarationKind } from '../../domain/independence.js';
import { origin } from '../../http/auth.js';
import { EMPTY, type Html, html } from '../html.js';
import { csrfField } from '../layout.js';
import { when } from '../parts.js';
import { attempt, choice, formOf, idParam, text, view } from '../view.js';
import { actionForms, findingTable, SEVERITIES, submissionSide } from './submission.js';
import { submissionTable } from './submitter.js';

const DECLARATION_KINDS: readonly DeclarationKind[] = [
  'affiliation',
  'employment',
  'financial-interest',
  'advisory',
];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function requireReviewer(request: FastifyRequest): void {
  if (request.actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  if (request.actor.role !== 'reviewer') throw new AppError('FORBIDDEN', 'this page is for reviewers');
}

function scanTable(scans: readonly ScanView[]): Html {
  if (scans.length === 0) return html`<p>No automated scan yet.</p>`;
  return html`<table class="usa-table usa-table--borderless" id="scans"><caption>Automated scans</caption>
    <thead><tr><th scope="col">Revision</th><th scope="col">State</th><th scope="col">Artifacts scanned</th><th scope="col">Finished</th><th scope="col">Summary</th></tr></thead>
    <tbody>${scans.map(
      (
        s,
      ) => html`<tr><th scope="row">${s.revision}</th><td>${s.state}${s.error === null ? EMPTY : html` — ${s.error}`}</td>
        <td>${s.progress.scanned} of ${s.progress.artifacts}</td><td>${when(s.finishedAt)}</td>
        <td>${s.summary === null ? '—' : html`<pre class="web-pre" tabindex="0">${JSON.stringify(s.summary, null, 2)}</pre>`}</td></tr>`,
    )}</tbody></table>`;
}

export function reviewerPages(web: FastifyInstance, ctx: Context): void {
  web.get('/queue', { config: { access: 'user' } }, async (request, reply) => {
    requireReviewer(request);
    const subs = await listSubmissions(ctx, request.actor);
    const active = subs.filter((s) => s.state !== 'completed' && s.state !== 'withdrawn');
    return view(
      request,
      reply,
      'Assigned queue',
      () => html`<h1>Your assigned queue</h1>
        <p>Submissions you are currently assigned to review. Declare your interests on the
        <a class="usa-link" href="/disclosures">disclosures page</a> so assignments stay independent.</p>
        ${submissionTable(active, `Active assignments (${active.length})`)}
        ${
          active.length === subs.length
            ? EMPTY
            : submissionTable(
                subs.filter((s) => !active.includes(s)),
                'Finished',
              )
        }`,
    );
  });

  web.get('/disclosures', { config: { access: 'user' } }, async (request, reply) => {
    requireReviewer(request);
    const [declarations, organisations] = await Promise.all([
      listDeclarations(ctx, request.actor),
      listOrganisations(ctx, request.actor),
    ]);
    const orgName = new Map(organisations.map((o) => [o.id, o.name]));
    return view(
      request,
      reply,
      'Disclosures of interests',
      (csrf) => html`<h1>Disclosures of interests</h1>
        <p>Declare every affiliation, employment, financial interest or advisory role with a participating
        organisation in the last two years. You are never assigned to review an organisation you are conflicted with.</p>
        ${
          declarations.length === 0
            ? html`<p>You have declared nothing yet.</p>`
            : html`<table class="usa-table usa-table--borderless"><caption>Your declarations</caption>
              <thead><tr><th scope="col">Organisation</th><th scope="col">Kind</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Note</th></tr></thead>
              <tbody>${declarations.map(
                (
                  d,
                ) => html`<tr><th scope="row">${orgName.get(d.organisationId) ?? d.organisationId}</th><td>${d.kind}</td>
                  <td>${d.from}</td><td>${d.to ?? 'ongoing'}</td><td>${d.note ?? ''}</td></tr>`,
              )}</tbody></table>`
        }
        <form class="usa-form usa-form--large" method="post" action="/disclosures">${csrfField(csrf)}
          <fieldset class="usa-fieldset"><legend class="usa-legend usa-legend--large">Declare an interest</legend>
            <label class="usa-label" for="d-org">Organisation</label>
            <select class="usa-select" id="d-org" name="organisationId" required>${organisations.map(
              (o) => html`<option value="${o.id}">${o.name}</option>`,
            )}</select>
            <label class="usa-label" for="d-kind">Kind of interest</label>
            <select class="usa-select" id="d-kind" name="kind">${DECLARATION_KINDS.map((k) => html`<option value="${k}">${k}</option>`)}</select>
            <label class="usa-label" for="d-from">From (YYYY-MM-DD)</label>
            <input class="usa-input" id="d-from" name="from" type="date" required>
            <label class="usa-label" for="d-to">To (YYYY-MM-DD; empty if ongoing)</label>
            <input class="usa-input" id="d-to" name="to" type="date">
            <label class="usa-label" for="d-note">Note (optional)</label>
            <textarea class="usa-textarea" id="d-note" name="note" rows="2" maxlength="2000"></textarea>
            <button class="usa-button" type="submit">Declare</button>
          </fieldset></form>`,
    );
  });

  web.post('/disclosures', { config: { access: 'user' } }, async (request, reply) => {
    const form = formOf(request);
    return attempt(reply, '/disclosures', async () => {
      const organisationId = text(form, 'organisationId', 'The organisation', 36);
      const kind = choice(form, 'kind', 'kind of interest', DECLARATION_KINDS);
      const from = text(form, 'from', 'The start date', 10);
      const to = text(form, 'to', 'The end date', 10, false).trim();
      const note = text(form, 'note', 'The note', 2000, false).trim();
      if (!DATE.test(from) || (to !== '' && !DATE.test(to)))
        throw new AppError('INVALID', 'dates are written YYYY-MM-DD');
      await declare(ctx, origin(request), {
        kind,
        organisationId,
        from,
        ...(to === '' ? {} : { to }),
        ...(note === '' ? {} : { note }),
      });
      return { to: '/disclosures', text: 'Your declaration is recorded.' };
    });
  });

  web.get('/submissions/:id/workbench', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const o = origin(request);
    const s = await getSubmission(ctx, o, id);
    if (o.actor.role !== 'reviewer' && o.actor.role !== 'administrator')
      throw new AppError('FORBIDDEN', 'the workbench is for reviewers and administrators');
    const [scans, findings] = await Promise.all([listScans(ctx, o, id), listFindings(ctx, o, id)]);
    const open = s.state === 'in-review' || s.state === 'findings-issued';
    const criteria = allCriteria();
    return view(
      request,
      reply,
      `Workbench: ${s.modelName}`,
      (csrf) => html`<h1>Workbench: ${s.modelName} ${s.modelVersion}</h1>
        ${actionForms(s, o.actor, csrf)}
        <h2>Scan results</h2>
        ${scanTable(scans)}
        <h2>Findings and evidence</h2>
        <p>Open a finding to read its evidence, verify a remediation, or mark it a false positive.</p>
        ${findingTable(findings, `Findings (${findings.length})`)}
        ${
          o.actor.role === 'reviewer' && open
            ? html`<h2>Add a manual finding</h2>
          <form class="usa-form usa-form--large" method="post" action="/submissions/${s.id}/findings">${csrfField(csrf)}
            <label class="usa-label" for="m-criterion">Criterion</label>
            <select class="usa-select" id="m-criterion" name="criterionId">${criteria.map(
              (c) =>
                html`<option value="${c.criterion.id}">${c.criterion.id} — ${c.criterion.title}</option>`,
            )}</select>
            <label class="usa-label" for="m-method">Method</label>
            <select class="usa-select" id="m-method" name="method">
              <option value="code-inspection">Code inspection</option>
              <option value="simulated-attack">Simulated attack</option>
              <option value="other">Other</option>
            </select>
            <label class="usa-label" for="m-severity">Severity</label>
            <select class="usa-select" id="m-severity" name="severity">${SEVERITIES.map((v) => html`<option value="${v}">${v}</option>`)}</select>
            <label class="usa-label" for="m-title">Title</label>
            <input class="usa-input" id="m-title" name="title" required maxlength="300">
            <label class="usa-label" for="m-description">Description</label>
            <textarea class="usa-textarea" id="m-description" name="description" rows="4" required maxlength="20000"></textarea>
            <label class="usa-label" for="m-remediation">Remediation</label>
            <textarea class="usa-textarea" id="m-remediation" name="remediation" rows="3" required maxlength="10000"></textarea>
            <label class="usa-label" for="m-artifact">Artifact path (optional)</label>
            <input class="usa-input" id="m-artifact" name="artifact" maxlength="1000">
            <button class="usa-button" type="submit">Add the finding</button>
          </form>
          <h2>Record a criterion outcome</h2>
          <p>What you concluded for a criterion of this revision, and why: the confidential report's
            coverage table and the attestation use it (the latest word per criterion counts).</p>
          <form class="usa-form usa-form--large" method="post" action="/submissions/${s.id}/criterion-outcomes">${csrfField(csrf)}
            <label class="usa-label" for="o-criterion">Criterion</label>
            <select class="usa-select" id="o-criterion" name="criterionId">${criteria.map(
              (c) =>
                html`<option value="${c.criterion.id}">${c.criterion.id} — ${c.criterion.title}</option>`,
            )}</select>
            <label class="usa-label" for="o-outcome">Outcome</label>
            <select class="usa-select" id="o-outcome" name="outcome">${REVIEWER_OUTCOMES.map(
              (v) => html`<option value="${v}">${v}</option>`,
            )}</select>
            <label class="usa-label" for="o-note">Why</label>
            <textarea class="usa-textarea" id="o-note" name="note" rows="2" required maxlength="2000"></textarea>
            <button class="usa-button usa-button--outline" type="submit">Record the outcome</button>
          </form>`
            : EMPTY
        }
        ${
          o.actor.role === 'reviewer'
            ? html`<h2>Recuse yourself</h2>
          <form class="usa-form" method="post" action="/submissions/${s.id}/recusals">${csrfField(csrf)}
            <label class="usa-label" for="recuse-reason">Reason</label>
            <textarea class="usa-textarea" id="recuse-reason" name="reason" rows="2" required maxlength="2000"></textarea>
            <button class="usa-button usa-button--secondary" type="submit">Recuse</button></form>`
            : EMPTY
        }`,
      { side: submissionSide(s, o.actor) },
    );
  });

  web.post('/submissions/:id/findings', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const form = formOf(request);
    const back = `/submissions/${id}/workbench`;
    return attempt(reply, back, async () => {
      const artifact = text(form, 'artifact', 'The artifact path', 1000, false).trim();
      const input: NewManualFinding = {
        criterionId: text(form, 'criterionId', 'The criterion', 100),
        severity: choice(form, 'severity', 'severity', SEVERITIES),
        title: text(form, 'title', 'The title', 300),
        description: text(form, 'description', 'The description', 20_000),
        remediation: text(form, 'remediation', 'The remediation', 10_000),
        method: choice(form, 'method', 'method', ['code-inspection', 'simulated-attack', 'other'] as const),
        ...(artifact === '' ? {} : { location: { artifact } }),
      };
      const f = await createManualFinding(ctx, origin(request), id, input);
      return { to: `/findings/${f.id}`, text: 'The manual finding is recorded.' };
    });
  });

  web.post('/submissions/:id/criterion-outcomes', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const form = formOf(request);
    return attempt(reply, `/submissions/${id}/workbench`, async () => {
      const outcome = await recordCriterionOutcome(ctx, origin(request), id, {
        criterionId: text(form, 'criterionId', 'The criterion', 100),
        outcome: choice(form, 'outcome', 'outcome', REVIEWER_OUTCOMES),
        note: text(form, 'note', 'The reason', 2000),
      });
      return {
        to: `/submissions/${id}/workbench`,
        text: `${outcome.criterionId}: ${outcome.outcome} is recorded.`,
      };
    });
  });

  web.post('/submissions/:id/recusals', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const form = formOf(request);
    return attempt(reply, `/submissions/${id}/workbench`, async () => {
      const reason = text(form, 'reason', 'The reason', 2000);
      const reviewerId = text(form, 'reviewerId', 'The reviewer', 36, false).trim();
      await recuseReviewer(ctx, origin(request), id, {
        reason,
        ...(reviewerId === '' ? {} : { reviewerId }),
      });
      return {
        to: request.actor.role === 'reviewer' ? '/queue' : `/submissions/${id}/assignments`,
        text: 'The recusal is recorded.',
      };
    });
  });
}
