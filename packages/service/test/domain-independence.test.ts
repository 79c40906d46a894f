import { describe, expect, it } from 'vitest';
import {
  type Actor,
  type AssignmentHistory,
  assign,
  assignmentLoad,
  conflicts,
  currentReviewers,
  type Declaration,
  type Reviewer,
  recuse,
  type SubmissionParties,
  suggestAssignment,
} from '../src/index.js';

const NOW = '2026-11-26T12:00:00.000Z';
const TWO_YEARS_AGO = '2024-11-26T12:00:00.000Z';
const JUST_BEFORE = '2024-11-26T11:59:59.999Z';
const admin: Actor = { role: 'administrator', userId: 'adm-1' };

const submission: SubmissionParties = {
  id: 'sub-1',
  organisationId: 'acme',
  relatedOrganisationIds: ['acme-parent'],
};
const reviewer = (id: string, declarations: Declaration[] = [], organisationId?: string): Reviewer =>
  organisationId === undefined ? { id, declarations } : { id, declarations, organisationId };
const decl = (kind: Declaration['kind'], organisationId: string, to?: string): Declaration =>
  to === undefined
    ? { kind, organisationId, from: '2020-01-01' }
    : { kind, organisationId, from: '2020-01-01', to };

describe('conflicts', () => {
  it('an unrelated reviewer has none', () => {
    expect(
      conflicts(reviewer('r', [decl('employment', 'other', '2026-01-01')], 'uni'), submission, [], NOW),
    ).toEqual([]);
  });

  it('same organisation and declared-related organisation', () => {
    expect(
      conflicts(reviewer('r', [], 'acme'), submission, [], NOW).map((c) => [c.kind, c.viaRelated]),
    ).toEqual([['same-organisation', false]]);
    expect(
      conflicts(reviewer('r', [], 'acme-parent'), submission, [], NOW).map((c) => [c.kind, c.viaRelated]),
    ).toEqual([['related-organisation', true]]);
  });

  it.each(['affiliation', 'employment', 'advisory', 'financial-interest'] as const)(
    'ongoing %s is a conflict',
    (kind) => {
      const found = conflicts(reviewer('r', [decl(kind, 'acme')]), submission, [], NOW);
      expect(found.map((c) => c.kind)).toEqual([kind]);
      expect(found[0]?.reason).toContain('ongoing');
    },
  );

  it.each(['employment', 'advisory'] as const)('%s through a related organisation is a conflict', (kind) => {
    const found = conflicts(reviewer('r', [decl(kind, 'acme-parent', '2026-01-01')]), submission, [], NOW);
    expect(found.map((c) => [c.kind, c.viaRelated, c.organisationId])).toEqual([[kind, true, 'acme-parent']]);
  });

  it.each(['employment', 'advisory'] as const)('%s: the two-year boundary on both sides', (kind) => {
    expect(
      conflicts(reviewer('r', [decl(kind, 'acme', TWO_YEARS_AGO)]), submission, [], NOW).map((c) => c.kind),
    ).toEqual([kind]);
    expect(
      conflicts(reviewer('r', [decl(kind, 'acme', '2025-06-01')]), submission, [], NOW).map((c) => c.kind),
    ).toEqual([kind]);
    expect(conflicts(reviewer('r', [decl(kind, 'acme', JUST_BEFORE)]), submission, [], NOW)).toEqual([]);
    expect(conflicts(reviewer('r', [decl(kind, 'acme', '2019-01-01')]), submission, [], NOW)).toEqual([]);
  });

  it('a relationship the submitter declared', () => {
    const found = conflicts(
      reviewer('r'),
      submission,
      [{ reviewerId: 'r', reason: 'co-author of our paper' }],
      NOW,
    );
    expect(found.map((c) => c.kind)).toEqual(['declared-by-submitter']);
    expect(found[0]?.reason).toContain('co-author');
    expect(conflicts(reviewer('q'), submission, [{ reviewerId: 'r', reason: 'x' }], NOW)).toEqual([]);
  });

  it('returns every conflict, not just the first', () => {
    const r = reviewer('r', [decl('advisory', 'acme'), decl('financial-interest', 'acme-parent')], 'acme');
    const found = conflicts(r, submission, [{ reviewerId: 'r', reason: 'x' }], NOW);
    expect(found.map((c) => c.kind).sort()).toEqual([
      'advisory',
      'declared-by-submitter',
      'financial-interest',
      'same-organisation',
    ]);
  });
});

