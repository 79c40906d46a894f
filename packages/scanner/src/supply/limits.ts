/** Limits for dependency files and the advisory database; each bounds something the input controls. */
export const SUPPLY_LIMITS = {
  /** Bytes of one dependency file read (CWE-400: a huge "requirements.txt" is not a requirements file). */
  maxDependencyFileBytes: 16 * 1024 ** 2,
  /** Components reported per file (CWE-400). */
  maxComponentsPerFile: 50_000,
  /** Problems reported per file; the rest are counted (CWE-400). */
  maxProblemsPerFile: 200,
  /** Characters of one requirement line, continuations joined (CWE-1333: bounds regex work). */
  maxLineLength: 64 * 1024,
  /** Bytes of one advisory JSON file imported (CWE-400). */
  maxAdvisoryBytes: 4 * 1024 ** 2,
  /** Advisories read from one import (CWE-400: an OSV export of all PyPI is ~20k). */
  maxAdvisories: 1_000_000,
  /** Bytes of an OSV zip export read (CWE-409). */
  maxArchiveBytes: 4 * 1024 ** 3,
  /** Ranges × events evaluated per advisory (CWE-400). */
  maxEventsPerAdvisory: 10_000,
} as const;

export type SupplyLimits = { -readonly [K in keyof typeof SUPPLY_LIMITS]: number };
