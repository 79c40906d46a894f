import fs from 'node:fs';
import { readZipDirectory } from '../../src/zip/directory.js';
import { openZipEntry, readZipEntryHead } from '../../src/zip/entry-reader.js';
import { BufferSource } from '../../src/source.js';
const root = '/work/shared/corpus/';
const files = process.argv.slice(2);
for (const f of files) {
  const src = new BufferSource(fs.readFileSync(root + f));
  const t0 = performance.now();
  const dir = await readZipDirectory(src);
  console.log('==', f, (performance.now() - t0).toFixed(1), 'ms', dir.entries.length, 'entries zip64=', dir.zip64);
  for (const a of dir.anomalies) console.log('  A', a.code, a.message, a.offset, a.field, a.actual);
  for (const e of dir.entries) {
    const r = openZipEntry(src, e, { maxBytes: 1e8, maxRatio: 1e4 });
    let n = 0; for await (const c of r.stream) n += c.length;
    const head = await readZipEntryHead(src, e, 8);
    console.log('  E', e.index, e.name, e.method, e.flags, e.compressedSize, e.uncompressedSize, e.dataOffset, n, Buffer.from(head).toString('hex'), e.localName ?? '', r.anomalies.map(a => a.code).join(','));
  }
}
