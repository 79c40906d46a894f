/**
 * The generated part of docs/criteria.md: one table per family, from the catalog, so the document
 * cannot drift from the data. test/criteria-docs.test.ts fails when it is stale (UPDATE_GOLDEN=1 rewrites).
 */
import type { CriteriaCatalog, Criterion, Scope } from './catalog.js';

export const CRITERIA_DOC_PATH = 'docs/criteria.md';
export const CRITERIA_DOC_BEGIN =
  '<!-- BEGIN GENERATED: criteria tables (packages/scanner/src/criteria/doc.ts) -->';
export const CRITERIA_DOC_END = '<!-- END GENERATED: criteria tables -->';

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const scope = (s: Scope<string>): string => (s === 'all' ? 'all' : s.join(', '));
const list = (xs: readonly string[]): string => (xs.length > 0 ? xs.join(', ') : '–');

function appliesTo(c: Criterion): string {
  const a = c.applicability;
  const parts = [
    a.modelTypes === 'all' ? '' : `types: ${scope(a.modelTypes)}`,
    a.modalities === 'all' ? '' : `modalities: ${scope(a.modalities)}`,
    a.access === 'all' ? '' : `access: ${scope(a.access)}`,
  ].filter((p) => p !== '');
  const scoped = parts.length === 0 ? 'all' : parts.join('; ');
  return a.note === undefined ? scoped : `${scoped}; *${a.note}*`;
}

function testedBy(c: Criterion): string {
  const t = c.testing;
  const rules = t.automated.length;
  return [
    rules > 0 ? `${rules} rule${rules === 1 ? '' : 's'}` : '',
    ...t.simulations.map((s) => `\`${s.id}\``),
    t.manual.length > 0 ? 'manual' : '',
  ]
    .filter((p) => p !== '')
    .join(', ');
}

/** The Markdown between the generated-section markers (markers included), ending with a newline. */
export function renderCriteriaTables(catalog: CriteriaCatalog): string {
  const out = [
    CRITERIA_DOC_BEGIN,
    '',
    `Catalog \`${catalog.id}\` version ${catalog.version} (${catalog.status}), last modified ${catalog.lastModified}.`,
  ];
  for (const f of catalog.families) {
    out.push(
      '',
      `### ${f.id}: ${f.title}`,
      '',
      f.summary,
      '',
      '| ID | Title | Applies to | Tested by | NIST AI RMF | MITRE ATLAS | OWASP | CWE |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...f.criteria.map((c) => {
        const m = c.mappings;
        const owasp = [...m['owasp-ml-top10'], ...m['owasp-llm-top10']];
        return `| ${c.id} | ${cell(c.title)} | ${cell(appliesTo(c))} | ${testedBy(c)} | ${list(m['nist-ai-rmf'])} | ${list(m['mitre-atlas'])} | ${list(owasp)} | ${list(m.cwe)} |`;
      }),
    );
  }
  out.push('', CRITERIA_DOC_END);
  return `${out.join('\n')}\n`;
}

/** Replaces the generated section of `doc`; throws when the markers are missing or out of order. */
export function replaceGeneratedSection(doc: string, section: string): string {
  const begin = doc.indexOf(CRITERIA_DOC_BEGIN);
  const end = doc.indexOf(CRITERIA_DOC_END);
  if (begin < 0 || end < begin) throw new Error(`${CRITERIA_DOC_PATH} lacks the generated-section markers`);
  const after = doc.indexOf('\n', end);
  return doc.slice(0, begin) + section + (after < 0 ? '' : doc.slice(after + 1));
}
