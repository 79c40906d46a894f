/**
 * The pages every party of a submission shares (owner, assigned reviewers, administrators): the
 * submission with its status timeline, findings with filters and the actions this role may take; one
 * finding with its thread, evidence and resolution forms; the evidence viewer.
 */
import type { Readable } from 'node:stream';
import { findCriterion } from '@vacsrp/scanner';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, type Context } from '../../app/context.js';
import {
  comment,
  type FindingFilter,
  type FindingView,
  getFinding,
  listDecisions,
  listFindings,
  readEvidence,
  resolve,
} from '../../app/findings.js';
import {
  type AttestationView,
  getAttestation,
  MAX_REVOCATION_NOTE,
  REVOCATION_REASONS,
  revokeAttestation,
} from '../../app/outputs/attestations.js';
import { REPORT_FORMATS } from '../../app/outputs/report.js';
import { APPROVABLE_STATES, approvePublicSummary, previewPublicSummary } from '../../app/outputs/summary.js';
import { history } from '../../app/reviewers.js';
import { listScans } from '../../app/scans.js';
import {
  changeState,
  getSubmission,
  listArtifacts,
  listRevisions,
  listSubmissions,
  type SubmissionView,
  type TransitionRequest,
} from '../../app/submissions.js';
import type { Actor } from '../../domain/actor.js';
import type { FindingAction, FindingState, Severity } from '../../domain/findings.js';
import { TERMINAL_STATES } from '../../domain/submission.js';
import { origin } from '../../http/auth.js';
import { EMPTY, type Html, html } from '../html.js';
import { redirect } from '../kit.js';
import { alert, csrfField, type NavItem } from '../layout.js';
import { formatBytes, STATE_LABEL, severityTag, stateTag, stepIndicator, when } from '../parts.js';
import { attempt, choice, formOf, idParam, queryOf, text, view } from '../view.js';
import { summaryView } from './public.js';
import { submissionTable } from './submitter.js';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const FINDING_STATES: readonly FindingState[] = [
  'open',
  'remediated',
  'risk-accepted',
  'false-positive',
];
const ACTIONS: readonly TransitionRequest['type'][] = [
  'submit',
  'start-review',
  'issue-findings',
  'sign-off',
  'start-remediation',
  'issue-final-report',
  'complete',
  'withdraw',
];
const ACTION_LABEL: Readonly<Record<TransitionRequest['type'], string>> = {
  submit: 'Submit for review',
  'start-review': 'Start the review',
  'issue-findings': 'Issue the findings',
  'sign-off': 'Sign off the findings',
  'start-remediation': 'Start remediation',
  'issue-final-report': 'Issue the final report',
  complete: 'Complete the review',
  withdraw: 'Withdraw the submission',
};
const REPORT_LABEL: Readonly<Record<(typeof REPORT_FORMATS)[number], string>> = {
  json: 'JSON',
  html: 'HTML (self-contained)',
  pdf: 'PDF',
  'oscal-assessment-results': 'OSCAL assessment results',
  'oscal-poam': 'OSCAL plan of action and milestones',
};

function attestationSection(a: AttestationView, actor: Actor, csrf: string): Html {
  return html`<h2>Attestation</h2>
    <table class="usa-table usa-table--borderless" id="attestation"><caption>The completion attestation</caption><tbody>
      <tr><th scope="row">Status</th><td>${a.status}</td></tr>
      <tr><th scope="row">Issued</th><td>${when(a.issuedAt)}</td></tr>
      <tr><th scope="row">Expires</th><td>${when(a.expiresAt)}</td></tr>
      <tr><th scope="row">Registry entry</th><td><a class="usa-link" href="/registry/${a.registryEntryId}">Public registry entry</a></td></tr>
    </tbody></table>
    ${
      actor.role === 'administrator' && a.status !== 'revoked'
        ? html`<form class="usa-form" method="post" action="/attestations/${a.id}/revocation">${csrfField(csrf)}
          <fieldset class="usa-fieldset"><legend class="usa-legend">Revoke the attestation</legend>
            <label class="usa-label" for="revoke-reason">Reason</label>
            <select class="usa-select" id="revoke-reason" name="reason">${REVOCATION_REASONS.map((r) => html`<option value="${r}">${r}</option>`)}</select>
            <label class="usa-label" for="revoke-note">Public note (optional)</label>
            <textarea class="usa-textarea" id="revoke-note" name="note" rows="2" maxlength="${MAX_REVOCATION_NOTE}"></textarea>
            <button class="usa-button usa-button--secondary" type="submit">Revoke</button></fieldset></form>`
        : EMPTY
    }`;
}

