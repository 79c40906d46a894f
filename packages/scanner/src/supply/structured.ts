/** Turning TOML, JSON and YAML text into plain values, with located syntax problems instead of throws. */
import { parse as parseToml, TomlError } from 'smol-toml';
import { yamlLib } from '../yaml.js';
import type { InventorySink } from './sink.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readToml(text: string, sink: InventorySink): Obj | undefined {
  try {
    return parseToml(text) as Obj;
  } catch (e) {
    if (!(e instanceof TomlError)) throw e;
    const first = e.message.split('\n')[0]?.replace(/^Invalid TOML document:\s*/, '') ?? 'invalid TOML';
    sink.problem('SYNTAX', `invalid TOML: ${first}`, { line: e.line, column: e.column });
    return undefined;
  }
}

export function readJson(text: string, sink: InventorySink): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    // V8's message carries no position on Node 20; a YAML 1.2 reader (a JSON superset) locates most faults.
    const where = yamlLib().parseDocument(text, { uniqueKeys: false }).errors[0]?.linePos?.[0];
    sink.problem(
      'SYNTAX',
      `invalid JSON: ${e.message.split('\n')[0]?.slice(0, 120)}`,
      where && { line: where.line, column: where.col },
    );
    return undefined;
  }
}

export function readYaml(text: string, sink: InventorySink): unknown {
  const doc = yamlLib().parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const err of doc.errors.slice(0, 10)) {
      const where = err.linePos?.[0];
      sink.problem(
        'SYNTAX',
        `invalid YAML: ${err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
        where && { line: where.line, column: where.col },
      );
    }
    return undefined;
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // Alias expansion past the limit (billion laughs, CWE-776) throws a ReferenceError.
    sink.problem('LIMIT', `YAML not read: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}
