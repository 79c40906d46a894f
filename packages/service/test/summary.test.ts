import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ConfidentialFinding,
  type ConfidentialReview,
  familyOutcome,
  type PublicCatalog,
  SCRUB_MARKER,
  scrubText,
  summariseReview,
} from '../src/summary/index.js';

/** Byte-for-byte golden comparison; `UPDATE_GOLDEN=1` rewrites the file instead. */
function expectGolden(name: string, actual: string): void {
  const file = new URL(`./fixtures/summary/${name}`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file))
    throw new Error(`golden file ${name} is missing; run with UPDATE_GOLDEN=1 to create it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const catalog: PublicCatalog = {
  families: [
    {
      id: 'MI',
      title: 'Model integrity',
      criteria: [
        { id: 'MI-1', title: 'No code execution on load' },
        { id: 'MI-2', title: 'Unambiguous containers' },
      ],
    },
    { id: 'SC', title: 'Supply-chain vetting', criteria: [{ id: 'SC-1', title: 'Pinned dependencies' }] },
    { id: 'PS', title: 'Privacy safeguards', criteria: [{ id: 'PS-1', title: 'No memorised secrets' }] },
  ],
  rules: [
    {
      id: 'VAC-PKL-001',
      title: 'Pickle imports a dangerous callable',
      remediation: 'Convert the weights to a data-only format.',
    },
    {
      id: 'VAC-SUP-002',
      title: 'Unpinned dependency',
      remediation: 'Pin every dependency by version and digest.',
    },
  ],
};

// Canaries: proprietary detail that must never reach the public summary.
const CANARIES = {
  path: '/srv/acme-secret/weights/model_final.pkl',
  file: 'trainer_config.yaml',
  callable: 'posix.system',
  member: 'archive/data/0',
  offset: '0x7f3a91',
  offsetDecimal: '918273',
  excerpt: "cos\nsystem\n(S'id'\ntR.",
  config: 'api_key=sk-live-c4n4ry',
  url: 'https://deploy:hunter2@models.acme.internal/x',
  email: 'ml-lead@acme.example',
  code: '`torch.load(f, weights_only=False)`',
  camel: 'loadUnsafeCheckpoint',
} as const;

const example: ConfidentialReview = {
  model: { name: 'Acme Vision 2', vendor: 'Acme Labs' },
  criteriaVersion: '1.0.0',
  criteria: [
    { criterionId: 'MI-1', outcome: 'not-met', evidence: CANARIES.path },
    { criterionId: 'MI-2', outcome: 'met', notes: CANARIES.member },
    { criterionId: 'SC-1', outcome: 'risk-accepted', evidence: CANARIES.config },
    { criterionId: 'PS-1', outcome: 'not-applicable' },
  ],
  findings: [
    {
      id: 'f1',
      ruleId: 'VAC-PKL-001',
      criterionId: 'MI-1',
      severity: 'critical',
      title: `${CANARIES.callable} imported by ${CANARIES.path}`,
      message: `Global ${CANARIES.callable} at offset ${CANARIES.offset} in ${CANARIES.member}`,
      evidence: [
        {
          callable: CANARIES.callable,
          path: CANARIES.path,
          member: CANARIES.member,
          offset: 0x7f3a91,
          excerpt: CANARIES.excerpt,
        },
      ],
      remediation: `Delete ${CANARIES.path} and retrain`,
      status: 'open',
    },
    {
      id: 'f2',
      ruleId: 'VAC-SUP-002',
      criterionId: 'SC-1',
      severity: 'medium',
      title: `Unpinned in ${CANARIES.file}`,
      message: CANARIES.config,
      evidence: [{ configuration: CANARIES.config, path: CANARIES.file }],
      remediation: 'Pin it',
      status: 'risk-accepted',
      justification: `The dependency in ${CANARIES.file} is vendored and reviewed quarterly; see ${CANARIES.url} or ask ${CANARIES.email}. Pinning ${CANARIES.code} breaks 12% of builds.`,
    },
    {
      id: 'f3',
      criterionId: 'MI-2',
      severity: 'low',
      title: `Manual: ${CANARIES.camel}`,
      message: CANARIES.excerpt,
      evidence: [{ note: CANARIES.camel }],
      remediation: CANARIES.code,
      status: 'remediated',
    },
    {
      id: 'f4',
      ruleId: 'VAC-PKL-001',
      criterionId: 'MI-1',
      severity: 'high',
      title: 'x',
      message: 'y',
      evidence: [],
      remediation: 'z',
      status: 'false-positive',
    },
  ],
};

const canaryStrings = (): string[] => [
  ...Object.values(CANARIES),
  'hunter2',
  'model_final',
  'trainer_config',
  'sk-live',
  'weights_only',
  'acme.internal',
];

function expectNoCanary(json: string): void {
  for (const c of canaryStrings()) expect(json, `leaked ${c}`).not.toContain(c);
  // The excerpt's lines must not survive either, even re-joined with spaces.
  expect(json).not.toContain("(S'id'");
}

describe('summariseReview', () => {
  it('matches the golden summary and leaks no canary', () => {
    const json = `${JSON.stringify(summariseReview(example, catalog), null, 2)}\n`;
    expectGolden('example.json', json);
    expectNoCanary(json);
  });

  it('counts by severity, status and criterion, without false positives', () => {
    const s = summariseReview(example, catalog);
    expect(s.findingCounts).toEqual({
      total: 3,
      bySeverity: { critical: 1, high: 0, medium: 1, low: 1, info: 0 },
      byStatus: { open: 1, remediated: 1, 'risk-accepted': 1 },
      byCriterion: { 'MI-1': 1, 'MI-2': 1, 'SC-1': 1 },
    });
    expect(s.families.map((f) => [f.id, f.outcome])).toEqual([
      ['MI', 'not-met'],
      ['SC', 'risk-accepted'],
      ['PS', 'not-applicable'],
    ]);
    expect(s.acceptedRisks).toHaveLength(1);
    expect(s.acceptedRisks[0]?.class).toBe('Unpinned dependency');
    expect(s.acceptedRisks[0]?.justification).toContain('vendored and reviewed quarterly');
  });

  it('names only criteria from the published catalog', () => {
    const s = summariseReview(
      {
        ...example,
        findings: [
          {
            ...(example.findings[0] as ConfidentialFinding),
            criterionId: CANARIES.path,
            ruleId: CANARIES.callable,
          },
        ],
      },
      catalog,
    );
    expect(s.findingCounts.byCriterion).toEqual({ other: 1 });
    expectNoCanary(JSON.stringify(s));
  });

  it('takes the worst outcome for a family', () => {
    expect(familyOutcome(['met', 'not-tested'])).toBe('not-tested');
    expect(familyOutcome(['met', 'not-applicable'])).toBe('met');
    expect(familyOutcome(['risk-accepted', 'not-met'])).toBe('not-met');
    expect(familyOutcome([])).toBe('not-tested');
  });
});

describe('scrubText', () => {
  it('keeps plain prose and short numbers', () => {
    expect(scrubText('We accept this risk until Q3 2027; 12% of users are affected.')).toBe(
      'We accept this risk until Q3 2027; 12% of users are affected.',
    );
  });

  it.each(Object.entries(CANARIES))('removes a %s', (_kind, canary) => {
    const out = scrubText(`Reason: ${canary} is fine.`);
    expect(out).not.toContain(canary);
    expect(out).toContain(SCRUB_MARKER);
  });

  it('truncates long text at a word boundary', () => {
    const out = scrubText('word '.repeat(500), 50);
    expect(out.length).toBeLessThanOrEqual(50);
    expect(out.endsWith('…')).toBe(true);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const once = scrubText(s);
        expect(scrubText(once)).toBe(once);
      }),
      { seed: 11, numRuns: 300 },
    );
  });
});

// Random reviews where every confidential field carries a canary inside random prose.
const canary = fc.constantFrom(...Object.values(CANARIES));
const prose = fc.array(
  fc.constantFrom('the', 'model', 'risk', 'is', 'accepted', 'because', 'vendor', 'Q3', '2027', 'and'),
  {
    maxLength: 6,
  },
);
const withCanary = fc
  .tuple(prose, canary, prose, fc.constantFrom(' ', '\n', '\t', '', '(', '"'))
  .map(([a, c, b, sep]) => [...a, `${sep}${c}${sep}`, ...b].join(' '));
const severity = fc.constantFrom('critical', 'high', 'medium', 'low', 'info' as const);
const finding: fc.Arbitrary<ConfidentialFinding> = fc.record({
  id: withCanary,
  ruleId: fc.option(fc.oneof(fc.constantFrom('VAC-PKL-001', 'VAC-SUP-002'), withCanary), { nil: undefined }),
  criterionId: fc.oneof(fc.constantFrom('MI-1', 'MI-2', 'SC-1', 'PS-1'), withCanary),
  severity,
  title: withCanary,
  message: withCanary,
  evidence: fc.array(
    fc.record({
      callable: withCanary,
      excerpt: withCanary,
      path: withCanary,
      member: withCanary,
      offset: fc.constant(0x7f3a91),
      configuration: withCanary,
      note: withCanary,
    }),
    { maxLength: 3 },
  ),
  remediation: withCanary,
  status: fc.constantFrom('open', 'remediated', 'risk-accepted', 'false-positive' as const),
  justification: withCanary,
});
const review: fc.Arbitrary<ConfidentialReview> = fc.record({
  model: fc.constant({ name: 'Acme Vision 2', vendor: 'Acme Labs' }),
  criteriaVersion: fc.constant('1.0.0'),
  criteria: fc.array(
    fc.record({
      criterionId: fc.oneof(fc.constantFrom('MI-1', 'MI-2', 'SC-1', 'PS-1'), withCanary),
      outcome: fc.constantFrom('met', 'not-met', 'risk-accepted', 'not-applicable', 'not-tested' as const),
      evidence: withCanary,
      notes: withCanary,
    }),
    { maxLength: 6 },
  ),
  findings: fc.array(finding, { maxLength: 12 }),
});

describe('summariseReview, properties', () => {
  it('never publishes a canary planted in any confidential field', () => {
    let accepted = 0;
    fc.assert(
      fc.property(review, (r) => {
        const s = summariseReview(r, catalog);
        expectNoCanary(JSON.stringify(s));
        accepted += s.acceptedRisks.length;
      }),
      { seed: 20261126, numRuns: 400 },
    );
    expect(accepted).toBeGreaterThan(100);
  });

  it('is deterministic under reordering of findings', () => {
    fc.assert(
      fc.property(review, (r) => {
        const reversed = { ...r, findings: [...r.findings].reverse() };
        expect(JSON.stringify(summariseReview(reversed, catalog))).toBe(
          JSON.stringify(summariseReview(r, catalog)),
        );
      }),
      { seed: 5, numRuns: 200 },
    );
  });
});
