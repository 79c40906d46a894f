/** The documented exit codes of `vacsrp` (docs/cli.md). */
export const EXIT = {
  /** No finding at or above --fail-on. */
  ok: 0,
  /** At least one finding at or above --fail-on. */
  findings: 1,
  /** Usage error (unknown option, bad value, missing or nonexistent path), bad policy, or internal failure. */
  usage: 2,
} as const;
