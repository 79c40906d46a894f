/**
 * Static inventory of TorchScript `code/` files. torch.jit.load compiles them and runs them when a
 * method is called; legitimate files only reach TorchScript's own namespaces (torch, the archive's
 * __torch__ classes, aten/prim operators, math). Anything else — a Python module, a custom operator
 * namespace that needs a native library, an eval-like builtin — is reported. Nothing is executed.
 */

export interface TorchScriptReference {
  readonly name: string;
  readonly line: number;
  readonly reason:
    | 'python-module'
    | 'custom-operator'
    | 'custom-class'
    | 'dynamic-code'
    | 'unknown-namespace';
}

/** Operator namespaces that ship inside libtorch. */
const BUILTIN_OP_NAMESPACES = new Set([
  'aten',
  'prim',
  'quantized',
  '_quantized',
  'profiler',
  'cuda',
  'sparse',
  'fbgemm',
  'mkldnn',
  'onednn',
  'xnnpack',
  'vulkan',
  'metal',
  'quantized_decomposed',
  '_c10d_functional',
  'c10d',
  'inductor',
  'image',
  'torchvision',
]);
/** Roots TorchScript code legitimately names. */
const TORCHSCRIPT_ROOTS = new Set([
  'torch',
  '__torch__',
  'ops',
  'math',
  'annotate',
  'uninitialized',
  'unchecked_cast',
  'CONSTANTS',
  'builtins',
]);
/** Python modules whose appearance in serialized TorchScript means tampering. */
const PYTHON_MODULES = new Set([
  'os',
  'posix',
  'nt',
  'sys',
  'subprocess',
  'socket',
  'shutil',
  'importlib',
  'pickle',
  'marshal',
  'ctypes',
  'runpy',
  'io',
  'pathlib',
  'urllib',
  'requests',
  'http',
  'pty',
  'multiprocessing',
  'threading',
  'tempfile',
  'glob',
  'codecs',
  'base64',
  'zlib',
  'types',
  'inspect',
  'platform',
  'webbrowser',
]);
const DYNAMIC_CALLS = new Set([
  'eval',
  'exec',
  'compile',
  '__import__',
  'open',
  'globals',
  'locals',
  'vars',
  'breakpoint',
  'input',
]);

/** Maximum code size analysed per file; larger files are reported by the caller (CWE-400). */
export const TORCHSCRIPT_MAX_CODE_BYTES = 8 << 20;

export function analyseTorchScriptCode(text: string): TorchScriptReference[] {
  const out: TorchScriptReference[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = stripStringsAndComments(raw);
    for (const m of line.matchAll(
      /(?<![\w.])([A-Za-z_][A-Za-z0-9_]*)((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)(\s*\()?/g,
    )) {
      const root = m[1]!;
      const rest = (m[2] ?? '').replace(/\s+/g, '');
      const parts = rest.split('.').filter(Boolean);
      const name = [root, ...parts].join('.');
      const called = m[3] !== undefined;
      const ref = classify(root, parts, called);
      if (ref && !seen.has(`${ref}:${name}`)) {
        seen.add(`${ref}:${name}`);
        out.push({ name, line: i + 1, reason: ref });
      }
    }
  });
  return out;
}

function classify(
  root: string,
  parts: string[],
  called: boolean,
): TorchScriptReference['reason'] | undefined {
  if (PYTHON_MODULES.has(root) && parts.length > 0) return 'python-module';
  if (DYNAMIC_CALLS.has(root) && parts.length === 0 && called) return 'dynamic-code';
  if (root === 'builtins' && parts.length > 0 && DYNAMIC_CALLS.has(parts[0]!)) return 'dynamic-code';
  const opsAt = root === 'ops' ? 0 : root === 'torch' && parts[0] === 'ops' ? 1 : -1;
  if (opsAt >= 0) {
    const ns = root === 'ops' ? parts[0] : parts[1];
    if (ns !== undefined && !BUILTIN_OP_NAMESPACES.has(ns)) return 'custom-operator';
  }
  if (
    (root === 'torch' && parts[0] === 'classes') ||
    (root === '__torch__' && parts[0] === 'torch' && parts[1] === 'classes')
  ) {
    return 'custom-class';
  }
  if (
    parts.length > 0 &&
    root.startsWith('__') &&
    root.endsWith('__') &&
    !TORCHSCRIPT_ROOTS.has(root) &&
    root !== '__annotations__' &&
    root !== '__parameters__' &&
    root !== '__buffers__' &&
    root !== '__constants__'
  ) {
    return 'unknown-namespace';
  }
  return undefined;
}

/** Blanks string literals and comments so names inside them are not mistaken for code. */
function stripStringsAndComments(line: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') {
        i++;
        out += '  ';
        continue;
      }
      if (c === quote) quote = undefined;
      out += c === quote ? c : ' ';
      continue;
    }
    if (c === '#') break;
    if (c === '"' || c === "'") quote = c;
    out += c;
  }
  return out;
}
