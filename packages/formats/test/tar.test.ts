import { describe, expect, it } from 'vitest';
import { decompressStream } from '../src/compress/decompress.js';
import { BufferSource, collectStream, sourceStream } from '../src/source.js';
import { tarEntries } from '../src/tar/reader.js';
import { TAR_ANOMALY_CODES, type TarEntry, type TarLimits } from '../src/tar/types.js';
import { cat, corpusFile, readAll, streamOf, TrackedStream, utf8 } from './helpers/bytes.js';
import { untestedCodes } from './helpers/registry.js';
import {
  buildTar,
  gnuLongMember,
  paxMember,
  paxRecords,
  tarHeader,
  tarMember,
} from './helpers/tar-writer.js';

interface Listed {
  entries: (TarEntry & { content: string })[];
  codes: string[];
  anomalies: { code: string; offset?: number; field?: string; actual?: number | string }[];
}

async function list(bytes: Uint8Array, limits?: Partial<TarLimits>, chunk = 700): Promise<Listed> {
  const out: Listed = { entries: [], codes: [], anomalies: [] };
  for await (const item of tarEntries(streamOf(bytes, chunk), limits)) {
    if (item.kind === 'anomaly') {
      out.codes.push(item.anomaly.code);
      out.anomalies.push(item.anomaly);
    } else {
      out.entries.push({ ...item.entry, content: Buffer.from(await readAll(item.body)).toString() });
    }
  }
  return out;
}

describe('tarEntries on well-formed archives', () => {
  it('lists ustar, GNU and v7 entries with bodies, links and types, and no anomalies', async () => {
    const tar = buildTar([
      { name: 'model/', type: '5', mode: 0o755 },
      { name: 'model/config.json', data: '{"a": 1}' },
      { name: 'model/weights.bin', data: 'w'.repeat(1500), format: 'gnu' },
      { name: 'v7file', data: 'old', format: 'v7', type: '\0' },
      { name: 'v7dir/', format: 'v7', type: '\0' },
      { name: 'link', type: '2', linkName: 'model/config.json' },
      { name: 'hard', type: '1', linkName: 'model/config.json' },
      { name: 'dev', type: '3' },
      { name: 'blk', type: '4' },
      { name: 'fifo', type: '6' },
      { name: 'contig', type: '7', data: 'c' },
      { name: 'long.bin', prefix: 'a/very/long/prefix', data: 'p' },
    ]);
    const r = await list(tar);
    expect(r.codes).toEqual([]);
    expect(r.entries.map((e) => [e.name, e.type, e.size, e.content])).toEqual([
      ['model/', 'directory', 0, ''],
      ['model/config.json', 'file', 8, '{"a": 1}'],
      ['model/weights.bin', 'file', 1500, 'w'.repeat(1500)],
      ['v7file', 'file', 3, 'old'],
      ['v7dir/', 'directory', 0, ''],
      ['link', 'symlink', 0, ''],
      ['hard', 'hardlink', 0, ''],
      ['dev', 'char-device', 0, ''],
      ['blk', 'block-device', 0, ''],
      ['fifo', 'fifo', 0, ''],
      ['contig', 'contiguous', 1, 'c'],
      ['a/very/long/prefix/long.bin', 'file', 1, 'p'],
    ]);
    expect(r.entries[5]!.linkName).toBe('model/config.json');
    expect(r.entries[0]!.mode).toBe(0o755);
    expect(r.entries[1]).toMatchObject({ offset: 512, dataOffset: 1024, format: 'ustar', uname: 'user' });
    expect(r.entries[2]!.format).toBe('gnu');
    expect(r.entries[3]!.format).toBe('v7');
  });

  it('bodies may be skipped or read in part', async () => {
    const tar = buildTar([
      { name: 'a', data: 'x'.repeat(5000) },
      { name: 'b', data: 'second' },
    ]);
    const names: string[] = [];
    let partial = '';
    for await (const item of tarEntries(streamOf(tar, 333))) {
      if (item.kind !== 'entry') continue;
      names.push(item.entry.name);
      if (item.entry.name === 'a') {
        for await (const chunk of item.body) {
          partial = Buffer.from(chunk).toString();
          break;
        }
      } else {
        expect(Buffer.from(await readAll(item.body)).toString()).toBe('second');
      }
    }
    expect(names).toEqual(['a', 'b']);
    expect(partial.startsWith('xxx')).toBe(true);
  });

  it('a body read after the archive moved on is a caller bug and throws', async () => {
    const tar = buildTar([{ name: 'a', data: 'body' }, { name: 'b' }]);
    const it = tarEntries(streamOf(tar));
    const first = await it.next();
    await it.next();
    if (first.done || first.value.kind !== 'entry') throw new Error('expected an entry');
    await expect(readAll(first.value.body)).rejects.toThrow(/moved past/);
    await it.return();
  });

  it('GNU long names and links, PAX path/linkpath/size, base-256 sizes', async () => {
    const long = `${'deep/'.repeat(40)}model.safetensors`;
    const tar = buildTar([
      gnuLongMember(long),
      gnuLongMember('target/of/link', 'K'),
      { name: 'truncated-name', type: '2', linkName: 'short' },
      paxMember({ path: 'pax/path.bin', size: '3' }),
      { name: 'ignored', data: 'abc', size: 999 },
      paxMember({ linkpath: 'pax-target', uid: '4242', mtime: '1.5' }),
      { name: 'sym', type: '2' },
      { name: 'b256', data: 'base256', base256Size: true },
    ]);
    const r = await list(tar);
    expect(r.codes).toEqual([]);
    expect(r.entries.map((e) => [e.name, e.linkName, e.size, e.content])).toEqual([
      [long, 'target/of/link', 0, ''],
      ['pax/path.bin', undefined, 3, 'abc'],
      ['sym', 'pax-target', 0, ''],
      ['b256', undefined, 7, 'base256'],
    ]);
    expect(r.entries[2]!.uid).toBe(4242);
    expect(r.entries[2]!.mtime).toBe(1.5);
    expect(r.entries[1]!.pax).toMatchObject({ path: 'pax/path.bin' });
  });

  it('the outermost metadata header wins, as in Python', async () => {
    const tar = buildTar([gnuLongMember('from-L'), paxMember({ path: 'from-pax' }), { name: 'x' }]);
    expect((await list(tar)).entries[0]!.name).toBe('from-L');
  });

  it('global PAX records apply to every later entry (Python and GNU tar), under L/x overrides, and are reported', async () => {
    const tar = buildTar([
      paxMember({ path: 'global-name', uname: 'g' }, 'g'),
      { name: 'plain' },
      paxMember({ uid: '7' }),
      { name: 'with-x' },
      gnuLongMember('long-name'),
      { name: 'with-L' },
    ]);
    const r = await list(tar);
    expect(r.codes).toEqual(['PAX_GLOBAL_OVERRIDE']);
    expect(r.entries.map((e) => [e.name, e.uname, e.uid])).toEqual([
      ['global-name', 'g', 1000],
      ['global-name', 'g', 7],
      ['long-name', 'g', 1000],
    ]);
  });
});

