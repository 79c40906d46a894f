/** Rules for ONNX and TensorFlow graphs (operators, external data). */
import type { RuleSpec } from './definition.js';
import { cve, cwe, DENIAL, SUPPLY_CHAIN_MODEL, UNSAFE_ARTIFACT } from './refs.js';

const REVIEW_ONNX_EXTERNAL =
  'Keep external tensor data in files next to the model, referenced by plain relative names (no "..", no absolute or drive paths, no links), and re-save with onnx.save_model(save_as_external_data=True) from a trusted copy.';
const REVIEW_TF_GRAPH =
  'Do not load this graph outside a sandbox. Re-export the model from source without file, network or Python-callback operators (TensorFlow treats models as programs: see its SECURITY.md), or ship the weights in a format that holds data only.';

export const GRAPH_RULES = {
  'VAC-ONNX-001': {
    title: 'ONNX external data path escapes the model directory',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'A tensor keeps its data in an external file whose location is absolute, a drive or UNC path, or contains a ".." segment at any position. onnx.load and ONNX Runtime join it to the model directory and read whatever file it reaches (CVE-2022-25882; CVE-2024-27318 bypassed the first fix with subdir/../../).',
    remediation: REVIEW_ONNX_EXTERNAL,
    references: [cwe(22), cve('CVE-2022-25882'), cve('CVE-2024-27318'), UNSAFE_ARTIFACT],
  },
  'VAC-ONNX-002': {
    title: 'ONNX external data file is a link out of the model directory',
    severity: 'high',
    criterion: 'MI-2',
    description:
      'The external data location looks relative, but the file it names resolves (through a symbolic link) outside the model directory, or is hard-linked to another name. Loaders before ONNX 1.21 follow such links and read the file they reach (CVE-2026-27489).',
    remediation: REVIEW_ONNX_EXTERNAL,
    references: [cwe(59), cwe(22), cve('CVE-2026-27489'), UNSAFE_ARTIFACT],
  },
  'VAC-ONNX-003': {
    title: 'ONNX external data file is missing or too short',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'A tensor names an external data file that does not exist next to the model, is not a regular file, or is shorter than the offset and length the tensor declares. What the runtime would load cannot be analysed.',
    remediation: 'Ship every external data file the model references, with the sizes the model declares.',
    references: [cwe(20), cwe(125)],
  },
  'VAC-ONNX-004': {
    title: 'ONNX external data reference could not be verified',
    severity: 'low',
    criterion: 'MI-3',
    description:
      'The model sits inside an archive or stream, so the external data files it names could not be checked for existence and size; the path itself was checked.',
    remediation: 'Scan the extracted model directory as well.',
    references: [cwe(20)],
  },
  'VAC-ONNX-005': {
    title: 'ONNX operator from a non-standard domain',
    severity: 'medium',
    criterion: 'MI-1',
    description:
      'A node uses an operator domain outside the ONNX standard set. Custom operators run native code from a library the runtime must register; the model cannot run in a stock runtime and its behaviour cannot be reviewed from the graph. Domains of widely used runtimes (policy onnx-domains-v1) are reported at low severity.',
    remediation:
      'Replace custom operators with standard ONNX operators, or supply and review the source of the custom-op library the model needs.',
    references: [cwe(829), UNSAFE_ARTIFACT, SUPPLY_CHAIN_MODEL],
  },
  'VAC-ONNX-006': {
    title: 'ONNX node calls a Python operator',
    severity: 'high',
    criterion: 'MI-1',
    description:
      'A node names a Python operator (onnxruntime-extensions PyOp and similar): running the graph calls Python code registered in the loading process.',
    remediation: 'Remove Python operators; implement the computation with standard ONNX operators.',
    references: [cwe(94), UNSAFE_ARTIFACT],
  },
  'VAC-ONNX-007': {
    title: 'Malformed ONNX model',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The ModelProto is malformed: a truncated or invalid protobuf field, a field with the wrong wire type (kept as an unknown field by libprotobuf, read differently by other decoders), or a missing ir_version or graph. Parts of the model could not be analysed.',
    remediation:
      'Re-export the model with the official ONNX tooling and validate it with onnx.checker.check_model.',
    references: [cwe(20), UNSAFE_ARTIFACT],
  },
  'VAC-ONNX-008': {
    title: 'ONNX model exceeds an analysis limit',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The model nests subgraphs or messages too deeply, or holds more nodes, tensors, entries or field bytes than the analysis limits; what lies beyond the limit was not analysed.',
    remediation: 'Review the model by hand, or raise the limit if the model is legitimately this large.',
    references: [cwe(400), cwe(674), DENIAL],
  },
  'VAC-ONNX-009': {
    title: 'Malformed ONNX external data entry',
    severity: 'medium',
    criterion: 'MI-2',
    description:
      "A tensor's external_data entries are malformed: an unknown or repeated key (onnx before 1.21 set every key as an attribute, CVE-2026-34445), an offset or length that is not a decimal integer, a missing location, or an unknown data_location value. Loaders disagree about such tensors.",
    remediation: REVIEW_ONNX_EXTERNAL,
    references: [cwe(20), cwe(915), cve('CVE-2026-34445')],
  },
  'VAC-TF-001': {
    title: 'TensorFlow graph calls back into Python',
    severity: 'critical',
    criterion: 'MI-1',
    description:
      'A node runs PyFunc, PyFuncStateless or EagerPyFunc (tf.py_function / tf.numpy_function): executing the graph calls Python code in the loading process.',
    remediation: REVIEW_TF_GRAPH,
    references: [cwe(94), UNSAFE_ARTIFACT],
  },
  'VAC-TF-002': {
    title: 'TensorFlow graph reads or writes files or reaches the network',
    severity: 'high',
    criterion: 'MI-1',
    description:
      'A node in a graph or in the function library uses an operator that reads, writes or lists files, or reaches a remote service (ReadFile, WriteFile, MatchingFiles, dataset file readers, summary writers, table initialisers from text files, memory-mapped constants, debug URLs, RPC). Running or serving the model performs that I/O with the privileges of the process. Operators and severities come from policy tf-ops-v1.',
    remediation: REVIEW_TF_GRAPH,
    references: [cwe(73), cwe(200), UNSAFE_ARTIFACT],
  },
  'VAC-TF-003': {
    title: 'TensorFlow checkpoint operator with a hard-coded path',
    severity: 'low',
    criterion: 'MI-1',
    description:
      'A Save, Restore or MergeV2Checkpoints node takes its file name from a constant instead of the saver placeholder the loader feeds. Absolute, ".." and remote (gs://, s3://, hdfs://) paths are reported as high: running the node reads or overwrites that file.',
    remediation: REVIEW_TF_GRAPH,
    references: [cwe(73), cwe(22), UNSAFE_ARTIFACT],
  },
  'VAC-TF-004': {
    title: 'TensorFlow print operator writes to a file or prints file contents',
    severity: 'high',
    criterion: 'MI-1',
    description:
      'A PrintV2 node writes to a file (output_stream file://...), or prints data that flows from a file-reading operator to the process logs (disclosure of local files; reported at medium).',
    remediation: REVIEW_TF_GRAPH,
    references: [cwe(73), cwe(532), UNSAFE_ARTIFACT],
  },
  'VAC-TF-005': {
    title: 'Malformed TensorFlow graph',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The SavedModel, GraphDef or text graph is malformed: a truncated or invalid protobuf field, a wrong wire type, a text syntax error, or a node without an operator. Parts of the graph could not be analysed.',
    remediation: 'Re-export the model with TensorFlow from source.',
    references: [cwe(20), UNSAFE_ARTIFACT],
  },
  'VAC-TF-006': {
    title: 'TensorFlow graph exceeds an analysis limit',
    severity: 'medium',
    criterion: 'MI-3',
    description:
      'The graph nests messages too deeply or holds more nodes, inputs or fields than the analysis limits; what lies beyond the limit was not analysed.',
    remediation: 'Review the graph by hand, or raise the limit if the model is legitimately this large.',
    references: [cwe(400), cwe(674), DENIAL],
  },
} as const satisfies Record<string, RuleSpec>;