/** The evidence viewer shows text files up to this size inline; larger or binary files are downloaded. */
const MAX_INLINE_EVIDENCE = 512 * 1024;

/** The side navigation of a submission, by role. */
export function submissionSide(s: SubmissionView, actor: Actor): { heading: string; items: NavItem[] } {
  const items: NavItem[] = [
    { label: 'Overview and findings', href: `/submissions/${s.id}` },
    { label: 'Public summary preview', href: `/submissions/${s.id}/summary` },
  ];
  if (actor.role === 'submitter') {
    items.push({ label: 'Artifacts and upload', href: `/submissions/${s.id}/upload` });
    items.push({ label: 'New revision', href: `/submissions/${s.id}/revisions/new` });
  }
  if (actor.role === 'reviewer' || actor.role === 'administrator') {
    items.push({ label: 'Reviewer workbench', href: `/submissions/${s.id}/workbench` });
  }
  if (actor.role === 'administrator') {
    items.push({ label: 'Assignments', href: `/submissions/${s.id}/assignments` });
  }
  return { heading: 'This submission', items };
}

/** The state changes this role could take now (the use case still decides). */
function actionsFor(s: SubmissionView, actor: Actor): TransitionRequest['type'][] {
  const out: TransitionRequest['type'][] = [];
  switch (actor.role) {
    case 'submitter':
      if (s.state === 'draft') out.push('submit');
      if (s.state === 'findings-issued') out.push('start-remediation');
      if (!TERMINAL_STATES.includes(s.state)) out.push('withdraw');
      break;
    case 'administrator':
      if (s.state === 'submitted' || s.state === 'resubmitted') out.push('start-review');
      if (s.state === 'findings-issued') out.push('issue-final-report');
      if (s.state === 'final-report') out.push('complete');
      break;
    case 'reviewer':
      if (s.state === 'in-review') out.push('issue-findings');
      if (s.state === 'findings-issued' && !s.signOffs.includes(actor.userId)) out.push('sign-off');
      break;
    default:
      break;
  }
  return out;
}

export function actionForms(s: SubmissionView, actor: Actor, csrf: string): Html {
  const actions = actionsFor(s, actor);
  if (actions.length === 0) return EMPTY;
  return html`<div class="web-actions">${actions.map(
    (a) => html`<form method="post" action="/submissions/${s.id}/transitions">${csrfField(csrf)}
      <input type="hidden" name="action" value="${a}">
      <button type="submit" class="usa-button${a === 'withdraw' ? ' usa-button--secondary' : ''}">${ACTION_LABEL[a]}</button></form>`,
  )}</div>`;
}

export function findingTable(findings: readonly FindingView[], caption: string): Html {
  if (findings.length === 0) return html`<p>No findings match.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked" id="findings">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">Finding</th><th scope="col">Severity</th><th scope="col">Criterion</th><th scope="col">Source</th><th scope="col">Revision</th><th scope="col">State</th></tr></thead>
    <tbody>${findings.map(
      (f) => html`<tr>
        <th scope="row" data-label="Finding"><a class="usa-link" href="/findings/${f.id}">${f.title}</a></th>
        <td data-label="Severity">${severityTag(f.severity)}</td><td data-label="Criterion">${f.criterionId}</td>
        <td data-label="Source">${f.source}${f.ruleId === null ? EMPTY : html` (${f.ruleId})`}</td>
        <td data-label="Revision">${f.revision}</td><td data-label="State">${f.state}</td></tr>`,
    )}</tbody></table>`;
}

function filterOf(request: FastifyRequest): FindingFilter {
  const q = queryOf(request);
  return {
    ...(q.state !== undefined && (FINDING_STATES as readonly string[]).includes(q.state)
      ? { state: q.state as FindingState }
      : {}),
    ...(q.severity !== undefined && (SEVERITIES as readonly string[]).includes(q.severity)
      ? { severity: q.severity as Severity }
      : {}),
    ...(q.revision !== undefined && /^[1-9][0-9]{0,5}$/.test(q.revision)
      ? { revision: Number(q.revision) }
      : {}),
  };
}

