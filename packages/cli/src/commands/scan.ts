/** `vacsrp scan <path...>`: declared flags → scan() → rendered report → exit code. */
import { lstat } from 'node:fs/promises';
import {
  renderJson,
  renderSarif,
  renderText,
  type ScanOptions,
  type ScanReport,
  type Severity,
} from '@vacsrp/scanner';
import { EXIT } from '../exit-codes.js';
import { type Env, errorLine, messageOf, type OutStream, useColor, writeFileAtomic } from '../output.js';
import { ProgressLine } from '../progress.js';

export const FORMATS = ['text', 'json', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

export type ScanFunction = (paths: readonly string[], options: ScanOptions) => Promise<ScanReport>;

/** The seams the scan command needs; tests hand in fakes. */
export interface ScanDeps {
  readonly scan: ScanFunction;
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Env;
  readonly pathExists?: (path: string) => Promise<boolean>;
  readonly writeFile?: (path: string, data: string) => Promise<void>;
}

/** The parsed flags, as commander hands them over. */
export interface ScanFlags {
  readonly format: Format;
  readonly output?: string;
  readonly failOn: Severity;
  readonly digest: boolean;
  readonly policy?: string;
  /** Data directory holding imported advisories. */
  readonly data?: string;
  readonly limit?: Readonly<Record<string, number>>;
  readonly color?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
}

export async function runScan(paths: readonly string[], flags: ScanFlags, deps: ScanDeps): Promise<number> {
  const exists = deps.pathExists ?? pathExists;
  const missing: string[] = [];
  for (const p of paths) if (!(await exists(p))) missing.push(p);
  if (missing.length > 0) {
    deps.stderr.write(errorLine(`no such file or directory: ${missing.join(', ')}`));
    return EXIT.usage;
  }

  const progress = deps.stderr.isTTY === true && !flags.quiet ? new ProgressLine(deps.stderr) : undefined;
  const options: ScanOptions = {
    failOn: flags.failOn,
    digest: flags.digest,
    ...(flags.policy === undefined ? {} : { policyFile: flags.policy }),
    ...(flags.data === undefined ? {} : { dataDir: flags.data }),
    ...(flags.limit === undefined ? {} : { limits: { ...flags.limit } }),
    ...(progress === undefined ? {} : { onProgress: progress.onEvent }),
  };

  let report: ScanReport;
  try {
    report = await deps.scan(paths, options);
  } catch (err) {
    progress?.clear(); // before the message, so it starts on a clean line
    deps.stderr.write(scanFailure(err, deps.env));
    return EXIT.usage;
  }
  progress?.clear();

  const toFile = flags.output !== undefined;
  const rendered = render(report, flags, useColor(flags.color, deps.stdout, deps.env, toFile));
  if (flags.output !== undefined) {
    try {
      await (deps.writeFile ?? writeFileAtomic)(flags.output, rendered);
    } catch (err) {
      deps.stderr.write(errorLine(`cannot write report to ${flags.output}: ${messageOf(err)}`));
      return EXIT.usage;
    }
  } else {
    deps.stdout.write(rendered);
  }
  if (!flags.quiet && (toFile || flags.format !== 'text')) {
    deps.stderr.write(errorLine(summaryLine(report) + (toFile ? `; report written to ${flags.output}` : '')));
  }
  return report.summary.failed ? EXIT.findings : EXIT.ok;
}

function render(report: ScanReport, flags: ScanFlags, color: boolean): string {
  switch (flags.format) {
    case 'json':
      return renderJson(report);
    case 'sarif':
      return renderSarif(report);
    case 'text':
      return renderText(report, { color, verbose: flags.verbose ?? false });
  }
}

export function summaryLine(report: ScanReport): string {
  const s = report.summary;
  const total = Object.values(s.findings).reduce((a, b) => a + b, 0);
  const counts = `${s.artifacts.scanned} scanned, ${s.artifacts.skipped} skipped, ${s.artifacts.errored} errored`;
  const findings =
    total === 0 ? 'no findings' : `${total} finding${total === 1 ? '' : 's'}, highest ${s.highest}`;
  return `${counts}; ${findings}; ${s.failed ? 'FAIL' : 'PASS'} at --fail-on ${s.failOn}`;
}

/**
 * Errors the scanner throws for bad input from the user (a policy file, a limit, a root), by class
 * name; each carries a `code`. Anything else is our fault and says how to get details.
 */
const USER_ERRORS: Readonly<Record<string, string>> = {
  PolicyError: 'invalid policy',
  LimitError: 'invalid --limit',
  WalkError: 'cannot scan',
};

function scanFailure(err: unknown, env: Env): string {
  const label = err instanceof Error ? USER_ERRORS[err.name] : undefined;
  if (label !== undefined) {
    const code = (err as { code?: unknown }).code;
    return errorLine(`${label}${typeof code === 'string' ? ` (${code})` : ''}: ${(err as Error).message}`);
  }
  if (env.VACSRP_DEBUG === '1') {
    const stack = err instanceof Error && err.stack !== undefined ? err.stack : String(err);
    return `${errorLine(`internal error: ${messageOf(err)}`)}${stack}\n`;
  }
  return errorLine(`internal error: ${messageOf(err)} (set VACSRP_DEBUG=1 for details)`);
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (err) {
    // Only absence is a usage error; an unreadable path is the scan's to report.
    const code = (err as { code?: unknown }).code;
    return !(code === 'ENOENT' || code === 'ENOTDIR');
  }
}
