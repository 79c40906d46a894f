import fs from 'node:fs';
import { tarEntries } from '../../src/tar/reader.js';
import { decompressStream } from '../../src/compress/decompress.js';
import { BufferSource, sourceStream, collectStream } from '../../src/source.js';
for (const f of process.argv.slice(2)) {
  const data = fs.readFileSync(f);
  const gz = decompressStream('gzip', sourceStream(new BufferSource(data)), { maxOutputBytes: 1e8, maxRatio: 1e4 });
  console.log('==', f);
  for await (const item of tarEntries(gz.stream)) {
    if (item.kind === 'anomaly') console.log('  A', item.anomaly);
    else { const b = await collectStream(item.body, 40); console.log('  E', item.entry.name, item.entry.type, item.entry.size, item.entry.offset, JSON.stringify(Buffer.from(b.bytes).toString())); }
  }
  console.log('  gz', gz.anomalies);
}
