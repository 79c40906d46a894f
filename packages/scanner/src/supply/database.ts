/**
 * The offline advisory database under `DATA/advisories/`:
 *   osv/<ID>.json              each advisory exactly as imported
 *   index/<ecosystem>/<name>.json  normalised records per package (what a scan reads)
 *   manifest.json              every stored advisory: modified, SHA-256, packages
 * Every file is written atomically (temporary file, then rename); the manifest is written last, so an
 * interrupted import leaves the previous database readable. Nothing here touches the network.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { collectStream, openZipEntry, readZipDirectory } from '@vacsrp/formats';
import { FileSource } from '../io/file-source.js';
import { writeFileAtomic } from '../write-atomic.js';
import { SUPPLY_LIMITS, type SupplyLimits } from './limits.js';
import { normalisePyPIName } from './names.js';
import { type AdvisoryRecord, normaliseAdvisory, validateOsv } from './osv.js';
import type { Ecosystem } from './types.js';

export const ADVISORY_STORE_FORMAT = 'vacsrp-advisories/1';

export type AdvisoryErrorCode = 'SOURCE_NOT_FOUND' | 'BAD_SOURCE' | 'BAD_DATABASE';

export class AdvisoryError extends Error {
  constructor(
    readonly code: AdvisoryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdvisoryError';
  }
}

export interface StoredAdvisory {
  readonly modified: string;
  readonly sha256: string;
  /** `ecosystem/name` keys of the index files that hold it. */
  readonly packages: readonly string[];
  readonly summary: string;
  readonly aliases: readonly string[];
}

interface Manifest {
  readonly format: typeof ADVISORY_STORE_FORMAT;
  readonly advisories: Record<string, StoredAdvisory>;
}

/** What a scan reads: the advisories that name a package. */
export interface AdvisoryDatabase {
  readonly count: number;
  lookup(ecosystem: Ecosystem, name: string): Promise<readonly AdvisoryRecord[]>;
}

export function normalisePackageName(ecosystem: Ecosystem, name: string): string {
  return ecosystem === 'PyPI' ? normalisePyPIName(name) : ecosystem === 'conda' ? name.toLowerCase() : name;
}

/**
 * The records of a valid advisory, one per (ecosystem, package): several affected[] entries naming the
 * same package (one per range, as GitHub writes them) are merged.
 */
export function advisoryRecords(doc: Record<string, unknown>): AdvisoryRecord[] {
  const by = new Map<string, AdvisoryRecord>();
  for (const r of normaliseAdvisory(doc, normalisePackageName)) {
    const key = `${r.ecosystem}/${r.package}`;
    const seen = by.get(key);
    by.set(
      key,
      seen === undefined
        ? r
        : { ...seen, ranges: [...seen.ranges, ...r.ranges], versions: [...seen.versions, ...r.versions] },
    );
  }
  return [...by.values()];
}

/** An in-memory database (tests, and callers that assemble advisories themselves). */
export function memoryAdvisoryDatabase(records: readonly AdvisoryRecord[]): AdvisoryDatabase {
  const by = new Map<string, AdvisoryRecord[]>();
  for (const r of records) {
    const k = `${r.ecosystem}/${r.package}`;
    by.set(k, [...(by.get(k) ?? []), r]);
  }
  return {
    count: new Set(records.map((r) => r.id)).size,
    lookup: async (eco, name) => by.get(`${eco}/${normalisePackageName(eco, name)}`) ?? [],
  };
}

const storeDir = (dataDir: string) => join(dataDir, 'advisories');
const indexFile = (dataDir: string, key: string) => {
  const slash = key.indexOf('/');
  return join(
    storeDir(dataDir),
    'index',
    key.slice(0, slash),
    `${encodeURIComponent(key.slice(slash + 1))}.json`,
  );
};

async function readManifest(dataDir: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(storeDir(dataDir), 'manifest.json'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new AdvisoryError('BAD_DATABASE', `${join(storeDir(dataDir), 'manifest.json')} is not valid JSON`, {
      cause: e,
    });
  }
  if (
    typeof doc !== 'object' ||
    doc === null ||
    (doc as Manifest).format !== ADVISORY_STORE_FORMAT ||
    typeof (doc as Manifest).advisories !== 'object'
  ) {
    throw new AdvisoryError(
      'BAD_DATABASE',
      `${join(storeDir(dataDir), 'manifest.json')} is not a ${ADVISORY_STORE_FORMAT} manifest`,
    );
  }
  return doc as Manifest;
}

