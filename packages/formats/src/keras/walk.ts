/**
 * Walks a Keras model config (Keras 3 `config.json`, tf.keras `model_config`) and lists everything a
 * loader would resolve or run: every serialised object reference at any depth (layers, sub-models,
 * wrappers, initializers, custom objects), Lambda bytecode, embedded torch modules and strings that
 * name files. It does not judge them; the scanner applies its allowlist.
 */
import type { KerasJsonObject, KerasJsonValue } from './json.js';

/** A dict the deserialiser resolves: `{module?, class_name, config, registered_name?}`. */
export interface KerasObjectRef {
  /** JSON pointer of the dict. */
  readonly pointer: string;
  readonly module?: string;
  readonly className?: string;
  readonly registeredName?: string;
  /** A function's name: Keras 3 writes `{"class_name": "function", "config": "<name>"}`. */
  readonly functionName?: string;
  /** `function` for function references, `class` otherwise. */
  readonly kind: 'function' | 'class';
}

/** Marshalled Python bytecode a Lambda carries (base64 of `marshal.dumps(code)`). */
export interface KerasLambdaCode {
  readonly pointer: string;
  /** `keras3`: `{"class_name": "__lambda__", "config": {"code": …}}`; `legacy`: tf.keras `function_type: "lambda"`. */
  readonly form: 'keras3' | 'legacy';
  readonly base64: string;
}

/** A torch module pickled into a TorchModuleWrapper config (loaded with torch.load). */
export interface KerasTorchModule {
  readonly pointer: string;
  /** base64 text or, for Keras's `__bytes__` encoding, the latin-1 text of the bytes. */
  readonly encoding: 'base64' | 'latin1';
  readonly text: string;
}

/** A config string under a key that names a file or URL. */
export interface KerasPathString {
  readonly pointer: string;
  readonly key: string;
  readonly value: string;
}

export interface KerasConfigInventory {
  readonly objects: readonly KerasObjectRef[];
  readonly lambdas: readonly KerasLambdaCode[];
  readonly torchModules: readonly KerasTorchModule[];
  readonly paths: readonly KerasPathString[];
}

export interface KerasWalkOptions {
  /** Keys whose string values are file names or URLs (e.g. `filepath`, `origin`, `vocabulary`). */
  readonly pathKeys: ReadonlySet<string>;
}

const isObject = (v: KerasJsonValue | undefined): v is KerasJsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: KerasJsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const esc = (k: string) => k.replaceAll('~', '~0').replaceAll('/', '~1');

export function walkKerasConfig(root: KerasJsonValue, options: KerasWalkOptions): KerasConfigInventory {
  const objects: KerasObjectRef[] = [];
  const lambdas: KerasLambdaCode[] = [];
  const torchModules: KerasTorchModule[] = [];
  const paths: KerasPathString[] = [];

  // Explicit stack: the parser bounds depth, but an iterative walk keeps the stack flat anyway.
  const stack: Array<{ v: KerasJsonValue; pointer: string; key: string }> = [
    { v: root, pointer: '', key: '' },
  ];
  while (stack.length > 0) {
    const { v, pointer, key } = stack.pop()!;
    if (typeof v === 'string') {
      if (options.pathKeys.has(key) || /^file:/i.test(v)) paths.push({ pointer, key, value: v });
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i]!, pointer: `${pointer}/${i}`, key });
      continue;
    }
    if (!isObject(v)) continue;
    inspectObject(v, pointer, { objects, lambdas, torchModules });
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      stack.push({ v: v[k]!, pointer: `${pointer}/${esc(k)}`, key: k });
    }
  }
  return { objects, lambdas, torchModules, paths };
}

function inspectObject(
  o: KerasJsonObject,
  pointer: string,
  out: { objects: KerasObjectRef[]; lambdas: KerasLambdaCode[]; torchModules: KerasTorchModule[] },
): void {
  const className = str(o.class_name);
  const module = str(o.module);
  const registeredName = str(o.registered_name);
  const config = o.config;
  if (className !== undefined || registeredName !== undefined || (module !== undefined && 'config' in o)) {
    const functionName = className === 'function' ? str(config) : undefined;
    out.objects.push({
      pointer,
      kind: className === 'function' ? 'function' : 'class',
      ...(module !== undefined ? { module } : {}),
      ...(className !== undefined ? { className } : {}),
      ...(registeredName !== undefined ? { registeredName } : {}),
      ...(functionName !== undefined ? { functionName } : {}),
    });
  }
  if (className === '__lambda__' && isObject(config) && typeof config.code === 'string')
    out.lambdas.push({ pointer: `${pointer}/config/code`, form: 'keras3', base64: config.code });
  if (isObject(config)) {
    legacyFunctions(config, `${pointer}/config`, out);
    if (className === 'TorchModuleWrapper') torchModule(config, `${pointer}/config`, out.torchModules);
  }
}

/**
 * tf.keras Lambda configs: `function` with `function_type` "lambda" holds `[code, defaults, closure]`
 * (or the code alone); "function" names `module` + `function`. The same pattern serves
 * `output_shape` / `output_shape_type` / `output_shape_module` and `mask`.
 */
function legacyFunctions(
  config: KerasJsonObject,
  pointer: string,
  out: { objects: KerasObjectRef[]; lambdas: KerasLambdaCode[] },
): void {
  for (const key of Object.keys(config)) {
    if (!key.endsWith('_type') || key.length <= 5) continue;
    const field = key.slice(0, -5);
    const kind = config[key];
    const value = config[field];
    if (kind === 'lambda') {
      const code = Array.isArray(value) ? str(value[0]) : str(value);
      if (code !== undefined)
        out.lambdas.push({
          pointer: `${pointer}/${esc(field)}${Array.isArray(value) ? '/0' : ''}`,
          form: 'legacy',
          base64: code,
        });
    } else if (kind === 'function' && typeof value === 'string') {
      const module = str(config[field === 'function' ? 'module' : `${field}_module`]);
      out.objects.push({
        pointer: `${pointer}/${esc(field)}`,
        kind: 'function',
        className: 'function',
        functionName: value,
        ...(module !== undefined ? { module } : {}),
      });
    }
  }
}

function torchModule(config: KerasJsonObject, pointer: string, out: KerasTorchModule[]): void {
  const m = config.module;
  if (typeof m === 'string') out.push({ pointer: `${pointer}/module`, encoding: 'base64', text: m });
  else if (
    isObject(m) &&
    m.class_name === '__bytes__' &&
    isObject(m.config) &&
    typeof m.config.value === 'string'
  )
    out.push({ pointer: `${pointer}/module/config/value`, encoding: 'latin1', text: m.config.value });
}

/** How a config string that names a file reaches outside the archive, if it does. */
export type PathReach = 'file-url' | 'remote-url' | 'absolute' | 'parent-traversal';

export function classifyPathString(value: string): PathReach | undefined {
  const v = value.trim();
  if (/^file:/i.test(v)) return 'file-url';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return 'remote-url';
  if (v.startsWith('/') || v.startsWith('\\') || /^[a-z]:[\\/]/i.test(v) || v.startsWith('~'))
    return 'absolute';
  if (v.split(/[\\/]/).includes('..')) return 'parent-traversal';
  return undefined;
}
