/** The benchmark inputs under bench/out/, shared by the generator and the harness. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = path.dirname(BENCH_DIR);
export const DEFAULT_OUT = path.join(BENCH_DIR, 'out');

const GB = 1_000_000_000;

export const SIZES = {
  /** zip checkpoint and safetensors: ~2 GB of tensors each, 20 layers × 10 tensors */
  bigBytes: 2 * GB,
  bigLayers: 20,
  /** legacy checkpoint: ~1 GB, 10 layers × 10 tensors */
  legacyBytes: 1 * GB,
  legacyLayers: 10,
} as const;

export function targets(out: string) {
  return {
    zip: path.join(out, 'checkpoint.pt'),
    safetensors: path.join(out, 'model.safetensors'),
    legacy: path.join(out, 'legacy.pt'),
    tree: path.join(out, 'tree'),
    treeMarker: path.join(out, 'tree.complete'),
    /** hard links to the zip checkpoint and the safetensors file: two large files in one directory */
    pair: path.join(out, 'pair'),
    results: path.join(out, 'results.md'),
  };
}
