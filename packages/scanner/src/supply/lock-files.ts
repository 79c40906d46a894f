/** Pipfile.lock, package-lock.json (v1–v3) and conda environment.yml. */
import { SUPPLY_LIMITS, type SupplyLimits } from './limits.js';
import { normalisePyPIName, TextLocator } from './names.js';
import { clip, pinnedVersion } from './pep508.js';
import { InventorySink } from './sink.js';
import { isObj, type Obj, readJson, readYaml } from './structured.js';
import type { DependencyInventory } from './types.js';

export function parsePipfileLock(
  text: string,
  file: string,
  limits: SupplyLimits = SUPPLY_LIMITS,
): DependencyInventory {
  const sink = new InventorySink(file, limits);
  const doc = readJson(text, sink);
  if (doc === undefined) return sink.done('pipfile-lock', true);
  if (!isObj(doc)) {
    sink.problem('STRUCTURE', 'Pipfile.lock is not a JSON object');
    return sink.done('pipfile-lock', true);
  }
  const loc = new TextLocator(text);
  const spec = isObj(doc._meta) ? doc._meta['pipfile-spec'] : undefined;
  if (spec !== 6)
    sink.problem(
      'UNSUPPORTED_VERSION',
      `_meta.pipfile-spec is ${clip(JSON.stringify(spec) ?? 'missing')}, expected 6`,
    );
  for (const section of ['default', 'develop'] as const) {
    const deps = doc[section];
    if (deps === undefined) continue;
    if (!isObj(deps)) {
      sink.problem('STRUCTURE', `${section} is not an object`);
      continue;
    }
    for (const [raw, entry] of Object.entries(deps)) {
      const at = loc.find(`"${raw}"`);
      if (!isObj(entry)) {
        sink.problem('STRUCTURE', `${section}.${clip(raw)} is not an object`, at);
        continue;
      }
      const version = typeof entry.version === 'string' ? entry.version : '';
      const exact = pinnedVersion(version.replace(/\s+/g, ''));
      const direct = ['git', 'path', 'file'].map((k) => entry[k]).find((v) => typeof v === 'string') as
        | string
        | undefined;
      const hashes = entry.hashes;
      sink.add({
        ecosystem: 'PyPI',
        name: normalisePyPIName(raw),
        version: exact ?? version,
        pinned: exact !== undefined,
        hashed:
          Array.isArray(hashes) &&
          hashes.some((h) => typeof h === 'string' && /^sha(256|384|512):[0-9a-f]+$/i.test(h)),
        ...(direct !== undefined && { direct }),
        ...(typeof entry.markers === 'string' && { marker: entry.markers }),
        ...at,
      });
    }
  }
  return sink.done('pipfile-lock', true);
}

export function parsePackageLock(
  text: string,
  file: string,
  limits: SupplyLimits = SUPPLY_LIMITS,
): DependencyInventory {
  const sink = new InventorySink(file, limits);
  const doc = readJson(text, sink);
  if (doc === undefined) return sink.done('npm-lock', true);
  if (!isObj(doc)) {
    sink.problem('STRUCTURE', 'package-lock.json is not a JSON object');
    return sink.done('npm-lock', true);
  }
  const loc = new TextLocator(text);
  const v = doc.lockfileVersion;
  if (v !== 1 && v !== 2 && v !== 3) {
    sink.problem(
      'UNSUPPORTED_VERSION',
      `lockfileVersion ${clip(JSON.stringify(v) ?? 'missing')} is not 1, 2 or 3`,
    );
  }
  if (isObj(doc.packages)) {
    // v2 and v3: a flat map from install path to package; "" is the project itself.
    for (const [path, entry] of Object.entries(doc.packages)) {
      if (path === '') continue;
      const i = path.lastIndexOf('node_modules/');
      const name = i >= 0 ? path.slice(i + 'node_modules/'.length) : path;
      npmEntry(name, entry, `packages["${path}"]`, loc, `"${path}"`, sink);
    }
  } else if (isObj(doc.dependencies)) {
    walkV1(doc.dependencies, loc, sink, 0);
  } else if (v === 2 || v === 3) {
    sink.problem('STRUCTURE', `lockfileVersion ${v} without a packages object`);
  }
  return sink.done('npm-lock', true);
}

/** v1: nested `dependencies` objects. Depth is bounded by the nesting JSON.parse accepted. */
function walkV1(deps: Obj, loc: TextLocator, sink: InventorySink, depth: number): void {
  if (depth > 256) {
    sink.problem('LIMIT', 'dependencies nested more than 256 levels: not read further');
    return;
  }
  for (const [name, entry] of Object.entries(deps)) {
    npmEntry(name, entry, `dependencies["${name}"]`, loc, `"${name}"`, sink);
    if (isObj(entry) && isObj(entry.dependencies)) walkV1(entry.dependencies, loc, sink, depth + 1);
  }
}

