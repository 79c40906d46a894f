import { describe, expect, it } from 'vitest';
import {
  type Actor,
  acceptedRisks,
  addComment,
  type Finding,
  type FindingAction,
  type FindingContext,
  recordDecision,
  resolveFinding,
} from '../src/index.js';

const NOW = '2026-11-26T12:00:00.000Z';
const owner: Actor = { role: 'submitter', userId: 'sub-1', organisationId: 'org-1' };
const ACTORS: Record<string, Actor> = {
  owner,
  'other submitter': { role: 'submitter', userId: 'sub-2', organisationId: 'org-2' },
  'assigned reviewer': { role: 'reviewer', userId: 'rev-a' },
  'unassigned reviewer': { role: 'reviewer', userId: 'rev-z' },
  administrator: { role: 'administrator', userId: 'adm-1' },
  'procurement officer': { role: 'procurement-officer', userId: 'po-1' },
  public: { role: 'public' },
};
const ctx: FindingContext = { assignedReviewers: ['rev-a', 'rev-b'], latestRevision: 2 };

const finding = (over: Partial<Finding> = {}): Finding => ({
  id: 'f-1',
  submissionId: 'sub-x',
  organisationId: 'org-1',
  revision: 1,
  source: 'automated',
  criterionId: 'MI-1',
  severity: 'high',
  state: 'open',
  comments: [],
  ...over,
});

const ACTIONS: Record<FindingAction['type'], FindingAction> = {
  'confirm-remediation-by-rescan': { type: 'confirm-remediation-by-rescan', revision: 2 },
  'confirm-remediation-by-reviewer': {
    type: 'confirm-remediation-by-reviewer',
    note: 'checked the new loader',
  },
  'accept-risk': { type: 'accept-risk', justification: 'mitigated by deployment sandbox' },
  'mark-false-positive': { type: 'mark-false-positive', rationale: 'the pickle opcode is in test data only' },
};

// [action, actor label] → expected outcome; anything not listed here is an error.
const ALLOWED: Record<FindingAction['type'], Record<string, string>> = {
  'confirm-remediation-by-rescan': {
    owner: 'FORBIDDEN_ROLE',
    'other submitter': 'FORBIDDEN_ROLE',
    'assigned reviewer': 'remediated',
    'unassigned reviewer': 'NOT_ASSIGNED',
    administrator: 'remediated',
  },
  'confirm-remediation-by-reviewer': {
    owner: 'FORBIDDEN_ROLE',
    'other submitter': 'FORBIDDEN_ROLE',
    'assigned reviewer': 'remediated',
    'unassigned reviewer': 'NOT_ASSIGNED',
    administrator: 'FORBIDDEN_ROLE',
  },
  'accept-risk': {
    owner: 'risk-accepted',
    'other submitter': 'NOT_OWNER',
    'assigned reviewer': 'FORBIDDEN_ROLE',
    'unassigned reviewer': 'FORBIDDEN_ROLE',
    administrator: 'FORBIDDEN_ROLE',
  },
  'mark-false-positive': {
    owner: 'FORBIDDEN_ROLE',
    'other submitter': 'FORBIDDEN_ROLE',
    'assigned reviewer': 'false-positive',
    'unassigned reviewer': 'NOT_ASSIGNED',
    administrator: 'FORBIDDEN_ROLE',
  },
};

const CASES = Object.keys(ACTIONS).flatMap((action) =>
  Object.keys(ACTORS).map((label) => ({ action: action as FindingAction['type'], label })),
);

describe('finding lifecycle permissions', () => {
  it.each(CASES)('$action by $label', ({ action, label }) => {
    const actor = ACTORS[label] as Actor;
    const want = ALLOWED[action][label] ?? 'FORBIDDEN_ROLE';
    const r = resolveFinding(finding(), ACTIONS[action], actor, ctx, NOW);
    expect(r.ok ? r.value.finding.state : r.error.code).toBe(want);
    if (r.ok) {
      expect(r.value.finding.resolution?.by).toBe('userId' in actor ? actor.userId : '');
      expect(r.value.event).toMatchObject({
        what: `finding.${want}`,
        object: { kind: 'finding', id: 'f-1' },
      });
    }
  });

  it.each(['remediated', 'risk-accepted', 'false-positive'] as const)(
    'a %s finding cannot move again',
    (state) => {
      for (const action of Object.values(ACTIONS)) {
        const actor = action.type === 'accept-risk' ? owner : (ACTORS['assigned reviewer'] as Actor);
        const r = resolveFinding(finding({ state }), action, actor, ctx, NOW);
        expect(r.ok ? 'ok' : r.error.code).toBe('NOT_OPEN');
      }
    },
  );

  it('requires a justification, a rationale, and a newer revision', () => {
    const rev = ACTORS['assigned reviewer'] as Actor;
    const blankRisk = resolveFinding(finding(), { type: 'accept-risk', justification: ' ' }, owner, ctx, NOW);
    expect(blankRisk.ok ? 'ok' : blankRisk.error.code).toBe('JUSTIFICATION_REQUIRED');
    const blankFp = resolveFinding(finding(), { type: 'mark-false-positive', rationale: '' }, rev, ctx, NOW);
    expect(blankFp.ok ? 'ok' : blankFp.error.code).toBe('RATIONALE_REQUIRED');
    const blankNote = resolveFinding(
      finding(),
      { type: 'confirm-remediation-by-reviewer', note: '' },
      rev,
      ctx,
      NOW,
    );
    expect(blankNote.ok ? 'ok' : blankNote.error.code).toBe('RATIONALE_REQUIRED');
    for (const revision of [0, 1, 3]) {
      const r = resolveFinding(finding(), { type: 'confirm-remediation-by-rescan', revision }, rev, ctx, NOW);
      expect(r.ok ? 'ok' : r.error.code).toBe('REVISION_NOT_NEWER');
    }
  });

  it('keeps the accepted-risk justification for the public summary', () => {
    const r = resolveFinding(finding(), ACTIONS['accept-risk'], owner, ctx, NOW);
    if (!r.ok) throw new Error(r.error.code);
    expect(acceptedRisks([finding({ id: 'f-0' }), r.value.finding])).toEqual([
      {
        findingId: 'f-1',
        criterionId: 'MI-1',
        severity: 'high',
        justification: 'mitigated by deployment sandbox',
      },
    ]);
  });
});

