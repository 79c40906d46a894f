import { describe, expect, it } from 'vitest';
import {
  type Actor,
  createSubmission,
  SUBMISSION_STATES,
  type Submission,
  type SubmissionAction,
  type SubmissionActionType,
  type SubmissionState,
  transition,
} from '../src/index.js';

const NOW = '2026-11-26T12:00:00.000Z';
const D1 = 'a'.repeat(64);
const D2 = 'b'.repeat(64);
const D3 = 'c'.repeat(64);

const owner: Actor = { role: 'submitter', userId: 'sub-1', organisationId: 'org-1' };
const otherSubmitter: Actor = { role: 'submitter', userId: 'sub-2', organisationId: 'org-2' };
const reviewerA: Actor = { role: 'reviewer', userId: 'rev-a' };
const reviewerB: Actor = { role: 'reviewer', userId: 'rev-b' };
const strangerReviewer: Actor = { role: 'reviewer', userId: 'rev-z' };
const admin: Actor = { role: 'administrator', userId: 'adm-1' };
const procurement: Actor = { role: 'procurement-officer', userId: 'po-1' };
const anonymous: Actor = { role: 'public' };

const ACTORS: Record<string, Actor> = {
  'submitter (own org)': owner,
  'submitter (other org)': otherSubmitter,
  'reviewer (assigned)': reviewerA,
  'reviewer (not assigned)': strangerReviewer,
  administrator: admin,
  'procurement officer': procurement,
  public: anonymous,
};

// Written out independently of the implementation's table, so a change there must be made here too.
const ACTION_ROLE: Record<SubmissionActionType, Actor['role']> = {
  submit: 'submitter',
  'start-review': 'administrator',
  'issue-findings': 'reviewer',
  'sign-off': 'reviewer',
  'start-remediation': 'submitter',
  resubmit: 'submitter',
  'issue-final-report': 'administrator',
  complete: 'administrator',
  withdraw: 'submitter',
};

const LEGAL: [SubmissionState, SubmissionActionType, SubmissionState][] = [
  ['draft', 'submit', 'submitted'],
  ['submitted', 'start-review', 'in-review'],
  ['resubmitted', 'start-review', 'in-review'],
  ['in-review', 'issue-findings', 'findings-issued'],
  ['findings-issued', 'sign-off', 'findings-issued'],
  ['findings-issued', 'start-remediation', 'remediating'],
  ['remediating', 'resubmit', 'resubmitted'],
  ['findings-issued', 'issue-final-report', 'final-report'],
  ['final-report', 'complete', 'completed'],
  ['draft', 'withdraw', 'withdrawn'],
  ['submitted', 'withdraw', 'withdrawn'],
  ['in-review', 'withdraw', 'withdrawn'],
  ['findings-issued', 'withdraw', 'withdrawn'],
  ['remediating', 'withdraw', 'withdrawn'],
  ['resubmitted', 'withdraw', 'withdrawn'],
  ['final-report', 'withdraw', 'withdrawn'],
];

const ACTIONS: Record<SubmissionActionType, SubmissionAction> = {
  submit: { type: 'submit' },
  'start-review': { type: 'start-review', reviewers: ['rev-a', 'rev-b'] },
  'issue-findings': { type: 'issue-findings' },
  'sign-off': { type: 'sign-off' },
  'start-remediation': { type: 'start-remediation' },
  resubmit: { type: 'resubmit', manifestDigest: D2 },
  'issue-final-report': { type: 'issue-final-report' },
  complete: { type: 'complete' },
  withdraw: { type: 'withdraw' },
};