function filterForm(action: string, filter: FindingFilter, revisions: number): Html {
  const option = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}"${selected ? html` selected` : EMPTY}>${label}</option>`;
  return html`<form class="usa-form web-actions" method="get" action="${action}" aria-label="Filter findings">
    <div><label class="usa-label" for="filter-state">State</label>
    <select class="usa-select" id="filter-state" name="state">${option('', 'Any', filter.state === undefined)}${FINDING_STATES.map(
      (s) => option(s, s, filter.state === s),
    )}</select></div>
    <div><label class="usa-label" for="filter-severity">Severity</label>
    <select class="usa-select" id="filter-severity" name="severity">${option('', 'Any', filter.severity === undefined)}${SEVERITIES.map(
      (s) => option(s, s, filter.severity === s),
    )}</select></div>
    <div><label class="usa-label" for="filter-revision">Revision</label>
    <select class="usa-select" id="filter-revision" name="revision">${option('', 'Any', filter.revision === undefined)}${Array.from(
      { length: revisions },
      (_, i) => option(String(i + 1), String(i + 1), filter.revision === i + 1),
    )}</select></div>
    <div><button class="usa-button usa-button--outline" type="submit">Filter</button></div>
  </form>`;
}

interface TimelineItem {
  readonly at: string;
  readonly text: Html;
}

function timeline(items: TimelineItem[]): Html {
  const sorted = [...items].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return html`<ol class="web-timeline" aria-label="Status timeline">${sorted.map(
    (i) => html`<li>${when(i.at)}${i.text}</li>`,
  )}</ol>`;
}