describe('tarEntries anomalies', () => {
  it('HEADER_CHECKSUM_MISMATCH on a plausible header: reported, entry still used', async () => {
    const r = await list(
      buildTar([
        { name: 'a', data: 'x', checksum: 1 },
        { name: 'b', data: 'y' },
      ]),
    );
    expect(r.codes).toEqual(['HEADER_CHECKSUM_MISMATCH']);
    expect(r.entries.map((e) => e.name)).toEqual(['a', 'b']);
  });

  it('a garbage block is skipped to the next valid header (RESYNC_SKIPPED_BLOCKS)', async () => {
    const garbage = new Uint8Array(1024).fill(0x41);
    const r = await list(
      cat(tarMember({ name: 'a', data: 'x' }), garbage, buildTar([{ name: 'b', data: 'y' }])),
    );
    expect(r.codes).toEqual(['HEADER_CHECKSUM_MISMATCH', 'RESYNC_SKIPPED_BLOCKS']);
    expect(r.anomalies[1]!.actual).toBe(512);
    expect(r.entries.map((e) => e.name)).toEqual(['a', 'b']);
  });

  it('HEADER_FIELD_INVALID for bad numbers; a bad size forces a resync', async () => {
    const mode = await list(buildTar([{ name: 'a', patch: (b) => b.set(utf8('9z\0'), 100) }]));
    expect(mode.codes).toEqual(['HEADER_FIELD_INVALID']);
    expect(mode.anomalies[0]!.field).toBe('mode');
    const size = await list(buildTar([{ name: 'a', rawSize: 'zz', body: utf8('data') }, { name: 'b' }]));
    expect(size.codes).toEqual(['HEADER_FIELD_INVALID', 'RESYNC_SKIPPED_BLOCKS']);
    expect(size.entries.map((e) => e.name)).toEqual(['b']);
  });

  it('UNKNOWN_TYPEFLAG keeps the body; SPECIAL_TYPEFLAG for GNU volume labels', async () => {
    const r = await list(
      buildTar([
        { name: 'odd', type: 'Q', data: 'payload' },
        { name: 'vol', type: 'V' },
      ]),
    );
    expect(r.codes).toEqual(['UNKNOWN_TYPEFLAG', 'SPECIAL_TYPEFLAG']);
    expect(r.entries[0]).toMatchObject({ type: 'unknown', content: 'payload' });
    expect(r.entries[1]!.type).toBe('volume-label');
  });

  it('SPARSE_ENTRY for GNU sparse, including extension blocks', async () => {
    const ext = new Uint8Array(512);
    ext[504] = 0;
    const header = tarHeader({
      name: 'sparse',
      type: 'S',
      data: 'seg',
      format: 'gnu',
      patch: (b) => (b[482] = 1),
    });
    const r = await list(
      cat(header, ext, utf8('seg'), new Uint8Array(509), buildTar([{ name: 'after', data: 'z' }])),
    );
    expect(r.codes).toEqual(['SPARSE_ENTRY']);
    expect(r.entries.map((e) => [e.name, e.type, e.content])).toEqual([
      ['sparse', 'sparse', 'seg'],
      ['after', 'file', 'z'],
    ]);
  });

  it('SIZE_ON_NON_FILE_TYPE: the size of a symlink is ignored, as Python does', async () => {
    const link = tarHeader({ name: 'l', type: '2', linkName: 't', size: 512 });
    const r = await list(cat(link, buildTar([{ name: 'next', data: 'n' }])));
    expect(r.codes).toEqual(['SIZE_ON_NON_FILE_TYPE']);
    expect(r.entries.map((e) => [e.name, e.size])).toEqual([
      ['l', 0],
      ['next', 1],
    ]);
  });

  it('PAX_RECORD_MALFORMED, PAX_DUPLICATE_KEY, PAX_VALUE_INVALID', async () => {
    const malformed = await list(buildTar([paxMember(utf8('99 path=x\n')), { name: 'a' }]));
    expect(malformed.codes).toEqual(['PAX_RECORD_MALFORMED']);
    expect(malformed.entries[0]!.name).toBe('a');
    const dup = await list(
      buildTar([paxMember(cat(paxRecords({ path: 'one' }), paxRecords({ path: 'two' }))), { name: 'a' }]),
    );
    expect(dup.codes).toEqual(['PAX_DUPLICATE_KEY']);
    expect(dup.entries[0]!.name).toBe('two');
    const size = await list(buildTar([paxMember({ size: '12abc' }), { name: 'a', data: '' }]));
    expect(size.codes).toEqual(['PAX_VALUE_INVALID']);
    expect(size.entries[0]!.size).toBe(0);
  });

  it('NAME_AFTER_NUL', async () => {
    const r = await list(buildTar([{ name: 'safe.txt\0../../evil' }]));
    expect(r.codes).toEqual(['NAME_AFTER_NUL']);
    expect(r.entries[0]!.name).toBe('safe.txt');
  });

  it('end of archive: missing, lone zero block, data after the end, orphan metadata', async () => {
    expect((await list(buildTar([{ name: 'a' }], { zeroBlocks: 0 }))).codes).toEqual([
      'MISSING_END_OF_ARCHIVE',
    ]);
    expect((await list(buildTar([{ name: 'a' }], { zeroBlocks: 1 }))).codes).toEqual([
      'MISSING_END_OF_ARCHIVE',
    ]);
    const lone = await list(
      cat(tarMember({ name: 'a' }), new Uint8Array(512), buildTar([{ name: 'hidden' }])),
    );
    expect(lone.codes).toEqual(['LONE_ZERO_BLOCK']);
    expect(lone.entries.map((e) => e.name)).toEqual(['a']);
    const after = await list(buildTar([{ name: 'a' }], { zeroBlocks: 4, trailing: utf8('secret') }));
    expect(after.codes).toEqual(['DATA_AFTER_END_OF_ARCHIVE']);
    expect(after.anomalies[0]!.offset).toBe(512 * 5);
    const padded = await list(buildTar([{ name: 'a' }], { zeroBlocks: 20 }));
    expect(padded.codes).toEqual([]);
    expect((await list(buildTar([gnuLongMember('x')]))).codes).toEqual(['ORPHAN_META_HEADER']);
  });

  it('TRUNCATED inside a header, a body, or a metadata header', async () => {
    const full = buildTar([{ name: 'a', data: 'x'.repeat(2000) }]);
    const body = await list(full.subarray(0, 1000));
    expect(body.codes).toEqual(['TRUNCATED']);
    expect(body.entries[0]!.content.length).toBe(1000 - 512);
    expect((await list(full.subarray(0, 300))).codes).toEqual(['TRUNCATED']);
    expect((await list(gnuLongMember('x'.repeat(600)).subarray(0, 700))).codes).toEqual(['TRUNCATED']);
  });

  it('limits: entries, metadata header size and chain length', async () => {
    const many = buildTar(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}` })));
    const capped = await list(many, { maxEntries: 3 });
    expect(capped.codes).toEqual(['LIMIT_ENTRY_COUNT']);
    expect(capped.entries).toHaveLength(3);
    const big = await list(buildTar([gnuLongMember('n'.repeat(3000)), { name: 'a' }]), {
      maxMetaHeaderBytes: 1000,
    });
    expect(big.codes).toEqual(['LIMIT_META_HEADER_BYTES']);
    expect(big.entries.map((e) => e.name)).toEqual(['a']);
    const chain = buildTar([...Array.from({ length: 10 }, () => gnuLongMember('x')), { name: 'a' }]);
    expect((await list(chain, { maxMetaHeaderChain: 4 })).codes).toEqual(['LIMIT_META_HEADER_CHAIN']);
  });

  it('LIMIT_RESYNC_BYTES bounds the search for a header in garbage', async () => {
    const r = await list(new Uint8Array(64 * 1024).fill(0x41), { maxResyncBytes: 8192 });
    expect(r.codes).toEqual(['HEADER_CHECKSUM_MISMATCH', 'LIMIT_RESYNC_BYTES']);
  });

  it('stopping early closes the input stream', async () => {
    const input = new TrackedStream(
      buildTar([{ name: 'a', data: 'x'.repeat(100_000) }, { name: 'b' }]),
      1024,
    );
    for await (const item of tarEntries(input)) {
      expect(item.kind).toBe('entry');
      break;
    }
    expect(input.closed).toBe(true);
    expect(input.finished).toBe(false);
  });
});

describe('tarEntries on the corpus', () => {
  async function fromTarGz(path: string) {
    const gz = decompressStream('gzip', sourceStream(new BufferSource(corpusFile(path))), {
      maxOutputBytes: 1 << 26,
      maxRatio: 1000,
    });
    const items = [];
    for await (const item of tarEntries(gz.stream)) {
      items.push(
        item.kind === 'entry'
          ? { ...item.entry, head: (await collectStream(item.body, 16)).bytes }
          : item.anomaly,
      );
    }
    return { items, gz: gz.anomalies };
  }

  it('model_bundle_tar_slip.tar.gz lists the traversal name verbatim', async () => {
    const { items, gz } = await fromTarGz('malicious/archive/model_bundle_tar_slip.tar.gz');
    expect(gz).toEqual([]);
    const names = items.map((i) => ('name' in i ? i.name : i.code));
    expect(names).toEqual([
      'model/config.json',
      'model/model.safetensors',
      '../../../tmp/vacsrp-canary-tar-slip.sh',
    ]);
  });

  it('model_bundle.tar.gz: no anomalies', async () => {
    const { items } = await fromTarGz('benign/archive/model_bundle.tar.gz');
    expect(items.every((i) => 'name' in i)).toBe(true);
    expect(items.map((i) => ('name' in i ? i.type : ''))).toEqual(['directory', 'file', 'file']);
  });
});

describe('TAR_ANOMALY_CODES', () => {
  it('every code is described and asserted by a tar test', () => {
    expect(untestedCodes(TAR_ANOMALY_CODES, 'tar')).toEqual([]);
    for (const text of Object.values(TAR_ANOMALY_CODES)) expect(text).toMatch(/^\S.{15,}\.$/);
  });
});
