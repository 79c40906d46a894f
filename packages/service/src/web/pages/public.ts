/**
 * The public pages, open without signing in: registry search, registry entries with the public
 * summary and how to verify the attestation, and the program dashboard with its downloads.
 */
import type { FastifyInstance } from 'fastify';
import { AppError, type Context } from '../../app/context.js';
import { REGISTRY_MAX_QUERY, registryEntry, searchRegistry } from '../../app/outputs/registry.js';
import { currentFiscalYear, dashboardFor, STATISTICS_FISCAL_YEARS } from '../../app/statistics.js';
import type { DashboardTable, TableCell } from '../../dashboard/metrics.js';
import type { PublicSummary } from '../../summary/model.js';
import { EMPTY, type Html, html } from '../html.js';
import { alert } from '../layout.js';
import { severityTag, when } from '../parts.js';
import { idParam, queryOf, view } from '../view.js';

const DIGEST = /^sha256:[0-9a-fA-F]{64}$/;

/** The public summary as the registry publishes it (also the administrators' preview before approval). */
export function summaryView(summary: PublicSummary): Html {
  const counts = summary.findingCounts;
  return html`<h2>Outcome by criteria family</h2>
    <table class="usa-table usa-table--borderless usa-table--stacked"><caption>Criteria version ${summary.criteriaVersion}</caption>
      <thead><tr><th scope="col">Family</th><th scope="col">Outcome</th><th scope="col">Criteria</th></tr></thead>
      <tbody>${summary.families.map(
        (
          f,
        ) => html`<tr><th scope="row" data-label="Family">${f.id}: ${f.title}</th><td data-label="Outcome">${f.outcome}</td>
          <td data-label="Criteria">${f.criteria.map((c) => html`${c.id} ${c.outcome}`).join(', ')}</td></tr>`,
      )}</tbody></table>
    <h2>Findings</h2>
    <table class="usa-table usa-table--borderless"><caption>Findings by severity (${counts.total} in all)</caption>
      <thead><tr>${Object.keys(counts.bySeverity).map((s) => html`<th scope="col">${s}</th>`)}</tr></thead>
      <tbody><tr>${Object.values(counts.bySeverity).map((n) => html`<td>${n}</td>`)}</tr></tbody></table>
    <table class="usa-table usa-table--borderless"><caption>Findings by status</caption>
      <thead><tr>${Object.keys(counts.byStatus).map((s) => html`<th scope="col">${s}</th>`)}</tr></thead>
      <tbody><tr>${Object.values(counts.byStatus).map((n) => html`<td>${n}</td>`)}</tr></tbody></table>
    ${
      summary.vulnerabilityClasses.length === 0
        ? EMPTY
        : html`<table class="usa-table usa-table--borderless usa-table--stacked"><caption>Classes of vulnerability found</caption>
          <thead><tr><th scope="col">Class</th><th scope="col">Criterion</th><th scope="col">Highest severity</th><th scope="col">Findings</th><th scope="col">Mitigation</th></tr></thead>
          <tbody>${summary.vulnerabilityClasses.map(
            (
              v,
            ) => html`<tr><th scope="row" data-label="Class">${v.title}</th><td data-label="Criterion">${v.criterionId}</td>
              <td data-label="Highest severity">${severityTag(v.highestSeverity)}</td><td data-label="Findings">${v.findings}</td><td data-label="Mitigation">${v.mitigation}</td></tr>`,
          )}</tbody></table>`
    }
    <h2>Accepted risks</h2>
    ${
      summary.acceptedRisks.length === 0
        ? html`<p>The developer accepted no risks.</p>`
        : html`<table class="usa-table usa-table--borderless usa-table--stacked" id="accepted-risks"><caption>Risks the developer accepted, with their justification</caption>
          <thead><tr><th scope="col">Class</th><th scope="col">Criterion</th><th scope="col">Severity</th><th scope="col">Justification</th></tr></thead>
          <tbody>${summary.acceptedRisks.map(
            (
              r,
            ) => html`<tr><th scope="row" data-label="Class">${r.class}</th><td data-label="Criterion">${r.criterionId}</td>
              <td data-label="Severity">${severityTag(r.severity)}</td><td data-label="Justification">${r.justification}</td></tr>`,
          )}</tbody></table>`
    }`;
}

const cellText = (cell: TableCell | undefined, unit: DashboardTable['unit']): string =>
  cell === undefined
    ? '—'
    : 'suppressed' in cell
      ? 'suppressed'
      : unit === 'percent'
        ? `${cell.value}%`
        : String(cell.value);

