/**
 * Confidential report PDF speed: renders a report with 500 findings (generated from a seeded PRNG,
 * so every machine renders the same report) and prints the median of --runs renders, the page
 * count and the PDF size. One warm-up render first (pdfmake, pdfkit and the fonts load on first use).
 *
 *   node --import tsx bench/report-pdf.ts [--findings 500] [--runs 5] [--seed 20261205]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadCriteriaCatalog } from '../packages/scanner/src/index.js';
import {
  buildReviewReport,
  countPdfPages,
  type ReportFinding,
  type ReviewReportInput,
  renderReportPdf,
} from '../packages/service/src/reports/index.js';
import { mulberry32 } from '../scripts/lib/prng.js';
import { median } from './lib/measure.js';

const { values } = parseArgs({
  options: {
    findings: { type: 'string', default: '500' },
    runs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '20261205' },
  },
});
const FINDINGS = Number(values.findings);
const RUNS = Number(values.runs);
const random = mulberry32(Number(values.seed));

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const hex = (n: number): string => Array.from({ length: n }, () => pick([...'0123456789abcdef'])).join('');
const WORDS =
  'model weights pickle archive tensor dependency prompt injection secret licence offset callable'.split(' ');
const sentence = (n: number): string => {
  const words = Array.from({ length: n }, () => pick(WORDS)).join(' ');
  return `${words[0]!.toUpperCase()}${words.slice(1)}.`;
};

const catalog = loadCriteriaCatalog();
const criteria = catalog.families.flatMap((f) => f.criteria.map((c) => c.id));
const AT = '2026-12-04T08:00:00Z';

function finding(i: number): ReportFinding {
  const status = pick(['open', 'open', 'remediated', 'risk-accepted', 'false-positive'] as const);
  const base = {
    id: `F-${String(i).padStart(5, '0')}`,
    source: pick(['automated', 'manual'] as const),
    ruleId: `VAC-BENCH-${String(Math.floor(random() * 40)).padStart(3, '0')}`,
    criterionId: pick(criteria),
    severity: pick(['critical', 'high', 'medium', 'low', 'info'] as const),
    title: sentence(6),
    description: Array.from({ length: 3 }, () => sentence(14)).join(' '),
    raisedAt: '2026-12-01T10:00:00Z',
    evidence: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      text: sentence(10),
      location: {
        path: `weights/shard-${Math.floor(random() * 8)}.bin`,
        offset: Math.floor(random() * 2 ** 32),
      },
      files: random() < 0.5 ? [{ name: `evidence-${hex(6)}.txt`, sha256: hex(64) }] : [],
    })),
    remediation: sentence(12),
  };
  switch (status) {
    case 'open':
      return { ...base, status };
    case 'remediated':
      return {
        ...base,
        status,
        resolution: { kind: status, by: 'reviewer', at: AT, confirmation: { method: 'rescan', revision: 2 } },
      };
    case 'risk-accepted':
      return {
        ...base,
        status,
        resolution: { kind: status, by: 'developer', at: AT, justification: sentence(20) },
      };
    case 'false-positive':
      return {
        ...base,
        status,
        resolution: { kind: status, by: 'reviewer', at: AT, rationale: sentence(12) },
      };
  }
}

const input: ReviewReportInput = {
  reportId: 'rpt-bench',
  generatedAt: '2026-12-05T16:00:00Z',
  program: { name: 'Voluntary AI Cybersecurity Review Program', url: 'https://vacsrp.example.gov/' },
  submission: {
    id: 'sub-bench',
    revision: 2,
    submittedAt: '2026-12-01T09:00:00Z',
    modelName: 'Bench-70B',
    vendorName: 'Bench AI',
  },
  artifacts: Array.from({ length: 8 }, (_, i) => ({
    path: `weights/shard-${i}.bin`,
    size: 5_000_000_000,
    sha256: hex(64),
  })),
  findings: Array.from({ length: FINDINGS }, (_, i) => finding(i + 1)),
  reviewerOutcomes: [],
  scans: [{ id: 'scan-bench', completedAt: '2026-12-03T08:55:00Z' }],
  signOffs: [{ reviewer: 'Bench Reviewer', date: '2026-12-05' }],
};

const built = buildReviewReport(input, catalog);
if (!built.ok) throw new Error(`bench report refused: ${JSON.stringify(built.error)}`);
const report = built.value;

await renderReportPdf(report); // warm-up
const times: number[] = [];
let pdf: Buffer | undefined;
for (let i = 0; i < RUNS; i++) {
  const start = performance.now();
  pdf = await renderReportPdf(report);
  times.push(performance.now() - start);
}
const pages = pdf === undefined ? 0 : countPdfPages(pdf);
console.log(
  `report PDF, ${FINDINGS} findings: median ${median(times).toFixed(0)} ms over ${RUNS} runs ` +
    `(min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}), ` +
    `${pages} pages, ${((pdf?.length ?? 0) / 1024).toFixed(0)} KiB`,
);
