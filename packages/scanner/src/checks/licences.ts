/**
 * The licence inventory (SC-7) of one scanned directory: the model's licence from the model card's
 * front matter and from LICENSE/COPYING files (identified by their text), datasets (front matter,
 * Croissant metadata) and dependencies (package-lock.json licences; Python lock files carry none).
 * Missing or unknown licences are low (info for dependencies); a model card and a LICENSE file that
 * disagree are medium. The files looked at are the directory's own and those of its subdirectories
 * down to MAX_DEPTH, never followed through links.
 */
import { open, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Finding } from '../findings.js';
import {
  croissantLicences,
  LICENCE_LIMITS,
  type LicenceEntry,
  licenceFileEntry,
  modelCardLicences,
  packageLockLicences,
  pythonLockNames,
} from '../licences/inventory.js';
import { hygieneFinding } from './secrets.js';
import { MODEL_EXTENSIONS } from './signature.js';

/** Directory levels looked at below the root (CWE-400); model repositories keep licences at the top. */
const MAX_DEPTH = 2;
/** Directory entries looked at in all (CWE-400). */
const MAX_ENTRIES = 10_000;

export interface LicenceInventory {
  /** Sorted by subject, name, source: deterministic for reports and BOMs. */
  readonly entries: readonly LicenceEntry[];
  readonly findings: readonly Finding[];
}

const LICENCE_FILE = /^(?:licen[cs]e|copying|unlicen[cs]e)(?:[.-][A-Za-z0-9.-]*)?$/i;
const README = /^readme\.md$/i;
const PY_LOCKS: Readonly<Record<string, 'requirements' | 'toml' | 'pipfile'>> = {
  'poetry.lock': 'toml',
  'uv.lock': 'toml',
  'pipfile.lock': 'pipfile',
};

interface Files {
  readmes: string[];
  licences: string[];
  jsons: string[];
  npmLocks: string[];
  pyLocks: Array<[string, 'requirements' | 'toml' | 'pipfile']>;
  hasModel: boolean;
}

async function collect(dir: string, depth: number, files: Files, budget: { seen: number }): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const subdirs: string[] = [];
  for (const e of entries) {
    if (++budget.seen > MAX_ENTRIES) return;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== '.git' && e.name !== 'node_modules') subdirs.push(p);
      continue;
    }
    if (!e.isFile()) continue;
    const lower = e.name.toLowerCase();
    const ext = lower.includes('.') ? lower.slice(lower.lastIndexOf('.')) : '';
    if (MODEL_EXTENSIONS.has(ext)) files.hasModel = true;
    if (README.test(e.name)) files.readmes.push(p);
    else if (LICENCE_FILE.test(e.name)) files.licences.push(p);
    else if (lower === 'package-lock.json') files.npmLocks.push(p);
    else if (PY_LOCKS[lower] !== undefined) files.pyLocks.push([p, PY_LOCKS[lower]!]);
    else if (/^requirements.*\.txt$/.test(lower)) files.pyLocks.push([p, 'requirements']);
    else if (ext === '.json' || ext === '.jsonld') files.jsons.push(p);
  }
  if (depth >= MAX_DEPTH) return;
  for (const s of subdirs) await collect(s, depth + 1, files, budget);
}

