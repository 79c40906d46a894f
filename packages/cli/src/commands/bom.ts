/**
 * `vacsrp bom [DIR]`: the AI bill of materials (CycloneDX 1.6 ML-BOM) of a model repository, merged
 * into the developer's own BOM when there is one (docs/bom.md). The BOM goes to stdout or, atomically,
 * to --output; problems and merge conflicts go to stderr.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  BOM_LIMITS,
  type BomProblem,
  buildMlBom,
  type CollectOptions,
  type CycloneDxBom,
  collectBomInputs,
  mergeBoms,
  readBoundedText,
  renderBom,
  validateBom,
} from '@vacsrp/scanner';
import type { Command } from 'commander';
import { errorLine, messageOf, type OutStream, writeFileAtomic } from '../output.js';

/** Exit codes of `vacsrp bom` (docs/bom.md). */
export const BOM_EXIT = {
  /** The BOM was written (problems reading parts of the repository are reported, not fatal). */
  ok: 0,
  /** Usage error: bad flags, missing directory, unreadable or invalid BOM to merge, unwritable output. */
  usage: 2,
} as const;

export interface BomCommandDeps {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly setExitCode: (code: number) => void;
  /** Writes --output; defaults to writeFileAtomic. */
  readonly writeFile?: (path: string, data: string) => Promise<void>;
  /** The scan used to list and hash files (tests hand in a fake); defaults to the scanner's. */
  readonly scan?: CollectOptions['scan'];
}

interface BomFlags {
  readonly output?: string;
  readonly merge?: string;
  readonly digest: boolean;
}

const HELP = `
The BOM lists the model (metadata.component, with a CycloneDX model card filled from
README.md front matter, config.json and vacsrp.yaml), its base models, datasets
(model card, vacsrp.yaml, Croissant JSON-LD), Python and npm dependencies
(dependency and lock files) and every file with its SHA-256 digest.

The same tree always gives the same bytes: no timestamp, and the serial number is
a UUID v5 of the content. An existing BOM (--merge FILE, and bom.json or *.cdx.json
at the top of DIR) is validated against CycloneDX 1.6 and kept; ours is merged into
it, and disagreements are reported on stderr.

Exit codes:
  0  the BOM was written (unreadable parts of DIR are reported on stderr)
  2  usage error: bad flags, DIR missing or not a directory, a BOM to merge that
     cannot be read or is not valid CycloneDX 1.6, or the output cannot be written

Examples:
  vacsrp bom ./model > model.cdx.json
  vacsrp bom --merge vendor-bom.json --output bom.json .`;

export function registerBomCommand(program: Command, deps: BomCommandDeps): void {
  program
    .command('bom')
    .description('print the AI bill of materials of a model directory (CycloneDX 1.6 ML-BOM)')
    .argument('[dir]', 'the model repository', '.')
    .option('-o, --output <file>', 'write the BOM to FILE (atomically) instead of stdout')
    .option('--merge <file>', 'merge into this existing CycloneDX BOM (JSON)')
    .option('--no-digest', 'do not compute SHA-256 digests of files')
    .addHelpText('after', HELP)
    .action(async (dir: string, flags: BomFlags) => {
      try {
        deps.setExitCode(await runBom(dir, flags, deps));
      } catch (err) {
        deps.stderr.write(errorLine(messageOf(err)));
        deps.setExitCode(BOM_EXIT.usage);
      }
    });
}

function located(p: BomProblem): string {
  const where = p.file === '' ? '' : p.line !== undefined ? `${p.file}:${p.line}` : p.file;
  const pointer = p.pointer === undefined ? '' : ` at ${p.pointer === '' ? '/' : p.pointer}`;
  return `${where}${pointer}: ${p.message} [${p.code}]`;
}

