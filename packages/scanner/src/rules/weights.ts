/** Rules for safetensors and GGUF (header validation, chat templates). */
import type { RuleSpec } from './definition.js';
import { cve, cwe, DENIAL, EMBED_MALWARE, SUPPLY_CHAIN_MODEL, UNSAFE_ARTIFACT } from './refs.js';

const RESAVE_SAFETENSORS =
  'Re-save the weights with the reference safetensors library (save_file) from trusted tensors; it writes a canonical header that every loader reads the same way.';
const RESAVE_GGUF =
  'Regenerate the GGUF with llama.cpp’s converter (convert_hf_to_gguf.py / gguf-py) from trusted weights; do not load a file whose header a strict reader refuses.';
const FIX_TEMPLATE =
  'Do not load this model with a Python runtime that renders chat templates outside a sandbox (llama-cpp-python < 0.2.72, custom jinja2.Environment). Replace the chat template with the model family’s published template, and render templates only with ImmutableSandboxedEnvironment.';

export const WEIGHTS_RULES = {
  'VAC-ST-001': {
    title: 'safetensors header length is impossible',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'The 8-byte header length exceeds the reference loader’s 100 MB limit or runs past the end of the file. Readers that allocate or read what the field declares exhaust memory or read out of bounds.',
    remediation: RESAVE_SAFETENSORS,
    references: [cwe(789), cwe(125), SUPPLY_CHAIN_MODEL, DENIAL],
  },
  'VAC-ST-002': {
    title: 'safetensors header JSON is read differently by different loaders',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'The header defines a key twice, or holds a string the Rust loader rejects but Python accepts (a lone surrogate). JSON.parse and Python keep the last duplicate, others refuse or keep the first, so two tools inspecting the same file can see different tensors.',
    remediation: RESAVE_SAFETENSORS,
    references: [cwe(436), SUPPLY_CHAIN_MODEL],
  },
  'VAC-ST-003': {
    title: 'safetensors header cannot be analysed',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The header is not a UTF-8 JSON object, the file is shorter than its length field, or the header exceeded an analysis limit (nesting, values, anomalies); the artifact was not fully validated.',
    remediation: RESAVE_SAFETENSORS,
    references: [cwe(20), DENIAL],
  },
  'VAC-ST-004': {
    title: 'safetensors tensor lies outside the file',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'A tensor’s data_offsets run past the data section, or its shape overflows a 64-bit size. Readers that trust the header read out of bounds or allocate from the overflowed size.',
    remediation: RESAVE_SAFETENSORS,
    references: [cwe(125), cwe(190), SUPPLY_CHAIN_MODEL],
  },
  'VAC-ST-005': {
    title: 'safetensors tensor entry is malformed',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      'A tensor entry lacks dtype, shape or data_offsets, names an unknown dtype, has offsets that end before they begin, or its shape times dtype size differs from its byte range. The reference loader refuses such files; lenient readers interpret them in their own way.',
    remediation: RESAVE_SAFETENSORS,
    references: [cwe(20), cwe(436)],
  },
  'VAC-ST-006': {
    title: 'safetensors tensors overlap',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      'Two tensors share bytes. The reference loader refuses the file; readers that map the data section read aliased weights, so changing one tensor silently changes another.',
    remediation: RESAVE_SAFETENSORS,
    references: [cwe(436), SUPPLY_CHAIN_MODEL],
  },
  'VAC-ST-007': {
    title: 'safetensors data section holds bytes no tensor covers',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      'Bytes between tensors or after the last one belong to no tensor. The reference loader refuses the file, but the bytes travel with it and can carry a payload for a second-stage loader; they are sniffed and analysed (high when they hold a recognised format).',
    remediation: RESAVE_SAFETENSORS,
    references: [cwe(912), EMBED_MALWARE, SUPPLY_CHAIN_MODEL],
  },
  'VAC-ST-008': {
    title: 'safetensors __metadata__ is not a map of strings',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      'The format requires __metadata__ to map strings to strings. Other values (numbers, nested objects) are refused by the reference loader and can smuggle structured data to tools that read the metadata.',
    remediation: RESAVE_SAFETENSORS,
    references: [cwe(20), cwe(436)],
  },
  'VAC-ST-009': {
    title: 'safetensors tensor entry has an unknown field',
    severity: 'low',
    criterion: 'MI-2',
    description:
      'A tensor entry carries a field besides dtype, shape and data_offsets. Loaders ignore it, so it can carry data unseen.',
    remediation: RESAVE_SAFETENSORS,
    references: [cwe(20)],
  },
  'VAC-GGUF-001': {
    title: 'Chat template reaches Python internals',
    severity: 'critical',
    criterion: 'MI-1',
    description:
      'A chat template (GGUF tokenizer.chat_template*, tokenizer_config.json chat_template, a chat_template.jinja file) accesses a dunder attribute (__class__, __globals__, __builtins__, __subclasses__ …), directly, through a subscript, the attr filter, or a name built from strings. Rendered outside a sandbox, as llama-cpp-python did before 0.2.72, this walks the Python object graph to os.popen and runs commands on the first chat completion (CVE-2024-34359).',
    remediation: FIX_TEMPLATE,
    references: [cwe(1336), cwe(94), cve('CVE-2024-34359'), UNSAFE_ARTIFACT, SUPPLY_CHAIN_MODEL],
  },
  'VAC-GGUF-002': {
    title: 'Chat template uses a sandbox-escape primitive',
    severity: 'high',
    criterion: 'MI-1',
    description:
      'The chat template reaches into a template global (cycler, joiner, namespace, lipsum, range, self, config, request …), a private attribute, or a code-execution name (os, popen, system, eval, exec, subprocess, import …). Benign chat templates only read the messages they are given.',
    remediation: FIX_TEMPLATE,
    references: [cwe(1336), cwe(94), cve('CVE-2024-34359'), UNSAFE_ARTIFACT],
  },
  'VAC-GGUF-003': {
    title: 'Chat template computes attribute names',
    severity: 'high',
    criterion: 'MI-1',
    description:
      'The chat template looks up an attribute whose name is built at render time (concatenation, ~, format, join, reverse, a variable) through the attr filter or a subscript: the usual way to hide a dunder name from pattern matching. Names that fold to a harmless constant are reported at low severity.',
    remediation: FIX_TEMPLATE,
    references: [cwe(1336), cwe(94), UNSAFE_ARTIFACT],
  },
  'VAC-GGUF-004': {
    title: 'Chat template could not be fully analysed',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'A chat template does not parse with @huggingface/jinja, is not a UTF-8 string, is defined twice, or exceeds an analysis limit. It was analysed from its tokens or text instead; Python’s Jinja may accept syntax this parser refuses, which is where an attacker would hide a payload.',
    remediation: FIX_TEMPLATE,
    references: [cwe(1336), cwe(20)],
  },
  'VAC-GGUF-005': {
    title: 'GGUF header declares sizes beyond the file',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'A count, string length, array length, dimension or tensor range declared in the header does not fit the bytes that are there, overflows 64 bits, or exceeds llama.cpp’s four dimensions. llama.cpp has had a series of memory-safety bugs from exactly these fields.',
    remediation: RESAVE_GGUF,
    references: [cwe(125), cwe(190), cwe(789), SUPPLY_CHAIN_MODEL, DENIAL],
  },
  'VAC-GGUF-006': {
    title: 'GGUF readers disagree about this file',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      'Duplicate metadata keys or tensor names, overlapping or misaligned tensors, invalid alignment, nested arrays, unknown tensor types, over-long names or invalid values: llama.cpp refuses the file while other readers (gguf-py, @huggingface/gguf) accept and interpret it.',
    remediation: RESAVE_GGUF,
    references: [cwe(436), cwe(20), SUPPLY_CHAIN_MODEL],
  },
  'VAC-GGUF-007': {
    title: 'GGUF data section holds bytes no tensor covers',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      'Bytes beyond alignment padding between tensors or after the last one belong to no tensor. They can carry a payload for a second-stage loader; they are sniffed and analysed (high when they hold a recognised format).',
    remediation: RESAVE_GGUF,
    references: [cwe(912), EMBED_MALWARE, SUPPLY_CHAIN_MODEL],
  },
  'VAC-GGUF-008': {
    title: 'GGUF file could not be fully analysed',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The header is truncated, uses an unsupported version or byte order, an unknown value type, or exceeded a named analysis limit; what follows was not analysed.',
    remediation: RESAVE_GGUF,
    references: [cwe(20), DENIAL],
  },
} as const satisfies Record<string, RuleSpec>;
