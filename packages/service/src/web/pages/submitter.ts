/**
 * The submitter's pages: organisation overview, the new-submission wizard (manifest pasted, read from a
 * file or filled in as a form; artifact upload with progress; digests-only), a new revision after
 * remediation, and the decision on a round of findings.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, type Context } from '../../app/context.js';
import { decide, listFindings } from '../../app/findings.js';
import { getOrganisation } from '../../app/organisations.js';
import {
  createRevision,
  createSubmission,
  getSubmission,
  listArtifacts,
  listSubmissions,
  type SubmissionView,
} from '../../app/submissions.js';
import { origin } from '../../http/auth.js';
import { EMPTY, type Html, html } from '../html.js';
import { alert, csrfField } from '../layout.js';
import { formatBytes, stateTag, when, wizardSteps } from '../parts.js';
import { attempt, choice, type Form, formOf, idParam, text, view } from '../view.js';

const WIZARD = ['Manifest', 'Artifacts', 'Submit'];
/** A pasted manifest: the API's limit of 4 MiB of YAML. */
const MAX_MANIFEST = 4 * 1024 * 1024;
const MANIFEST_BODY_LIMIT = 6 * 1024 * 1024;
/** Artifacts typed into the form, one a line (the manifest route takes more). */
const MAX_FORM_ARTIFACTS = 1000;

function requireSubmitter(request: FastifyRequest): Extract<FastifyRequest['actor'], { role: 'submitter' }> {
  const actor = request.actor;
  if (actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  if (actor.role !== 'submitter')
    throw new AppError('FORBIDDEN', 'this page is for submitting organisations');
  return actor;
}

export function submissionTable(rows: readonly SubmissionView[], caption: string): Html {
  if (rows.length === 0) return html`<p>No submissions yet.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">Model</th><th scope="col">Version</th><th scope="col">State</th><th scope="col">Revision</th><th scope="col">Updated</th></tr></thead>
    <tbody>${rows.map(
      (s) => html`<tr>
        <th scope="row" data-label="Model"><a class="usa-link" href="/submissions/${s.id}">${s.modelName}</a></th>
        <td data-label="Version">${s.modelVersion}</td><td data-label="State">${stateTag(s.state)}</td>
        <td data-label="Revision">${s.currentRevision}</td><td data-label="Updated">${when(s.updatedAt)}</td></tr>`,
    )}</tbody></table>`;
}

/** Builds a vacsrp.yaml from the form's fields; every value is written as a JSON string (valid YAML). */
export function manifestFromForm(form: Form): string {
  const q = (s: string) => JSON.stringify(s.trim());
  const name = text(form, 'modelName', 'The model name', 200);
  const version = text(form, 'modelVersion', 'The model version', 100);
  const licence = text(form, 'licence', 'The licence', 100);
  const organisation = text(form, 'organisation', 'The developer organisation', 200);
  const contact = text(form, 'securityContact', 'The security contact', 254);
  const uses = text(form, 'intendedUses', 'The intended uses', 10_000)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const lines = text(form, 'artifacts', 'The artifact list', 1_000_000)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length > MAX_FORM_ARTIFACTS)
    throw new AppError(
      'INVALID',
      `the form takes at most ${MAX_FORM_ARTIFACTS} artifacts; upload a manifest instead`,
    );
  const artifacts = lines.map((line, i) => {
    const m = /^(\S+)\s+([0-9a-f]{64})\s+([0-9]{1,16})$/.exec(line);
    if (m === null) {
      throw new AppError(
        'INVALID',
        `artifact line ${i + 1}: write “path sha256 size” (SHA-256 as 64 lowercase hex digits)`,
      );
    }
    return `  - path: ${q(m[1]!)}\n    sha256: ${q(m[2]!)}\n    size: ${Number(m[3])}\n`;
  });
  const confidentiality = choice(form, 'confidentiality', 'artifact handling', [
    'upload',
    'digests-only',
  ] as const);
  return `manifestVersion: 1
model:
  name: ${q(name)}
  version: ${q(version)}
  licence:
    id: ${q(licence)}
developer:
  organisation: ${q(organisation)}
  securityContact: ${q(contact)}
intendedUses:
${uses.map((u) => `  - ${q(u)}\n`).join('')}artifacts:
${artifacts.join('')}confidentiality: ${confidentiality}
`;
}