describe('comments', () => {
  it('are append-only and limited to the owner, assigned reviewers and administrators', () => {
    let f = finding();
    const want: Record<string, string> = {
      owner: 'ok',
      'other submitter': 'NOT_OWNER',
      'assigned reviewer': 'ok',
      'unassigned reviewer': 'NOT_ASSIGNED',
      administrator: 'ok',
      'procurement officer': 'FORBIDDEN_ROLE',
      public: 'FORBIDDEN_ROLE',
    };
    for (const [label, actor] of Object.entries(ACTORS)) {
      const before = f;
      const r = addComment(f, `from ${label}`, actor, ctx, NOW);
      expect(r.ok ? 'ok' : r.error.code).toBe(want[label]);
      if (r.ok) {
        expect(r.value.finding.comments.slice(0, before.comments.length)).toEqual(before.comments);
        expect(before.comments).toHaveLength(r.value.finding.comments.length - 1);
        f = r.value.finding;
      }
    }
    expect(f.comments.map((c) => c.author)).toEqual(['sub-1', 'rev-a', 'adm-1']);
    expect(Object.isFrozen(f.comments)).toBe(true);
    const empty = addComment(f, '   ', owner, ctx, NOW);
    expect(empty.ok ? 'ok' : empty.error.code).toBe('EMPTY_COMMENT');
  });
});

describe("the developer's decision", () => {
  const submission = { id: 'sub-x', organisationId: 'org-1', state: 'findings-issued', revision: 1 };
  const accepted = finding({
    id: 'f-2',
    state: 'risk-accepted',
    resolution: { kind: 'risk-accepted', by: 'sub-1', at: NOW, justification: 'j' },
  });
  const fp = finding({ id: 'f-3', state: 'false-positive' });

  it('records remediate with its justification', () => {
    const r = recordDecision(
      {
        submission,
        findings: [finding()],
        decision: { kind: 'remediate', justification: 'we will fix the loader' },
      },
      owner,
      NOW,
    );
    expect(r.ok && r.value.decision).toEqual({
      submissionId: 'sub-x',
      revision: 1,
      kind: 'remediate',
      acceptedFindingIds: [],
      justification: 'we will fix the loader',
      by: 'sub-1',
      at: NOW,
    });
  });

  it('records proceed with exactly the risk-accepted findings listed', () => {
    const r = recordDecision(
      {
        submission,
        findings: [accepted, fp],
        decision: { kind: 'proceed', acceptedFindingIds: ['f-2'], justification: 'ship' },
      },
      owner,
      NOW,
    );
    expect(r.ok && r.value.decision.acceptedFindingIds).toEqual(['f-2']);
    expect(r.ok && r.value.event.what).toBe('decision.proceed');
  });

  it.each([
    ['open finding left', [finding(), accepted], ['f-2'], 'OPEN_FINDINGS_REMAIN'],
    ['accepted risk not listed', [accepted, fp], [], 'NOT_RISK_ACCEPTED'],
    ['listed finding not accepted', [accepted, fp], ['f-2', 'f-3'], 'NOT_RISK_ACCEPTED'],
    ['unknown finding', [accepted], ['f-2', 'nope'], 'UNKNOWN_FINDING'],
  ] as const)('refuses proceed: %s', (_label, findings, ids, code) => {
    const r = recordDecision(
      { submission, findings, decision: { kind: 'proceed', acceptedFindingIds: ids, justification: 'ship' } },
      owner,
      NOW,
    );
    expect(r.ok ? 'ok' : r.error.code).toBe(code);
  });

  it('refuses the wrong actor, state or a blank justification', () => {
    const d = { kind: 'remediate', justification: 'x' } as const;
    const cases: [Parameters<typeof recordDecision>[0], Actor, string][] = [
      [{ submission, findings: [], decision: d }, ACTORS['other submitter'] as Actor, 'NOT_OWNER'],
      [{ submission, findings: [], decision: d }, ACTORS.administrator as Actor, 'FORBIDDEN_ROLE'],
      [
        { submission: { ...submission, state: 'in-review' }, findings: [], decision: d },
        owner,
        'WRONG_STATE',
      ],
      [
        { submission, findings: [], decision: { kind: 'remediate', justification: '' } },
        owner,
        'JUSTIFICATION_REQUIRED',
      ],
    ];
    for (const [input, actor, code] of cases) {
      const r = recordDecision(input, actor, NOW);
      expect(r.ok ? 'ok' : r.error.code).toBe(code);
    }
  });
});