function inState(state: SubmissionState, signOffs: string[] = ['rev-a', 'rev-b']): Submission {
  return {
    id: 'sub-x',
    organisationId: 'org-1',
    state,
    revisions: [{ number: 1, manifestDigest: D1, createdAt: NOW, createdBy: 'sub-1' }],
    reviewers: ['rev-a', 'rev-b'],
    signOffs,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

function expected(state: SubmissionState, action: SubmissionActionType, label: string, actor: Actor) {
  if (actor.role !== ACTION_ROLE[action]) return { code: 'FORBIDDEN_ROLE' };
  if (label === 'submitter (other org)') return { code: 'NOT_OWNER' };
  if (label === 'reviewer (not assigned)') return { code: 'NOT_ASSIGNED' };
  const legal = LEGAL.find(([s, a]) => s === state && a === action);
  return legal === undefined ? { code: 'ILLEGAL_TRANSITION' } : { to: legal[2] };
}

const CASES = SUBMISSION_STATES.flatMap((state) =>
  (Object.keys(ACTIONS) as SubmissionActionType[]).flatMap((action) =>
    Object.entries(ACTORS).map(([label, actor]) => ({ state, action, label, actor })),
  ),
);

describe('transition: every state × action × role', () => {
  it('covers the whole table', () => {
    expect(CASES).toHaveLength(9 * 9 * 7);
    expect(CASES.filter((c) => 'to' in expected(c.state, c.action, c.label, c.actor))).toHaveLength(
      LEGAL.length,
    );
  });

  it.each(CASES)('$state · $action · $label', ({ state, action, label, actor }) => {
    const before = inState(state, action === 'sign-off' ? [] : ['rev-a', 'rev-b']);
    const result = transition(before, ACTIONS[action], actor, NOW);
    const want = expected(state, action, label, actor);
    if ('code' in want) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe(want.code);
    } else {
      expect(result.ok).toBe(true);
      if (result.ok) {
        expect(result.value.submission.state).toBe(want.to);
        expect(result.value.event).toMatchObject({
          who: 'userId' in actor ? actor.userId : 'public',
          role: actor.role,
          what: `submission.${action}`,
          when: NOW,
          object: { kind: 'submission', id: 'sub-x' },
          detail: { from: state, to: want.to },
        });
      }
    }
  });
});

describe('transition preconditions', () => {
  it('start-review needs two distinct reviewers', () => {
    for (const reviewers of [[], ['rev-a'], ['rev-a', 'rev-a'], ['rev-a', 'rev-b', 'rev-c']]) {
      const r = transition(inState('submitted'), { type: 'start-review', reviewers }, admin, NOW);
      expect(r.ok ? 'ok' : r.error.code).toBe('REVIEWERS_REQUIRED');
    }
  });

  it('final report needs both sign-offs', () => {
    for (const signOffs of [[], ['rev-a'], ['rev-b']]) {
      const r = transition(inState('findings-issued', signOffs), { type: 'issue-final-report' }, admin, NOW);
      expect(r.ok ? 'ok' : r.error.code).toBe('SIGN_OFF_REQUIRED');
    }
  });

  it('a reviewer signs off once', () => {
    const r = transition(inState('findings-issued', ['rev-a']), { type: 'sign-off' }, reviewerA, NOW);
    expect(r.ok ? 'ok' : r.error.code).toBe('ALREADY_SIGNED_OFF');
  });

  it('resubmit rejects a malformed digest', () => {
    const r = transition(inState('remediating'), { type: 'resubmit', manifestDigest: 'ABC' }, owner, NOW);
    expect(r.ok ? 'ok' : r.error.code).toBe('INVALID_DIGEST');
  });

  it('only a submitter creates a submission, owned by their organisation', () => {
    const r = createSubmission({ id: 's', manifestDigest: D1 }, admin, NOW);
    expect(r.ok ? 'ok' : r.error.code).toBe('FORBIDDEN_ROLE');
    const c = createSubmission({ id: 's', manifestDigest: D1 }, owner, NOW);
    expect(c.ok && c.value.submission.organisationId).toBe('org-1');
    expect(c.ok && c.value.submission.state).toBe('draft');
  });
});

function step(s: Submission, action: SubmissionAction, actor: Actor, at = NOW): Submission {
  const r = transition(s, action, actor, at);
  if (!r.ok) throw new Error(`${action.type}: ${r.error.code}`);
  return r.value.submission;
}

describe('a full review with two remediation rounds', () => {
  it('reaches completed, with revisions 1..3 that never change', () => {
    const created = createSubmission({ id: 'sub-x', manifestDigest: D1 }, owner, NOW);
    if (!created.ok) throw new Error('create');
    let s = created.value.submission;
    s = step(s, { type: 'submit' }, owner);
    s = step(s, { type: 'start-review', reviewers: ['rev-b', 'rev-a'] }, admin);
    expect(s.reviewers).toEqual(['rev-a', 'rev-b']);
    s = step(s, { type: 'issue-findings' }, reviewerA);
    s = step(s, { type: 'start-remediation' }, owner);
    const beforeResubmit = s;
    const rev1 = s.revisions[0];
    s = step(s, { type: 'resubmit', manifestDigest: D2 }, owner, '2026-12-01T00:00:00.000Z');
    expect(beforeResubmit.revisions).toHaveLength(1);
    expect(s.revisions[0]).toBe(rev1);
    expect(s.revisions[1]).toEqual({
      number: 2,
      manifestDigest: D2,
      createdAt: '2026-12-01T00:00:00.000Z',
      createdBy: 'sub-1',
    });
    s = step(s, { type: 'start-review', reviewers: ['rev-a', 'rev-b'] }, admin);
    s = step(s, { type: 'issue-findings' }, reviewerB);
    s = step(s, { type: 'start-remediation' }, owner);
    s = step(s, { type: 'resubmit', manifestDigest: D3 }, owner);
    expect(s.revisions.map((r) => [r.number, r.manifestDigest])).toEqual([
      [1, D1],
      [2, D2],
      [3, D3],
    ]);
    s = step(s, { type: 'start-review', reviewers: ['rev-a', 'rev-b'] }, admin);
    s = step(s, { type: 'issue-findings' }, reviewerA);
    const signedA = step(s, { type: 'sign-off' }, reviewerA);
    const early = transition(signedA, { type: 'issue-final-report' }, admin, NOW);
    expect(early.ok ? 'ok' : early.error.code).toBe('SIGN_OFF_REQUIRED');
    s = step(signedA, { type: 'sign-off' }, reviewerB);
    s = step(s, { type: 'issue-final-report' }, admin);
    s = step(s, { type: 'complete' }, admin);
    expect(s.state).toBe('completed');
  });

  it('new findings reset the sign-offs of the previous round', () => {
    let s = inState('findings-issued', []);
    s = step(s, { type: 'sign-off' }, reviewerA);
    s = step(s, { type: 'start-remediation' }, owner);
    s = step(s, { type: 'resubmit', manifestDigest: D2 }, owner);
    s = step(s, { type: 'start-review', reviewers: ['rev-a', 'rev-b'] }, admin);
    s = step(s, { type: 'issue-findings' }, reviewerA);
    expect(s.signOffs).toEqual([]);
  });

  it('revisions and submissions are frozen: mutation throws and the input is untouched', () => {
    const original = inState('remediating');
    const snapshot = structuredClone(original);
    const next = step(original, { type: 'resubmit', manifestDigest: D2 }, owner);
    expect(original).toEqual(snapshot);
    expect(Object.isFrozen(next)).toBe(true);
    expect(Object.isFrozen(next.revisions)).toBe(true);
    expect(Object.isFrozen(next.revisions[1])).toBe(true);
    expect(() => {
      (next.revisions as Submission['revisions'][number][]).push({
        number: 9,
        manifestDigest: D3,
        createdAt: NOW,
        createdBy: 'x',
      });
    }).toThrow(TypeError);
    expect(() => {
      (next.revisions[1] as { manifestDigest: string }).manifestDigest = D3;
    }).toThrow(TypeError);
  });
});