/** Reads and validates a BOM to merge; a string is the usage error to print. */
async function readExistingBom(file: string): Promise<CycloneDxBom | string> {
  let text: string;
  try {
    const r = await readBoundedText(file, BOM_LIMITS.maxExistingBomBytes);
    if (r.truncated) return `${file}: larger than ${BOM_LIMITS.maxExistingBomBytes} bytes [MERGE_INVALID]`;
    text = r.text.startsWith('\uFEFF') ? r.text.slice(1) : r.text;
  } catch (e) {
    return `cannot read BOM to merge ${file}: ${messageOf(e)}`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return `${file}: not JSON: ${messageOf(e)} [MERGE_INVALID]`;
  }
  const problems = validateBom(json);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.pointer === '' ? '/' : p.pointer} ${p.message}`).join('; ');
    return `${file}: not a valid CycloneDX 1.6 BOM: ${list} [MERGE_INVALID]`;
  }
  return json as CycloneDxBom;
}

export async function runBom(dir: string, flags: BomFlags, deps: BomCommandDeps): Promise<number> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    deps.stderr.write(errorLine(`not a directory: ${dir} (see 'vacsrp bom --help')`));
    return BOM_EXIT.usage;
  }
  if (flags.merge !== undefined && !(await stat(flags.merge).catch(() => undefined))?.isFile()) {
    deps.stderr.write(errorLine(`no such BOM to merge: ${flags.merge}`));
    return BOM_EXIT.usage;
  }
  const inputs = await collectBomInputs(dir, {
    digest: flags.digest,
    ...(deps.scan ? { scan: deps.scan } : {}),
  });
  for (const p of inputs.problems) deps.stderr.write(errorLine(`warning: ${located(p)}`));

  // --merge first, then the repository's own BOMs (sorted), each merged into the result so far.
  const toMerge = [
    ...(flags.merge === undefined ? [] : [flags.merge]),
    ...inputs.existingBoms.map((r) => path.join(dir, r)),
  ].filter((f, i, all) => all.findIndex((g) => path.resolve(g) === path.resolve(f)) === i);
  // An --output inside DIR is last run's BOM: merging it would keep stale facts, so it is left out.
  const output = flags.output === undefined ? undefined : path.resolve(flags.output);
  let bom = buildMlBom(inputs);
  const theirs: CycloneDxBom[] = [];
  for (const file of toMerge) {
    if (output !== undefined && path.resolve(file) === output && file !== flags.merge) continue;
    const existing = await readExistingBom(file);
    if (typeof existing === 'string') {
      deps.stderr.write(errorLine(existing));
      return BOM_EXIT.usage;
    }
    theirs.push(existing);
    const { bom: merged, conflicts } = mergeBoms(bom, existing);
    for (const c of conflicts)
      deps.stderr.write(
        errorLine(
          `merge conflict with ${file} at ${c.pointer}: ${c.message} (ours ${JSON.stringify(c.ours)}, theirs ${JSON.stringify(c.theirs)})`,
        ),
      );
    bom = merged;
  }

  const problems = validateBom(bom);
  if (problems.length > 0) {
    // Our own output must validate: a failure here is a bug, reported rather than printed.
    deps.stderr.write(
      errorLine(
        `internal error: the BOM does not validate: ${problems.map((p) => `${p.pointer} ${p.message}`).join('; ')}`,
      ),
    );
    return BOM_EXIT.usage;
  }
  const text = renderBom(bom);
  if (flags.output === undefined) deps.stdout.write(text);
  else {
    try {
      await (deps.writeFile ?? writeFileAtomic)(flags.output, text);
    } catch (e) {
      deps.stderr.write(errorLine(`cannot write ${flags.output}: ${messageOf(e)}`));
      return BOM_EXIT.usage;
    }
    deps.stderr.write(
      errorLine(
        `BOM of ${dir} written to ${flags.output}: ${(bom.components ?? []).length} components${theirs.length > 0 ? `, merged into ${theirs.length} existing BOM${theirs.length === 1 ? '' : 's'}` : ''}`,
      ),
    );
  }
  return BOM_EXIT.ok;
}
