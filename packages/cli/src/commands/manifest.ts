/**
 * `vacsrp init` and `vacsrp validate`: draft the submission manifest (vacsrp.yaml) from the repository
 * and the developer's answers, and check one against its schema (docs/manifest.md).
 * Thin: declared flags → @vacsrp/scanner (draftManifest, parseManifest) → exit code.
 */
import { lstat, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import {
  applyDraftAnswers,
  CONFIDENTIALITY,
  type Confidentiality,
  type DraftAnswers,
  type DraftResult,
  draftManifest,
  escapeTerminal,
  MANIFEST_FILE,
  MAX_MANIFEST_BYTES,
  type ManifestProblem,
  parseManifest,
  serializeManifest,
} from '@vacsrp/scanner';
import { type Command, Option } from 'commander';
import { errorLine, messageOf, type OutStream, writeFileAtomic } from '../output.js';

/** Exit codes of both commands (docs/manifest.md). */
export const MANIFEST_EXIT = {
  /** init: written and complete; validate: the manifest is valid. */
  ok: 0,
  /** init: written, but required answers are still missing; validate: the manifest has problems. */
  problems: 1,
  /** Usage error: bad flags, a missing directory or file, an existing vacsrp.yaml without --force. */
  usage: 2,
} as const;

export interface ManifestCommandDeps {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** Answers are asked for on a terminal only (stdin.isTTY); otherwise they come from flags. */
  readonly stdin?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly setExitCode: (code: number) => void;
}

interface InitFlags {
  readonly name?: string;
  readonly modelVersion?: string;
  readonly license?: string;
  readonly organisation?: string;
  readonly contact?: string;
  readonly intendedUse?: readonly string[];
  readonly confidentiality?: Confidentiality;
  readonly force?: boolean;
  readonly yes?: boolean;
}

const INIT_HELP = `
Drafts vacsrp.yaml from the repository: the model card's front matter (README.md:
license, base_model, datasets, pipeline_tag), config.json (architectures), a
Croissant dataset description, every model artifact with its SHA-256 and size,
and the dependency files. Flags answer what the repository cannot say; on a
terminal the missing answers are asked for (unless --yes). Symbolic links are
never followed. An existing vacsrp.yaml is replaced only with --force.

Exit codes:
  0  vacsrp.yaml written and complete
  1  vacsrp.yaml written, but required answers are still missing (listed)
  2  usage error: bad flags, DIR missing, vacsrp.yaml exists without --force`;

const VALIDATE_HELP = `
Prints every problem as FILE:LINE:COLUMN: MESSAGE (write: WHAT TO WRITE INSTEAD).

Exit codes:
  0  the manifest is valid
  1  the manifest has problems (listed on stdout)
  2  usage error: the file is missing or unreadable`;

const collect = (value: string, previous: readonly string[] = []): string[] => [...previous, value];

/** The questions init asks on a terminal, in order, for each answer still missing. */
const QUESTIONS: readonly { field: string; prompt: string; apply: (v: string) => DraftAnswers }[] = [
  { field: 'model.name', prompt: 'Model name', apply: (v) => ({ name: v }) },
  { field: 'model.version', prompt: 'Model version', apply: (v) => ({ version: v }) },
  { field: 'model.licence', prompt: 'Licence (SPDX id, e.g. Apache-2.0)', apply: (v) => ({ licence: v }) },
  { field: 'developer.organisation', prompt: 'Developer organisation', apply: (v) => ({ organisation: v }) },
  {
    field: 'developer.securityContact',
    prompt: 'Security contact (e-mail or https URL)',
    apply: (v) => ({ securityContact: v }),
  },
  { field: 'intendedUses', prompt: 'Intended use (one sentence)', apply: (v) => ({ intendedUses: [v] }) },
  {
    field: 'confidentiality',
    prompt: 'Confidentiality (upload | digests-only)',
    apply: (v) =>
      (CONFIDENTIALITY as readonly string[]).includes(v) ? { confidentiality: v as Confidentiality } : {},
  },
];

export function registerManifestCommands(program: Command, deps: ManifestCommandDeps): void {
  program
    .command('init')
    .description('draft the submission manifest vacsrp.yaml from a model repository')
    .argument('[dir]', 'the model repository', '.')
    .option('--name <name>', 'model name')
    // Not --version: the program's own -V/--version is recognised after the subcommand too.
    .option('--model-version <version>', 'model version')
    .option('--license <id>', 'licence: an SPDX identifier (Apache-2.0, MIT, …)')
    .option('--organisation <name>', 'developer organisation')
    .option('--contact <address>', 'security contact: an e-mail address or https URL')
    .option('--intended-use <text>', 'an intended use (repeatable)', collect)
    .addOption(
      new Option('--confidentiality <mode>', 'upload the artifacts, or submit digests only').choices(
        CONFIDENTIALITY,
      ),
    )
    .option('--force', 'replace an existing vacsrp.yaml')
    .option('-y, --yes', 'never ask; leave missing answers missing')
    .addHelpText('after', INIT_HELP)
    .action(async (dir: string, flags: InitFlags) => {
      deps.setExitCode(await guarded(deps, () => runInit(dir, flags, deps)));
    });

  program
    .command('validate')
    .description('check a submission manifest against its schema')
    .argument('[file]', 'the manifest', MANIFEST_FILE)
    .addHelpText('after', VALIDATE_HELP)
    .action(async (file: string) => {
      deps.setExitCode(await guarded(deps, () => runValidate(file, deps)));
    });
}

/** Faults of the environment (unreadable files) end as usage errors with the OS message. */
async function guarded(deps: ManifestCommandDeps, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    deps.stderr.write(errorLine(messageOf(err)));
    return MANIFEST_EXIT.usage;
  }
}

