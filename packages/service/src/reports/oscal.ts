/**
 * The report as OSCAL 1.1.3: an assessment-results document (one result for the revision, an
 * observation and a finding per finding, targeting the criterion's statement, a risk per finding
 * that is not a false positive) and a plan of action and milestones (a POA&M item per open or
 * risk-accepted finding). UUIDs are v5 of the report id and the item id, timestamps come from the
 * report, keys are sorted: the same report always gives the same bytes.
 */
import { sortKeys } from './json.js';
import type { ReportFinding, ReviewReport } from './model.js';
import { orderReport } from './order.js';
import {
  backMatter,
  finding,
  type Json,
  metadata,
  observation,
  prop,
  resolutionText,
  risk,
  token,
  uuidsOf,
} from './oscal-parts.js';

const render = (doc: unknown): string => `${JSON.stringify(sortKeys(doc), null, 2)}\n`;

const present = <T>(xs: readonly (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);

/** The assessment-results document as an object (keys not yet sorted). */
export function reportToOscalAssessmentResults(report: ReviewReport): Json {
  const r = orderReport(report);
  const uuid = uuidsOf(r.reportId);
  const s = r.submission;
  const programParty = uuid('party:program');
  const risks = present(r.findings.map((f) => risk(f, uuid, programParty)));
  const result: Json = {
    uuid: uuid(`result:revision-${s.revision}`),
    title: `Review of revision ${s.revision} of submission ${s.id}`,
    description: r.summary.statement,
    start: s.submittedAt,
    end: r.generatedAt,
    props: [
      prop('submission-id', s.id),
      prop('revision', String(s.revision)),
      prop('criteria-catalog', `${r.scope.criteria.catalogId}@${r.scope.criteria.version}`),
      ...r.coverage.map((c) => prop('criterion-outcome', c.outcome, { class: token(c.criterionId) })),
      ...r.scans.map((scan) => prop('scan-id', scan.id)),
      ...r.signOffs.map((o) => prop('reviewer-sign-off', `${o.reviewer} ${o.date}`)),
    ],
    'reviewed-controls': {
      'control-selections': [
        { 'include-controls': r.coverage.map((c) => ({ 'control-id': token(c.criterionId) })) },
      ],
    },
    ...(r.findings.length === 0
      ? {}
      : {
          observations: r.findings.map((f) => observation(f, uuid)),
          ...(risks.length === 0 ? {} : { risks }),
          findings: r.findings.map((f) => finding(f, uuid)),
        }),
  };
  return {
    'assessment-results': {
      uuid: uuid('document:assessment-results'),
      metadata: metadata(r, uuid, 'Assessment results'),
      'import-ap': {
        href: `#${uuid('resource:review-plan')}`,
        remarks:
          'The program publishes no separate OSCAL assessment plan: the plan is the criteria catalog named in the back-matter resource, applied to every criterion.',
      },
      results: [result],
      'back-matter': backMatter(r, uuid, r.findings),
    },
  };
}

export function renderOscalAssessmentResults(report: ReviewReport): string {
  return render(reportToOscalAssessmentResults(report));
}

function poamItem(f: ReportFinding, uuid: (item: string) => string): Json {
  const description =
    f.resolution === undefined
      ? `Open ${f.severity}-severity finding under criterion ${f.criterionId}. Planned remediation: ${f.remediation === '' ? 'remediate in a new revision.' : f.remediation}`
      : `Accepted risk (${f.severity} severity, criterion ${f.criterionId}). ${resolutionText(f.resolution)}`;
  return {
    uuid: uuid(`poam-item:${f.id}`),
    title: f.title,
    description,
    props: [prop('finding-id', f.id), prop('severity', f.severity), prop('finding-status', f.status)],
    'related-findings': [{ 'finding-uuid': uuid(`finding:${f.id}`) }],
    'related-observations': [{ 'observation-uuid': uuid(`observation:${f.id}`) }],
    'related-risks': [{ 'risk-uuid': uuid(`risk:${f.id}`) }],
  };
}

/**
 * The POA&M document as an object. OSCAL requires at least one poam-item, so a revision with
 * nothing open or accepted gets a single item saying so, marked with the `no-open-items` prop.
 */
export function reportToOscalPoam(report: ReviewReport): Json {
  const r = orderReport(report);
  const uuid = uuidsOf(r.reportId);
  const planned = r.findings.filter((f) => f.status === 'open' || f.status === 'risk-accepted');
  const programParty = uuid('party:program');
  const items =
    planned.length > 0
      ? planned.map((f) => poamItem(f, uuid))
      : [
          {
            uuid: uuid('poam-item:none'),
            title: 'No open findings and no accepted risks',
            description: `Revision ${r.submission.revision} of submission ${r.submission.id} has no open finding and no accepted risk; nothing is planned.`,
            props: [prop('no-open-items', 'true')],
          },
        ];
  return {
    'plan-of-action-and-milestones': {
      uuid: uuid('document:poam'),
      metadata: metadata(r, uuid, 'Plan of action and milestones'),
      'system-id': {
        'identifier-type': 'https://ietf.org/rfc/rfc4122',
        id: uuidsOf(`submission:${r.submission.id}`)('system'),
      },
      ...(planned.length === 0
        ? {}
        : {
            observations: planned.map((f) => observation(f, uuid)),
            risks: present(planned.map((f) => risk(f, uuid, programParty))),
            findings: planned.map((f) => finding(f, uuid)),
          }),
      'poam-items': items,
      'back-matter': backMatter(r, uuid, planned),
    },
  };
}

export function renderOscalPoam(report: ReviewReport): string {
  return render(reportToOscalPoam(report));
}
