/**
 * The pieces the OSCAL assessment-results and POA&M documents share: deterministic UUIDs,
 * metadata with the program, vendor and reviewers as parties, back-matter resources for artifacts
 * and evidence files (with their SHA-256), and per finding an observation, a risk and a finding
 * whose target is the criterion's statement in the OSCAL export of the catalog.
 */
import { uuidV5, VACSRP_OSCAL_NS } from '@vacsrp/scanner';
import type { FindingStatus, ReportFinding, Resolution, ReviewReport } from './model.js';
import { byString } from './order.js';
import { describeResolution, formatLocation, reportTitle, SEVERITY_LABEL } from './words.js';

export { VACSRP_OSCAL_NS };
export const OSCAL_VERSION = '1.1.3';

/**
 * Fixed namespace of every UUID in a report's OSCAL documents: UUID v5 of the URL namespace and
 * `https://vacsrp.dev/ns/oscal/review-report`. Never change it: published documents would change identity.
 */
export const REPORT_UUID_NAMESPACE = '18ddb822-c2da-5dc2-91b1-e168bd369c1e';

export type Json = { readonly [key: string]: unknown };

/** UUIDs of one report: v5 of the item's kind and id, in a namespace that is v5 of the report id. */
export function uuidsOf(reportId: string): (item: string) => string {
  const ns = uuidV5(reportId, REPORT_UUID_NAMESPACE);
  return (item) => uuidV5(item, ns);
}

/** OSCAL string values (props, names, versions) are one trimmed line. */
export const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();
/** OSCAL ids are tokens; the catalog export lower-cases criterion ids (MI-1 → mi-1). */
export const token = (criterionId: string): string => criterionId.toLowerCase();
export const prop = (name: string, value: string, extra: Json = {}): Json => ({
  name,
  ns: VACSRP_OSCAL_NS,
  value: oneLine(value),
  ...extra,
});

/** A relative URI reference for a path: each segment percent-encoded, `/` kept. */
export const pathHref = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

const RISK_STATUS: Readonly<Record<Exclude<FindingStatus, 'false-positive'>, string>> = {
  open: 'open',
  'risk-accepted': 'deviation-approved',
  remediated: 'closed',
};

/** Everyone who reviewed: reviewers who signed off or recorded an outcome, sorted, once each. */
function reviewers(r: ReviewReport): string[] {
  const names = new Set([
    ...r.signOffs.map((s) => oneLine(s.reviewer)),
    ...r.reviewerOutcomes.map((o) => oneLine(o.reviewer)),
  ]);
  return [...names].sort(byString);
}

export function metadata(r: ReviewReport, uuid: (item: string) => string, kind: string): Json {
  const program = uuid('party:program');
  const vendor = uuid('party:vendor');
  const people = reviewers(r);
  const signedOff = new Set(r.signOffs.map((s) => oneLine(s.reviewer)));
  const assessors = people.filter((p) => signedOff.has(p));
  return {
    title: `${kind}: ${reportTitle(r)}`,
    'last-modified': r.generatedAt,
    version: `${r.submission.id}-r${r.submission.revision}`,
    'oscal-version': OSCAL_VERSION,
    props: [{ name: 'marking', value: 'confidential' }],
    roles: [
      { id: 'review-program', title: 'Review program' },
      { id: 'developer', title: 'Developer (submitting organisation)' },
      { id: 'assessor', title: 'Reviewer who signed off' },
    ],
    parties: [
      {
        uuid: program,
        type: 'organization',
        name: oneLine(r.program.name),
        links: [{ href: r.program.url, rel: 'website' }],
      },
      { uuid: vendor, type: 'organization', name: oneLine(r.submission.vendorName) },
      ...people.map((name) => ({
        uuid: uuid(`party:reviewer:${name}`),
        type: 'person',
        name,
        'member-of-organizations': [program],
      })),
    ],
    'responsible-parties': [
      { 'role-id': 'review-program', 'party-uuids': [program] },
      { 'role-id': 'developer', 'party-uuids': [vendor] },
      ...(assessors.length === 0
        ? []
        : [
            { 'role-id': 'assessor', 'party-uuids': assessors.map((name) => uuid(`party:reviewer:${name}`)) },
          ]),
    ],
  };
}

const fileKey = (name: string, sha256: string): string => `evidence-file:${sha256}:${name}`;

/** Back matter: the review plan, each artifact and each evidence file, with digests. */
export function backMatter(
  r: ReviewReport,
  uuid: (item: string) => string,
  findings: readonly ReportFinding[],
): Json {
  const c = r.scope.criteria;
  const files = new Map<string, { name: string; sha256: string }>();
  for (const f of findings) {
    for (const ev of f.evidence)
      for (const file of ev.files) files.set(fileKey(file.name, file.sha256), file);
  }
  const evidence = [...files.entries()].sort(([a], [b]) => byString(a, b));
  return {
    resources: [
      {
        uuid: uuid('resource:review-plan'),
        title: `Review plan: ${c.title} (${c.catalogId} version ${c.version})`,
        description: `Revision ${r.submission.revision} of submission ${r.submission.id} is assessed against every criterion of the catalog, with automated scans, attack simulations and manual review as the catalog's assessment methods describe.`,
        props: [prop('criteria-catalog', c.catalogId), prop('criteria-version', c.version)],
      },
      ...r.scope.artifacts.map((a) => ({
        uuid: uuid(`artifact:${a.path}`),
        title: a.path,
        props: [prop('resource-kind', 'artifact'), prop('size', String(a.size))],
        rlinks: [{ href: pathHref(a.path), hashes: [{ algorithm: 'SHA-256', value: a.sha256 }] }],
      })),
      ...evidence.map(([key, file]) => ({
        uuid: uuid(key),
        title: file.name,
        props: [prop('resource-kind', 'evidence-file')],
        rlinks: [{ href: pathHref(file.name), hashes: [{ algorithm: 'SHA-256', value: file.sha256 }] }],
      })),
    ],
  };
}