function dashboardTable(table: DashboardTable): Html {
  const hasTotals = table.rowTotals !== undefined;
  return html`<section class="margin-bottom-4" aria-labelledby="t-${table.id}">
    <h3 id="t-${table.id}">${table.title}</h3>
    <p>${table.description}</p>
    <img class="web-chart" src="/api/v1/dashboard/charts/${table.metric}.svg?fiscalYear=${table.fiscalYear}" alt="Chart: ${table.title}. The table below gives the same numbers.">
    <table class="usa-table usa-table--borderless usa-table--compact" data-table="${table.id}"><caption>${table.title} (${table.unit})</caption>
      <thead><tr><th scope="col">${table.rowHeading}</th>${table.columns.map((c) => html`<th scope="col">${c.label}</th>`)}${
        hasTotals ? html`<th scope="col">Total</th>` : EMPTY
      }</tr></thead>
      <tbody>${table.rows.map(
        (r, i) =>
          html`<tr><th scope="row">${r.label}</th>${(table.cells[i] ?? []).map(
            (c) => html`<td>${cellText(c, table.unit)}</td>`,
          )}${hasTotals ? html`<td>${cellText(table.rowTotals?.[i], table.unit)}</td>` : EMPTY}</tr>`,
      )}${
        table.columnTotals === undefined
          ? EMPTY
          : html`<tr><th scope="row">Total</th>${table.columnTotals.map((c) => html`<td>${cellText(c, table.unit)}</td>`)}${
              hasTotals ? html`<td data-grand-total>${cellText(table.grandTotal, table.unit)}</td>` : EMPTY
            }</tr>`
      }</tbody></table></section>`;
}