describe('suggestAssignment', () => {
  const pool = [
    reviewer('r1', [], 'uni-a'),
    reviewer('r2', [], 'uni-b'),
    reviewer('r3', [], 'uni-c'),
    reviewer('r4', [decl('advisory', 'acme', '2025-01-01')], 'uni-d'),
  ];

  it('picks two non-conflicted reviewers in id order when loads are equal', () => {
    const r = suggestAssignment(pool, submission, NOW, []);
    expect(r.ok && r.value.reviewerIds).toEqual(['r1', 'r2']);
  });

  it('balances load by active assignments', () => {
    const history: AssignmentHistory = [
      { type: 'assigned', submissionId: 'other-1', reviewerId: 'r1', by: 'adm-1', at: NOW },
      { type: 'assigned', submissionId: 'other-2', reviewerId: 'r2', by: 'adm-1', at: NOW },
      { type: 'assigned', submissionId: 'other-3', reviewerId: 'r2', by: 'adm-1', at: NOW },
      { type: 'unassigned', submissionId: 'other-3', reviewerId: 'r2', by: 'adm-1', at: NOW },
    ];
    expect(assignmentLoad(history).get('r2')).toBe(1);
    const r = suggestAssignment(pool, submission, NOW, history);
    expect(r.ok && r.value.reviewerIds).toEqual(['r3', 'r1']);
  });

  it('keeps a current reviewer and skips recused ones', () => {
    const history: AssignmentHistory = [
      { type: 'assigned', submissionId: 'sub-1', reviewerId: 'r3', by: 'adm-1', at: NOW },
      { type: 'assigned', submissionId: 'sub-1', reviewerId: 'r1', by: 'adm-1', at: NOW },
      {
        type: 'recused',
        submissionId: 'sub-1',
        reviewerId: 'r1',
        by: 'r1',
        at: NOW,
        reason: 'former student',
      },
    ];
    const r = suggestAssignment(pool, submission, NOW, history);
    expect(r.ok && r.value).toEqual({ reviewerIds: ['r3', 'r2'], newlyPicked: ['r2'] });
  });

  it('does not pair two reviewers from the same employer', () => {
    const same = [reviewer('a', [], 'uni-x'), reviewer('b', [], 'uni-x'), reviewer('c', [], 'uni-y')];
    const r = suggestAssignment(same, submission, NOW, []);
    expect(r.ok && r.value.reviewerIds).toEqual(['a', 'c']);
  });

  it('explains why it cannot reach two reviewers', () => {
    const small = [
      reviewer('r1', [], 'acme'),
      reviewer('r2'),
      reviewer('r4', [decl('advisory', 'acme', '2025-01-01')]),
    ];
    const history: AssignmentHistory = [];
    const r = suggestAssignment(small, submission, NOW, history);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('NOT_ENOUGH_REVIEWERS');
    expect(r.error.needed).toBe(2);
    expect(r.error.eligible).toEqual(['r2']);
    expect(r.error.rejected.map((x) => [x.reviewerId, x.reasons.map((y) => y.kind)])).toEqual([
      ['r1', ['conflicted']],
      ['r4', ['conflicted']],
    ]);
  });
});

