/**
 * `vacsrp advisories import <osv.zip | folder>` and `vacsrp advisories list`: the offline OSV advisory
 * database that `vacsrp scan --data DIR` matches dependencies against (docs/supply-chain.md).
 * Results go to stdout; failures are one line on stderr and exit 2 through commander's error path,
 * which runCli turns into the exit code.
 */
import {
  AdvisoryError,
  escapeTerminal,
  type ImportSummary,
  importAdvisories,
  listAdvisories,
} from '@vacsrp/scanner';
import { type Command, CommanderError, Option } from 'commander';
import { EXIT } from '../exit-codes.js';
import { errorLine, messageOf, type OutStream } from '../output.js';

export const DEFAULT_DATA_DIR = './.vacsrp';

const HELP = `
The database lives in DIR/advisories/ (default DIR: ${DEFAULT_DATA_DIR}): the advisories as imported,
an index per ecosystem and package, and a manifest. Importing is idempotent: an advisory already
stored with the same content is unchanged, a newer revision replaces it, an older one is skipped.
Files that are not valid OSV advisories are reported and skipped. Nothing is downloaded: fetch an
export yourself, e.g. https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip

Exit codes:
  0  done (skipped files are listed, not errors)
  2  usage error, missing source, unreadable source or damaged database`;

interface DataFlags {
  readonly data: string;
}

interface ListFlags extends DataFlags {
  readonly json?: boolean;
}

export function registerAdvisoriesCommand(
  program: Command,
  deps: { stdout: OutStream; stderr: OutStream },
): Command {
  const fail = (err: unknown): never => {
    const message = err instanceof AdvisoryError ? err.message : `internal error: ${messageOf(err)}`;
    deps.stderr.write(errorLine(message));
    // Already written: commander only carries the exit code up to runCli.
    throw new CommanderError(
      EXIT.usage,
      `vacsrp.advisories.${err instanceof AdvisoryError ? err.code : 'internal'}`,
      message,
    );
  };
  const dataOption = () => new Option('--data <dir>', 'the vacsrp data directory').default(DEFAULT_DATA_DIR);

  const advisories = program
    .command('advisories')
    .description('manage the offline database of OSV advisories used to vet dependencies')
    .addHelpText('after', HELP);

  advisories
    .command('import')
    .description('import OSV advisories from an OSV zip export or a folder of OSV JSON files')
    .argument('<path>', 'an OSV zip export or a folder of *.json advisories')
    .addOption(dataOption())
    .action(async (path: string, flags: DataFlags) => {
      let summary: ImportSummary;
      try {
        summary = await importAdvisories(path, flags.data);
      } catch (err) {
        return fail(err);
      }
      deps.stdout.write(renderImportSummary(summary));
    });

  advisories
    .command('list')
    .description('list the stored advisories')
    .addOption(dataOption())
    .option('--json', 'print the list as JSON')
    .action(async (flags: ListFlags) => {
      let list: Awaited<ReturnType<typeof listAdvisories>>;
      try {
        list = await listAdvisories(flags.data);
      } catch (err) {
        return fail(err);
      }
      if (flags.json) {
        deps.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      if (list.length === 0) {
        deps.stdout.write(
          `no advisories in ${escapeTerminal(flags.data)}/advisories (import some with: vacsrp advisories import <osv.zip|folder>)\n`,
        );
        return;
      }
      for (const a of list) {
        const aliases = a.aliases.length > 0 ? ` (${a.aliases.join(', ')})` : '';
        deps.stdout.write(escapeTerminal(`${a.id}${aliases}  ${a.packages.join(' ')}  ${a.summary}`) + '\n');
      }
      deps.stdout.write(`${list.length} advisories\n`);
    });

  return advisories;
}

export function renderImportSummary(s: ImportSummary): string {
  const lines = [
    `imported ${s.imported.length}, updated ${s.updated.length}, unchanged ${s.unchanged.length}, skipped ${s.skipped.length}`,
  ];
  if (s.updated.length > 0) lines.push(`updated: ${s.updated.join(', ')}`);
  for (const k of s.skipped) lines.push(`skipped ${k.source}: ${k.reason}`);
  // Advisory text and file names come from the import source: never let them drive the terminal.
  return lines.map((l) => `${escapeTerminal(l)}\n`).join('');
}
