import { describe, expect, it } from 'vitest';
import { BufferSource } from '../src/source.js';
import { readZipDirectory } from '../src/zip/directory.js';
import { openZipEntry } from '../src/zip/entry-reader.js';
import { readAll } from './helpers/bytes.js';
import {
  buildZip,
  buildZipSegments,
  SparseSource,
  type ZipMemberSpec,
  type ZipSpec,
} from './helpers/zip-writer.js';

const GiB = 1024 ** 3;

function sparse(spec: ZipSpec): SparseSource {
  const { segments, size } = buildZipSegments(spec);
  return new SparseSource(segments, size);
}

describe('zip64', () => {
  it('reads offsets and sizes past 4 GiB from zip64 extras and the zip64 end record', async () => {
    const source = sparse({
      members: [
        { name: 'archive/data/0', virtualSize: 5 * GiB, zip64: true },
        { name: 'config.json', data: '{"hidden": 4}', zip64: true },
      ],
      zip64: { saturate: true },
    });
    expect(source.size).toBeGreaterThan(5 * GiB);
    const dir = await readZipDirectory(source);
    expect(dir.anomalies).toEqual([]);
    expect(dir.zip64).toBe(true);
    const [big, config] = dir.entries;
    expect(big!.compressedSize).toBe(5 * GiB);
    expect(config!.localHeaderOffset).toBeGreaterThan(4 * GiB);
    expect(config!.dataOffset).toBe(config!.localHeaderOffset + 30 + 11 + 20);
    const reader = openZipEntry(source, config!, { maxBytes: 1 << 20, maxRatio: 100 });
    expect(Buffer.from(await readAll(reader.stream)).toString()).toBe('{"hidden": 4}');
    expect(reader.anomalies).toEqual([]);
    expect(source.bytesRead).toBeLessThan(200_000);
  });

  it('a PyTorch-style zip64 record with classic values that agree is not an anomaly', async () => {
    const dir = await readZipDirectory(
      new BufferSource(buildZip({ members: [{ name: 'a', data: 'x' }], zip64: true })),
    );
    expect(dir.anomalies).toEqual([]);
    expect(dir.zip64).toBe(true);
  });

  it('ZIP64_EOCD_MISPLACED when the locator points elsewhere (Python looks before the locator anyway)', async () => {
    const dir = await readZipDirectory(
      new BufferSource(buildZip({ members: [{ name: 'a', data: 'x' }], zip64: { recordOffset: 3 } })),
    );
    expect(dir.anomalies.map((a) => a.code)).toEqual(['ZIP64_EOCD_MISPLACED']);
    expect(dir.entries).toHaveLength(1);
  });

  it('ZIP64_EOCD_INVALID when there is no zip64 record at all', async () => {
    const bytes = buildZip({ members: [{ name: 'a', data: 'x' }], zip64: true }).slice();
    const record = Buffer.from(bytes).lastIndexOf('PK\u0006\u0006', undefined, 'latin1');
    bytes[record] = 0;
    const dir = await readZipDirectory(new BufferSource(bytes));
    // The unusable 56-byte record is left between the central directory and the locator.
    expect(dir.anomalies.map((a) => a.code)).toEqual([
      'ZIP64_EOCD_INVALID',
      'CENTRAL_DIRECTORY_OFFSET_MISMATCH',
    ]);
    expect(dir.anomalies[1]!.actual).toBe(56);
    expect(dir.entries).toHaveLength(1);
  });

  it('ZIP64_EOCD_MISMATCH when the zip64 and classic records disagree; the zip64 value wins', async () => {
    const dir = await readZipDirectory(
      new BufferSource(
        buildZip({
          members: [
            { name: 'a', data: 'x' },
            { name: 'b', data: 'y' },
          ],
          zip64: { entries: 1 },
        }),
      ),
    );
    expect(dir.anomalies.map((a) => a.code).sort()).toEqual([
      'CENTRAL_DIRECTORY_COUNT_MISMATCH',
      'ZIP64_EOCD_MISMATCH',
    ]);
    expect(dir.anomalies.find((a) => a.code === 'CENTRAL_DIRECTORY_COUNT_MISMATCH')!.limit).toBe(1);
  });

  it('MULTI_DISK from the zip64 locator; ZIP64_LOCATOR_MISSING for saturated values without one', async () => {
    const multi = await readZipDirectory(
      new BufferSource(buildZip({ members: [{ name: 'a', data: 'x' }], zip64: { totalDisks: 2 } })),
    );
    expect(multi.anomalies.map((a) => a.code)).toEqual(['MULTI_DISK']);
    const missing = await readZipDirectory(
      new BufferSource(buildZip({ members: [{ name: 'a', data: 'x' }], eocd: { cdOffset: 0xffffffff } })),
    );
    const codes = missing.anomalies.map((a) => a.code);
    expect(codes).toContain('ZIP64_LOCATOR_MISSING');
    expect(codes).toContain('RECOVERED_BY_LOCAL_SCAN');
    expect(missing.entries.map((e) => e.name)).toEqual(['a']);
  });
});

describe('listing cost', () => {
  it('a 2 GB checkpoint with 1000 members lists in milliseconds from a few hundred KB of reads', async () => {
    const members: ZipMemberSpec[] = Array.from({ length: 1000 }, (_, i) => ({
      name: `archive/data/${i}`,
      virtualSize: 2_000_000,
      flags: 0x0808,
      descriptor: {},
      crc: i,
      localExtra: new Uint8Array(40),
    }));
    const source = sparse({
      members: [{ name: 'archive/data.pkl', data: 'pickle' }, ...members],
      zip64: true,
    });
    expect(source.size).toBeGreaterThan(2e9);
    const started = performance.now();
    const dir = await readZipDirectory(source);
    const elapsed = performance.now() - started;
    expect(dir.entries).toHaveLength(1001);
    expect(dir.anomalies).toEqual([]);
    expect(source.bytesRead).toBeLessThan(600_000);
    expect(source.reads).toBeLessThan(2100);
    expect(elapsed).toBeLessThan(1000);
  });
});
