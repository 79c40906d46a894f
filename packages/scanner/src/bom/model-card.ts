/**
 * Hugging Face model-card facts: the YAML front matter of README.md (license, base_model, datasets,
 * pipeline_tag, language, tags, model-index) and the "Uses" / "Bias, Risks, and Limitations" sections,
 * plus the architecture named by config.json. Pure: text in, facts and located problems out.
 */
import { yamlLib } from '../yaml.js';
import { isRecord, MAX_LIST_ENTRIES, text, texts } from './text.js';
import type { BomProblem, MetricFact } from './types.js';

export interface ModelCard {
  readonly name?: string;
  readonly description?: string;
  readonly licenses: string[];
  readonly baseModels: string[];
  readonly datasets: string[];
  readonly task?: string;
  readonly languages: string[];
  readonly tags: string[];
  readonly metrics: MetricFact[];
  readonly useCases: string[];
  readonly technicalLimitations: string[];
  readonly ethicalConsiderations: string[];
}

const EMPTY_CARD: ModelCard = {
  licenses: [],
  baseModels: [],
  datasets: [],
  languages: [],
  tags: [],
  metrics: [],
  useCases: [],
  technicalLimitations: [],
  ethicalConsiderations: [],
};

/** Template placeholders that say nothing. */
const PLACEHOLDER = /^\[?more information needed\]?\.?$/i;

/** Splits `---\nYAML\n---\nbody`; undefined front matter when the file does not start with one. */
export function splitFrontMatter(readme: string): { yaml?: string; body: string } {
  const t = readme.startsWith('\uFEFF') ? readme.slice(1) : readme;
  const open = /^---[ \t]*\r?\n/.exec(t);
  if (open === null) return { body: t };
  // The closing fence: the first line that is exactly `---` (linear scan, no backtracking).
  const close = /^---[ \t]*\r?$/m;
  const rest = t.slice(open[0].length);
  const m = close.exec(rest);
  if (m === null) return { body: t };
  const after = rest.slice(m.index + m[0].length).replace(/^\r?\n/, '');
  return { yaml: rest.slice(0, m.index), body: after };
}

