/**
 * `vacsrp report annual`: the annual report to Congress for a fiscal year, built from the program's
 * store (the same data and disclosure control as the public dashboard, docs/dashboard.md) as
 * Markdown or PDF. The service library is loaded only when the command runs, so a scan never pays
 * for it; the store is opened like `vacsrp serve` does, without workers.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type Env, errorLine, messageOf, type OutStream, writeFileAtomic } from '../output.js';

/** Exit codes of `vacsrp report` (docs/dashboard.md). */
export const REPORT_EXIT = {
  /** The report was written. */
  ok: 0,
  /** It could not be produced: the store could not be read, its records were refused, or the write failed. */
  failed: 1,
  /** Usage error: unknown option, bad fiscal year or format, a PDF without --output, bad configuration. */
  usage: 2,
} as const;

export const REPORT_FORMATS = ['markdown', 'pdf'] as const;
type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportCommandDeps {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly env: Env;
  /** As in program.ts: the action reports its exit code here; runCli returns it. */
  readonly setExitCode: (code: number) => void;
}

interface AnnualFlags {
  readonly fiscalYear: number;
  readonly format: ReportFormat;
  readonly output?: string;
  readonly data: string;
}

const service = () => import('@vacsrp/service');

/** The command line acts as the program's administrator, as `vacsrp admin` does; the audit log says `cli`. */
const CLI_ADMIN = { actor: { role: 'administrator' as const, userId: 'cli' }, where: 'cli' };

const HELP = `
Formats:
  markdown  the report as Markdown, on stdout or to --output FILE (default)
  pdf       a Letter PDF; needs --output FILE (binary is never written to stdout)

The store is the one \`vacsrp serve\` uses: SQLite and the master key in --data DIR,
or PostgreSQL when DATABASE_URL is set. Each generation is recorded in the audit log
(annual-report.generated, by "cli"). Files are written atomically.

Exit codes:
  0  the report was written
  1  the report could not be produced (store unreadable, records refused, write failed)
  2  usage error (unknown option, bad fiscal year or format, PDF without --output,
     bad configuration)

Examples:
  vacsrp report annual --fiscal-year 2027 > annual-FY2027.md
  vacsrp report annual --fiscal-year 2027 --format pdf --output annual-FY2027.pdf`;

const fiscalYear = (value: string): number => {
  if (!/^\d{4}$/.test(value)) throw new InvalidArgumentError('Expected a four-digit fiscal year, e.g. 2027.');
  return Number(value);
};

export function registerReportCommand(program: Command, deps: ReportCommandDeps): void {
  const fail = (err: unknown, code: number) => {
    deps.stderr.write(errorLine(messageOf(err)));
    deps.setExitCode(code);
  };

  program
    .command('report')
    .description('program reports built from the service store')
    .command('annual')
    .description('the annual report to Congress for a fiscal year (Markdown or PDF)')
    .addOption(
      new Option('--fiscal-year <year>', 'U.S. federal fiscal year, 2020-2100 (FY2027 = Oct 2026-Sep 2027)')
        .argParser(fiscalYear)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('-f, --format <format>', 'report format').choices(REPORT_FORMATS).default('markdown'),
    )
    .option('-o, --output <file>', 'write the report to FILE instead of stdout (required for pdf)')
    .option('--data <dir>', 'data directory of the service (SQLite store and master key)', '.vacsrp')
    .addHelpText('after', HELP)
    .action(async (flags: AnnualFlags) => {
      if (flags.format === 'pdf' && flags.output === undefined) {
        return fail('a PDF is binary and is not written to stdout: give --output FILE', REPORT_EXIT.usage);
      }
      const svc = await service();
      if (!svc.isStatisticsFiscalYear(flags.fiscalYear)) {
        const { min, max } = svc.STATISTICS_FISCAL_YEARS;
        return fail(`the fiscal year must be from ${min} to ${max}`, REPORT_EXIT.usage);
      }
      let runtime: Awaited<ReturnType<typeof svc.openRuntime>> | undefined;
      try {
        runtime = await svc.openRuntime(svc.configFrom({ data: flags.data }, deps.env as NodeJS.ProcessEnv), {
          workers: false,
        });
        const file = await svc.annualReportFor(runtime.ctx, CLI_ADMIN, flags.fiscalYear, flags.format);
        if (flags.output !== undefined) {
          await writeFileAtomic(flags.output, file.format === 'pdf' ? new Uint8Array(file.body) : file.body);
          deps.stderr.write(
            `Annual report FY${file.fiscalYear} (data as of ${file.asOf}) written to ${flags.output}\n`,
          );
        } else if (file.format === 'markdown') {
          deps.stdout.write(file.body);
        } else {
          throw new Error('a PDF is never written to stdout');
        }
        deps.setExitCode(REPORT_EXIT.ok);
      } catch (err) {
        const usage =
          err instanceof svc.ConfigError || (err instanceof svc.AppError && err.code === 'INVALID');
        fail(err, usage ? REPORT_EXIT.usage : REPORT_EXIT.failed);
      } finally {
        await runtime?.close();
      }
    });
}
