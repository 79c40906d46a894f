/**
 * A synthetic program for tests, demos and the golden annual report: organisations, submissions
 * and findings over two fiscal years, from a seed, so most cells publish and some are suppressed
 * (a rare organisation type, a sector few belong to, one prolific government organisation whose
 * submissions dominate its rows). Not real data, and deterministic for a given seed and options.
 */
import { allCriteria, type CriterionEntry } from '@vacsrp/scanner';
import type { FindingState, Severity } from '../domain/findings.js';
import type { SubmissionState } from '../domain/submission.js';
import type {
  FindingRecord,
  OrganisationRecord,
  OrganisationType,
  ProgramRecords,
  Sector,
  SizeBand,
  SubmissionRecord,
} from './input.js';

/** mulberry32 (the same generator as scripts/lib/prng.ts): small, seeded, identical on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SyntheticOptions {
  readonly seed: number;
  /** Number of organisations (default 180). */
  readonly organisations?: number;
  /** The later of the two fiscal years covered (default 2027: FY2026 and FY2027). */
  readonly fiscalYear?: number;
  /** Largest number of submissions per organisation over the two years (default 4). */
  readonly maxSubmissions?: number;
  /** Add one government organisation with many submissions, to exercise dominance (default true). */
  readonly prolific?: boolean;
}

const DAY = 86_400_000;