export function parseModelCard(
  readme: string,
  file = 'README.md',
): { card: ModelCard; problems: BomProblem[] } {
  const problems: BomProblem[] = [];
  const { yaml, body } = splitFrontMatter(readme);
  let meta: Record<string, unknown> = {};
  if (yaml !== undefined) {
    const doc = yamlLib().parseDocument(yaml, { uniqueKeys: true });
    if (doc.errors.length > 0) {
      for (const e of doc.errors.slice(0, 10)) {
        // Line 1 of the YAML is line 2 of the file (after the opening ---).
        const line = e.linePos?.[0]?.line;
        problems.push({
          code: 'FRONT_MATTER',
          file,
          ...(line === undefined ? {} : { line: line + 1 }),
          message: `front matter: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
        });
      }
    } else {
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (e) {
        problems.push({ code: 'FRONT_MATTER', file, message: `front matter: ${(e as Error).message}` });
      }
      if (isRecord(value)) meta = value;
      else if (value !== undefined && value !== null)
        problems.push({ code: 'FRONT_MATTER', file, line: 2, message: 'front matter is not a mapping' });
    }
  }
  const sections = markdownSections(body);
  const card: ModelCard = {
    ...EMPTY_CARD,
    ...optional('name', text(meta.model_name) ?? modelIndexName(meta['model-index'])),
    ...optional('description', firstParagraph(body)),
    licenses: licensesOf(meta),
    baseModels: texts(meta.base_model),
    datasets: texts(meta.datasets),
    ...optional('task', text(meta.pipeline_tag)),
    languages: texts(meta.language),
    tags: texts(meta.tags),
    metrics: metricsOf(meta['model-index'], file, problems),
    useCases: sectionTexts(sections, /^(direct use|intended uses?( & limitations)?|uses|downstream use.*)$/i),
    technicalLimitations: sectionTexts(sections, /^(limitations|out-of-scope use|technical limitations)$/i),
    ethicalConsiderations: sectionTexts(
      sections,
      /^(bias, risks,? and limitations|risks|ethical considerations|bias)$/i,
    ),
  };
  return { card, problems };
}

function optional<K extends string>(key: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: string };
}

function licensesOf(meta: Record<string, unknown>): string[] {
  const ids = texts(meta.license);
  // `license: other` comes with `license_name`: the name says more than "other".
  const name = text(meta.license_name);
  return ids.map((l) => (l === 'other' && name ? name : l));
}

function modelIndexName(index: unknown): string | undefined {
  return Array.isArray(index) && isRecord(index[0]) ? text(index[0].name) : undefined;
}

/** model-index → [{type, value, slice}]; malformed entries are skipped and reported. */
function metricsOf(index: unknown, file: string, problems: BomProblem[]): MetricFact[] {
  if (index === undefined) return [];
  if (!Array.isArray(index)) {
    problems.push({
      code: 'FRONT_MATTER',
      file,
      pointer: '/model-index',
      message: 'model-index is not a list',
    });
    return [];
  }
  const out: MetricFact[] = [];
  for (const [i, entry] of index.entries()) {
    const results = isRecord(entry) ? entry.results : undefined;
    if (!Array.isArray(results)) {
      problems.push({
        code: 'FRONT_MATTER',
        file,
        pointer: `/model-index/${i}/results`,
        message: 'results is not a list',
      });
      continue;
    }
    for (const [j, r] of results.entries()) {
      if (!isRecord(r) || !Array.isArray(r.metrics)) {
        problems.push({
          code: 'FRONT_MATTER',
          file,
          pointer: `/model-index/${i}/results/${j}/metrics`,
          message: 'metrics is not a list',
        });
        continue;
      }
      const ds = isRecord(r.dataset) ? r.dataset : {};
      const sliceParts = [text(ds.name) ?? text(ds.type), text(ds.config), text(ds.split)].filter(
        (s) => s !== undefined,
      );
      for (const m of r.metrics) {
        if (out.length >= MAX_LIST_ENTRIES) return out;
        if (!isRecord(m)) continue;
        const type = text(m.name) ?? text(m.type);
        const value = text(m.value);
        if (type === undefined || value === undefined) continue;
        out.push({ type, value, ...(sliceParts.length > 0 ? { slice: sliceParts.join(' / ') } : {}) });
      }
    }
  }
  return out;
}

/** `## Heading` → text until the next heading of any level. */
function markdownSections(body: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current !== undefined && !out.has(current)) out.set(current, lines.join('\n'));
  };
  let fenced = false;
  for (const line of body.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const h = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (h) {
      flush();
      current = h[1]!.trim().toLowerCase();
      lines = [];
    } else lines.push(line);
  }
  flush();
  return out;
}

function cleanText(s: string): string | undefined {
  const t = s
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return t === '' || PLACEHOLDER.test(t) ? undefined : text(t);
}

function sectionTexts(sections: Map<string, string>, heading: RegExp): string[] {
  const out: string[] = [];
  for (const [name, content] of sections) {
    if (!heading.test(name)) continue;
    const t = cleanText(content);
    if (t !== undefined && !out.includes(t)) out.push(t);
  }
  return out;
}

/** The first prose paragraph of the body (not a heading, list, table, image or HTML). */
function firstParagraph(body: string): string | undefined {
  for (const para of body.split(/\r?\n\s*\r?\n/)) {
    const p = para.trim();
    if (p === '' || /^(#|[-*|>!<[`]|\d+\.)/.test(p)) continue;
    return cleanText(p);
  }
  return undefined;
}

/** config.json (transformers): `model_type` is the family, `architectures[0]` the architecture. */
export function parseModelConfig(
  json: string,
  file = 'config.json',
): { architectureFamily?: string; modelArchitecture?: string; problems: BomProblem[] } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    return { problems: [{ code: 'CONFIG', file, message: `not JSON: ${(e as Error).message}` }] };
  }
  if (!isRecord(value))
    return { problems: [{ code: 'CONFIG', file, pointer: '', message: 'not a JSON object' }] };
  const family = text(value.model_type);
  const arch = texts(value.architectures)[0];
  return {
    ...(family === undefined ? {} : { architectureFamily: family }),
    ...(arch === undefined ? {} : { modelArchitecture: arch }),
    problems: [],
  };
}
