/**
 * What a file name promises. Content decides the type; a name that promises a data format while the
 * content can execute code on load is the masquerade attackers use against extension-routed tools.
 */
import { type Finding, type FindingLocation, makeFinding } from '../findings.js';

/** Formats (as the scanner reports them) whose loaders execute code. */
export const EXECUTABLE_FORMATS: ReadonlySet<string> = new Set([
  'pickle',
  'pytorch-zip',
  'pytorch-legacy',
  'pytorch-tar',
  'torchscript',
  'joblib',
]);

/** Extension → formats a file with it may legitimately contain. */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  '.pkl': ['pickle', 'joblib', 'pytorch-legacy', 'gzip', 'bzip2', 'xz', 'lzma', 'zlib'],
  '.pickle': ['pickle', 'joblib', 'pytorch-legacy'],
  '.p': ['pickle', 'joblib'],
  '.dat': ['pickle', 'joblib', 'data'],
  '.data': ['pickle', 'joblib', 'data'],
  '.joblib': ['joblib', 'pickle', 'zlib', 'gzip', 'bzip2', 'xz', 'lzma', 'lz4'],
  '.sav': ['pickle', 'joblib', 'zlib', 'gzip', 'bzip2', 'xz', 'lzma'],
  '.pt': ['pytorch-zip', 'pytorch-legacy', 'pytorch-tar', 'torchscript', 'pickle', 'zip'],
  '.pth': ['pytorch-zip', 'pytorch-legacy', 'pytorch-tar', 'torchscript', 'pickle', 'zip'],
  '.bin': [
    'pytorch-zip',
    'pytorch-legacy',
    'pytorch-tar',
    'torchscript',
    'pickle',
    'zip',
    'data',
    'safetensors',
    'gguf',
    'text',
  ],
  '.ckpt': ['pytorch-zip', 'pytorch-legacy', 'pytorch-tar', 'torchscript', 'pickle', 'zip'],
  '.tar': ['tar', 'pytorch-tar'],
  '.npy': ['npy'],
  '.npz': ['npz', 'zip'],
  '.zip': ['zip', 'npz', 'pytorch-zip', 'torchscript', 'keras'],
  '.keras': ['keras', 'zip'],
  '.gz': ['gzip'],
  '.tgz': ['gzip'],
  '.bz2': ['bzip2'],
  '.xz': ['xz'],
  '.lzma': ['lzma'],
  '.7z': ['7z'],
  '.safetensors': ['safetensors'],
  '.gguf': ['gguf'],
  '.h5': ['hdf5'],
  '.hdf5': ['hdf5'],
  '.json': ['text', 'data', 'pipfile-lock', 'npm-lock', 'tokenizer-config'],
  '.txt': ['text', 'data', 'requirements'],
  '.md': ['text', 'data'],
  '.yaml': ['text', 'data', 'conda-environment'],
  '.yml': ['text', 'data', 'conda-environment'],
  '.csv': ['text', 'data'],
  '.py': ['text'],
  '.jinja': ['text'],
  '.model': ['data', 'text', 'pickle'],
  '.onnx': ['data', 'onnx'],
  '.pb': ['data', 'tf-savedmodel', 'tf-graphdef'],
  '.pbtxt': ['text', 'data', 'tf-graphdef-text'],
  '.tflite': ['data'],
  '.msgpack': ['data'],
  '.png': ['data'],
  '.jpg': ['data'],
};

export function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot).toLowerCase() : '';
}

export function extensionFindings(name: string, format: string, location: FindingLocation): Finding[] {
  const ext = extensionOf(name);
  const expected = EXPECTED[ext];
  const layers = format.split('+');
  if (!expected || layers.some((l) => expected.includes(l))) return [];
  if (layers.some((l) => EXECUTABLE_FORMATS.has(l)) && !expected.some((f) => EXECUTABLE_FORMATS.has(f))) {
    return [
      makeFinding('VAC-FMT-001', {
        message: `named ${ext} but the content is ${format}, which executes code when loaded`,
        location,
        evidence: { details: { extension: ext, content: format } },
      }),
    ];
  }
  if (format === 'data' || format === 'text' || format === 'empty') return [];
  return [
    makeFinding('VAC-FMT-002', {
      message: `named ${ext} but the content is ${format}`,
      location,
      evidence: { details: { extension: ext, content: format } },
    }),
  ];
}