function npmEntry(
  name: string,
  entry: unknown,
  where: string,
  loc: TextLocator,
  needle: string,
  sink: InventorySink,
): void {
  const at = loc.find(needle);
  if (!isObj(entry)) {
    sink.problem('STRUCTURE', `${clip(where)} is not an object`, at);
    return;
  }
  if (entry.link === true) return; // a symlink to a workspace package, listed again under its own path
  const version = typeof entry.version === 'string' ? entry.version : undefined;
  if (version === undefined) {
    sink.problem('STRUCTURE', `${clip(where)} has no version`, at);
    return;
  }
  const resolved = typeof entry.resolved === 'string' ? entry.resolved : undefined;
  // v1 records git and file dependencies in `version` itself.
  const nonRegistry = /^(?:git\+|git:|github:|file:|https?:)/.test(version) ? version : undefined;
  const direct =
    nonRegistry ??
    (resolved !== undefined && !/^https:\/\/registry\.(?:npmjs\.org|yarnpkg\.com)\//.test(resolved)
      ? resolved
      : undefined);
  sink.add({
    ecosystem: 'npm',
    name,
    version,
    pinned: nonRegistry === undefined,
    hashed: typeof entry.integrity === 'string' && /^sha(?:1|256|384|512)-/.test(entry.integrity),
    ...(direct !== undefined && { direct }),
    ...at,
  });
}

/**
 * conda environment.yml: `dependencies` holds conda match specs (`name`, `name=1.2`, `name==1.2`,
 * `name=1.2=build`, `channel::name`) and a `pip:` list of PEP 508 requirements. The format cannot
 * record hashes.
 */
export function parseCondaEnvironment(
  text: string,
  file: string,
  limits: SupplyLimits = SUPPLY_LIMITS,
): DependencyInventory {
  const sink = new InventorySink(file, limits);
  const doc = readYaml(text, sink);
  if (doc === undefined) return sink.done('conda-environment', false);
  if (!isObj(doc)) {
    sink.problem('STRUCTURE', 'environment file is not a mapping');
    return sink.done('conda-environment', false);
  }
  const loc = new TextLocator(text);
  const deps = doc.dependencies;
  if (deps === undefined || deps === null) return sink.done('conda-environment', false);
  if (!Array.isArray(deps)) {
    sink.problem('STRUCTURE', 'dependencies is not a list');
    return sink.done('conda-environment', false);
  }
  for (const d of deps) {
    if (typeof d === 'string') condaSpec(d, loc, sink);
    else if (isObj(d) && 'pip' in d) {
      if (!Array.isArray(d.pip)) sink.problem('STRUCTURE', 'dependencies.pip is not a list');
      else for (const p of d.pip) pipSpec(p, loc, sink);
    } else sink.problem('STRUCTURE', `unexpected dependencies entry ${clip(JSON.stringify(d) ?? String(d))}`);
  }
  return sink.done('conda-environment', false);
}

const CONDA =
  /^(?:([\w./:-]+)::)?([A-Za-z0-9_][A-Za-z0-9_.-]*)\s*(?:(==|>=|<=|!=|>|<|=|~=)\s*([^\s=]+)(?:[=\s]+(\S+))?)?$/;

function condaSpec(spec: string, loc: TextLocator, sink: InventorySink): void {
  const at = loc.find(spec);
  // Bounded before matching: a real match spec is short (CWE-1333).
  const m = spec.length > 1024 ? null : CONDA.exec(spec.trim());
  if (m === null) {
    sink.problem('SYNTAX', `invalid conda match spec '${clip(spec)}'`, at);
    return;
  }
  const [, , name = '', op, version, build] = m;
  const exact =
    version !== undefined && !version.includes('*') && (op === '==' || (op === '=' && build !== undefined));
  sink.add({
    ecosystem: 'conda',
    name: name.toLowerCase(),
    version: exact
      ? version
      : op === undefined
        ? ''
        : `${op}${version ?? ''}${build === undefined ? '' : `=${build}`}`,
    pinned: exact,
    hashed: false,
    ...at,
  });
}

function pipSpec(spec: unknown, loc: TextLocator, sink: InventorySink): void {
  if (typeof spec !== 'string') {
    sink.problem('STRUCTURE', 'dependencies.pip holds a non-string entry');
    return;
  }
  const at = loc.find(spec);
  if (spec.startsWith('-')) {
    sink.problem(
      /^(-r|--requirement|-c|--constraint)\b/.test(spec) ? 'INCLUDE' : 'OPTION',
      `pip option '${clip(spec)}' in the environment file`,
      at,
    );
    return;
  }
  sink.addRequirement(spec, at, 'pip section');
}
