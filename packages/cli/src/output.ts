/** Where the CLI writes: injected streams, atomic report files, colour and error lines. */
import { escapeTerminal } from '@vacsrp/scanner';

/** The part of a stream the CLI uses, so tests can hand in plain recorders. */
export interface OutStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Colour is on when asked for (--color), off when refused (--no-color), and otherwise only for a
 * terminal with NO_COLOR unset or empty (https://no-color.org).
 */
export function useColor(flag: boolean | undefined, stream: OutStream, env: Env, toFile: boolean): boolean {
  if (flag !== undefined) return flag;
  return !toFile && stream.isTTY === true && (env.NO_COLOR ?? '') === '';
}

/** Atomic report and file writes (temp file, fsync, rename), shared with the scanner. */
export { writeFileAtomic } from '@vacsrp/scanner';

/** One line for stderr: the program name, the text with newlines folded and controls escaped. */
export function errorLine(text: string): string {
  return `vacsrp: ${escapeTerminal(text.replace(/\s*\n\s*/g, ' ').trim())}\n`;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
