/**
 * The few fields of `vacsrp.yaml` the BOM needs (model name, version, licence; datasets), read
 * tolerantly: the submission manifest has its own parser and schema (src/manifest/), which the BOM
 * does not depend on. Unknown fields are ignored here; wrong shapes are reported and skipped.
 */
import { yamlLib } from '../yaml.js';
import { isRecord, MAX_LIST_ENTRIES, text, texts } from './text.js';
import type { BomProblem, DatasetFact } from './types.js';

export interface ManifestFacts {
  readonly name?: string;
  readonly version?: string;
  readonly licenses: string[];
  readonly datasets: DatasetFact[];
}

export function parseManifestFacts(
  yaml: string,
  file = 'vacsrp.yaml',
): { facts: ManifestFacts; problems: BomProblem[] } {
  const empty: ManifestFacts = { licenses: [], datasets: [] };
  const doc = yamlLib().parseDocument(yaml, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    return {
      facts: empty,
      problems: [
        {
          code: 'MANIFEST',
          file,
          ...(line === undefined ? {} : { line }),
          message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
        },
      ],
    };
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return { facts: empty, problems: [{ code: 'MANIFEST', file, message: (e as Error).message }] };
  }
  if (!isRecord(root))
    return { facts: empty, problems: [{ code: 'MANIFEST', file, pointer: '', message: 'not a mapping' }] };
  const problems: BomProblem[] = [];
  // `model: {name, version, license}` or the same keys at the top level.
  const model = isRecord(root.model) ? root.model : root;
  const base = model === root ? '' : '/model';
  const name = text(model.name);
  const version = text(model.version);
  const licenses = texts(model.license ?? model.licenses);
  const datasets: DatasetFact[] = [];
  const list = root.datasets ?? model.datasets;
  if (list !== undefined && !Array.isArray(list))
    problems.push({
      code: 'MANIFEST',
      file,
      pointer: `${root.datasets === undefined ? base : ''}/datasets`,
      message: 'datasets is not a list',
    });
  for (const [i, d] of (Array.isArray(list) ? list : []).slice(0, MAX_LIST_ENTRIES).entries()) {
    if (typeof d === 'string' && text(d)) {
      datasets.push({ name: text(d)!, source: file });
      continue;
    }
    const dn = isRecord(d) ? (text(d.name) ?? text(d.id)) : undefined;
    if (!isRecord(d) || dn === undefined) {
      problems.push({ code: 'MANIFEST', file, pointer: `/datasets/${i}`, message: 'a dataset needs a name' });
      continue;
    }
    const url = text(d.url);
    const license = text(d.license);
    const description = text(d.description);
    const dv = text(d.version);
    datasets.push({
      name: dn,
      source: file,
      ...(description === undefined ? {} : { description }),
      ...(url === undefined ? {} : { url }),
      ...(license === undefined ? {} : { license }),
      ...(dv === undefined ? {} : { version: dv }),
    });
  }
  return {
    facts: {
      ...(name === undefined ? {} : { name }),
      ...(version === undefined ? {} : { version }),
      licenses,
      datasets,
    },
    problems,
  };
}
