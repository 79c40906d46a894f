/** A tree of many small files (benign pickles, JSON configs, text) in nested directories. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mulberry32 } from '../../scripts/lib/prng.js';
import { PickleWriter } from './pickle.js';

const WORDS = [
  'tensor',
  'layer',
  'weight',
  'bias',
  'epoch',
  'loss',
  'token',
  'vocab',
  'adam',
  'warmup',
  'decay',
  'eval',
];

function smallPickle(rand: () => number, i: number): Uint8Array {
  const history = Array.from({ length: Math.floor(rand() * 400) }, () => rand());
  return new PickleWriter()
    .proto(2)
    .dict([
      ['epoch', (p) => p.int(i % 97)],
      ['lr', (p) => p.float(0.001 * rand())],
      ['name', (p) => p.str(`run-${i}`)],
      [
        'shape',
        (p) =>
          p.tuple(
            (q) => q.int(1 + (i % 13)),
            (q) => q.int(1 + (i % 7)),
          ),
      ],
      ['history', (p) => p.list(history.map((v) => (q: PickleWriter) => q.float(v)))],
    ])
    .stop();
}

function jsonConfig(rand: () => number, i: number): string {
  const layers = Array.from({ length: 1 + Math.floor(rand() * 60) }, (_, k) => ({
    name: `layer_${k}`,
    units: 64 << (k % 4),
    activation: WORDS[k % WORDS.length],
  }));
  return `${JSON.stringify({ model_type: 'mlp', id: i, hidden_size: 64 + (i % 512), dropout: rand(), layers }, null, 2)}\n`;
}

function text(rand: () => number): string {
  const lines = 2 + Math.floor(rand() * 80);
  return Array.from({ length: lines }, () =>
    Array.from({ length: 4 + Math.floor(rand() * 10) }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(
      ' ',
    ),
  ).join('\n');
}

/** `top × mid × perDir` files under `root` (10 × 10 × 100 = 10,000 by default). */
export async function writeTree(root: string, top = 10, mid = 10, perDir = 100): Promise<number> {
  const rand = mulberry32(0x5eed);
  const jobs: Array<{ file: string; data: Uint8Array | string }> = [];
  let i = 0;
  for (let a = 0; a < top; a++) {
    for (let b = 0; b < mid; b++) {
      const dir = path.join(root, `d${String(a).padStart(2, '0')}`, `s${String(b).padStart(2, '0')}`);
      await mkdir(dir, { recursive: true });
      for (let c = 0; c < perDir; c++, i++) {
        const base = path.join(dir, `f${String(c).padStart(3, '0')}`);
        const kind = i % 10;
        if (kind < 4) jobs.push({ file: `${base}.pkl`, data: smallPickle(rand, i) });
        else if (kind < 7) jobs.push({ file: `${base}.json`, data: jsonConfig(rand, i) });
        else jobs.push({ file: `${base}.txt`, data: text(rand) });
      }
    }
  }
  // Bounded parallelism: fast, without thousands of descriptors open at once.
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        await writeFile(job.file, job.data);
      }
    }),
  );
  return jobs.length;
}