async function userNames(ctx: Context, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)].filter((i) => /^[0-9a-f-]{36}$/.test(i));
  if (unique.length === 0) return new Map();
  const rows = await ctx.db.selectFrom('users').select(['id', 'name']).where('id', 'in', unique).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export function submissionPages(web: FastifyInstance, ctx: Context): void {
  web.get('/submissions', { config: { access: 'user' } }, async (request, reply) => {
    const subs = await listSubmissions(ctx, request.actor);
    return view(
      request,
      reply,
      'Submissions',
      () => html`<h1>Submissions</h1>
        ${request.actor.role === 'submitter' ? html`<p><a class="usa-button" href="/submissions/new">New submission</a></p>` : EMPTY}
        ${submissionTable(subs, request.actor.role === 'administrator' ? 'Every submission' : 'Submissions you may see')}`,
    );
  });

  web.get('/submissions/:id', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const o = origin(request);
    const s = await getSubmission(ctx, o, id);
    const filter = filterOf(request);
    const [revisions, scans, decisions, assignments, findings] = await Promise.all([
      listRevisions(ctx, o.actor, id),
      listScans(ctx, o, id),
      listDecisions(ctx, o.actor, id),
      history(ctx, o.actor, id),
      listFindings(ctx, o, id, filter),
    ]);
    const artifacts = await listArtifacts(ctx, o.actor, id, s.currentRevision);
    const admin = o.actor.role === 'administrator';
    const names = admin
      ? await userNames(
          ctx,
          assignments.map((a) => a.reviewerId),
        )
      : new Map<string, string>();
    const items: TimelineItem[] = [
      ...revisions.map((r) => ({
        at: r.createdAt,
        text: html`Revision ${r.number} created${r.digestsOnly ? ' (digests only)' : ''}`,
      })),
      ...scans.flatMap((sc) => [
        { at: sc.createdAt, text: html`Automated scan of revision ${sc.revision} queued` },
        ...(sc.finishedAt === null
          ? []
          : [{ at: sc.finishedAt, text: html`Automated scan of revision ${sc.revision} ${sc.state}` }]),
      ]),
      ...assignments.map((a) => ({
        at: a.at,
        text: admin
          ? html`${names.get(a.reviewerId) ?? 'A reviewer'} ${a.type}${a.reason === undefined ? EMPTY : html`: ${a.reason}`}`
          : html`A reviewer was ${a.type}`,
      })),
      ...decisions.map((d) => ({
        at: d.at,
        text: html`Decision on revision ${d.revision}: ${d.kind === 'proceed' ? 'proceed with accepted risks' : 'remediate'}`,
      })),
      { at: s.updatedAt, text: html`<strong>Now: ${STATE_LABEL[s.state]}</strong>` },
    ];
    const riskAccepted = findings.filter((f) => f.state === 'risk-accepted');
    const attestation = s.state === 'completed' ? await getAttestation(ctx, o, id) : undefined;
    const decided = decisions.some((d) => d.revision === s.currentRevision);
    return view(
      request,
      reply,
      `${s.modelName} ${s.modelVersion}`,
      (csrf) => html`<h1>${s.modelName} <span class="text-base">${s.modelVersion}</span></h1>
        <p>${stateTag(s.state)} Revision ${s.currentRevision} · ${s.signOffs.length} of 2 reviewer sign-offs</p>
        ${stepIndicator(s.state)}
        ${actionForms(s, o.actor, csrf)}
        ${
          o.actor.role === 'submitter' && s.state === 'draft'
            ? html`<p><a class="usa-link" href="/submissions/${s.id}/upload">Upload the artifacts</a> before submitting.</p>`
            : EMPTY
        }
        ${
          o.actor.role === 'submitter' && s.state === 'remediating'
            ? html`<p><a class="usa-button usa-button--outline" href="/submissions/${s.id}/revisions/new">Upload a new revision</a></p>`
            : EMPTY
        }
        ${
          o.actor.role === 'submitter' && s.state === 'findings-issued' && !decided
            ? html`<section aria-labelledby="decision-heading"><h2 id="decision-heading">Your decision on these findings</h2>
              <p>Remediate with a new revision, or proceed: every finding must be resolved first, and the risks you accepted
              (${riskAccepted.length}) are disclosed in the public summary.</p>
              <form class="usa-form usa-form--large" method="post" action="/submissions/${s.id}/decisions">${csrfField(csrf)}
                <fieldset class="usa-fieldset"><legend class="usa-legend">Decision</legend>
                  <div class="usa-radio"><input class="usa-radio__input" id="d-remediate" type="radio" name="kind" value="remediate" checked>
                    <label class="usa-radio__label" for="d-remediate">Remediate with a new revision</label></div>
                  <div class="usa-radio"><input class="usa-radio__input" id="d-proceed" type="radio" name="kind" value="proceed">
                    <label class="usa-radio__label" for="d-proceed">Proceed with the accepted risks disclosed</label></div>
                </fieldset>
                <label class="usa-label" for="d-justification">Justification</label>
                <textarea class="usa-textarea" id="d-justification" name="justification" rows="3" required maxlength="10000"></textarea>
                <button class="usa-button" type="submit">Record the decision</button>
              </form></section>`
            : EMPTY
        }
        <h2>Status timeline</h2>
        ${timeline(items)}
        <h2>Findings</h2>
        ${filterForm(`/submissions/${s.id}`, filter, s.currentRevision)}
        ${findingTable(findings, `Findings (${findings.length})`)}
        <h2>Artifacts of revision ${s.currentRevision}</h2>
        <table class="usa-table usa-table--borderless"><caption>Artifacts</caption>
          <thead><tr><th scope="col">Path</th><th scope="col">SHA-256</th><th scope="col">Size</th><th scope="col">State</th></tr></thead>
          <tbody>${artifacts.map(
            (a) =>
              html`<tr><th scope="row">${a.path}</th><td class="web-digest">${a.sha256}</td><td>${formatBytes(a.size)}</td><td>${a.state}</td></tr>`,
          )}</tbody></table>
        <h2>Confidential report</h2>
        <p>The review report of revision ${s.currentRevision}, for your organisation, its reviewers and the program only. Every download is recorded.</p>
        <ul class="usa-list" id="report-downloads">${REPORT_FORMATS.map(
          (f) =>
            html`<li><a class="usa-link" href="/api/v1/submissions/${s.id}/revisions/${s.currentRevision}/report?format=${f}" download>${REPORT_LABEL[f]}</a></li>`,
        )}</ul>
        <p><a class="usa-link" href="/submissions/${s.id}/summary">Preview the public summary</a></p>
        ${attestation === undefined ? EMPTY : attestationSection(attestation, o.actor, csrf)}`,
      { side: submissionSide(s, o.actor) },
    );
  });

  web.post('/submissions/:id/transitions', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const form = formOf(request);
    const back = `/submissions/${id}`;
    return attempt(reply, back, async () => {
      const action = choice(form, 'action', 'action', ACTIONS);
      const s = await changeState(ctx, origin(request), id, { type: action } as TransitionRequest);
      return {
        to: back,
        text: `${ACTION_LABEL[action]}: done. The submission is now ${STATE_LABEL[s.state].toLowerCase()}.`,
      };
    });
  });

  web.get('/submissions/:id/summary', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const o = origin(request);
    const s = await getSubmission(ctx, o, id);
    const preview = await previewPublicSummary(ctx, o, id);
    return view(
      request,
      reply,
      `Public summary: ${s.modelName}`,
      (csrf) => html`<h1>Public summary: ${s.modelName} ${s.modelVersion}</h1>
        ${
          preview.state === 'approved'
            ? alert(
                'success',
                html`Approved ${when(preview.approvedAt)}; the registry publishes exactly this once the review completes.`,
                'Approved',
              )
            : alert(
                'info',
                html`A preview of revision ${preview.revision}, derived from the review as it stands. Nothing is public until an administrator approves it and the review completes.`,
                'Draft',
              )
        }
        ${
          o.actor.role === 'administrator' && preview.state === 'draft' && APPROVABLE_STATES.includes(s.state)
            ? html`<form method="post" action="/submissions/${s.id}/summary/approval">${csrfField(csrf)}
                <button class="usa-button" type="submit">Approve this public summary</button></form>`
            : EMPTY
        }
        ${summaryView(preview.summary)}`,
      { side: submissionSide(s, o.actor) },
    );
  });

  web.post('/submissions/:id/summary/approval', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    return attempt(reply, `/submissions/${id}/summary`, async () => {
      await approvePublicSummary(ctx, origin(request), id);
      return { to: `/submissions/${id}/summary`, text: 'The public summary is approved.' };
    });
  });

  web.post('/attestations/:id/revocation', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const form = formOf(request);
    const a = await revokeAttestation(ctx, origin(request), id, {
      reason: choice(form, 'reason', 'reason', REVOCATION_REASONS),
      ...(text(form, 'note', 'The note', MAX_REVOCATION_NOTE, false).trim() === ''
        ? {}
        : { note: text(form, 'note', 'The note', MAX_REVOCATION_NOTE, false) }),
    });
    return redirect(reply, `/submissions/${a.submissionId}`, {
      kind: 'success',
      text: 'The attestation is revoked.',
    });
  });

  web.get('/findings/:id', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const o = origin(request);
    const f = await getFinding(ctx, o, id);
    const s = await getSubmission(ctx, o, f.submissionId);
    const criterion = findCriterion(f.criterionId);
    const role = o.actor.role;
    const open = f.state === 'open';
    return view(
      request,
      reply,
      f.title,
      (
        csrf,
      ) => html`<p><a class="usa-link" href="/submissions/${s.id}">${s.modelName} ${s.modelVersion}</a></p>
        <h1>${f.title}</h1>
        <p>${severityTag(f.severity)} <span class="usa-tag">${f.state}</span></p>
        <table class="usa-table usa-table--borderless"><caption>About this finding</caption><tbody>
          <tr><th scope="row">Criterion</th><td>${f.criterionId}${criterion === undefined ? EMPTY : html` — ${criterion.criterion.title}`}</td></tr>
          <tr><th scope="row">Source</th><td>${f.source}${f.ruleId === null ? EMPTY : html` (rule ${f.ruleId})`}</td></tr>
          <tr><th scope="row">Revision</th><td>${f.revision}</td></tr>
          <tr><th scope="row">Raised</th><td>${when(f.createdAt)}</td></tr>
        </tbody></table>
        <h2>Description</h2><p class="web-pre">${f.description}</p>
        <h2>Remediation</h2><p class="web-pre">${f.remediation}</p>
        <h2>Location and evidence</h2>
        <pre class="web-pre" tabindex="0">${JSON.stringify({ location: f.location, evidence: f.evidence }, null, 2)}</pre>
        ${
          f.evidenceFiles.length === 0
            ? html`<p>No evidence files.</p>`
            : html`<ul class="usa-list">${f.evidenceFiles.map(
                (e) =>
                  html`<li><a class="usa-link" href="/findings/${f.id}/evidence/${e.id}">${e.name}</a> (${e.mediaType}, ${formatBytes(e.size)})</li>`,
              )}</ul>`
        }
        ${
          role === 'reviewer' && s.reviewers.includes(o.actor.role === 'reviewer' ? o.actor.userId : '')
            ? html`<form class="usa-form" id="evidence-form" data-finding="${f.id}" data-needs-js hidden>
                <label class="usa-label" for="evidence-file">Attach an evidence file (encrypted at rest; at most 100 MB)</label>
                <input class="usa-file-input" id="evidence-file" name="file" type="file" required>
                <button class="usa-button usa-button--outline" type="submit">Attach</button>
                <p id="evidence-status" role="status" aria-live="polite"></p></form>
              <p data-no-js>Attaching evidence files needs JavaScript here; or POST the bytes to
                <code>/api/v1/findings/${f.id}/evidence?name=…</code> with an API token.</p>`
            : EMPTY
        }
        ${
          f.resolution === null
            ? EMPTY
            : html`<h2>Resolution</h2><pre class="web-pre" tabindex="0">${JSON.stringify(f.resolution, null, 2)}</pre>`
        }
        ${open ? resolutionForms(f, role, s.currentRevision, csrf) : EMPTY}
        <h2>Comments</h2>
        ${
          f.comments.length === 0
            ? html`<p>No comments yet.</p>`
            : html`<ul class="usa-list usa-list--unstyled">${f.comments.map(
                (c) =>
                  html`<li class="margin-bottom-2"><strong>${c.role}</strong> ${when(c.at)}<div class="web-pre">${c.body}</div></li>`,
              )}</ul>`
        }
        ${
          role === 'submitter' || role === 'reviewer' || role === 'administrator'
            ? html`<form class="usa-form usa-form--large" method="post" action="/findings/${f.id}/comments">${csrfField(csrf)}
                <label class="usa-label" for="comment">Add a comment</label>
                <textarea class="usa-textarea" id="comment" name="body" rows="3" required maxlength="10000"></textarea>
                <button class="usa-button usa-button--outline" type="submit">Comment</button></form>`
            : EMPTY
        }`,
      { side: submissionSide(s, o.actor), scripts: ['/assets/web/evidence.js'] },
    );
  });

  web.post('/findings/:id/resolution', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const form = formOf(request);
    const back = `/findings/${id}`;
    return attempt(reply, back, async () => {
      const type = choice(form, 'type', 'response', [
        'accept-risk',
        'mark-false-positive',
        'confirm-remediation-by-reviewer',
        'confirm-remediation-by-rescan',
      ] as const);
      let action: FindingAction;
      switch (type) {
        case 'accept-risk':
          action = { type, justification: text(form, 'justification', 'The justification', 10_000) };
          break;
        case 'mark-false-positive':
          action = { type, rationale: text(form, 'rationale', 'The rationale', 10_000) };
          break;
        case 'confirm-remediation-by-reviewer':
          action = { type, note: text(form, 'note', 'The verification note', 10_000) };
          break;
        case 'confirm-remediation-by-rescan': {
          const r = text(form, 'revision', 'The revision', 6);
          if (!/^[1-9][0-9]{0,5}$/.test(r)) throw new AppError('INVALID', 'choose a revision');
          action = { type, revision: Number(r) };
          break;
        }
        default: {
          const never: never = type;
          throw new Error(`unknown response ${String(never)}`);
        }
      }
      const f = await resolve(ctx, origin(request), id, action);
      return { to: back, text: `The finding is now ${f.state}.` };
    });
  });

  web.post('/findings/:id/comments', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const back = `/findings/${id}`;
    return attempt(reply, back, async () => {
      await comment(ctx, origin(request), id, text(formOf(request), 'body', 'The comment', 10_000));
      return { to: back, text: 'Comment added.' };
    });
  });

  web.get('/findings/:id/evidence/:evidenceId', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const evidenceId = idParam(request, 'evidenceId');
    const o = origin(request);
    const f = await getFinding(ctx, o, id);
    const meta = f.evidenceFiles.find((e) => e.id === evidenceId);
    if (meta === undefined) throw new AppError('NOT_FOUND', 'no such evidence file');
    const textual =
      /^(text\/|application\/(json|x-ndjson|xml|yaml))/.test(meta.mediaType) &&
      meta.size <= MAX_INLINE_EVIDENCE;
    let content: string | undefined;
    if (textual) {
      const { body } = await readEvidence(ctx, o, id, evidenceId);
      content = await readBounded(body, MAX_INLINE_EVIDENCE);
    }
    return view(
      request,
      reply,
      `Evidence: ${meta.name}`,
      () => html`<p><a class="usa-link" href="/findings/${f.id}">${f.title}</a></p>
        <h1>Evidence: ${meta.name}</h1>
        <table class="usa-table usa-table--borderless"><caption>The evidence file</caption><tbody>
          <tr><th scope="row">Media type</th><td>${meta.mediaType}</td></tr>
          <tr><th scope="row">Size</th><td>${formatBytes(meta.size)}</td></tr>
          <tr><th scope="row">SHA-256</th><td class="web-digest">${meta.sha256}</td></tr>
          <tr><th scope="row">Added</th><td>${when(meta.createdAt)}</td></tr>
        </tbody></table>
        ${
          content === undefined
            ? alert('info', 'This file is not shown here (binary or large); download it to inspect it.')
            : html`<h2>Content</h2><pre class="web-pre" tabindex="0" id="evidence-content">${content}</pre>`
        }
        <p><a class="usa-button usa-button--outline" href="/api/v1/findings/${f.id}/evidence/${meta.id}" download>Download</a></p>`,
    );
  });
}

