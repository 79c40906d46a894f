/** Rules for Keras v3 archives and HDF5 files (layer configs, Lambda bytecode, links). */
import type { RuleSpec } from './definition.js';
import { cve, cwe, DENIAL, SUPPLY_CHAIN_MODEL, UNSAFE_ARTIFACT } from './refs.js';

const REEXPORT =
  'Do not load this model. Rebuild it from trusted code and save it again with Keras 3 (model.save("m.keras")) using only built-in layers; load with keras.saving.load_model(..., safe_mode=True) on Keras ≥ 3.12, or ship the weights alone as safetensors.';
const H5_REEXPORT =
  'Do not load this HDF5 file with Keras or h5py. Re-save the weights as a single self-contained file (safetensors, or a Keras 3 .keras archive) from trusted code.';

export const KERAS_RULES = {
  'VAC-KERAS-001': {
    title: 'Lambda layer carries marshalled Python bytecode',
    severity: 'critical',
    criterion: 'MI-1',
    description:
      'A Lambda (Keras 3 `__lambda__`, or a tf.keras config with `function_type: "lambda"`) stores a function as base64 marshal data. Keras rebuilds it with marshal.loads and types.FunctionType, so any Python code runs when the model is loaded or called; safe_mode is bypassable (CVE-2025-9906) and ignored for legacy .h5 files (CVE-2025-9905).',
    remediation: REEXPORT,
    references: [
      cwe(94),
      cwe(502),
      cve('CVE-2024-3660'),
      cve('CVE-2025-9905'),
      cve('CVE-2025-9906'),
      UNSAFE_ARTIFACT,
    ],
  },
  'VAC-KERAS-002': {
    title: 'Keras config imports a module outside the Keras allowlist',
    severity: 'high',
    criterion: 'MI-1',
    description:
      'A serialised object names a `module` (with `class_name`, or a function in `config`) outside the Keras, keras_hub, keras_cv, keras_nlp and tf.keras packages. Keras ≤ 3.8 imports it even in safe mode and may call it with attacker-chosen inputs (CVE-2025-1550); importing alone runs module code. A module on the dangerous-callable denylist (os, subprocess, builtins.exec …) raises this to critical.',
    remediation: REEXPORT,
    references: [cwe(470), cwe(502), cve('CVE-2025-1550'), UNSAFE_ARTIFACT, SUPPLY_CHAIN_MODEL],
  },
  'VAC-KERAS-003': {
    title: 'Keras config calls a Keras API that downloads, loads or unlocks code',
    severity: 'critical',
    criterion: 'MI-1',
    description:
      'A function reference names a Keras "gadget" such as keras.utils.get_file (arbitrary download and file overwrite), keras.models.load_model (loads a second, unchecked model) or keras.config.enable_unsafe_deserialization (turns safe_mode off for what follows). These live inside the allowed packages, so module allowlists alone miss them (CVE-2025-8747, CVE-2025-9906).',
    remediation: REEXPORT,
    references: [cwe(94), cwe(73), cve('CVE-2025-8747'), cve('CVE-2025-9906'), UNSAFE_ARTIFACT],
  },
  'VAC-KERAS-004': {
    title: 'TorchModuleWrapper embeds a pickled PyTorch module',
    severity: 'high',
    criterion: 'MI-4',
    description:
      'A TorchModuleWrapper layer stores a torch.save() pickle in its config. Keras < 3.12 loads it with torch.load(weights_only=False) even in safe mode (CVE-2025-49655), so every callable in the pickle runs; the embedded pickle is analysed separately.',
    remediation: REEXPORT,
    references: [cwe(502), cve('CVE-2025-49655'), UNSAFE_ARTIFACT],
  },
  'VAC-KERAS-005': {
    title: 'TFSMLayer loads an external TensorFlow SavedModel',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'A TFSMLayer names a SavedModel directory outside the archive; Keras < 3.14 loads it even in safe mode, and SavedModel graphs can read and write files. What the reviewer inspected is then not what runs.',
    remediation: REEXPORT,
    references: [cwe(829), cwe(73), SUPPLY_CHAIN_MODEL],
  },
  'VAC-KERAS-006': {
    title: 'Keras config names a file or URL outside the artifact',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'A config field that Keras uses as a file name or download origin (filepath, origin, vocabulary, …) holds an absolute path, a `..` path, a file:// or a remote URL. Loading then reads host files or the network instead of the artifact.',
    remediation: REEXPORT,
    references: [cwe(22), cwe(73), cwe(829), SUPPLY_CHAIN_MODEL],
  },
  'VAC-KERAS-007': {
    title: 'Keras config is malformed or exceeds a limit',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'config.json (or an HDF5 model_config attribute) is missing, not valid JSON, too large or too deeply nested, or a Lambda payload cannot be decoded, so the model could not be fully analysed.',
    remediation: REEXPORT,
    references: [cwe(20), cwe(400), DENIAL],
  },
  'VAC-KERAS-008': {
    title: 'Keras config repeats a JSON key',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      'An object in the config has the same key twice. Python and JavaScript keep the last value, other readers the first: a reviewer and the loader can see different layers.',
    remediation: REEXPORT,
    references: [cwe(436), cwe(20)],
  },
  'VAC-KERAS-009': {
    title: 'Keras config needs a custom object',
    severity: 'low',
    criterion: 'MI-1',
    description:
      'A layer or object is registered under a package outside Keras (`registered_name` "Package>Name", or module `__main__`). The loader needs that code supplied by the user (custom_objects); review that code with the model.',
    remediation:
      'Review the custom object code that ships with the model, or replace it with built-in layers.',
    references: [cwe(829), SUPPLY_CHAIN_MODEL],
  },
  'VAC-HDF-001': {
    title: 'HDF5 external link',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'A link resolves to an object in another HDF5 file named by the artifact. h5py and Keras follow it when loading weights, reading an attacker-chosen host path (CVE-2026-1669).',
    remediation: H5_REEXPORT,
    references: [cwe(73), cwe(59), cve('CVE-2026-1669'), SUPPLY_CHAIN_MODEL],
  },
  'VAC-HDF-002': {
    title: 'HDF5 soft link',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      'A soft (symbolic) link makes one name resolve to another object, or to nothing. Keras weight loading follows it, so weights can be read from a place other than the layer that names them; Keras ≥ 3.14 rejects such files.',
    remediation: H5_REEXPORT,
    references: [cwe(59), cwe(436), cve('CVE-2026-1669')],
  },
  'VAC-HDF-003': {
    title: 'HDF5 dataset reads raw data from an external file',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'Reading a dataset made the HDF5 library try to open another file: the dataset uses external raw-data storage. Loading its weights reads an attacker-named host file (CVE-2026-1669).',
    remediation: H5_REEXPORT,
    references: [cwe(73), cve('CVE-2026-1669'), SUPPLY_CHAIN_MODEL],
  },
  'VAC-HDF-004': {
    title: 'HDF5 virtual dataset maps another file',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'A virtual dataset takes its data from source datasets in other files. Loading reads attacker-named host paths (CVE-2026-1669).',
    remediation: H5_REEXPORT,
    references: [cwe(73), cve('CVE-2026-1669'), SUPPLY_CHAIN_MODEL],
  },
  'VAC-HDF-005': {
    title: 'HDF5 file is malformed or unreadable',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The HDF5 library could not open the file or one of its objects, so its content was not (fully) analysed. A loader may still read parts of it.',
    remediation: H5_REEXPORT,
    references: [cwe(20), DENIAL],
  },
  'VAC-HDF-006': {
    title: 'HDF5 content not fully analysed (limit)',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The file is an archive member too large to buffer, or has more objects, deeper groups or larger attributes than the scan limits allow; the rest was not analysed.',
    remediation: 'Scan the file on its own, or raise the limit (--limit) if the size is expected.',
    references: [cwe(400), DENIAL],
  },
  'VAC-HDF-007': {
    title: 'HDF5 dataset declares an implausible size',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'A dataset declares more bytes than the decompression limit. Loaders allocate the declared shape before reading ("shape bomb"), exhausting memory (CVE-2026-1669 hardening).',
    remediation: H5_REEXPORT,
    references: [cwe(400), cwe(789), DENIAL],
  },
} as const satisfies Record<string, RuleSpec>;