describe('assign and recuse keep the full history', () => {
  const r1 = reviewer('r1', [], 'uni-a');
  const r2 = reviewer('r2', [], 'uni-b');
  const r3 = reviewer('r3', [], 'uni-c');

  it('assigns, refuses conflicted and recused reviewers, and never deletes a line', () => {
    const a1 = assign([], { reviewer: r1, submission }, admin, NOW);
    if (!a1.ok) throw new Error(a1.error.code);
    const a2 = assign(a1.value.history, { reviewer: r2, submission }, admin, NOW);
    if (!a2.ok) throw new Error(a2.error.code);
    expect(currentReviewers(a2.value.history, 'sub-1')).toEqual(['r1', 'r2']);
    const third = assign(a2.value.history, { reviewer: r3, submission }, admin, NOW);
    expect(third.ok ? 'ok' : third.error.code).toBe('TOO_MANY_REVIEWERS');
    const again = assign(a2.value.history, { reviewer: r1, submission }, admin, NOW);
    expect(again.ok ? 'ok' : again.error.code).toBe('ALREADY_ASSIGNED');

    const rec = recuse(
      a2.value.history,
      { submissionId: 'sub-1', reviewerId: 'r1', reason: 'joined acme board' },
      { role: 'reviewer', userId: 'r1' },
      NOW,
    );
    if (!rec.ok) throw new Error(rec.error.code);
    expect(rec.value.history).toHaveLength(3);
    expect(rec.value.history.slice(0, 2)).toEqual(a2.value.history);
    expect(rec.value.event.what).toBe('assignment.recused');
    expect(currentReviewers(rec.value.history, 'sub-1')).toEqual(['r2']);
    const back = assign(rec.value.history, { reviewer: r1, submission }, admin, NOW);
    expect(back.ok ? 'ok' : back.error.code).toBe('RECUSED');
    const a3 = assign(rec.value.history, { reviewer: r3, submission }, admin, NOW);
    expect(a3.ok && currentReviewers(a3.value.history, 'sub-1')).toEqual(['r2', 'r3']);
  });

  it('refuses conflicted reviewers with the conflicts', () => {
    const r = assign(
      [],
      { reviewer: r1, submission, declaredBySubmitter: [{ reviewerId: 'r1', reason: 'x' }] },
      admin,
      NOW,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('CONFLICTED');
      expect(r.error.conflicts?.map((c) => c.kind)).toEqual(['declared-by-submitter']);
    }
  });

  it('only an administrator assigns; only the reviewer themself or an administrator recuses, with a reason', () => {
    for (const actor of [
      { role: 'reviewer', userId: 'r1' },
      { role: 'submitter', userId: 's', organisationId: 'acme' },
      { role: 'public' },
    ] as Actor[]) {
      const r = assign([], { reviewer: r1, submission }, actor, NOW);
      expect(r.ok ? 'ok' : r.error.code).toBe('FORBIDDEN_ROLE');
    }
    const history: AssignmentHistory = [
      { type: 'assigned', submissionId: 'sub-1', reviewerId: 'r1', by: 'adm-1', at: NOW },
    ];
    const other = recuse(
      history,
      { submissionId: 'sub-1', reviewerId: 'r1', reason: 'x' },
      { role: 'reviewer', userId: 'r2' },
      NOW,
    );
    expect(other.ok ? 'ok' : other.error.code).toBe('FORBIDDEN_ROLE');
    const blank = recuse(history, { submissionId: 'sub-1', reviewerId: 'r1', reason: '  ' }, admin, NOW);
    expect(blank.ok ? 'ok' : blank.error.code).toBe('REASON_REQUIRED');
    const notAssigned = recuse(history, { submissionId: 'sub-1', reviewerId: 'r2', reason: 'x' }, admin, NOW);
    expect(notAssigned.ok ? 'ok' : notAssigned.error.code).toBe('NOT_ASSIGNED');
    const byAdmin = recuse(history, { submissionId: 'sub-1', reviewerId: 'r1', reason: 'x' }, admin, NOW);
    expect(byAdmin.ok && byAdmin.value.entry).toMatchObject({ type: 'recused', by: 'adm-1', reason: 'x' });
  });
});