export function formatProblem(p: ManifestProblem): string {
  return escapeTerminal(`${p.file}:${p.line}:${p.column}: ${p.message} (write: ${p.hint})`);
}

export async function runValidate(file: string, deps: ManifestCommandDeps): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(file);
  } catch {
    deps.stderr.write(errorLine(`no such file: ${file}`));
    return MANIFEST_EXIT.usage;
  }
  if (!info.isFile()) {
    deps.stderr.write(errorLine(`not a file: ${file}`));
    return MANIFEST_EXIT.usage;
  }
  const text =
    info.size > MAX_MANIFEST_BYTES ? ' '.repeat(MAX_MANIFEST_BYTES + 1) : await readFile(file, 'utf8');
  const { problems } = parseManifest(text, file);
  for (const p of problems) deps.stdout.write(`${formatProblem(p)}\n`);
  if (problems.length === 0) {
    deps.stderr.write(`${escapeTerminal(file)}: valid\n`);
    return MANIFEST_EXIT.ok;
  }
  deps.stderr.write(
    `${escapeTerminal(file)}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`,
  );
  return MANIFEST_EXIT.problems;
}

function answersOf(flags: InitFlags): DraftAnswers {
  return {
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.modelVersion === undefined ? {} : { version: flags.modelVersion }),
    ...(flags.license === undefined ? {} : { licence: flags.license }),
    ...(flags.organisation === undefined ? {} : { organisation: flags.organisation }),
    ...(flags.contact === undefined ? {} : { securityContact: flags.contact }),
    ...(flags.intendedUse === undefined ? {} : { intendedUses: flags.intendedUse }),
    ...(flags.confidentiality === undefined ? {} : { confidentiality: flags.confidentiality }),
  };
}

async function ask(result: DraftResult, deps: ManifestCommandDeps): Promise<DraftResult> {
  const stdin = deps.stdin;
  if (stdin === undefined) return result;
  // No output stream: prompts go to stderr by hand, so stdout stays free for machine output.
  // The line iterator buffers lines typed (or piped) ahead of their question.
  const rl = createInterface({ input: stdin, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  try {
    let current = result;
    for (const q of QUESTIONS) {
      if (!current.missing.includes(q.field)) continue;
      deps.stderr.write(`${q.prompt}: `);
      const next = await lines.next();
      if (next.done === true) break;
      const answer = String(next.value).trim();
      if (answer !== '') current = applyDraftAnswers(current, q.apply(answer));
    }
    return current;
  } finally {
    rl.close();
  }
}

export async function runInit(dir: string, flags: InitFlags, deps: ManifestCommandDeps): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch {
    deps.stderr.write(errorLine(`no such directory: ${dir}`));
    return MANIFEST_EXIT.usage;
  }
  if (!info.isDirectory()) {
    deps.stderr.write(errorLine(`not a directory: ${dir}`));
    return MANIFEST_EXIT.usage;
  }
  const target = join(dir, MANIFEST_FILE);
  const existing = await lstat(target).catch(() => undefined);
  if (existing !== undefined && flags.force !== true) {
    deps.stderr.write(errorLine(`${target} already exists; use --force to replace it`));
    return MANIFEST_EXIT.usage;
  }
  if (existing?.isSymbolicLink() === true || (existing !== undefined && !existing.isFile())) {
    // Renaming over a link replaces the link, but refuse anyway: the user may expect the target written.
    deps.stderr.write(errorLine(`${target} is not a regular file; remove it first`));
    return MANIFEST_EXIT.usage;
  }

  let result = await draftManifest(dir, answersOf(flags));
  if (flags.yes !== true && deps.stdin?.isTTY === true && result.missing.length > 0)
    result = await ask(result, deps);

  const yaml = serializeManifest(result.draft);
  await writeFileAtomic(target, yaml);
  deps.stderr.write(`wrote ${escapeTerminal(target)}\n`);
  if (result.filled.length > 0) {
    deps.stderr.write('filled in:\n');
    for (const f of result.filled) deps.stderr.write(`  ${escapeTerminal(f)}\n`);
  }
  const { problems } = parseManifest(yaml, target);
  const required = result.missing.filter((m) => !m.includes('.revision'));
  if (result.missing.length > 0) {
    deps.stderr.write('still missing:\n');
    for (const m of result.missing) deps.stderr.write(`  ${escapeTerminal(m)}\n`);
  }
  // Required answers already listed as missing are not repeated; every other problem is.
  const toFix = problems.filter(
    (p) => p.code !== 'MISSING_PROPERTY' || !result.missing.includes(p.path.slice(1).replaceAll('/', '.')),
  );
  if (toFix.length > 0) {
    deps.stderr.write('to fix:\n');
    for (const p of toFix) deps.stderr.write(`  ${formatProblem(p)}\n`);
  }
  if (problems.length === 0 && required.length === 0) {
    deps.stderr.write(`check it any time with: vacsrp validate ${escapeTerminal(target)}\n`);
    return MANIFEST_EXIT.ok;
  }
  return MANIFEST_EXIT.problems;
}
