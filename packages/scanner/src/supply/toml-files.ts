/** pyproject.toml (PEP 621 and Poetry), poetry.lock and uv.lock. */
import { SUPPLY_LIMITS, type SupplyLimits } from './limits.js';
import { normalisePyPIName, TextLocator } from './names.js';
import { clip } from './pep508.js';
import { InventorySink } from './sink.js';
import { isObj, type Obj, readToml } from './structured.js';
import type { DependencyInventory } from './types.js';

export function parsePyproject(
  text: string,
  file: string,
  limits: SupplyLimits = SUPPLY_LIMITS,
): DependencyInventory {
  const sink = new InventorySink(file, limits);
  const doc = readToml(text, sink);
  if (doc === undefined) return sink.done('pyproject', false);
  const loc = new TextLocator(text);
  const project = doc.project;
  if (project !== undefined) {
    if (!isObj(project)) sink.problem('STRUCTURE', '[project] is not a table');
    else {
      pep508List(project.dependencies, 'project.dependencies', loc, sink);
      const optional = project['optional-dependencies'];
      if (isObj(optional)) {
        for (const [group, list] of Object.entries(optional)) {
          pep508List(list, `project.optional-dependencies.${group}`, loc, sink);
        }
      } else if (optional !== undefined)
        sink.problem('STRUCTURE', '[project.optional-dependencies] is not a table');
    }
  }
  const groups = doc['dependency-groups'];
  if (isObj(groups)) {
    for (const [group, list] of Object.entries(groups)) {
      // PEP 735 groups may include other groups ({include-group = "x"}); those are not requirements.
      if (Array.isArray(list))
        pep508List(
          list.filter((x) => typeof x === 'string'),
          `dependency-groups.${group}`,
          loc,
          sink,
        );
    }
  }
  const poetry = isObj(doc.tool) && isObj(doc.tool.poetry) ? doc.tool.poetry : undefined;
  if (poetry !== undefined) {
    poetryTable(poetry.dependencies, 'tool.poetry.dependencies', loc, sink);
    poetryTable(poetry['dev-dependencies'], 'tool.poetry.dev-dependencies', loc, sink);
    if (isObj(poetry.group)) {
      for (const [g, v] of Object.entries(poetry.group)) {
        if (isObj(v)) poetryTable(v.dependencies, `tool.poetry.group.${g}.dependencies`, loc, sink);
      }
    }
  }
  return sink.done('pyproject', false);
}

function pep508List(list: unknown, where: string, loc: TextLocator, sink: InventorySink): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) {
    sink.problem('STRUCTURE', `${where} is not an array of requirement strings`);
    return;
  }
  for (const item of list) {
    if (typeof item !== 'string') {
      sink.problem('STRUCTURE', `${where} holds a ${typeof item}, not a requirement string`);
      continue;
    }
    const at = loc.find(item);
    sink.addRequirement(item, at, where);
  }
}

/** Poetry constraints: `1.2.3` and `==1.2.3` are exact; `^`, `~`, `*`, ranges are not. */
function poetryTable(table: unknown, where: string, loc: TextLocator, sink: InventorySink): void {
  if (table === undefined) return;
  if (!isObj(table)) {
    sink.problem('STRUCTURE', `[${where}] is not a table`);
    return;
  }
  for (const [raw, value] of Object.entries(table)) {
    if (raw === 'python') continue;
    const position = loc.findLineStart(raw);
    const spec =
      typeof value === 'string'
        ? value
        : isObj(value) && typeof value.version === 'string'
          ? value.version
          : undefined;
    const direct = isObj(value)
      ? (['git', 'url', 'path'] as const).map((k) => value[k]).find((v) => typeof v === 'string')
      : undefined;
    if (spec === undefined && direct === undefined) {
      if (!Array.isArray(value))
        sink.problem(
          'STRUCTURE',
          `${where}.${raw}: expected a version string or a table with version, git, url or path`,
          position,
        );
      // Multiple-constraint lists: one entry per environment; listed as unpinned.
      else
        sink.add({
          ecosystem: 'PyPI',
          name: normalisePyPIName(raw),
          version: '(multiple constraints)',
          pinned: false,
          hashed: false,
          ...position,
        });
      continue;
    }
    const exact =
      spec === undefined ? undefined : /^(?:==)?\s*([0-9][0-9A-Za-z.+!-]*)$/.exec(spec.trim())?.[1];
    sink.add({
      ecosystem: 'PyPI',
      name: normalisePyPIName(raw),
      version: exact ?? spec ?? '',
      pinned: exact !== undefined && direct === undefined,
      hashed: false,
      ...(typeof direct === 'string' && { direct }),
      ...position,
    });
  }
}

