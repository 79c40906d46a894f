/**
 * pip requirements files: PEP 508 lines, `==`/`===` pins, per-requirement `--hash` options, `-r`/`-c`
 * includes (reported, never followed: the scanner reads only the tree it was given), editable and
 * VCS/URL requirements, and the global options that change where packages come from.
 */
import { SUPPLY_LIMITS, type SupplyLimits } from './limits.js';
import { normalisePyPIName } from './names.js';
import { clip, isRequirementError, parseRequirement, pinnedVersion } from './pep508.js';
import { InventorySink } from './sink.js';
import type { DependencyInventory } from './types.js';

/** Options that change the package source (dependency confusion, CWE-427/CWE-829). */
const SOURCE_OPTIONS = new Set([
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '--trusted-host',
  '--no-index',
  '--pre',
]);
const INCLUDE_OPTIONS = new Set(['-r', '--requirement', '-c', '--constraint']);
/** Per-requirement options pip accepts after a requirement. */
const PER_REQUIREMENT = /\s(?=--(?:hash|global-option|install-option|config-settings)\b|-C\s)/;
const HASH = /^--hash[=\s]+\s*(sha256|sha384|sha512):([0-9a-fA-F]+)$/;

export function parseRequirementsTxt(
  text: string,
  file: string,
  limits: SupplyLimits = SUPPLY_LIMITS,
): DependencyInventory {
  const sink = new InventorySink(file, limits);
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    // Backslash continuations join physical lines; comments end at ` #` or a leading `#`.
    let logical = lines[n] ?? '';
    while (logical.endsWith('\\') && n + 1 < lines.length && logical.length <= limits.maxLineLength) {
      logical = `${logical.slice(0, -1)} ${lines[++n] ?? ''}`;
    }
    if (logical.length > limits.maxLineLength) {
      sink.problem('LIMIT', `line longer than ${limits.maxLineLength} characters (maxLineLength): not read`, {
        line: lineNo,
        column: 1,
      });
      continue;
    }
    const content = stripComment(logical);
    const indent = content.length - content.trimStart().length;
    const line = content.trim();
    if (line === '') continue;
    const at = { line: lineNo, column: indent + 1 };
    if (line.startsWith('-')) {
      option(line, at, sink);
      continue;
    }
    requirement(line, at, sink, false);
  }
  return sink.done('requirements', true);
}

function stripComment(line: string): string {
  if (line.trimStart().startsWith('#')) return '';
  const m = /\s#/.exec(line);
  return m === null ? line : line.slice(0, m.index);
}

function option(line: string, at: { line: number; column: number }, sink: InventorySink): void {
  const m = /^(--?[A-Za-z][\w-]*)(?:[=\s]\s*(.*))?$/.exec(line);
  const flag = m?.[1] ?? line;
  const value = (m?.[2] ?? '').trim();
  if (INCLUDE_OPTIONS.has(flag)) {
    const what = flag === '-c' || flag === '--constraint' ? 'constraints' : 'requirements';
    sink.problem(
      'INCLUDE',
      `includes ${what} file '${clip(value)}'; it is scanned only if it is inside the scanned tree`,
      at,
    );
    return;
  }
  if (flag === '-e' || flag === '--editable') {
    if (value === '') sink.problem('SYNTAX', `${flag} needs a path or URL`, at);
    else requirement(value, at, sink, true);
    return;
  }
  if (SOURCE_OPTIONS.has(flag)) {
    sink.problem(
      'OPTION',
      `${flag}${value ? ` ${clip(value)}` : ''} changes where packages are installed from`,
      at,
    );
    return;
  }
  if (
    flag === '--require-hashes' ||
    flag === '--only-binary' ||
    flag === '--no-binary' ||
    flag === '--prefer-binary'
  )
    return;
  sink.problem('SYNTAX', `unknown option '${clip(flag)}'`, at);
}

function requirement(
  line: string,
  at: { line: number; column: number },
  sink: InventorySink,
  editable: boolean,
): void {
  const cut = PER_REQUIREMENT.exec(line);
  const spec = (cut === null ? line : line.slice(0, cut.index)).trim();
  const options =
    cut === null
      ? []
      : line
          .slice(cut.index)
          .trim()
          .split(/\s+(?=-)/);
  let hashed = false;
  for (const o of options) {
    if (o.startsWith('--hash')) {
      if (HASH.test(o)) hashed = true;
      else sink.problem('SYNTAX', `malformed hash option '${clip(o)}' (expected --hash=sha256:HEX)`, at);
    }
  }
  const direct = directReference(spec);
  if (direct !== undefined || editable) {
    const name = direct?.name ?? eggName(spec) ?? localProjectName(spec);
    if (name === undefined) {
      sink.problem(
        'SYNTAX',
        `cannot tell the project name of '${clip(spec)}' (add #egg=NAME or use NAME @ URL)`,
        at,
      );
      return;
    }
    sink.add({
      ecosystem: 'PyPI',
      name: normalisePyPIName(name),
      version: '',
      pinned: false,
      hashed,
      direct: spec,
      ...at,
    });
    return;
  }
  const r = parseRequirement(spec);
  if (isRequirementError(r)) {
    sink.problem('SYNTAX', `invalid requirement: ${r.message}`, {
      line: at.line,
      column: at.column + r.offset,
    });
    return;
  }
  const name = normalisePyPIName(r.name);
  if (r.url !== undefined) {
    sink.add({
      ecosystem: 'PyPI',
      name,
      version: '',
      pinned: false,
      hashed,
      direct: r.url,
      ...marker(r.marker),
      ...at,
    });
    return;
  }
  const pinned = pinnedVersion(r.specifier);
  sink.add({
    ecosystem: 'PyPI',
    name,
    version: pinned ?? r.specifier,
    pinned: pinned !== undefined,
    hashed,
    ...marker(r.marker),
    ...at,
  });
}

const marker = (m: string | undefined) => (m === undefined ? {} : { marker: m });

/** A bare URL or path (`git+https://…#egg=x`, `./pkg.whl`, `https://…/x-1.0.tar.gz`). */
function directReference(spec: string): { name: string | undefined } | undefined {
  if (/^[A-Za-z0-9][\w.-]*\s*(?:\[[^\]]*\])?\s*@/.test(spec)) return undefined; // `name @ url` is PEP 508
  if (
    !/^(?:[a-z][a-z0-9+.-]*:\/\/|\.{0,2}\/|[a-z]+\+)/i.test(spec) &&
    !/\.(?:whl|tar\.gz|zip)$/i.test(spec)
  ) {
    return undefined;
  }
  const egg = eggName(spec);
  if (egg !== undefined) return { name: egg };
  const file = (spec.split(/[/\\]/).pop() ?? '').slice(0, 255);
  const wheel = /^([A-Za-z0-9][A-Za-z0-9._]*?)-\d[^-]*(?:-.*)?\.(?:whl|tar\.gz|zip)$/.exec(file);
  return { name: wheel?.[1] };
}

/** `-e ./pkg` or `-e .`: a local project, named by its directory (the name is only a label). */
function localProjectName(spec: string): string | undefined {
  if (!/^(?:\.{1,2}(?:[/\\]|$)|[/\\]|file:)/.test(spec)) return undefined;
  const last =
    spec
      .replace(/[/\\]+$/, '')
      .split(/[/\\]/)
      .pop() ?? '';
  return /^[A-Za-z0-9][\w.-]*$/.test(last) ? last : 'local-project';
}

function eggName(spec: string): string | undefined {
  return /[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(spec)?.[1];
}