function resolutionForms(f: FindingView, role: Actor['role'], latestRevision: number, csrf: string): Html {
  const form = (type: string, legend: string, field: string, label: string, button: string) =>
    html`<form class="usa-form usa-form--large" method="post" action="/findings/${f.id}/resolution">${csrfField(csrf)}
      <input type="hidden" name="type" value="${type}">
      <fieldset class="usa-fieldset"><legend class="usa-legend">${legend}</legend>
        <label class="usa-label" for="${type}-${field}">${label}</label>
        <textarea class="usa-textarea" id="${type}-${field}" name="${field}" rows="3" required maxlength="10000"></textarea>
        <button class="usa-button" type="submit">${button}</button></fieldset></form>`;
  const rescan =
    latestRevision > f.revision
      ? html`<form class="usa-form" method="post" action="/findings/${f.id}/resolution">${csrfField(csrf)}
          <input type="hidden" name="type" value="confirm-remediation-by-rescan">
          <fieldset class="usa-fieldset"><legend class="usa-legend">Verify the remediation by a re-scan</legend>
            <label class="usa-label" for="rescan-revision">Revision whose scan no longer shows the problem</label>
            <select class="usa-select" id="rescan-revision" name="revision">${Array.from(
              { length: latestRevision - f.revision },
              (_, i) => html`<option value="${f.revision + i + 1}">${f.revision + i + 1}</option>`,
            )}</select>
            <button class="usa-button" type="submit">Confirm remediated</button></fieldset></form>`
      : EMPTY;
  switch (role) {
    case 'submitter':
      return html`<h2>Respond to this finding</h2>
        <p>Fix it in a new revision (see the submission page), or accept the risk with a justification that the public summary discloses.</p>
        ${form('accept-risk', 'Accept the risk', 'justification', 'Why the risk is acceptable', 'Accept the risk')}`;
    case 'reviewer':
      return html`<h2>Resolve this finding</h2>
        ${rescan}
        ${form('confirm-remediation-by-reviewer', 'Verify the remediation yourself', 'note', 'How you verified the fix', 'Confirm remediated')}
        ${form('mark-false-positive', 'Mark as a false positive', 'rationale', 'Why this is not a real problem', 'Mark false positive')}`;
    case 'administrator':
      return rescan === EMPTY ? EMPTY : html`<h2>Resolve this finding</h2>${rescan}`;
    default:
      return EMPTY;
  }
}

async function readBounded(body: Readable, max: number): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  let out = '';
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Uint8Array;
    size += b.length;
    if (size > max) {
      body.destroy();
      break;
    }
    out += decoder.decode(b, { stream: true });
  }
  return out + decoder.decode();
}