function pickWeighted<T>(rand: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = rand() * total;
  for (const [item, w] of items) {
    x -= w;
    if (x < 0) return item;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

const TYPE_WEIGHTS: readonly (readonly [OrganisationType, number])[] = [
  ['large-company', 30],
  ['small-business', 32],
  ['academic-lab', 20],
  ['open-source-community', 12],
  ['government', 14],
];
const SIZE_BY_TYPE: Readonly<Record<OrganisationType, readonly (readonly [SizeBand, number])[]>> = {
  'large-company': [
    ['50-249', 1],
    ['250-999', 4],
    ['1000+', 5],
  ],
  'small-business': [
    ['1-49', 6],
    ['50-249', 4],
  ],
  'academic-lab': [
    ['1-49', 5],
    ['50-249', 4],
    ['250-999', 1],
  ],
  'open-source-community': [
    ['1-49', 5],
    ['50-249', 4],
    ['250-999', 1],
  ],
  government: [
    ['50-249', 2],
    ['250-999', 4],
    ['1000+', 4],
  ],
};
const SECTOR_WEIGHTS: readonly (readonly [Sector, number])[] = [
  ['technology', 45],
  ['finance', 14],
  ['health', 12],
  ['defense', 6],
  ['education-research', 15],
  ['public-sector', 5],
  ['other', 3],
];
/** Some criteria are failed far more often than others, as in any real programme. */
const COMMON: Readonly<Record<string, number>> = {
  'MI-1': 9,
  'SC-1': 10,
  'SC-2': 8,
  'SC-5': 7,
  'AR-3': 6,
  'AR-4': 5,
  'DT-1': 8,
  'DT-4': 6,
  'PS-2': 3,
  'MI-2': 3,
};
const SEVERITY_WEIGHTS: readonly (readonly [Severity, number])[] = [
  ['critical', 1],
  ['high', 3],
  ['medium', 4],
  ['low', 3],
  ['info', 1],
];
const OPEN_STATES: readonly SubmissionState[] = [
  'submitted',
  'in-review',
  'findings-issued',
  'remediating',
  'resubmitted',
  'final-report',
];

/** Build a synthetic program. */
export function syntheticProgram(options: SyntheticOptions): ProgramRecords {
  const rand = mulberry32(options.seed);
  const n = options.organisations ?? 180;
  const fy = options.fiscalYear ?? 2027;
  const maxSubs = options.maxSubmissions ?? 4;
  const start = Date.UTC(fy - 2, 9, 1);
  const asOfMs = Date.UTC(fy, 9, 15, 12);
  const span = Date.UTC(fy, 9, 1) - start;
  const criteria = allCriteria();
  const criterionWeights = criteria.map((e) => [e, COMMON[e.criterion.id] ?? 2] as const);

  const organisations: OrganisationRecord[] = [];
  const submissions: SubmissionRecord[] = [];
  const findings: FindingRecord[] = [];
  const pad = (i: number, w: number): string => String(i).padStart(w, '0');

  for (let i = 0; i < n; i++) {
    const type = pickWeighted(rand, TYPE_WEIGHTS);
    const sector =
      type === 'government'
        ? 'public-sector'
        : type === 'academic-lab'
          ? 'education-research'
          : pickWeighted(rand, SECTOR_WEIGHTS);
    organisations.push({
      id: `org-${pad(i, 3)}`,
      type,
      sizeBand: pickWeighted(rand, SIZE_BY_TYPE[type]),
      sector,
    });
  }
  if (options.prolific ?? true) {
    organisations.push({
      id: `org-${pad(n, 3)}`,
      type: 'government',
      sizeBand: '1000+',
      sector: 'public-sector',
    });
  }

  let subSeq = 0;
  let findingSeq = 0;
  const addSubmission = (org: OrganisationRecord, submitted: number): void => {
    const sid = `sub-${pad(subSeq++, 4)}`;
    const created = submitted - Math.floor(rand() * 20 + 1) * DAY;
    const age = (asOfMs - submitted) / DAY;
    const r = rand();
    let state: SubmissionState;
    let completedAt: string | undefined;
    let withdrawnAt: string | undefined;
    const duration = Math.floor(20 + rand() * 120 + (org.type === 'government' ? 40 : 0));
    if (r < 0.08) {
      state = 'withdrawn';
      withdrawnAt = iso(Math.min(asOfMs - DAY, submitted + Math.floor(rand() * 60) * DAY));
    } else if (r < 0.85 && duration < age) {
      state = 'completed';
      completedAt = iso(submitted + duration * DAY + Math.floor(rand() * 8) * 3_600_000);
    } else state = OPEN_STATES[Math.floor(rand() * OPEN_STATES.length)] as SubmissionState;
    const acceptedRisks = state === 'completed' && rand() < 0.3;
    submissions.push({
      id: sid,
      organisationId: org.id,
      createdAt: iso(created),
      submittedAt: iso(submitted),
      ...(completedAt ? { completedAt } : {}),
      ...(withdrawnAt ? { withdrawnAt } : {}),
      state,
      acceptedRisks,
    });
    const count = Math.floor(rand() * 7);
    for (let k = 0; k < count; k++) {
      const entry: CriterionEntry = pickWeighted(rand, criterionWeights);
      const automated = entry.criterion.testing.automated;
      const ruleId =
        automated.length > 0 && rand() < 0.7 ? automated[Math.floor(rand() * automated.length)] : undefined;
      let fstate: FindingState;
      if (rand() < 0.05) fstate = 'false-positive';
      else if (state === 'completed') fstate = acceptedRisks && k === 0 ? 'risk-accepted' : 'remediated';
      else fstate = 'open';
      findings.push({
        id: `fnd-${pad(findingSeq++, 5)}`,
        submissionId: sid,
        organisationId: org.id,
        criterionId: entry.criterion.id,
        family: entry.family.id,
        severity: pickWeighted(rand, SEVERITY_WEIGHTS),
        state: fstate,
        ...(ruleId ? { ruleId } : {}),
        atlasTechniques: [...entry.criterion.mappings['mitre-atlas']],
      });
    }
  };

  for (const org of organisations.slice(0, n)) {
    const k = 1 + Math.floor(rand() * maxSubs);
    for (let j = 0; j < k; j++) addSubmission(org, start + Math.floor(rand() * span));
  }
  // A drafted, never submitted package: counts nowhere.
  const first = organisations[0];
  if (first) {
    submissions.push({
      id: `sub-${pad(subSeq++, 4)}`,
      organisationId: first.id,
      createdAt: iso(asOfMs - 10 * DAY),
      state: 'draft',
      acceptedRisks: false,
    });
  }
  const prolific = organisations[n];
  if (prolific) {
    // Sixty submissions in the later year: enough to dominate the government rows.
    for (let j = 0; j < 60; j++) addSubmission(prolific, Date.UTC(fy - 1, 9, 2) + j * 5 * DAY);
  }
  return { asOf: iso(asOfMs), organisations, submissions, findings };
}
