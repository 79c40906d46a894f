import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scan } from './packages/scanner/src/index.ts';
const seeds = ['hdf5.links.h5','hdf5.keras-gadget.h5','hdf5.virtual.h5','hdf5.external-storage.h5'].map(f => readFileSync('packages/scanner/test/fixtures/formats/'+f));
seeds.push(readFileSync('/work/shared/corpus/benign/keras/weights_only.h5'));
let rnd = 12345; const r = (n: number) => { rnd = (rnd * 1103515245 + 12345) & 0x7fffffff; return rnd % n; };
const dir = mkdtempSync(path.join(tmpdir(), 'fz-'));
const counts: Record<string, number> = {};
let maxMs = 0;
for (let i = 0; i < 1500; i++) {
  const b = Buffer.from(seeds[r(seeds.length)]!);
  const n = 1 + r(8);
  for (let k = 0; k < n; k++) b[r(b.length)] = r(256);
  const f = path.join(dir, 'x.h5'); writeFileSync(f, b);
  const t = performance.now();
  const rep = await scan([f], { digest: false });
  maxMs = Math.max(maxMs, performance.now() - t);
  for (const x of rep.findings) counts[x.ruleId] = (counts[x.ruleId] ?? 0) + 1;
  const bad = rep.findings.find(x => x.ruleId === 'VAC-SCAN-001');
  if (bad) { console.log(i, bad.message); writeFileSync(`/tmp/fz-crash-${i}.h5`, b); }
}
console.log(counts, 'maxMs', maxMs, 'rss', process.memoryUsage().rss/1e6);
