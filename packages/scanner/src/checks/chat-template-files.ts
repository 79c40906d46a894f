/**
 * Standalone Hugging Face chat templates: `chat_template` in tokenizer_config.json (a string, or a
 * list of {name, template}) and bare Jinja files such as chat_template.jinja. transformers renders
 * them in a sandbox, but other runtimes (and older llama-cpp-python when converting) do not.
 * Recognised by content, never by name: a JSON object with a `chat_template` member, or text with
 * Jinja tags that reads `messages`, as every chat template does.
 */
import { type JsonValue, parseStrictJson } from '@vacsrp/formats';
import { type FindingLocation, makeFinding } from '../findings.js';
import { chatTemplateFindings } from './chat-template.js';
import type { Analysis, ScanState, Target } from './types.js';

export const CHAT_TEMPLATE_FILES = {
  /** Text read to look for a template; tokenizer configs are a few MiB at most (CWE-400). */
  maxBytes: 16 * 1024 * 1024,
  /** JSON nesting in a tokenizer config (CWE-674). */
  maxJsonDepth: 64,
  /** JSON values in a tokenizer config (CWE-400). */
  maxJsonValues: 4_000_000,
} as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const JINJA_TAG = /\{\{|\{%/;
const READS_MESSAGES = /\bmessages\b/;

/**
 * Analyses text content that holds chat templates. Returns undefined when the content holds none,
 * so the caller can go on treating it as plain data.
 */
export async function scanChatTemplateText(state: ScanState, t: Target): Promise<Analysis | undefined> {
  if (t.content.size !== undefined && t.content.size > CHAT_TEMPLATE_FILES.maxBytes) return undefined;
  const bytes = await t.content.head(CHAT_TEMPLATE_FILES.maxBytes + 1);
  if (bytes.length > CHAT_TEMPLATE_FILES.maxBytes) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') && !trimmed.startsWith('{{') && !trimmed.startsWith('{%')) {
    return scanConfigTemplates(state, t, bytes);
  }
  if (!JINJA_TAG.test(text) || !READS_MESSAGES.test(text)) return undefined;
  state.findings.push(...chatTemplateFindings(text, 'chat template file', t.location));
  return { format: 'chat-template' };
}

function scanConfigTemplates(state: ScanState, t: Target, bytes: Uint8Array): Analysis | undefined {
  const json = parseStrictJson(bytes, {
    maxDepth: CHAT_TEMPLATE_FILES.maxJsonDepth,
    maxValues: CHAT_TEMPLATE_FILES.maxJsonValues,
  });
  if (json.value?.kind !== 'object') return undefined;
  const members = json.value.members.filter((m) => m.key === 'chat_template');
  if (members.length === 0) return undefined;
  if (members.length > 1)
    state.findings.push(
      makeFinding('VAC-GGUF-004', {
        message: `chat_template is defined ${members.length} times; loaders keep different ones`,
        location: { ...t.location, offset: members[1]!.keyOffset },
        evidence: { details: { template: 'chat_template' } },
      }),
    );
  for (const m of members) templatesOf(state, m.value, { ...t.location, offset: m.keyOffset });
  return { format: 'tokenizer-config' };
}

/** A `chat_template` value: one template, or a list of {name, template} entries. */
function templatesOf(state: ScanState, v: JsonValue, location: FindingLocation): void {
  if (v.kind === 'string') {
    state.findings.push(...chatTemplateFindings(v.value, 'chat_template', location));
    return;
  }
  if (v.kind === 'array') {
    for (const [i, item] of v.items.entries()) {
      const fields = item.kind === 'object' ? new Map(item.members.map((x) => [x.key, x.value])) : undefined;
      const name = fields?.get('name');
      const template = fields?.get('template');
      const where = `chat_template[${name?.kind === 'string' ? JSON.stringify(name.value.slice(0, 80)) : i}]`;
      if (template?.kind === 'string')
        state.findings.push(
          ...chatTemplateFindings(template.value, where, { ...location, offset: item.offset }),
        );
      else unanalysable(state, `${where} has no template string`, { ...location, offset: item.offset });
    }
    return;
  }
  if (v.kind !== 'null') unanalysable(state, `chat_template is a JSON ${v.kind}`, location);
}

function unanalysable(state: ScanState, message: string, location: FindingLocation): void {
  state.findings.push(
    makeFinding('VAC-GGUF-004', {
      message: `${message}; it was not analysed`,
      location,
      evidence: { details: { template: 'chat_template' } },
    }),
  );
}
