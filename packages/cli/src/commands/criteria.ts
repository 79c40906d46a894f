/**
 * `vacsrp criteria list | show | export`: reads the review criteria catalog shipped with the scanner.
 * Machine output (json, oscal) goes to stdout or, atomically, to --output; messages go to stderr.
 */
import {
  CRITERIA_FAMILIES,
  type CriteriaCatalog,
  type Criterion,
  type CriterionEntry,
  findCriterion,
  loadCriteriaCatalog,
  renderOscalCatalog,
  type Scope,
} from '@vacsrp/scanner';
import { type Command, Option } from 'commander';
import { EXIT } from '../exit-codes.js';
import { errorLine, messageOf, type OutStream, writeFileAtomic } from '../output.js';

export const LIST_FORMATS = ['text', 'json'] as const;
export const EXPORT_FORMATS = ['json', 'oscal'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface CriteriaDeps {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  /** Writes --output; defaults to writeFileAtomic. */
  readonly writeFile?: (path: string, data: string) => Promise<void>;
  /** The catalog to read; defaults to the scanner's built-in catalog. */
  readonly catalog?: () => CriteriaCatalog;
}

const HELP = `
Exit codes:
  0  success
  2  usage error (unknown option or value, unknown criterion ID), or the
     output file could not be written

Examples:
  vacsrp criteria list --family SC
  vacsrp criteria show AR-3
  vacsrp criteria export --format oscal --output vacsrp-criteria-v1.oscal.json`;

/**
 * Adds `criteria` and its subcommands to the program. Commands report their exit code through
 * `setExitCode`, as `scan` does; nothing here exits the process.
 */
export function registerCriteriaCommand(
  program: Command,
  deps: CriteriaDeps,
  setExitCode: (code: number) => void,
): Command {
  const catalog = deps.catalog ?? loadCriteriaCatalog;
  const output = (hint: string) => ({
    writeOut: (s: string) => void deps.stdout.write(s),
    writeErr: (s: string) => void deps.stderr.write(s),
    getOutHelpWidth: () => deps.stdout.columns ?? 80,
    getErrHelpWidth: () => deps.stderr.columns ?? 80,
    outputError: (s: string, write: (s: string) => void) =>
      write(errorLine(`${s.replace(/^error: /, '').trim()} (see '${hint}')`)),
  });

  const criteria = program
    .command('criteria')
    .description('list, show and export the review criteria catalog')
    .configureOutput(output('vacsrp criteria --help'))
    .exitOverride()
    .addHelpText('after', HELP);

  criteria
    .command('list')
    .description('list the criteria: ID, family and title')
    .addOption(new Option('--family <id>', 'only this family').choices(CRITERIA_FAMILIES))
    .addOption(new Option('-f, --format <format>', 'output format').choices(LIST_FORMATS).default('text'))
    .configureOutput(output('vacsrp criteria list --help'))
    .exitOverride()
    .action((flags: { family?: string; format: (typeof LIST_FORMATS)[number] }) => {
      const c = catalog();
      const rows = entries(c).filter((e) => flags.family === undefined || e.family.id === flags.family);
      if (flags.format === 'json') {
        const list = rows.map(({ family, criterion }) => ({
          id: criterion.id,
          family: family.id,
          title: criterion.title,
        }));
        deps.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      } else {
        deps.stdout.write(table(rows));
      }
      setExitCode(EXIT.ok);
    });

  criteria
    .command('show')
    .description('show one criterion in full')
    .argument('<id>', 'criterion ID, e.g. SC-3')
    .addOption(new Option('-f, --format <format>', 'output format').choices(LIST_FORMATS).default('text'))
    .configureOutput(output('vacsrp criteria show --help'))
    .exitOverride()
    .action((id: string, flags: { format: (typeof LIST_FORMATS)[number] }) => {
      const c = catalog();
      const found = findCriterion(id.trim().toUpperCase(), c);
      if (found === undefined) {
        deps.stderr.write(
          errorLine(
            `unknown criterion "${id}" in ${c.id} ${c.version}; 'vacsrp criteria list' shows the IDs`,
          ),
        );
        setExitCode(EXIT.usage);
        return;
      }
      deps.stdout.write(
        flags.format === 'json'
          ? `${JSON.stringify({ family: found.family.id, ...found.criterion }, null, 2)}\n`
          : showText(c, found, deps.stdout.columns ?? 80),
      );
      setExitCode(EXIT.ok);
    });

  criteria
    .command('export')
    .description('export the whole catalog as JSON or as an OSCAL 1.1.3 catalog')
    .addOption(
      new Option('-f, --format <format>', 'export format').choices(EXPORT_FORMATS).makeOptionMandatory(),
    )
    .option('-o, --output <file>', 'write to FILE (atomically) instead of stdout')
    .configureOutput(output('vacsrp criteria export --help'))
    .exitOverride()
    .action(async (flags: { format: ExportFormat; output?: string }) => {
      setExitCode(await runExport(catalog(), flags, deps));
    });

  return criteria;
}

/** The catalog's bytes in an export format: deterministic, so an export can be digested and signed. */
export function renderExport(catalog: CriteriaCatalog, format: ExportFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(catalog, null, 2)}\n`;
    case 'oscal':
      return renderOscalCatalog(catalog);
  }
}

async function runExport(
  catalog: CriteriaCatalog,
  flags: { format: ExportFormat; output?: string },
  deps: CriteriaDeps,
): Promise<number> {
  const text = renderExport(catalog, flags.format);
  if (flags.output === undefined) {
    deps.stdout.write(text);
    return EXIT.ok;
  }
  try {
    await (deps.writeFile ?? writeFileAtomic)(flags.output, text);
  } catch (err) {
    deps.stderr.write(errorLine(`cannot write ${flags.output}: ${messageOf(err)}`));
    return EXIT.usage;
  }
  deps.stderr.write(`wrote ${catalog.id} ${catalog.version} (${flags.format}) to ${flags.output}\n`);
  return EXIT.ok;
}

const entries = (c: CriteriaCatalog): CriterionEntry[] =>
  c.families.flatMap((family) => family.criteria.map((criterion) => ({ family, criterion })));

function table(rows: readonly CriterionEntry[]): string {
  const cells = [
    ['ID', 'FAMILY', 'TITLE'],
    ...rows.map(({ family, criterion }) => [criterion.id, family.title, criterion.title]),
  ];
  const w0 = Math.max(...cells.map((r) => r[0]!.length));
  const w1 = Math.max(...cells.map((r) => r[1]!.length));
  return cells.map(([id, fam, title]) => `${id!.padEnd(w0)}  ${fam!.padEnd(w1)}  ${title}\n`).join('');
}

const MAPPING_LABELS: ReadonlyArray<readonly [keyof Criterion['mappings'], string]> = [
  ['nist-ai-rmf', 'NIST AI RMF'],
  ['mitre-atlas', 'MITRE ATLAS'],
  ['owasp-ml-top10', 'OWASP ML Top 10 (2023)'],
  ['owasp-llm-top10', 'OWASP LLM Top 10 (2025)'],
  ['cwe', 'CWE'],
];

function showText(c: CriteriaCatalog, { family, criterion: k }: CriterionEntry, columns: number): string {
  const width = Math.max(40, Math.min(columns, 100));
  const para = (text: string, indent: string, hanging = indent) => wrap(text, width, indent, hanging);
  const scope = (s: Scope<string>) => (s === 'all' ? 'all' : s.join(', '));
  const list = (xs: readonly string[]) => (xs.length > 0 ? xs.join(', ') : 'none');
  const t = k.testing;
  const out = [
    `${k.id}  ${k.title}`,
    `Family: ${family.id} ${family.title}`,
    `Catalog: ${c.id} ${c.version} (${c.status})`,
    '',
    'Requirement',
    para(k.requirement, '  '),
    '',
    'Rationale',
    para(k.rationale, '  '),
    '',
    'Applies to',
    `  model types: ${scope(k.applicability.modelTypes)}`,
    `  modalities: ${scope(k.applicability.modalities)}`,
    `  access: ${scope(k.applicability.access)}`,
    ...(k.applicability.note !== undefined ? [para(`note: ${k.applicability.note}`, '  ', '        ')] : []),
    '',
    'How it is tested',
    para(`automated rules: ${t.automated.length > 0 ? t.automated.join(', ') : 'none yet'}`, '  ', '    '),
    ...(t.simulations.length > 0 ? ['  attack simulations:'] : []),
    ...t.simulations.flatMap((s) => [
      para(`${s.id}: ${s.title}`, '    ', '      '),
      para(`pass: ${s.passCondition}`, '      ', '            '),
    ]),
    ...(t.manual.length > 0 ? ['  manual review:'] : []),
    ...t.manual.map((step) => para(`- ${step}`, '    ', '      ')),
    '',
    'Mappings',
    ...MAPPING_LABELS.map(([key, label]) => para(`${label}: ${list(k.mappings[key])}`, '  ', '    ')),
  ];
  return `${out.join('\n')}\n`;
}

/** Greedy word wrap with a hanging indent for continuation lines; a word longer than the line stays whole. */
export function wrap(text: string, width: number, indent: string, hanging: string = indent): string {
  const lines: string[] = [];
  let line = '';
  const prefix = () => (lines.length === 0 ? indent : hanging);
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && prefix().length + line.length + 1 + word.length > width) {
      lines.push(prefix() + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(prefix() + line);
  return lines.join('\n');
}
