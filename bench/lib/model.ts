/** The tensors of the generated checkpoints: a transformer-like stack, 10 float32 tensors per layer. */

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly numel: number;
  /** float32 bytes */
  readonly bytes: number;
}

const PER_LAYER_FLOATS = (d: number): number => 12 * d * d + 4 * d;

/** `layers` layers whose hidden size is chosen so the tensors total about `targetBytes`. */
export function transformerTensors(layers: number, targetBytes: number): TensorSpec[] {
  let d = Math.max(8, Math.floor(Math.sqrt(targetBytes / 4 / layers / 12)));
  while (PER_LAYER_FLOATS(d + 1) * 4 * layers <= targetBytes) d++;
  const tensors: TensorSpec[] = [];
  const add = (name: string, ...shape: number[]): void => {
    const numel = shape.reduce((a, b) => a * b, 1);
    tensors.push({ name, shape, numel, bytes: numel * 4 });
  };
  for (let i = 0; i < layers; i++) {
    const p = `layers.${i}`;
    for (const proj of ['q', 'k', 'v', 'o']) add(`${p}.attn.${proj}_proj.weight`, d, d);
    add(`${p}.mlp.fc1.weight`, 4 * d, d);
    add(`${p}.mlp.fc2.weight`, d, 4 * d);
    add(`${p}.ln1.weight`, d);
    add(`${p}.ln1.bias`, d);
    add(`${p}.ln2.weight`, d);
    add(`${p}.ln2.bias`, d);
  }
  return tensors;
}

/** Module paths for a state dict's `_metadata` (every module records its `version`). */
export function modulePaths(layers: number): string[] {
  const paths = ['', 'layers'];
  for (let i = 0; i < layers; i++) {
    const p = `layers.${i}`;
    paths.push(p, `${p}.attn`, ...['q', 'k', 'v', 'o'].map((proj) => `${p}.attn.${proj}_proj`));
    paths.push(`${p}.mlp`, `${p}.mlp.fc1`, `${p}.mlp.fc2`, `${p}.ln1`, `${p}.ln2`);
  }
  return paths;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i]!;
  }
  return strides;
}
