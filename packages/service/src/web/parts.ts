/** Small display pieces shared by the pages: dates, state and severity tags, the submission step indicator. */
import type { Severity } from '../domain/findings.js';
import type { SubmissionState } from '../domain/submission.js';
import { type Html, html } from './html.js';

export const when = (iso: string | null | undefined): Html =>
  iso === null || iso === undefined
    ? html`—`
    : html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;

export const STATE_LABEL: Readonly<Record<SubmissionState, string>> = {
  draft: 'Draft',
  submitted: 'Submitted',
  'in-review': 'In review',
  'findings-issued': 'Findings issued',
  remediating: 'Remediating',
  resubmitted: 'Resubmitted',
  'final-report': 'Final report',
  completed: 'Completed',
  withdrawn: 'Withdrawn',
};

export const stateTag = (state: SubmissionState): Html =>
  html`<span class="usa-tag${state === 'completed' ? ' bg-green' : ''}">${STATE_LABEL[state]}</span>`;

export const severityTag = (severity: Severity): Html =>
  html`<span class="usa-tag web-tag-${severity}">${severity}</span>`;

/** The review's main path; remediation rounds loop back to review. */
const STEPS: readonly { label: string; states: readonly SubmissionState[] }[] = [
  { label: 'Draft', states: ['draft'] },
  { label: 'Submitted', states: ['submitted', 'resubmitted'] },
  { label: 'In review', states: ['in-review'] },
  { label: 'Findings issued', states: ['findings-issued', 'remediating'] },
  { label: 'Final report', states: ['final-report'] },
  { label: 'Completed', states: ['completed'] },
];

export function stepIndicator(state: SubmissionState): Html {
  const current = STEPS.findIndex((s) => s.states.includes(state));
  return html`<div class="usa-step-indicator usa-step-indicator--counters-sm" aria-label="Review progress">
  <ol class="usa-step-indicator__segments">
    ${STEPS.map((s, i) => {
      const cls =
        i < current || state === 'completed'
          ? ' usa-step-indicator__segment--complete'
          : i === current
            ? ' usa-step-indicator__segment--current'
            : '';
      return html`<li class="usa-step-indicator__segment${cls}"${i === current ? html` aria-current="step"` : html``}>
        <span class="usa-step-indicator__segment-label">${s.label}${
          i < current || state === 'completed'
            ? html` <span class="usa-sr-only">completed</span>`
            : i === current
              ? html``
              : html` <span class="usa-sr-only">not completed</span>`
        }</span></li>`;
    })}
  </ol>
  <div class="usa-step-indicator__header">
    <h2 class="usa-step-indicator__heading">
      <span class="usa-step-indicator__heading-counter"><span class="usa-sr-only">Step</span>
      <span class="usa-step-indicator__current-step">${current < 0 ? '—' : current + 1}</span>
      <span class="usa-step-indicator__total-steps">of ${STEPS.length}</span></span>
      <span class="usa-step-indicator__heading-text">${STATE_LABEL[state]}</span>
    </h2>
  </div>
</div>`;
}

/** A wizard's steps (new submission: manifest, artifacts, submit). */
export function wizardSteps(steps: readonly string[], current: number): Html {
  return html`<div class="usa-step-indicator usa-step-indicator--counters-sm" aria-label="New submission steps">
  <ol class="usa-step-indicator__segments">
    ${steps.map(
      (label, i) =>
        html`<li class="usa-step-indicator__segment${
          i < current
            ? ' usa-step-indicator__segment--complete'
            : i === current
              ? ' usa-step-indicator__segment--current'
              : ''
        }"${i === current ? html` aria-current="step"` : html``}><span class="usa-step-indicator__segment-label">${label}</span></li>`,
    )}
  </ol>
  <div class="usa-step-indicator__header">
    <h2 class="usa-step-indicator__heading">
      <span class="usa-step-indicator__heading-counter"><span class="usa-sr-only">Step</span>
      <span class="usa-step-indicator__current-step">${current + 1}</span>
      <span class="usa-step-indicator__total-steps">of ${steps.length}</span></span>
      <span class="usa-step-indicator__heading-text">${steps[current] ?? ''}</span>
    </h2>
  </div>
</div>`;
}

export const formatBytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