export function publicPages(web: FastifyInstance, ctx: Context): void {
  web.get('/registry', { config: { access: 'public' } }, async (request, reply) => {
    const q = queryOf(request);
    const vendor = (q.vendor ?? '').slice(0, REGISTRY_MAX_QUERY);
    const model = (q.model ?? '').slice(0, REGISTRY_MAX_QUERY);
    const digestText = (q.digest ?? '').trim();
    const digest =
      digestText === ''
        ? undefined
        : /^[0-9a-fA-F]{64}$/.test(digestText)
          ? `sha256:${digestText}`
          : digestText;
    const badDigest = digest !== undefined && !DIGEST.test(digest);
    const cursor = q.cursor !== undefined && /^[A-Za-z0-9_-]{1,200}$/.test(q.cursor) ? q.cursor : undefined;
    const page = badDigest
      ? { entries: [], next: null }
      : await searchRegistry(ctx, {
          ...(vendor.trim() === '' ? {} : { vendor }),
          ...(model.trim() === '' ? {} : { model }),
          ...(digest === undefined ? {} : { digest }),
          ...(cursor === undefined ? {} : { cursor }),
        });
    const nextQuery = new URLSearchParams({
      ...(vendor === '' ? {} : { vendor }),
      ...(model === '' ? {} : { model }),
      ...(digestText === '' ? {} : { digest: digestText }),
      ...(page.next === null ? {} : { cursor: page.next }),
    }).toString();
    return view(
      request,
      reply,
      'Registry of reviewed models',
      () => html`<h1>Registry of reviewed models</h1>
        <p class="usa-intro">Models that completed a review, with the public summary and the program’s signed attestation.
        Federal buyers look a model up here by vendor, name or the SHA-256 digest of an artifact.</p>
        <form class="usa-form usa-form--large" method="get" action="/registry" role="search" aria-label="Search the registry">
          <label class="usa-label" for="r-vendor">Vendor</label>
          <input class="usa-input" id="r-vendor" name="vendor" value="${vendor}" maxlength="${REGISTRY_MAX_QUERY}">
          <label class="usa-label" for="r-model">Model name</label>
          <input class="usa-input" id="r-model" name="model" value="${model}" maxlength="${REGISTRY_MAX_QUERY}">
          <label class="usa-label" for="r-digest">Artifact digest (SHA-256)</label>
          <span class="usa-hint" id="r-digest-hint">64 hexadecimal digits, with or without the <code>sha256:</code> prefix.</span>
          <input class="usa-input" id="r-digest" name="digest" value="${digestText}" maxlength="71" aria-describedby="r-digest-hint" spellcheck="false">
          <button class="usa-button" type="submit">Search</button>
        </form>
        ${badDigest ? alert('error', 'A digest is 64 hexadecimal digits (optionally prefixed sha256:).') : EMPTY}
        ${
          page.entries.length === 0
            ? html`<p id="registry-empty">No reviewed model matches.</p>`
            : html`<table class="usa-table usa-table--borderless usa-table--stacked" id="registry-results"><caption>Reviewed models, newest first</caption>
              <thead><tr><th scope="col">Model</th><th scope="col">Vendor</th><th scope="col">Completed</th><th scope="col">Attestation</th></tr></thead>
              <tbody>${page.entries.map(
                (
                  e,
                ) => html`<tr><th scope="row" data-label="Model"><a class="usa-link" href="/registry/${e.id}">${e.model.name} ${e.model.version}</a></th>
                  <td data-label="Vendor">${e.vendor}</td><td data-label="Completed">${when(e.completedAt)}</td><td data-label="Attestation">${e.attestation.status}</td></tr>`,
              )}</tbody></table>`
        }
        ${page.next === null ? EMPTY : html`<p><a class="usa-button usa-button--outline" href="/registry?${nextQuery}">More results</a></p>`}`,
    );
  });

  web.get('/registry/:entryId', { config: { access: 'public' } }, async (request, reply) => {
    const entry = await registryEntry(ctx, idParam(request, 'entryId'));
    const a = entry.attestation;
    return view(
      request,
      reply,
      `${entry.model.name} ${entry.model.version}`,
      () => html`<p><a class="usa-link" href="/registry">Registry</a></p>
        <h1>${entry.model.name} <span class="text-base">${entry.model.version}</span></h1>
        <p class="usa-intro">by ${entry.vendor} · review completed ${when(entry.completedAt)}</p>
        ${
          a.status === 'valid'
            ? alert('success', html`Attestation valid until ${when(a.expiresAt)}.`, 'Attested')
            : a.status === 'revoked'
              ? alert(
                  'error',
                  html`This attestation was revoked ${when(a.revokedAt)}${a.revocationReason === null ? '' : ` (${a.revocationReason})`}.`,
                  'Revoked',
                )
              : alert('warning', html`This attestation expired ${when(a.expiresAt)}.`, 'Expired')
        }
        ${summaryView(entry.summary)}
        <h2>Attested artifacts</h2>
        <p>The attestation names ${entry.digestCount} artifact${entry.digestCount === 1 ? '' : 's'} by SHA-256 digest:</p>
        <ul class="usa-list web-digest">${entry.digests.map((d) => html`<li>${d}</li>`)}</ul>
        <h2 id="verify">Verify this attestation</h2>
        <p>The attestation is a DSSE envelope around an in-toto statement, signed with the program’s key. Do not rely on this page alone:
        verify it yourself, offline if you like, before you buy.</p>
        <ol class="usa-process-list">
          <li class="usa-process-list__item"><h3 class="usa-process-list__heading">Save the envelope</h3>
            <p>Download the <a class="usa-link" href="/registry/${entry.id}/attestation.json" download>signed attestation</a> (attestation ${a.id}).</p></li>
          <li class="usa-process-list__item"><h3 class="usa-process-list__heading">Run the verifier</h3>
            <p>With the <code>vacsrp</code> command line: <code>vacsrp verify attestation.json --program ${request.protocol}://${request.host} --artifacts path/to/model-directory</code>.
            It checks the signature against the program’s published keys (<a class="usa-link" href="/.well-known/vacsrp/jwks.json">JWKS</a>),
            the <a class="usa-link" href="/.well-known/vacsrp/revocations.json">signed revocation list</a>, the validity period, and that your file’s digest is one the attestation names.</p></li>
          <li class="usa-process-list__item"><h3 class="usa-process-list__heading">Read the result</h3>
            <p>Exit code 0 means valid; anything else names the check that failed. Without the command line, compare your file’s SHA-256 with the digests above.</p></li>
        </ol>`,
    );
  });

  web.get('/registry/:entryId/attestation.json', { config: { access: 'public' } }, async (request, reply) => {
    const entry = await registryEntry(ctx, idParam(request, 'entryId'));
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="attestation-${entry.attestation.id}.json"`)
      .send(entry.attestation.envelope);
  });

  web.get('/dashboard', { config: { access: 'public' } }, async (request, reply) => {
    const q = queryOf(request);
    const current = currentFiscalYear(ctx.clock);
    let fy = current;
    if (q.fiscalYear !== undefined && q.fiscalYear !== '') {
      if (!/^[0-9]{4}$/.test(q.fiscalYear)) throw new AppError('INVALID', 'the fiscal year is four digits');
      fy = Number(q.fiscalYear);
    }
    const dashboard = await dashboardFor(ctx, fy);
    const years: number[] = [];
    for (let y = Math.max(STATISTICS_FISCAL_YEARS.min, current - 4); y <= current; y++) years.push(y);
    const thisYear = dashboard.tables.filter((t) => t.fiscalYear === dashboard.fiscalYear);
    return view(
      request,
      reply,
      `Program dashboard FY${dashboard.fiscalYear}`,
      () => html`<h1>Program dashboard, fiscal year ${dashboard.fiscalYear}</h1>
        <p class="usa-intro">Aggregate, non-sensitive figures about participation and findings, as of ${when(dashboard.asOf)}.
        To protect participants, a count about too few organisations is shown as “suppressed”.</p>
        <form class="usa-form web-actions" method="get" action="/dashboard" aria-label="Choose the fiscal year">
          <div><label class="usa-label" for="fy">Fiscal year</label>
          <select class="usa-select" id="fy" name="fiscalYear">${years.map(
            (y) =>
              html`<option value="${y}"${y === dashboard.fiscalYear ? html` selected` : EMPTY}>FY${y}</option>`,
          )}</select></div>
          <div><button class="usa-button usa-button--outline" type="submit">Show</button></div>
        </form>
        <h2>Download the data</h2>
        <ul class="usa-list">
          <li><a class="usa-link" href="/api/v1/dashboard.csv?fiscalYear=${dashboard.fiscalYear}">Every table as CSV</a></li>
          <li><a class="usa-link" href="/api/v1/dashboard?fiscalYear=${dashboard.fiscalYear}">Every table as JSON</a></li>
        </ul>
        <h2>Figures for FY${dashboard.fiscalYear}</h2>
        ${thisYear.map(dashboardTable)}
        <p>The previous year’s figures (FY${dashboard.previousFiscalYear}) are in the downloads.</p>`,
    );
  });
}
