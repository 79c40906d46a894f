/**
 * Jupyter notebooks (.ipynb JSON): secrets sit in cell sources and in saved outputs (a printed token,
 * an environment dump). Each cell is scanned as its own text so a hit names the cell and its line.
 */
import { detectSecrets, type SecretHit } from './detect.js';

export interface NotebookHit extends SecretHit {
  /** 0-based index of the cell in `cells`. */
  readonly cell: number;
  /** Where in the cell: its source, or the output at this index. */
  readonly part: 'source' | `output ${number}`;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is { [k: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** nbformat stores multi-line text as a string or a list of lines. */
function textOf(v: Json | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('');
  return undefined;
}

/** Parsed notebook, or undefined when the JSON is not one (nbformat and a cells list). */
export function notebookCells(json: unknown): Json[] | undefined {
  if (!isObject(json) || typeof json.nbformat !== 'number' || !Array.isArray(json.cells)) return undefined;
  return json.cells;
}

/** Text of every output: streams, and each `data` MIME bundle that is text. */
function outputTexts(output: Json): string[] {
  if (!isObject(output)) return [];
  const out: string[] = [];
  const text = textOf(output.text);
  if (text !== undefined) out.push(text);
  if (isObject(output.data)) {
    for (const [mime, v] of Object.entries(output.data)) {
      if (mime.startsWith('image/') && mime !== 'image/svg+xml') continue;
      const t = textOf(v);
      if (t !== undefined) out.push(t);
    }
  }
  const tb = output.traceback;
  if (Array.isArray(tb)) out.push(tb.filter((x) => typeof x === 'string').join('\n'));
  return out;
}

export function detectNotebookSecrets(cells: readonly Json[]): NotebookHit[] {
  const hits: NotebookHit[] = [];
  for (const [i, cell] of cells.entries()) {
    if (!isObject(cell)) continue;
    const source = textOf(cell.source);
    if (source !== undefined)
      for (const h of detectSecrets(source)) hits.push({ ...h, cell: i, part: 'source' });
    if (Array.isArray(cell.outputs)) {
      for (const [j, o] of cell.outputs.entries()) {
        for (const t of outputTexts(o)) {
          for (const h of detectSecrets(t)) hits.push({ ...h, cell: i, part: `output ${j}` });
        }
      }
    }
  }
  return hits;
}
