/** The dependency inventory's shapes: components found in dependency files and the problems met reading them. */

export const ECOSYSTEMS = ['PyPI', 'npm', 'conda'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

/** Dependency files recognised by name (plain-text formats defined by their file names). */
export type DependencyFileKind =
  | 'requirements'
  | 'pyproject'
  | 'poetry-lock'
  | 'pipfile-lock'
  | 'uv-lock'
  | 'conda-environment'
  | 'npm-lock';

export interface Position {
  /** 1-based line. */
  readonly line?: number;
  /** 1-based column. */
  readonly column?: number;
}

export interface Component extends Position {
  readonly ecosystem: Ecosystem;
  /** Normalised: PEP 503 for PyPI, lower case for conda, as written for npm. */
  readonly name: string;
  /** An exact version when pinned, else the specifier as written ('' when there is none). */
  readonly version: string;
  /** Exactly one version can be installed (`==X` without wildcard, `===X`, or a lock entry). */
  readonly pinned: boolean;
  /** At least one artifact hash is recorded for it. */
  readonly hashed: boolean;
  /** Installed from a VCS or URL rather than the index. */
  readonly direct?: string;
  /** Environment marker, as written. */
  readonly marker?: string;
  /** The file the component was listed in (as handed to the parser). */
  readonly file: string;
}

/** A closed set of problem codes; tests assert the code, not the message. */
export type DependencyProblemCode =
  | 'SYNTAX' // the file does not parse (TOML, JSON, YAML syntax or a bad requirement line)
  | 'STRUCTURE' // it parses, but a field has the wrong shape
  | 'UNSUPPORTED_VERSION' // a lock file version this parser does not know
  | 'INCLUDE' // -r/-c of another file (reported, never followed)
  | 'OPTION' // a pip option that changes where packages come from (--index-url, --trusted-host, …)
  | 'LIMIT'; // a size or count limit was hit: the rest was not read

export interface DependencyProblem extends Position {
  readonly code: DependencyProblemCode;
  readonly message: string;
  readonly file: string;
}

export interface DependencyInventory {
  readonly kind: DependencyFileKind;
  readonly components: Component[];
  readonly problems: DependencyProblem[];
  /** Whether the format can record artifact hashes (an unhashed component is then a finding). */
  readonly canHash: boolean;
}
