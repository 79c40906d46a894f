/**
 * The commander program. Built fresh per run with injected streams and scan function so tests run it
 * in-process; main.ts hands in the real ones. Nothing here exits the process: runCli returns the code.
 */

import { SEVERITIES } from '@vacsrp/scanner';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { registerAdvisoriesCommand } from './commands/advisories.js';
import { registerBomCommand } from './commands/bom.js';
import { registerCriteriaCommand } from './commands/criteria.js';
import { DEFAULT_DEMO_DIR, runDemo } from './commands/demo.js';
import { registerManifestCommands } from './commands/manifest.js';
import { registerReportCommand } from './commands/report.js';
import { FORMATS, runScan, type ScanDeps, type ScanFlags } from './commands/scan.js';
import { registerServeCommands } from './commands/serve.js';
import { registerSignCommands } from './commands/sign.js';
import { registerSubmitCommands } from './commands/submit.js';
import { registerVerifyCommand } from './commands/verify.js';
import { EXIT } from './exit-codes.js';
import { errorLine, messageOf } from './output.js';

export interface CliDeps extends ScanDeps {
  readonly version: string;
  /** Where `vacsrp init` reads answers when it is a terminal. */
  readonly stdin?: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

const EXIT_HELP = `
Exit codes:
  0  no finding at or above --fail-on
  1  at least one finding at or above --fail-on
  2  usage error (unknown option, bad value, missing or nonexistent path),
     invalid policy file, or internal failure`;

const SCAN_HELP = `
Formats:
  text   findings grouped by artifact and a summary naming every skipped and
         errored artifact (colour only on a terminal, unless --color/--no-color)
  json   the scan report, versioned by its JSON Schema (docs/report-format.md)
  sarif  SARIF 2.1.0 for GitHub code scanning and other SARIF viewers

The report goes to stdout, or to --output FILE (written atomically).
Progress is shown on stderr only when stderr is a terminal.
${EXIT_HELP}

Examples:
  vacsrp scan ./model
  vacsrp scan --format sarif --output vacsrp.sarif --fail-on high .
  vacsrp scan --limit maxArchiveMembers=200000 --no-digest big-archive.tar`;

/** Parses `--limit NAME=VALUE` into the accumulated record; values are non-negative integers. */
export function parseLimit(
  value: string,
  previous: Readonly<Record<string, number>> = {},
): Record<string, number> {
  const m = /^([A-Za-z][A-Za-z0-9_]*)=(0|[1-9][0-9]*)$/.exec(value);
  if (m === null) {
    throw new InvalidArgumentError(
      'Expected NAME=VALUE with a non-negative integer, e.g. maxArchiveMembers=200000.',
    );
  }
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('The value is too large.');
  return { ...previous, [m[1]!]: n };
}

export function buildProgram(deps: CliDeps, setExitCode: (code: number) => void): Command {
  const output = (hint: string) => ({
    writeOut: (s: string) => void deps.stdout.write(s),
    writeErr: (s: string) => void deps.stderr.write(s),
    getOutHelpWidth: () => deps.stdout.columns ?? 80,
    getErrHelpWidth: () => deps.stderr.columns ?? 80,
    outputError: (s: string, write: (s: string) => void) =>
      write(errorLine(`${s.replace(/^error: /, '').trim()} (see '${hint}')`)),
  });

  const program = new Command('vacsrp')
    .description(
      'The vacsrp toolchain: scan model artifacts, prepare and sign a submission package, browse the review criteria.',
    )
    .version(deps.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureOutput(output('vacsrp --help'))
    .exitOverride()
    .addHelpText('after', EXIT_HELP);

  program
    .command('scan')
    .description('scan files and directories of model artifacts')
    .argument('<path...>', 'files or directories to scan')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to FILE instead of stdout')
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity')
        .choices(SEVERITIES)
        .default('medium'),
    )
    .option('--no-digest', 'do not compute SHA-256 digests of artifacts')
    .option('--policy <file>', 'merge this policy file (JSON) over the built-in policy')
    .option(
      '--data <dir>',
      'match dependency files against the advisories imported into DIR/advisories (see vacsrp advisories)',
    )
    .option(
      '--limit <name=value>',
      'override a named analysis limit, see docs/limits.md (repeatable)',
      parseLimit,
    )
    .option('--color', 'colour the text report even when stdout is not a terminal')
    .option('--no-color', 'never colour the text report')
    .option('--verbose', 'text format: also print remediation, references, excerpts and digests')
    .option('-q, --quiet', 'no progress or summary line on stderr (errors are still printed)')
    .configureOutput(output('vacsrp scan --help'))
    .exitOverride()
    .addHelpText('after', SCAN_HELP)
    .action(async (paths: string[], flags: ScanFlags) => {
      setExitCode(await runScan(paths, flags, deps));
    });

  program
    .command('demo')
    .description('write a small demo model repository (generated in code) and scan it')
    .argument('[dir]', 'where to write the demo files', DEFAULT_DEMO_DIR)
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text'))
    .option('--no-digest', 'do not compute SHA-256 digests of artifacts')
    .option('--color', 'colour the text report even when stdout is not a terminal')
    .option('--no-color', 'never colour the text report')
    .option('-q, --quiet', 'no progress or summary on stderr')
    .configureOutput(output('vacsrp demo --help'))
    .exitOverride()
    .addHelpText('after', `\nThe demo holds critical findings on purpose, so it exits 1.\n${EXIT_HELP}`)
    .action(async (dir: string, flags: Omit<ScanFlags, 'failOn'>) => {
      setExitCode(await runDemo(dir, { ...flags, failOn: 'medium' }, deps));
    });

  registerCriteriaCommand(program, deps, setExitCode);
  registerAdvisoriesCommand(program, deps);
  registerSignCommands(program, { stdout: deps.stdout, stderr: deps.stderr, setExitCode });
  registerBomCommand(program, { stdout: deps.stdout, stderr: deps.stderr, setExitCode });
  registerVerifyCommand(program, { stdout: deps.stdout, stderr: deps.stderr, setExitCode });
  registerServeCommands(program, { stdout: deps.stdout, stderr: deps.stderr, env: deps.env, setExitCode });
  registerSubmitCommands(program, { stdout: deps.stdout, stderr: deps.stderr, env: deps.env, setExitCode });
  registerReportCommand(program, { stdout: deps.stdout, stderr: deps.stderr, env: deps.env, setExitCode });
  registerManifestCommands(program, {
    stdout: deps.stdout,
    stderr: deps.stderr,
    ...(deps.stdin ? { stdin: deps.stdin } : {}),
    setExitCode,
  });

  return program;
}

/** Runs the CLI on argv (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(deps, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end parsing by "exiting" 0; every other commander error is a usage error
      // and its one-line message has already been written.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const debug = deps.env.VACSRP_DEBUG === '1' && err instanceof Error ? `${err.stack}\n` : '';
    deps.stderr.write(errorLine(`internal error: ${messageOf(err)}`) + debug);
    return EXIT.usage;
  }
}
