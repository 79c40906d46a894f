/** One entry point for every dependency-file format, routed by file name. */
import { SUPPLY_LIMITS, type SupplyLimits } from './limits.js';
import { parseCondaEnvironment, parsePackageLock, parsePipfileLock } from './lock-files.js';
import { dependencyFileKind } from './names.js';
import { parseRequirementsTxt } from './requirements.js';
import { parsePoetryLock, parsePyproject, parseUvLock } from './toml-files.js';
import type { DependencyFileKind, DependencyInventory } from './types.js';

type Parser = (text: string, file: string, limits?: SupplyLimits) => DependencyInventory;

const PARSERS: Readonly<Record<DependencyFileKind, Parser>> = {
  requirements: parseRequirementsTxt,
  pyproject: parsePyproject,
  'poetry-lock': parsePoetryLock,
  'pipfile-lock': parsePipfileLock,
  'uv-lock': parseUvLock,
  'conda-environment': parseCondaEnvironment,
  'npm-lock': parsePackageLock,
};

/**
 * Parses a dependency file by kind. Never throws for bad input: problems carry the file, line and
 * column where the format's parser gives them.
 */
export function parseDependencyFile(
  kind: DependencyFileKind,
  text: string,
  file: string,
  limits: SupplyLimits = SUPPLY_LIMITS,
): DependencyInventory {
  // A BOM is legal at the start of every one of these text files.
  return PARSERS[kind](text.startsWith('\uFEFF') ? text.slice(1) : text, file, limits);
}

/** Parses `text` when `name` is a dependency file; undefined otherwise. */
export function inventoryOf(
  name: string,
  text: string,
  limits: SupplyLimits = SUPPLY_LIMITS,
): DependencyInventory | undefined {
  const kind = dependencyFileKind(name);
  return kind === undefined ? undefined : parseDependencyFile(kind, text, name, limits);
}