export function observation(f: ReportFinding, uuid: (item: string) => string): Json {
  return {
    uuid: uuid(`observation:${f.id}`),
    title: f.title,
    description: f.description === '' ? f.title : f.description,
    props: [
      prop('finding-id', f.id),
      prop('source', f.source),
      ...(f.ruleId === undefined ? [] : [prop('rule-id', f.ruleId)]),
    ],
    methods: [f.source === 'automated' ? 'TEST' : 'EXAMINE'],
    types: ['finding'],
    ...(f.evidence.length === 0
      ? {}
      : {
          'relevant-evidence': f.evidence.map((ev) => ({
            description: ev.text,
            ...(ev.location === undefined ? {} : { props: [prop('location', formatLocation(ev.location))] }),
            ...(ev.files.length === 0
              ? {}
              : {
                  links: ev.files.map((file) => ({
                    href: `#${uuid(fileKey(file.name, file.sha256))}`,
                    rel: 'evidence',
                    text: file.name,
                  })),
                }),
          })),
        }),
    collected: f.raisedAt,
  };
}

/** The risk a finding stands for; false positives stand for none. */
/** A resolution as prose: who, when, how, and the reason in their own words. */
export function resolutionText(r: Resolution): string {
  const d = describeResolution(r);
  return d.reason === '' ? d.summary : `${d.summary} ${d.reason}`;
}

export function risk(
  f: ReportFinding,
  uuid: (item: string) => string,
  programParty: string,
): Json | undefined {
  if (f.status === 'false-positive') return undefined;
  const response = (): Json => {
    const base = { uuid: uuid(`response:${f.id}`) };
    const r = f.resolution;
    if (r === undefined) {
      return {
        ...base,
        lifecycle: 'recommendation',
        title: 'Recommended remediation',
        description: f.remediation === '' ? 'Remediate in a new revision.' : f.remediation,
        props: [{ name: 'type', value: 'mitigate' }],
      };
    }
    return {
      ...base,
      lifecycle: 'completed',
      title: r.kind === 'risk-accepted' ? 'Risk accepted by the developer' : 'Remediated',
      description: resolutionText(r),
      props: [{ name: 'type', value: r.kind === 'risk-accepted' ? 'accept' : 'mitigate' }],
    };
  };
  return {
    uuid: uuid(`risk:${f.id}`),
    title: f.title,
    description: f.description === '' ? f.title : f.description,
    statement: `${SEVERITY_LABEL[f.severity]}-severity finding under criterion ${f.criterionId}: ${f.title}`,
    props: [prop('finding-id', f.id)],
    status: RISK_STATUS[f.status],
    characterizations: [
      {
        origin: { actors: [{ type: 'party', 'actor-uuid': programParty }] },
        facets: [{ name: 'severity', system: VACSRP_OSCAL_NS, value: f.severity }],
      },
    ],
    remediations: [response()],
    ...(f.resolution === undefined
      ? {}
      : {
          'risk-log': {
            entries: [
              {
                uuid: uuid(`risk-log:${f.id}`),
                title: f.resolution.kind === 'risk-accepted' ? 'Risk accepted' : 'Remediation confirmed',
                description: resolutionText(f.resolution),
                start: f.resolution.at,
                'status-change': RISK_STATUS[f.status],
              },
            ],
          },
        }),
    'related-observations': [{ 'observation-uuid': uuid(`observation:${f.id}`) }],
  };
}

export function finding(f: ReportFinding, uuid: (item: string) => string): Json {
  const satisfied = f.status === 'remediated' || f.status === 'false-positive';
  return {
    uuid: uuid(`finding:${f.id}`),
    title: f.title,
    description: f.description === '' ? f.title : f.description,
    props: [prop('finding-id', f.id), prop('severity', f.severity), prop('finding-status', f.status)],
    target: {
      type: 'statement-id',
      'target-id': `${token(f.criterionId)}_smt`,
      title: `Criterion ${f.criterionId}`,
      status: { state: satisfied ? 'satisfied' : 'not-satisfied', reason: satisfied ? 'pass' : 'fail' },
    },
    'related-observations': [{ 'observation-uuid': uuid(`observation:${f.id}`) }],
    ...(f.status === 'false-positive' ? {} : { 'related-risks': [{ 'risk-uuid': uuid(`risk:${f.id}`) }] }),
  };
}