/** Opens the database under `dataDir/advisories`; undefined when nothing was ever imported there. */
export async function loadAdvisoryDatabase(dataDir: string): Promise<AdvisoryDatabase | undefined> {
  const manifest = await readManifest(dataDir);
  if (manifest === undefined) return undefined;
  const cache = new Map<string, Promise<readonly AdvisoryRecord[]>>();
  const read = async (key: string): Promise<readonly AdvisoryRecord[]> => {
    let text: string;
    try {
      text = await readFile(indexFile(dataDir, key), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const doc: unknown = JSON.parse(text);
    if (!Array.isArray(doc))
      throw new AdvisoryError('BAD_DATABASE', `${indexFile(dataDir, key)} is not an array of records`);
    return doc as AdvisoryRecord[];
  };
  return {
    count: Object.keys(manifest.advisories).length,
    lookup: (eco, name) => {
      const key = `${eco}/${normalisePackageName(eco, name)}`;
      let hit = cache.get(key);
      if (hit === undefined) {
        hit = read(key);
        cache.set(key, hit);
      }
      return hit;
    },
  };
}

export interface ListedAdvisory extends StoredAdvisory {
  readonly id: string;
}

/** Every stored advisory, sorted by ID; empty when nothing was imported. */
export async function listAdvisories(dataDir: string): Promise<ListedAdvisory[]> {
  const manifest = await readManifest(dataDir);
  if (manifest === undefined) return [];
  return Object.entries(manifest.advisories)
    .map(([id, a]) => ({ id, ...a }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface ImportSummary {
  readonly imported: string[];
  readonly updated: string[];
  readonly unchanged: string[];
  /** Files not imported, with the reason (invalid against the OSV schema, older than stored, too large…). */
  readonly skipped: { readonly source: string; readonly reason: string }[];
}

interface Candidate {
  readonly source: string;
  readonly bytes: Uint8Array | undefined;
  readonly reason?: string;
}

/** Imports OSV advisories from a folder (every *.json below it) or an OSV zip export. Idempotent. */
export async function importAdvisories(
  from: string,
  dataDir: string,
  limits: SupplyLimits = SUPPLY_LIMITS,
): Promise<ImportSummary> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(from);
  } catch (e) {
    throw new AdvisoryError('SOURCE_NOT_FOUND', `${from} does not exist`, { cause: e });
  }
  const candidates = st.isDirectory()
    ? folderCandidates(from, limits)
    : st.isFile()
      ? zipCandidates(from, limits)
      : undefined;
  if (candidates === undefined)
    throw new AdvisoryError('BAD_SOURCE', `${from} is neither a folder nor a zip file`);

  const manifest = (await readManifest(dataDir)) ?? { format: ADVISORY_STORE_FORMAT, advisories: {} };
  const advisories: Record<string, StoredAdvisory> = { ...manifest.advisories };
  const summary: ImportSummary = { imported: [], updated: [], unchanged: [], skipped: [] };
  /** Index files to rewrite: key → records to put (by id) and ids to drop. */
  const touched = new Map<string, { put: Map<string, AdvisoryRecord>; drop: Set<string> }>();
  const touch = (key: string) => {
    let t = touched.get(key);
    if (t === undefined) {
      t = { put: new Map(), drop: new Set() };
      touched.set(key, t);
    }
    return t;
  };
  const originals = new Map<string, Uint8Array>();
  let count = 0;

  for await (const c of candidates) {
    if (c.bytes === undefined) {
      summary.skipped.push({ source: c.source, reason: c.reason ?? 'unreadable' });
      continue;
    }
    if (++count > limits.maxAdvisories) {
      summary.skipped.push({
        source: c.source,
        reason: `more than ${limits.maxAdvisories} advisories (maxAdvisories): the rest were not read`,
      });
      break;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(c.bytes));
    } catch (e) {
      summary.skipped.push({
        source: c.source,
        reason: `not JSON: ${e instanceof Error ? e.message.slice(0, 120) : String(e)}`,
      });
      continue;
    }
    const errors = validateOsv(doc);
    if (errors.length > 0) {
      summary.skipped.push({
        source: c.source,
        reason: `not a valid OSV advisory: ${errors.slice(0, 3).join('; ')}`,
      });
      continue;
    }
    const adv = doc as Record<string, unknown> & { id: string; modified: string };
    const records = advisoryRecords(adv);
    if (records.length === 0) {
      summary.skipped.push({
        source: c.source,
        reason: `${adv.id} names no PyPI or npm package (the ecosystems the scanner matches)`,
      });
      continue;
    }
    const sha256 = createHash('sha256').update(c.bytes).digest('hex');
    const previous = advisories[adv.id];
    if (previous?.sha256 === sha256) {
      if (!summary.unchanged.includes(adv.id)) summary.unchanged.push(adv.id);
      continue;
    }
    if (previous !== undefined && adv.modified < previous.modified) {
      summary.skipped.push({
        source: c.source,
        reason: `${adv.id} is older (modified ${adv.modified}) than the stored one (${previous.modified})`,
      });
      continue;
    }
    const packages = [...new Set(records.map((r) => `${r.ecosystem}/${r.package}`))].sort();
    for (const old of previous?.packages ?? []) if (!packages.includes(old)) touch(old).drop.add(adv.id);
    for (const key of packages) {
      const t = touch(key);
      t.drop.delete(adv.id);
      t.put.set(adv.id, records.find((r) => `${r.ecosystem}/${r.package}` === key)!);
    }
    advisories[adv.id] = {
      modified: adv.modified,
      sha256,
      packages,
      summary: records[0]!.summary,
      aliases: records[0]!.aliases,
    };
    originals.set(adv.id, c.bytes);
    if (previous === undefined && !summary.imported.includes(adv.id)) summary.imported.push(adv.id);
    else if (
      previous !== undefined &&
      !summary.imported.includes(adv.id) &&
      !summary.updated.includes(adv.id)
    )
      summary.updated.push(adv.id);
  }

  const root = storeDir(dataDir);
  await mkdir(join(root, 'osv'), { recursive: true });
  for (const [id, bytes] of originals) await writeFileAtomic(join(root, 'osv', `${id}.json`), bytes);
  for (const [key, change] of touched) {
    const file = indexFile(dataDir, key);
    await mkdir(join(file, '..'), { recursive: true });
    let existing: AdvisoryRecord[] = [];
    try {
      existing = JSON.parse(await readFile(file, 'utf8')) as AdvisoryRecord[];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new AdvisoryError('BAD_DATABASE', `${file} is unreadable`, { cause: e });
    }
    const merged = new Map(existing.map((r) => [r.id, r]));
    for (const id of change.drop) merged.delete(id);
    for (const [id, r] of change.put) merged.set(id, r);
    const list = [...merged.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (list.length === 0) await rm(file, { force: true });
    else await writeFileAtomic(file, `${JSON.stringify(list, null, 1)}\n`);
  }
  const sorted = Object.fromEntries(
    Object.entries(advisories).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  await writeFileAtomic(
    join(root, 'manifest.json'),
    `${JSON.stringify({ format: ADVISORY_STORE_FORMAT, advisories: sorted }, null, 1)}\n`,
  );
  for (const list of [summary.imported, summary.updated, summary.unchanged]) list.sort();
  return summary;
}

async function* folderCandidates(dir: string, limits: SupplyLimits): AsyncGenerator<Candidate> {
  const files: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > 16) return;
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.json')) files.push(p);
    }
  };
  await walk(dir, 0);
  for (const f of files) {
    const source = relative(dir, f);
    const size = (await stat(f)).size;
    if (size > limits.maxAdvisoryBytes)
      yield {
        source,
        bytes: undefined,
        reason: `larger than ${limits.maxAdvisoryBytes} bytes (maxAdvisoryBytes)`,
      };
    else yield { source, bytes: new Uint8Array(await readFile(f)) };
  }
}

async function* zipCandidates(file: string, limits: SupplyLimits): AsyncGenerator<Candidate> {
  const source = await FileSource.open(file);
  try {
    if (source.size > limits.maxArchiveBytes)
      throw new AdvisoryError(
        'BAD_SOURCE',
        `${file} is larger than ${limits.maxArchiveBytes} bytes (maxArchiveBytes)`,
      );
    const dir = await readZipDirectory(source);
    if (dir.entries.length === 0)
      throw new AdvisoryError(
        'BAD_SOURCE',
        `${file} is not a zip archive of OSV advisories (no entries found)`,
      );
    for (const entry of dir.entries) {
      if (entry.isDirectory || !entry.name.endsWith('.json')) continue;
      if (!entry.readable) {
        yield {
          source: entry.name,
          bytes: undefined,
          reason: 'member cannot be read (unsupported compression or missing header)',
        };
        continue;
      }
      const reader = openZipEntry(source, entry, { maxBytes: limits.maxAdvisoryBytes + 1, maxRatio: 1000 });
      const { bytes, truncated } = await collectStream(reader.stream, limits.maxAdvisoryBytes);
      if (truncated)
        yield {
          source: entry.name,
          bytes: undefined,
          reason: `larger than ${limits.maxAdvisoryBytes} bytes (maxAdvisoryBytes)`,
        };
      else if (reader.anomalies.some((a) => a.code === 'CRC_MISMATCH' || a.code === 'SIZE_MISMATCH'))
        yield {
          source: entry.name,
          bytes: undefined,
          reason: `damaged member: ${reader.anomalies.map((a) => a.code).join(', ')}`,
        };
      else yield { source: entry.name, bytes };
    }
  } finally {
    await source.close();
  }
}
