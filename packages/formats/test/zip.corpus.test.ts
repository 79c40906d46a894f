import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BufferSource } from '../src/source.js';
import { readZipDirectory } from '../src/zip/directory.js';
import { openZipEntry, readZipEntryHead } from '../src/zip/entry-reader.js';
import { CORPUS, corpusFile, readAll } from './helpers/bytes.js';

const open = (path: string) => new BufferSource(corpusFile(path));
const READ = { maxBytes: 64 << 20, maxRatio: 1000 };

describe('readZipDirectory on the corpus', () => {
  it('zip_local_header_name_mismatch.pt: the central name wins, the local name is reported', async () => {
    const source = open('malicious/pytorch/zip_local_header_name_mismatch.pt');
    const dir = await readZipDirectory(source);
    expect(dir.anomalies.map((a) => a.code)).toEqual(['LOCAL_NAME_MISMATCH']);
    const pkl = dir.entries.find((e) => e.name === 'archive/data.pkl')!;
    expect(pkl.localName).toBe('archive/datap.kl');
    expect(pkl.readable).toBe(true);
    const head = await readZipEntryHead(source, pkl, 2);
    expect(Array.from(head)).toEqual([0x80, 0x02]);
  });

  it('zip_flag_bit_encrypted.pt: bit 0 reported in both headers, the pickle is still read', async () => {
    const source = open('malicious/pytorch/zip_flag_bit_encrypted.pt');
    const dir = await readZipDirectory(source);
    expect(dir.anomalies.map((a) => [a.code, a.field])).toEqual([
      ['FLAG_ENCRYPTED', 'central flags'],
      ['FLAG_ENCRYPTED', 'local flags'],
    ]);
    const pkl = dir.entries.find((e) => e.name === 'archive/data.pkl')!;
    expect(pkl.isEncrypted).toBe(true);
    const reader = openZipEntry(source, pkl, READ);
    const bytes = await readAll(reader.stream);
    expect(reader.anomalies).toEqual([]);
    expect(bytes[0]).toBe(0x80);
    expect(Buffer.from(bytes).includes('posix')).toBe(true);
  });

  it("model_bundle_zip_slip.zip lists the traversal name verbatim (path policy is the scanner's)", async () => {
    const dir = await readZipDirectory(open('malicious/archive/model_bundle_zip_slip.zip'));
    expect(dir.anomalies).toEqual([]);
    expect(dir.entries.map((e) => e.name)).toContain('../../../../../../tmp/vacsrp-canary/zip-slip.txt');
  });

  const benign = [
    'benign/archive/model_bundle.zip',
    'benign/numpy/arrays_compressed.npz',
    'benign/keras/dense_classifier.keras',
    ...readdirSync(`${CORPUS}benign/pytorch`)
      .filter((f) => /\.(pt|pth)$/.test(f) && f !== 'legacy_state_dict.pt')
      .map((f) => `benign/pytorch/${f}`),
    'benign/pytorch/hf_style/pytorch_model.bin',
  ];
  for (const path of benign) {
    it(`${path}: no anomalies, every member reads back with matching CRC and size`, async () => {
      const source = open(path);
      const dir = await readZipDirectory(source);
      expect(dir.anomalies).toEqual([]);
      expect(dir.entries.length).toBeGreaterThan(0);
      for (const entry of dir.entries) {
        const reader = openZipEntry(source, entry, READ);
        const bytes = await readAll(reader.stream);
        expect(reader.anomalies, entry.name).toEqual([]);
        expect(bytes.length).toBe(entry.uncompressedSize);
      }
    });
  }

  it('a legacy (non-zip) torch file is not a zip: end record missing, nothing found, nothing thrown', async () => {
    const dir = await readZipDirectory(open('benign/pytorch/legacy_state_dict.pt'));
    expect(dir.anomalies.map((a) => a.code)).toEqual(['EOCD_NOT_FOUND', 'RECOVERED_BY_LOCAL_SCAN']);
    expect(dir.entries).toEqual([]);
  });
});