export function parsePoetryLock(
  text: string,
  file: string,
  limits: SupplyLimits = SUPPLY_LIMITS,
): DependencyInventory {
  const sink = new InventorySink(file, limits);
  const doc = readToml(text, sink);
  if (doc === undefined) return sink.done('poetry-lock', true);
  const meta = isObj(doc.metadata) ? doc.metadata : {};
  const lockVersion = meta['lock-version'];
  if (typeof lockVersion === 'string' && !/^[12]\.\d+$/.test(lockVersion)) {
    sink.problem(
      'UNSUPPORTED_VERSION',
      `poetry.lock lock-version ${clip(lockVersion)} is not one this parser knows (1.x, 2.x)`,
    );
  }
  // Lock 1.x keeps hashes in [metadata.files]; 2.x in each package's `files`.
  const legacyFiles = isObj(meta.files) ? meta.files : {};
  lockPackages(doc, new TextLocator(text), sink, (pkg, name) => {
    const files = Array.isArray(pkg.files)
      ? pkg.files
      : (legacyFiles[name] ?? legacyFiles[normalisePyPIName(name)]);
    return Array.isArray(files) && files.some((f) => isObj(f) && typeof f.hash === 'string' && f.hash !== '');
  });
  return sink.done('poetry-lock', true);
}

export function parseUvLock(
  text: string,
  file: string,
  limits: SupplyLimits = SUPPLY_LIMITS,
): DependencyInventory {
  const sink = new InventorySink(file, limits);
  const doc = readToml(text, sink);
  if (doc === undefined) return sink.done('uv-lock', true);
  if (doc.version !== 1)
    sink.problem(
      'UNSUPPORTED_VERSION',
      `uv.lock version ${clip(String(doc.version))} is not one this parser knows (1)`,
    );
  lockPackages(doc, new TextLocator(text), sink, (pkg) => {
    const sdist = isObj(pkg.sdist) && typeof pkg.sdist.hash === 'string';
    const wheels =
      Array.isArray(pkg.wheels) && pkg.wheels.some((w) => isObj(w) && typeof w.hash === 'string');
    return sdist || wheels;
  });
  return sink.done('uv-lock', true);
}

/** `[[package]]` arrays of poetry.lock and uv.lock: name, version, source. */
function lockPackages(
  doc: Obj,
  loc: TextLocator,
  sink: InventorySink,
  hashed: (pkg: Obj, name: string) => boolean,
): void {
  const packages = doc.package;
  if (packages === undefined) return;
  if (!Array.isArray(packages)) {
    sink.problem('STRUCTURE', 'package is not an array of tables ([[package]])');
    return;
  }
  for (const [i, pkg] of packages.entries()) {
    if (!isObj(pkg) || typeof pkg.name !== 'string') {
      sink.problem('STRUCTURE', `[[package]] #${i + 1} has no name`);
      continue;
    }
    const source = isObj(pkg.source) ? pkg.source : undefined;
    // uv lists the project itself (and workspace members) as virtual or editable packages.
    if (source !== undefined && (typeof source.virtual === 'string' || typeof source.editable === 'string'))
      continue;
    // At the start of a line: `{ name = "x" }` also appears in other packages' dependency lists.
    const at = loc.findLineStart(`name = "${pkg.name}"`);
    if (typeof pkg.version !== 'string') {
      sink.problem('STRUCTURE', `[[package]] ${clip(pkg.name)} has no version`, at);
      continue;
    }
    const direct = source === undefined ? undefined : directSource(source);
    sink.add({
      ecosystem: 'PyPI',
      name: normalisePyPIName(pkg.name),
      version: pkg.version,
      pinned: true,
      hashed: hashed(pkg, pkg.name),
      ...(direct !== undefined && { direct }),
      ...at,
    });
  }
}

function directSource(source: Obj): string | undefined {
  for (const k of ['git', 'url', 'path', 'directory'] as const) {
    if (typeof source[k] === 'string') return `${k}: ${source[k]}`;
  }
  // poetry.lock: {type = "git", url = "…"}; type "legacy" is an alternative index.
  if (typeof source.type === 'string' && typeof source.url === 'string')
    return `${source.type}: ${source.url}`;
  return undefined;
}
