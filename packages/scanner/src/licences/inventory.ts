/**
 * The licence inventory of one text source at a time: pure functions from file text to entries and
 * problems. The directory walk (which files to read) is in checks/licences.ts.
 */
import { yamlLib } from '../yaml.js';
import { canonicalLicence, identifyLicenceText, isUnstated } from './texts.js';

export type LicenceSubject = 'model' | 'dataset' | 'dependency';

export interface LicenceEntry {
  readonly subject: LicenceSubject;
  /** The model (`model`), a dataset name, or `ecosystem package@version`. */
  readonly name: string;
  /** Canonical licence (SPDX where one exists); undefined when not recorded. */
  readonly licence: string | undefined;
  /** Where it was declared: `README.md front matter`, `LICENSE (text)`, `package-lock.json`. */
  readonly source: string;
}

export const LICENCE_LIMITS = {
  /** Bytes read of a README, LICENSE, lock or Croissant file (CWE-400). */
  maxFileBytes: 4 * 1024 * 1024,
  /** Dependency entries kept from one lock file (CWE-400). */
  maxDependencies: 20_000,
  /** YAML aliases expanded in front matter (CWE-776). */
  maxYamlAliases: 100,
} as const;

const asStrings = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** The YAML between the leading `---` lines of a model card, or undefined. */
export function frontMatterOf(readme: string): string | undefined {
  const m = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(readme);
  return m?.[1];
}

/** Model and dataset licences a model card's front matter declares; `problem` when it does not parse. */
export function modelCardLicences(
  readme: string,
  file: string,
): { entries: LicenceEntry[]; problem?: string } {
  const yaml = frontMatterOf(readme);
  if (yaml === undefined) return { entries: [] };
  let data: unknown;
  try {
    const doc = yamlLib().parseDocument(yaml);
    if (doc.errors.length > 0) throw doc.errors[0];
    data = doc.toJS({ maxAliasCount: LICENCE_LIMITS.maxYamlAliases });
  } catch (e) {
    return {
      entries: [],
      problem: `${file}: front matter is not valid YAML (${String((e as Error).message).split('\n')[0]})`,
    };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { entries: [] };
  const fm = data as Record<string, unknown>;
  const source = `${file} front matter`;
  const entries: LicenceEntry[] = [];
  const declared = asStrings(fm.license);
  const name = typeof fm.license_name === 'string' ? fm.license_name : undefined;
  for (const l of declared) {
    // `license: other` with a `license_name` names a custom licence.
    const licence = !isUnstated(l)
      ? canonicalLicence(l)
      : name !== undefined
        ? `LicenseRef-${name}`
        : undefined;
    entries.push({ subject: 'model', name: 'model', licence, source });
  }
  if (declared.length === 0 && name !== undefined)
    entries.push({ subject: 'model', name: 'model', licence: `LicenseRef-${name}`, source });
  for (const d of asStrings(fm.datasets)) {
    entries.push({ subject: 'dataset', name: d, licence: undefined, source });
  }
  return { entries };
}

/** A LICENSE/COPYING file identified by its text. */
export function licenceFileEntry(text: string, file: string): LicenceEntry {
  return { subject: 'model', name: 'model', licence: identifyLicenceText(text), source: `${file} (text)` };
}

/** Croissant dataset metadata (JSON-LD with `license`); undefined when the JSON is not Croissant. */
export function croissantLicences(json: unknown, file: string): LicenceEntry[] | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  const conforms = asStrings(o.conformsTo).concat(asStrings(o['dct:conformsTo']));
  const context = JSON.stringify(o['@context'] ?? '');
  if (
    !conforms.some((c) => c.includes('mlcommons.org/croissant')) &&
    !context.includes('mlcommons.org/croissant')
  )
    return undefined;
  const name = typeof o.name === 'string' ? o.name : file;
  const licences = asStrings(o.license).concat(
    Array.isArray(o.license)
      ? []
      : typeof o.license === 'object' && o.license !== null
        ? asStrings((o.license as Record<string, unknown>)['@id'])
        : [],
  );
  if (licences.length === 0) return [{ subject: 'dataset', name, licence: undefined, source: file }];
  return licences.map((l) => ({ subject: 'dataset', name, licence: spdxFromUrl(l), source: file }));
}

/** `https://spdx.org/licenses/MIT.html` → MIT; other values canonicalised as declared. */
function spdxFromUrl(v: string): string {
  const m = /spdx\.org\/licenses\/([A-Za-z0-9.+-]+?)(?:\.html)?$/.exec(v);
  if (m) return m[1]!;
  const cc = /creativecommons\.org\/licenses\/([a-z-]+)\/(\d\.\d)/.exec(v);
  if (cc) return `CC-${cc[1]!.toUpperCase()}-${cc[2]}`;
  return canonicalLicence(v);
}

/** Dependencies of a package-lock.json (v1–v3) with their `license` fields. */
export function packageLockLicences(json: unknown, file: string): LicenceEntry[] {
  if (typeof json !== 'object' || json === null) return [];
  const o = json as Record<string, unknown>;
  const out: LicenceEntry[] = [];
  const packages = o.packages;
  if (typeof packages === 'object' && packages !== null) {
    for (const [p, info] of Object.entries(packages as Record<string, unknown>)) {
      if (p === '' || typeof info !== 'object' || info === null) continue;
      if (out.length >= LICENCE_LIMITS.maxDependencies) break;
      const i = info as Record<string, unknown>;
      const name = p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const version = typeof i.version === 'string' ? i.version : '';
      const licence = typeof i.license === 'string' ? i.license : undefined;
      out.push({ subject: 'dependency', name: `npm ${name}@${version}`, licence, source: file });
    }
  }
  return out;
}

/** Python lock files (requirements, poetry.lock, uv.lock, Pipfile.lock) list no licences: names only. */
export function pythonLockNames(text: string, kind: 'requirements' | 'toml' | 'pipfile'): string[] {
  const names = new Set<string>();
  if (kind === 'requirements') {
    for (const line of text.split('\n')) {
      const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
      if (m && !line.trimStart().startsWith('-')) names.add(m[1]!.toLowerCase());
    }
  } else if (kind === 'toml') {
    for (const m of text.matchAll(/^\[\[package\]\]\s*\r?\nname\s*=\s*"([^"]+)"/gm))
      names.add(m[1]!.toLowerCase());
  } else {
    try {
      const o = JSON.parse(text) as Record<string, unknown>;
      for (const section of ['default', 'develop'])
        for (const k of Object.keys((o[section] as object | undefined) ?? {})) names.add(k.toLowerCase());
    } catch {
      // Not JSON: nothing to list; the dependency check reports malformed lock files.
    }
  }
  return [...names].sort();
}
