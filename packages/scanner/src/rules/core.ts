/** Rules of the scanner core: pickle, containers, PyTorch, NumPy, joblib, file system, formats. */
import type { RuleSpec } from './definition.js';
import {
  cve,
  cwe,
  DENIAL,
  EMBED_MALWARE,
  MASQUERADING,
  REBUILD_ARCHIVE,
  REPLACE_PICKLE,
  SUPPLY_CHAIN_MODEL,
  UNSAFE_ARTIFACT,
} from './refs.js';

export const CORE_RULES = {
  'VAC-PKL-001': {
    title: 'Pickle imports or calls a dangerous callable',
    severity: 'critical',
    criterion: 'MI-1',
    description:
      'A pickle stream imports or invokes a callable on the denylist of known code-execution, command, file, network, import-trampoline or nested-deserialisation primitives. Loading the artifact runs it.',
    remediation: REPLACE_PICKLE,
    references: [cwe(502), cwe(94), UNSAFE_ARTIFACT, EMBED_MALWARE],
  },
  'VAC-PKL-002': {
    title: 'Pickle invokes a callable outside the allowlist',
    severity: 'high',
    criterion: 'MI-1',
    description:
      'A pickle stream calls (REDUCE, NEWOBJ, OBJ, INST, BUILD with __setstate__) a callable that is not in the allowlist of data-reconstruction callables used by benign checkpoints. Arbitrary code may run when it is loaded.',
    remediation: REPLACE_PICKLE,
    references: [cwe(502), UNSAFE_ARTIFACT],
  },
  'VAC-PKL-003': {
    title: 'Pickle imports a name outside the allowlist',
    severity: 'high',
    criterion: 'MI-1',
    description:
      "A pickle stream imports a module attribute that is not in the allowlist. Importing alone runs the module's top-level code (some modules act on import: antigravity opens a browser) and makes the object available to later opcodes.",
    remediation: REPLACE_PICKLE,
    references: [cwe(502), UNSAFE_ARTIFACT],
  },
  'VAC-PKL-004': {
    title: 'Pickle import target is computed at load time',
    severity: 'critical',
    criterion: 'MI-1',
    description:
      'A STACK_GLOBAL operand is not a string constant (it comes from a call, a missing memo entry or a non-string value), so the callable cannot be known before the load runs.',
    remediation: REPLACE_PICKLE,
    references: [cwe(502), cwe(470), UNSAFE_ARTIFACT],
  },
  'VAC-PKL-005': {
    title: 'Pickle uses the extension registry (EXT1/EXT2/EXT4)',
    severity: 'high',
    criterion: 'MI-1',
    description:
      "EXT opcodes resolve a callable through copyreg's extension registry, which no ML framework uses; the target never appears as a GLOBAL.",
    remediation: REPLACE_PICKLE,
    references: [cwe(502), UNSAFE_ARTIFACT],
  },
  'VAC-PKL-006': {
    title: 'Malformed or truncated pickle stream',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The pickle stream is malformed or ends early. A real loader runs every opcode before the fault, so callables resolved before it are still reported; the rest could not be analysed.',
    remediation: 'Regenerate the artifact; a truncated stream after a payload is a known evasion (nullifAI).',
    references: [cwe(20), UNSAFE_ARTIFACT],
  },
  'VAC-PKL-007': {
    title: 'Additional pickle stream after STOP',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      'Another pickle follows the first STOP. Loaders that read consecutive pickles (legacy torch.load, custom loaders) execute it while tools that stop at the first STOP never see it.',
    remediation: 'Remove the appended stream and regenerate the artifact from source.',
    references: [cwe(502), UNSAFE_ARTIFACT],
  },
  'VAC-PKL-008': {
    title: 'Trailing data after the pickle stream',
    severity: 'low',
    criterion: 'MI-2',
    description: 'Bytes that are not a pickle follow the final STOP.',
    remediation: 'Regenerate the artifact; standard serialisers write nothing after STOP.',
    references: [cwe(20)],
  },
  'VAC-PKL-009': {
    title: 'Pickle BUILD plants a special method',
    severity: 'high',
    criterion: 'MI-1',
    description:
      'A BUILD opcode sets a dunder attribute such as __setstate__ or __reduce__ on an object; a later BUILD or reduction then calls whatever was planted.',
    remediation: REPLACE_PICKLE,
    references: [cwe(502), cwe(915), UNSAFE_ARTIFACT],
  },
  'VAC-PKL-010': {
    title: 'Pickle BUILD mutates an imported object',
    severity: 'high',
    criterion: 'MI-1',
    description:
      'A BUILD opcode sets attributes on a module-level object that was imported by GLOBAL/STACK_GLOBAL, changing shared program state for later opcodes (and for the program that loads it).',
    remediation: REPLACE_PICKLE,
    references: [cwe(502), cwe(915), UNSAFE_ARTIFACT],
  },
  'VAC-PKL-011': {
    title: 'Nested pickle inside an argument',
    severity: 'high',
    criterion: 'MI-1',
    description:
      'Bytes handed to a call are themselves a pickle stream (for pickle.loads, torch.load, joblib.load and the like). Its own findings are reported with the nested location.',
    remediation: REPLACE_PICKLE,
    references: [cwe(502), UNSAFE_ARTIFACT],
  },
  'VAC-PKL-012': {
    title: 'Pickle FRAME boundary violation',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'An opcode straddles the end of a protocol-4 FRAME or a frame starts inside another; the buffered and unbuffered unpicklers read such streams differently.',
    remediation: REBUILD_ARCHIVE,
    references: [cwe(436), UNSAFE_ARTIFACT],
  },
  'VAC-PKL-013': {
    title: 'Pickle analysis limit reached',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The stream exceeded a named analysis limit (stack depth, memo size, string length, retained values); the part beyond it was not fully analysed.',
    remediation:
      'Split or re-export the artifact; if it is legitimate, raise the limit explicitly and rescan.',
    references: [cwe(400), DENIAL],
  },
  'VAC-PKL-014': {
    title: 'Pickle calls a persistent_load hook with an unexpected identifier',
    severity: 'low',
    criterion: 'MI-2',
    description:
      "A PERSID/BINPERSID opcode passes an identifier that is not the ('storage', type, key, location, size) tuple PyTorch writes; the loading application's own hook decides what it does.",
    remediation: 'Confirm which application loads this artifact and what its persistent_load does.',
    references: [cwe(502)],
  },
  'VAC-ZIP-001': {
    title: 'ZIP local header disagrees with the central directory',
    severity: 'high',
    criterion: 'MI-2',
    description:
      "A member's local file header (name, method, sizes or flags) differs from its central directory entry. PyTorch's reader trusts the central directory while other tools compare or use the local header (CVE-2025-1944).",
    remediation: REBUILD_ARCHIVE,
    references: [cwe(436), cve('CVE-2025-1944'), SUPPLY_CHAIN_MODEL],
  },
  'VAC-ZIP-002': {
    title: 'ZIP member has encryption or patch flag bits',
    severity: 'high',
    criterion: 'MI-2',
    description:
      "General-purpose flag bits 0 (encrypted), 5 (patched data) or 6 (strong encryption) are set. Python's zipfile refuses the member while PyTorch ignores the bits and loads it (CVE-2025-1945).",
    remediation: REBUILD_ARCHIVE,
    references: [cwe(436), cve('CVE-2025-1945'), SUPPLY_CHAIN_MODEL],
  },
  'VAC-ZIP-003': {
    title: 'ZIP member CRC-32 mismatch',
    severity: 'low',
    criterion: 'MI-2',
    description:
      'The stored CRC-32 does not match the member data. PyTorch does not check CRCs; tools that do may skip the member (CVE-2025-10156). Benign files occasionally have this.',
    remediation: REBUILD_ARCHIVE,
    references: [cwe(354), cve('CVE-2025-10156')],
  },
  'VAC-ZIP-004': {
    title: 'Duplicate ZIP member names',
    severity: 'high',
    criterion: 'MI-2',
    description: 'Two members share a name; loaders pick different ones.',
    remediation: REBUILD_ARCHIVE,
    references: [cwe(436), SUPPLY_CHAIN_MODEL],
  },
  'VAC-ZIP-005': {
    title: 'ZIP structural anomaly',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      'The archive is damaged or unusual: bad or missing end-of-central-directory record, overlapping members, declared sizes beyond the file, data-descriptor inconsistencies, unsupported compression method, or data outside any member.',
    remediation: REBUILD_ARCHIVE,
    references: [cwe(20), cwe(436)],
  },
  'VAC-TAR-001': {
    title: 'TAR structural anomaly',
    severity: 'medium',
    criterion: 'MI-2',
    description: 'A tar header has a bad checksum, an impossible size, or the archive ends early.',
    remediation: REBUILD_ARCHIVE,
    references: [cwe(20)],
  },
  'VAC-ARC-001': {
    title: 'Archive member path escapes the extraction directory',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'A member name contains ".." components, so extracting the archive writes outside the target directory (Zip Slip / tar slip).',
    remediation: 'Rebuild the archive with relative member names that stay inside the model directory.',
    references: [cwe(22), cve('CVE-2024-5187'), SUPPLY_CHAIN_MODEL],
  },
  'VAC-ARC-002': {
    title: 'Archive member has an absolute path',
    severity: 'high',
    criterion: 'MI-2',
    description: 'A member name is absolute (/, drive letter or UNC), so extraction may write anywhere.',
    remediation: 'Rebuild the archive with relative member names.',
    references: [cwe(22), cwe(36), SUPPLY_CHAIN_MODEL],
  },
  'VAC-ARC-003': {
    title: 'Archive member is a link',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'A symbolic or hard link member lets extraction or later writes reach files outside the archive.',
    remediation: 'Replace links with the files they point to.',
    references: [cwe(59), cwe(22)],
  },
  'VAC-ARC-004': {
    title: 'Archive could not be scanned',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The archive or compressed stream uses a container this version cannot read (7z, lz4, encrypted members). Its content was not analysed and is not known to be safe.',
    remediation: 'Repackage the artifact as a plain zip or tar, or submit its members directly.',
    references: [cwe(1059), SUPPLY_CHAIN_MODEL],
  },
  'VAC-ARC-005': {
    title: 'Archive nesting too deep',
    severity: 'medium',
    criterion: 'MI-3',
    description: 'Containers are nested beyond the depth limit; inner content was not analysed.',
    remediation: 'Flatten the archive structure.',
    references: [cwe(674), DENIAL],
  },
  'VAC-ARC-006': {
    title: 'Decompression limit reached',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'A compressed stream expands beyond the size or ratio limit (a decompression bomb or an unusually large member); the rest was not analysed.',
    remediation:
      'Check whether the artifact is a decompression bomb; if not, raise the limit explicitly and rescan.',
    references: [cwe(409), DENIAL],
  },
  'VAC-ARC-007': {
    title: 'Archive has too many members',
    severity: 'medium',
    criterion: 'MI-3',
    description: 'The member count exceeds the limit; members beyond it were not analysed.',
    remediation: 'Split the archive or raise the limit explicitly and rescan.',
    references: [cwe(400), DENIAL],
  },
  'VAC-ARC-008': {
    title: 'Corrupt compressed stream',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'A gzip, bzip2, xz, lzma, zlib or deflate stream is corrupt or truncated; content after the fault was not analysed.',
    remediation: 'Regenerate the artifact.',
    references: [cwe(20)],
  },
  'VAC-PT-001': {
    title: 'Legacy tar-format PyTorch checkpoint',
    severity: 'medium',
    criterion: 'MI-4',
    description:
      'A pre-1.0 PyTorch tar checkpoint (members sys_info, pickle, tensors, storages). torch.load refuses it under weights_only, so loading it always runs the full unpickler (CVE-2025-32434 path).',
    remediation: 'Re-save the weights with a current PyTorch as a state dict, preferably in safetensors.',
    references: [cve('CVE-2025-32434'), cwe(502), UNSAFE_ARTIFACT],
  },
  'VAC-PT-002': {
    title: 'TorchScript archive',
    severity: 'low',
    criterion: 'MI-4',
    description:
      'A TorchScript archive (code/, constants.pkl). It is not weights-only loadable: torch.jit.load runs its serialized TorchScript code when methods are called.',
    remediation:
      'Ship weights as a state dict or safetensors; ship TorchScript only where the deployment needs it and review its code/ files.',
    references: [cve('CVE-2025-32434'), UNSAFE_ARTIFACT],
  },
  'VAC-PT-003': {
    title: 'TorchScript code reaches outside TorchScript operators',
    severity: 'high',
    criterion: 'MI-1',
    description:
      'A code/ file in a TorchScript archive references a namespace outside torch/aten/prim/ops (for example a Python module, file or process API), which the serialized program calls when run.',
    remediation: 'Review the serialized code; rebuild the TorchScript module from trusted source.',
    references: [cwe(94), UNSAFE_ARTIFACT],
  },
  'VAC-PT-004': {
    title: 'Legacy (non-zip) PyTorch checkpoint',
    severity: 'info',
    criterion: 'MI-4',
    description: 'A PyTorch checkpoint in the pre-1.6 stacked-pickle format; every stream was analysed.',
    remediation: 'Re-save with a current PyTorch (zip format) or export to safetensors.',
    references: [cwe(502)],
  },
  'VAC-PT-005': {
    title: 'PyTorch storage reference does not match the archive',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      'A storage persistent ID names a data/ member that is missing, or whose size does not match the declared element count (memory-corruption class, CVE-2026-24747).',
    remediation: 'Regenerate the checkpoint with torch.save.',
    references: [cwe(130), cve('CVE-2026-24747')],
  },
  'VAC-NPY-001': {
    title: 'NumPy array with object dtype',
    severity: 'medium',
    criterion: 'MI-4',
    description:
      "The array's dtype holds Python objects, so its body is a pickle and numpy.load needs allow_pickle=True. The embedded pickle is analysed separately.",
    remediation: 'Store numeric arrays only; encode strings and structures in a data format such as JSON.',
    references: [cwe(502), cve('CVE-2019-6446'), UNSAFE_ARTIFACT],
  },
  'VAC-NPY-002': {
    title: 'Malformed NumPy header',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The .npy header is not a valid dictionary literal with descr, fortran_order and shape, or its declared size does not fit the file.',
    remediation: 'Regenerate the array with numpy.save.',
    references: [cwe(20)],
  },
  'VAC-JOB-001': {
    title: 'joblib inline array could not be sized',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'joblib writes array bytes inside the pickle stream after a NumpyArrayWrapper; its dtype or shape could not be determined, so the stream after it was not analysed.',
    remediation: 'Re-export the model; prefer skops or ONNX for scikit-learn models.',
    references: [cwe(502), UNSAFE_ARTIFACT],
  },
  'VAC-FS-001': {
    title: 'Symbolic link leaves the scanned directory',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'A symbolic link points outside the scanned root; loaders that follow it read files the repository does not contain. It was not followed.',
    remediation: 'Replace the link with the file it should contain.',
    references: [cwe(59), SUPPLY_CHAIN_MODEL],
  },
  'VAC-FS-002': {
    title: 'Symbolic link inside the scanned directory',
    severity: 'info',
    criterion: 'MI-2',
    description:
      'A symbolic link points inside the scanned root; its target is scanned on its own and the link was not followed.',
    remediation: 'None needed; prefer regular files in model repositories.',
    references: [cwe(59)],
  },
  'VAC-FS-003': {
    title: 'Artifact could not be read',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The file could not be opened or read (permissions, I/O error, special file); it was not analysed.',
    remediation: 'Make the file readable and rescan.',
    references: [cwe(1059)],
  },
  'VAC-FMT-001': {
    title: 'File name hides executable content',
    severity: 'high',
    criterion: 'MI-5',
    description:
      'The extension names a data format but the content is a format that executes code when loaded (pickle, joblib, PyTorch), a known way to slip past extension-routed scanners (CVE-2025-10155, CVE-2025-1889).',
    remediation: 'Name files for what they contain, and replace executable formats with safetensors.',
    references: [cwe(646), cve('CVE-2025-10155'), MASQUERADING],
  },
  'VAC-FMT-002': {
    title: 'Extension does not match content',
    severity: 'low',
    criterion: 'MI-5',
    description: 'The extension names a different format than the content holds.',
    remediation: 'Rename the file for what it contains.',
    references: [cwe(646)],
  },
  'VAC-FMT-004': {
    title: 'Content is also a ZIP archive',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'A ZIP end-of-central-directory record ends the content although it does not start as a ZIP: zipfile-based loaders (Keras, NumPy .npz, generic extractors) find the archive from the end and read members that a loader routing by the first bytes never sees. The appended archive is analysed too.',
    remediation: REBUILD_ARCHIVE,
    references: [cwe(436), SUPPLY_CHAIN_MODEL],
  },
  'VAC-FMT-003': {
    title: 'Format not analysed by this version',
    severity: 'info',
    criterion: 'MI-3',
    description:
      'The content was recognised but this version has no analyser for it yet; it is listed as skipped, not as clean.',
    remediation: 'Check the release notes for support, or review the file manually.',
    references: [],
  },
  'VAC-SCAN-001': {
    title: 'Internal error while scanning',
    severity: 'medium',
    criterion: 'MI-3',
    description: 'The scanner hit an internal error on this artifact; the result is inconclusive, not clean.',
    remediation: 'Report the error with the artifact digest; review the artifact manually.',
    references: [],
  },
} as const satisfies Record<string, RuleSpec>;
