/** Where the CLI writes: injected streams, atomic report files, colour and error lines. */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
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

/**
 * Writes a file so readers see either the old content or the new, never a partial report: a temporary
 * file in the same directory, flushed, then renamed over the target.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(resolve(target));
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx');
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** One line for stderr: the program name, the text with newlines folded and controls escaped. */
export function errorLine(text: string): string {
  return `vacsrp: ${escapeTerminal(text.replace(/\s*\n\s*/g, ' ').trim())}\n`;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