export function submitterPages(web: FastifyInstance, ctx: Context): void {
  web.get('/organisation', { config: { access: 'user' } }, async (request, reply) => {
    const actor = requireSubmitter(request);
    const org = await getOrganisation(ctx, actor, actor.organisationId);
    const subs = await listSubmissions(ctx, actor);
    const open = subs.filter((s) => s.state !== 'completed' && s.state !== 'withdrawn');
    return view(
      request,
      reply,
      'Organisation',
      () => html`<h1>${org.name}</h1>
        <ul class="usa-card-group">
          <li class="usa-card tablet:grid-col-4"><div class="usa-card__container"><div class="usa-card__header"><h2 class="usa-card__heading">Open reviews</h2></div>
            <div class="usa-card__body"><p class="font-sans-2xl" id="count-open">${open.length}</p></div></div></li>
          <li class="usa-card tablet:grid-col-4"><div class="usa-card__container"><div class="usa-card__header"><h2 class="usa-card__heading">Completed</h2></div>
            <div class="usa-card__body"><p class="font-sans-2xl">${subs.filter((s) => s.state === 'completed').length}</p></div></div></li>
          <li class="usa-card tablet:grid-col-4"><div class="usa-card__container"><div class="usa-card__header"><h2 class="usa-card__heading">Needs your action</h2></div>
            <div class="usa-card__body"><p class="font-sans-2xl">${
              subs.filter(
                (s) => s.state === 'draft' || s.state === 'findings-issued' || s.state === 'remediating',
              ).length
            }</p></div></div></li>
        </ul>
        <table class="usa-table usa-table--borderless"><caption>About the organisation</caption><tbody>
          <tr><th scope="row">Type</th><td>${org.type}</td></tr>
          <tr><th scope="row">Size</th><td>${org.sizeBand} people</td></tr>
          <tr><th scope="row">Sector</th><td>${org.sector}</td></tr>
        </tbody></table>
        <p><a class="usa-button" href="/submissions/new">New submission</a></p>
        ${submissionTable(subs, 'Submissions of your organisation')}`,
    );
  });

  web.get('/submissions/new', { config: { access: 'user' } }, async (request, reply) => {
    requireSubmitter(request);
    return view(
      request,
      reply,
      'New submission',
      (csrf) => html`<h1>New submission</h1>
        ${wizardSteps(WIZARD, 0)}
        <p>Describe the model package with a <code>vacsrp.yaml</code> manifest (<code>vacsrp init</code> writes one), or fill in the form below.
        Choose <strong>digests only</strong> to list artifacts by SHA-256 without uploading them.</p>
        <form class="usa-form usa-form--large" method="post" action="/submissions">
          ${csrfField(csrf)}
          <input type="hidden" name="mode" value="manifest">
          <fieldset class="usa-fieldset">
            <legend class="usa-legend usa-legend--large">Upload or paste the manifest</legend>
            <div class="usa-form-group" id="manifest-file-group" hidden>
              <label class="usa-label" for="manifest-file">Manifest file (vacsrp.yaml)</label>
              <span class="usa-hint" id="manifest-file-hint">The file’s text is copied into the box below.</span>
              <input class="usa-file-input" id="manifest-file" type="file" accept=".yaml,.yml,text/yaml" aria-describedby="manifest-file-hint">
            </div>
            <label class="usa-label" for="manifest">Manifest (YAML)</label>
            <textarea class="usa-textarea web-pre" id="manifest" name="manifest" rows="14" required maxlength="${MAX_MANIFEST}" spellcheck="false"></textarea>
            <button class="usa-button" type="submit">Create the draft</button>
          </fieldset>
        </form>
        <form class="usa-form usa-form--large" method="post" action="/submissions">
          ${csrfField(csrf)}
          <input type="hidden" name="mode" value="form">
          <fieldset class="usa-fieldset">
            <legend class="usa-legend usa-legend--large">Or fill in the manifest as a form</legend>
            <label class="usa-label" for="f-name">Model name</label>
            <input class="usa-input" id="f-name" name="modelName" required maxlength="200">
            <label class="usa-label" for="f-version">Model version</label>
            <input class="usa-input" id="f-version" name="modelVersion" required maxlength="100">
            <label class="usa-label" for="f-licence">Licence (SPDX identifier)</label>
            <input class="usa-input" id="f-licence" name="licence" required maxlength="100" value="Apache-2.0">
            <label class="usa-label" for="f-org">Developer organisation</label>
            <input class="usa-input" id="f-org" name="organisation" required maxlength="200">
            <label class="usa-label" for="f-contact">Security contact (e-mail)</label>
            <input class="usa-input" id="f-contact" name="securityContact" type="email" required maxlength="254">
            <label class="usa-label" for="f-uses">Intended uses (one a line)</label>
            <textarea class="usa-textarea" id="f-uses" name="intendedUses" rows="3" required maxlength="10000"></textarea>
            <label class="usa-label" for="f-artifacts">Artifacts (one a line: path, SHA-256, size in bytes)</label>
            <span class="usa-hint" id="f-artifacts-hint">For example: <code>model/weights.safetensors 9f86…0f00 1048576</code></span>
            <textarea class="usa-textarea web-pre" id="f-artifacts" name="artifacts" rows="5" required maxlength="1000000" aria-describedby="f-artifacts-hint" spellcheck="false"></textarea>
            <fieldset class="usa-fieldset">
              <legend class="usa-legend">Artifact handling</legend>
              <div class="usa-radio"><input class="usa-radio__input" id="c-upload" type="radio" name="confidentiality" value="upload" checked>
                <label class="usa-radio__label" for="c-upload">Upload the artifacts (scanned by the program)</label></div>
              <div class="usa-radio"><input class="usa-radio__input" id="c-digests" type="radio" name="confidentiality" value="digests-only">
                <label class="usa-radio__label" for="c-digests">Digests only (no upload; the review works from your evidence)</label></div>
            </fieldset>
            <button class="usa-button" type="submit">Create the draft</button>
          </fieldset>
        </form>`,
      { scripts: ['/assets/web/manifest.js'] },
    );
  });

  web.post(
    '/submissions',
    { config: { access: 'user' }, bodyLimit: MANIFEST_BODY_LIMIT },
    async (request, reply) => {
      requireSubmitter(request);
      const form = formOf(request);
      return attempt(reply, '/submissions/new', async () => {
        const manifest =
          form.mode === 'form'
            ? manifestFromForm(form)
            : text(form, 'manifest', 'The manifest', MAX_MANIFEST);
        const created = await createSubmission(ctx, origin(request), { manifest });
        const artifacts = await listArtifacts(ctx, request.actor, created.id, 1);
        const pending = artifacts.some((a) => a.state === 'pending');
        return {
          to: pending ? `/submissions/${created.id}/upload` : `/submissions/${created.id}`,
          text: `Draft created for ${created.modelName} ${created.modelVersion}.`,
        };
      });
    },
  );

  web.get('/submissions/:id/upload', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const s = await getSubmission(ctx, origin(request), id);
    requireSubmitter(request);
    const artifacts = await listArtifacts(ctx, request.actor, id, s.currentRevision);
    const pending = artifacts.filter((a) => a.state === 'pending');
    return view(
      request,
      reply,
      `Artifacts of ${s.modelName}`,
      (csrf) => html`<h1>Artifacts of ${s.modelName} ${s.modelVersion}</h1>
        ${s.currentRevision === 1 ? wizardSteps(WIZARD, 1) : html`<p>Revision ${s.currentRevision}</p>`}
        <div data-no-js>${alert(
          'warning',
          html`Uploading artifacts needs JavaScript in your browser. Without it, upload with the command line
            (<code>vacsrp submit</code> with an API token from your <a class="usa-link" href="/account">account page</a>),
            or create the submission with <strong>digests only</strong>.`,
          'JavaScript is needed to upload',
        )}</div>
        ${
          pending.length === 0
            ? alert('success', 'Every artifact of this revision is stored or listed by digest.')
            : html`<p>Choose each file as listed in the manifest. The upload goes in small pieces, shows its progress,
                and resumes where it stopped if the connection fails; the service checks the size and SHA-256 before accepting it.</p>`
        }
        <div data-needs-js hidden>
        ${pending.map(
          (a, i) => html`<div class="web-upload" data-artifact="${a.id}" data-size="${a.size}">
            <h2 class="font-sans-md">${a.path}</h2>
            <p class="web-digest">SHA-256 ${a.sha256} · ${formatBytes(a.size)}</p>
            <label class="usa-label" for="file-${i}">File for ${a.path}</label>
            <input id="file-${i}" type="file" class="web-file">
            <button type="button" class="usa-button usa-button--outline" data-upload>Upload</button>
            <progress max="1" value="0" aria-label="Upload progress for ${a.path}"></progress>
            <p data-status aria-live="polite">Not started.</p>
          </div>`,
        )}
        </div>
        <table class="usa-table usa-table--borderless"><caption>Artifacts of revision ${s.currentRevision}</caption>
          <thead><tr><th scope="col">Path</th><th scope="col">Size</th><th scope="col">State</th></tr></thead>
          <tbody>${artifacts.map(
            (a) =>
              html`<tr><th scope="row">${a.path}</th><td>${formatBytes(a.size)}</td><td>${a.state}</td></tr>`,
          )}</tbody></table>
        ${
          s.state === 'draft'
            ? html`${wizardSteps(WIZARD, 2)}
              <form method="post" action="/submissions/${s.id}/transitions">${csrfField(csrf)}
                <input type="hidden" name="action" value="submit">
                <button class="usa-button" type="submit">Submit for review</button></form>`
            : EMPTY
        }
        <p><a class="usa-link" href="/submissions/${s.id}">Back to the submission</a></p>`,
      { scripts: ['/assets/web/upload.js'] },
    );
  });

  web.get('/submissions/:id/revisions/new', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const s = await getSubmission(ctx, origin(request), id);
    requireSubmitter(request);
    return view(
      request,
      reply,
      `New revision of ${s.modelName}`,
      (csrf) => html`<h1>New revision of ${s.modelName}</h1>
        ${s.state === 'remediating' ? EMPTY : alert('info', html`A new revision is uploaded while remediating; this submission is ${s.state}.`)}
        <form class="usa-form usa-form--large" method="post" action="/submissions/${s.id}/revisions">
          ${csrfField(csrf)}
          <div class="usa-form-group" id="manifest-file-group" hidden>
            <label class="usa-label" for="manifest-file">Manifest file (vacsrp.yaml)</label>
            <input class="usa-file-input" id="manifest-file" type="file" accept=".yaml,.yml,text/yaml">
          </div>
          <label class="usa-label" for="manifest">Updated manifest (YAML)</label>
          <textarea class="usa-textarea web-pre" id="manifest" name="manifest" rows="14" required maxlength="${MAX_MANIFEST}" spellcheck="false"></textarea>
          <button class="usa-button" type="submit">Upload the new revision</button>
        </form>`,
      { scripts: ['/assets/web/manifest.js'] },
    );
  });

  web.post(
    '/submissions/:id/revisions',
    { config: { access: 'user' }, bodyLimit: MANIFEST_BODY_LIMIT },
    async (request, reply) => {
      const id = idParam(request);
      const form = formOf(request);
      return attempt(reply, `/submissions/${id}/revisions/new`, async () => {
        const manifest = text(form, 'manifest', 'The manifest', MAX_MANIFEST);
        const s = await createRevision(ctx, origin(request), id, { manifest });
        const artifacts = await listArtifacts(ctx, request.actor, id, s.currentRevision);
        return {
          to: artifacts.some((a) => a.state === 'pending')
            ? `/submissions/${id}/upload`
            : `/submissions/${id}`,
          text: `Revision ${s.currentRevision} created.`,
        };
      });
    },
  );

  web.post('/submissions/:id/decisions', { config: { access: 'user' } }, async (request, reply) => {
    const id = idParam(request);
    const form = formOf(request);
    return attempt(reply, `/submissions/${id}`, async () => {
      const kind = choice(form, 'kind', 'decision', ['remediate', 'proceed'] as const);
      const justification = text(form, 'justification', 'The justification', 10_000);
      if (kind === 'remediate') {
        await decide(ctx, origin(request), id, { kind, justification });
        return {
          to: `/submissions/${id}`,
          text: 'Decision recorded: you will remediate with a new revision.',
        };
      }
      // Proceeding discloses exactly the findings whose risk is accepted; the form lists them beforehand.
      const findings = await listFindings(ctx, origin(request), id, { state: 'risk-accepted' });
      await decide(ctx, origin(request), id, {
        kind,
        justification,
        acceptedFindingIds: findings.map((f) => f.id),
      });
      return {
        to: `/submissions/${id}`,
        text: 'Decision recorded: you proceed with the accepted risks disclosed.',
      };
    });
  });
}
