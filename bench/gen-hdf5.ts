/**
 * Writes bench/out/model.h5: a ~1 GiB legacy-Keras-style HDF5 file (a model_config attribute and
 * 16 float32 weight datasets of 64 MiB under model_weights/), for the HDF5 memory benchmark. Written
 * with h5wasm's node build straight to disk, 8 MiB at a time, so memory stays flat. Idempotent: an
 * existing file of at least the target size is kept (it is written under a temporary name first).
 *
 *   node --import tsx bench/gen-hdf5.ts [--out DIR] [--scale 0.01]
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const DATASETS = 16;
const DATASET_BYTES = 64 * 1024 * 1024;
const WRITE_ELEMENTS = (8 * 1024 * 1024) / 4;
const CHUNK_ELEMENTS = (1024 * 1024) / 4;

export async function generateHdf5(
  options: { out?: string; scale?: number; log?: (s: string) => void } = {},
) {
  const out = options.out ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'out');
  const scale = options.scale ?? 1;
  const log = options.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const file = path.join(out, 'model.h5');
  const elements = Math.max(
    CHUNK_ELEMENTS,
    Math.floor((DATASET_BYTES * scale) / 4 / CHUNK_ELEMENTS) * CHUNK_ELEMENTS,
  );
  const target = DATASETS * elements * 4;
  const existing = await stat(file).catch(() => undefined);
  if (existing && existing.size >= target) {
    log(`${file}: present (${existing.size} bytes)`);
    return file;
  }
  await mkdir(out, { recursive: true });
  const tmp = `${file}.tmp`;
  await rm(tmp, { force: true });

  const h5 = (await import('h5wasm/node')).default;
  await h5.ready;
  const f = new h5.File(tmp, 'w');
  try {
    const layers = Array.from({ length: DATASETS }, (_, i) => ({
      module: 'keras.layers',
      class_name: 'Dense',
      config: { name: `dense_${i}`, units: 4096, activation: 'relu' },
      registered_name: null,
    }));
    f.create_attribute(
      'model_config',
      JSON.stringify({ class_name: 'Sequential', config: { name: 'bench', layers } }),
    );
    f.create_attribute('keras_version', '2.15.0');
    f.create_attribute('backend', 'tensorflow');
    f.create_group('model_weights');
    const block = new Float32Array(WRITE_ELEMENTS);
    for (let i = 0; i < block.length; i++) block[i] = Math.sin(i) * 0.01;
    for (let d = 0; d < DATASETS; d++) {
      const name = `model_weights/dense_${d}/dense_${d}/kernel:0`;
      f.create_group(`model_weights/dense_${d}`);
      f.create_group(`model_weights/dense_${d}/dense_${d}`);
      const ds = f.create_dataset({
        name,
        data: new Float32Array(CHUNK_ELEMENTS),
        shape: [CHUNK_ELEMENTS],
        maxshape: [elements],
        chunks: [CHUNK_ELEMENTS],
      });
      ds.resize([elements]);
      for (let at = 0; at < elements; at += WRITE_ELEMENTS) {
        const n = Math.min(WRITE_ELEMENTS, elements - at);
        ds.write_slice([[at, at + n]], n === block.length ? block : block.subarray(0, n));
      }
      f.flush();
      log(`${name}: ${elements * 4} bytes`);
    }
  } finally {
    f.close();
  }
  await rename(tmp, file);
  log(`${file}: ${(await stat(file)).size} bytes`);
  return file;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, scale: { type: 'string' } } });
  await generateHdf5({
    ...(values.out ? { out: values.out } : {}),
    ...(values.scale ? { scale: Number(values.scale) } : {}),
  });
}