/** Text of a file up to the limit; undefined when larger or not UTF-8. */
async function readSmall(path: string): Promise<string | undefined> {
  const h = await open(path, 'r');
  try {
    const size = (await h.stat()).size;
    if (size > LICENCE_LIMITS.maxFileBytes) return undefined;
    const buf = new Uint8Array(size);
    await h.read(buf, 0, size, 0);
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch (e) {
    if (e instanceof TypeError) return undefined;
    throw e;
  } finally {
    await h.close();
  }
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The inventory of one directory and its findings. Throws only for I/O faults. */
export async function licenceInventory(dir: string): Promise<LicenceInventory> {
  const files: Files = { readmes: [], licences: [], jsons: [], npmLocks: [], pyLocks: [], hasModel: false };
  await collect(dir, 0, files, { seen: 0 });
  const rel = (p: string) => relative(dir, p) || p;
  const entries: LicenceEntry[] = [];
  const findings: Finding[] = [];
  const low = (message: string, artifact: string, details: Record<string, string | number | boolean>) =>
    findings.push(hygieneFinding('VAC-LIC-001', { message, location: { artifact }, evidence: { details } }));

  const root = (p: string) => !rel(p).includes('/');
  const cardEntries: LicenceEntry[] = [];
  for (const p of files.readmes) {
    const text = await readSmall(p);
    if (text === undefined) continue;
    const { entries: es, problem } = modelCardLicences(text, rel(p));
    if (problem !== undefined) low(problem, p, { source: rel(p) });
    entries.push(...es);
    if (root(p)) cardEntries.push(...es.filter((e) => e.subject === 'model'));
  }
  const fileEntries: LicenceEntry[] = [];
  for (const p of files.licences) {
    const text = await readSmall(p);
    if (text === undefined) continue;
    const e = licenceFileEntry(text, rel(p));
    entries.push(e);
    if (root(p)) fileEntries.push(e);
    if (e.licence === undefined)
      low(`${rel(p)}: licence text matches none of the known licences; identify it by hand`, p, {
        source: rel(p),
      });
  }
  for (const p of files.jsons) {
    const text = await readSmall(p);
    if (text === undefined || !text.includes('croissant')) continue;
    const es = croissantLicences(parseJson(text), rel(p));
    if (es === undefined) continue;
    entries.push(...es);
    for (const e of es.filter((x) => x.licence === undefined))
      low(`${rel(p)}: Croissant dataset ${e.name} declares no licence`, p, { dataset: e.name.slice(0, 120) });
  }
  for (const p of files.npmLocks) {
    const text = await readSmall(p);
    if (text === undefined) continue;
    const es = packageLockLicences(parseJson(text), rel(p));
    entries.push(...es);
    const unknown = es.filter((e) => e.licence === undefined);
    if (unknown.length > 0)
      findings.push(
        hygieneFinding('VAC-LIC-001', {
          message: `${rel(p)}: ${unknown.length} of ${es.length} npm dependencies record no licence`,
          location: { artifact: p },
          severity: 'info',
          evidence: {
            excerpt: unknown
              .slice(0, 10)
              .map((e) => e.name.slice(4))
              .join(', '),
            details: { count: unknown.length },
          },
        }),
      );
  }
  for (const [p, kind] of files.pyLocks) {
    const text = await readSmall(p);
    if (text === undefined) continue;
    const names = pythonLockNames(text, kind).slice(0, LICENCE_LIMITS.maxDependencies);
    for (const n of names)
      entries.push({ subject: 'dependency', name: `PyPI ${n}`, licence: undefined, source: rel(p) });
    if (names.length > 0)
      findings.push(
        hygieneFinding('VAC-LIC-001', {
          message: `${rel(p)}: licences of ${names.length} Python dependencies are unknown (Python lock files do not record them)`,
          location: { artifact: p },
          severity: 'info',
          evidence: { details: { count: names.length } },
        }),
      );
  }

  const datasets = entries.filter((e) => e.subject === 'dataset' && e.source.endsWith('front matter'));
  if (datasets.length > 0 && !entries.some((e) => e.subject === 'dataset' && e.licence !== undefined))
    findings.push(
      hygieneFinding('VAC-LIC-001', {
        message: `the model card names ${datasets.length} dataset(s) without their licences: record them in the BOM`,
        location: { artifact: dir },
        severity: 'info',
        evidence: {
          excerpt: datasets
            .slice(0, 10)
            .map((d) => d.name.slice(0, 80))
            .join(', '),
        },
      }),
    );

  const declared = [...cardEntries, ...fileEntries].filter((e) => e.licence !== undefined);
  if (declared.length === 0 && (files.hasModel || files.readmes.length > 0))
    low(`${dir} declares no licence for the model (no license in the model card, no LICENSE file)`, dir, {});
  const cardSet = new Set(cardEntries.map((e) => e.licence).filter((l) => l !== undefined));
  const fileSet = new Set(fileEntries.map((e) => e.licence).filter((l) => l !== undefined));
  if (cardSet.size > 0 && fileSet.size > 0 && ![...fileSet].some((l) => cardSet.has(l))) {
    findings.push(
      hygieneFinding('VAC-LIC-002', {
        message: `the model card declares ${[...cardSet].join(', ')} but the LICENSE file is ${[...fileSet].join(', ')}`,
        location: { artifact: dir },
        evidence: { details: { card: [...cardSet].join(' '), file: [...fileSet].join(' ') } },
      }),
    );
  }

  // Code-point order, not localeCompare: the same on every machine.
  entries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { entries, findings };
}

const key = (e: LicenceEntry) => `${e.subject}\u0000${e.name}\u0000${e.source}`;

/** The inventory's findings, for the scan runner (one call per scanned directory root). */
export async function licenceFindings(dir: string): Promise<Finding[]> {
  return [...(await licenceInventory(dir)).findings];
}
