import fs from 'node:fs';
import crypto from 'node:crypto';
import { decompressStream } from '../../src/compress/decompress.js';
import { BufferSource, sourceStream } from '../../src/source.js';
const want = crypto.createHash('sha256').update(fs.readFileSync('/tmp/exp/m.bin')).digest('hex');
for (const [f, kind, extra] of [['m1.bz2','bzip2'],['m9.bz2','bzip2'],['mm.bz2','bzip2'],['m.gz','gzip'],['m.xz','xz'],['m.lzma','lzma'],['m.gz','gzip','GARBAGE']] as const) {
  let data = fs.readFileSync('/tmp/exp/' + f);
  if (extra) data = Buffer.concat([data, Buffer.from(extra)]);
  const t0 = Date.now();
  const r = decompressStream(kind, sourceStream(new BufferSource(data), 0, data.length, 65536), { maxOutputBytes: 1e9, maxRatio: 1e6 });
  const h = crypto.createHash('sha256'); let n = 0;
  for await (const c of r.stream) { h.update(c); n += c.length; }
  console.log(f, kind, n, h.digest('hex') === want, Date.now() - t0, 'ms', JSON.stringify(r.anomalies));
}
