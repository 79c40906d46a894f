/**
 * Committed secrets (SC-8) in text content of any name: configs, scripts, .env files, model cards,
 * Jupyter notebooks. Content decides: bounded UTF-8 text with no NUL bytes is scanned; binary content
 * (tensor storages) never reaches this check (the dispatcher marks it binary). A finding carries the
 * kind, line, column and a fingerprint of the value, never the value.
 */
import { type Finding, type FindingInput, type FindingLocation, makeFinding } from '../findings.js';
import type { HYGIENE_RULES } from '../rules/hygiene.js';
import { detectSecrets, type SecretHit } from '../secrets/detect.js';
import { detectNotebookSecrets, type NotebookHit, notebookCells } from '../secrets/notebook.js';
import { fingerprint } from '../secrets/redact.js';
import type { Analysis, ScanState, Target } from './types.js';

export type HygieneRuleId = keyof typeof HYGIENE_RULES;

export const SECRET_FILES = {
  /** Text read per file or member; larger text (a tokenizer vocabulary, a dataset) is not scanned (CWE-400). */
  maxBytes: 8 * 1024 * 1024,
} as const;

/** A finding of a hygiene rule (the rules are in the registry, so this is makeFinding). */
export function hygieneFinding(id: HygieneRuleId, input: FindingInput): Finding {
  return makeFinding(id, input);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The content as text, or undefined when it is too large, not UTF-8 or holds NUL bytes (binary). */
async function readText(t: Target): Promise<string | undefined> {
  if (t.content.size !== undefined && t.content.size > SECRET_FILES.maxBytes) return undefined;
  const bytes = await t.content.head(SECRET_FILES.maxBytes + 1);
  if (bytes.length > SECRET_FILES.maxBytes || bytes.includes(0)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Scans text content for secrets. Undefined when nothing was found (or the content is not text), so
 * the caller goes on with its other text analyses; the findings are on `state.findings`.
 */
export async function scanSecretsText(state: ScanState, t: Target): Promise<Analysis | undefined> {
  const text = await readText(t);
  if (text === undefined) return undefined;
  const findings = secretFindings(text, t.location);
  if (findings.length === 0) return undefined;
  state.findings.push(...findings);
  return { format: 'text' };
}

/** The secret findings for one text: pure, so the rule is testable without a scan. */
export function secretFindings(text: string, location: FindingLocation): Finding[] {
  const notebook = notebookOf(text);
  const hits: Array<SecretHit | NotebookHit> = notebook
    ? detectNotebookSecrets(notebook)
    : detectSecrets(text);
  return pairAws(hits).map((h) => {
    const where =
      'cell' in h ? `cell ${h.cell} ${h.part}, line ${h.line}:${h.column}` : `line ${h.line}:${h.column}`;
    const fp = fingerprint(h.value);
    return hygieneFinding('VAC-SEC-001', {
      message: `${h.label} at ${where} (${fp})`,
      location,
      severity: h.class === 'credential' ? 'high' : 'medium',
      evidence: {
        details: {
          kind: h.kind,
          line: h.line,
          column: h.column,
          fingerprint: fp,
          ...('cell' in h && { cell: h.cell, part: h.part }),
          ...(h.name !== undefined && { name: h.name.slice(0, 64) }),
        },
      },
    });
  });
}

/** An AWS key ID next to its secret is one credential pair (high); the secret alone is high too. */
function pairAws<T extends SecretHit>(hits: readonly T[]): T[] {
  const hasSecret = hits.some((h) => h.kind === 'aws-secret-access-key');
  if (!hasSecret) return [...hits];
  return hits.map((h) =>
    h.kind === 'aws-access-key-id'
      ? { ...h, class: 'credential', label: 'AWS access key ID (with its secret)' }
      : h,
  );
}

/** Notebook JSON: parsed only when the text starts like one. */
function notebookOf(text: string): NonNullable<ReturnType<typeof notebookCells>> | undefined {
  const head = text.trimStart();
  if (!head.startsWith('{') || !head.includes('"cells"')) return undefined;
  try {
    return notebookCells(JSON.parse(text));
  } catch {
    return undefined;
  }
}
