/**
 * bzip2 streams, one after another as bzip2(1) decodes concatenated files. Input is buffered a
 * block at a time (a compressed block is at most ~2.3 MB), the block is decoded synchronously and
 * its output handed out in 64 KiB slices, so memory stays near 4 + 3.6 MB whatever the ratio.
 */
import { BitReader, type BitState, Bzip2BlockDecoder, Bzip2DataError, NEED_INPUT } from './bzip2-block.js';
import type { StreamReader } from './stream-reader.js';
import { reportTrailing } from './trailing.js';
import type { DecodeContext } from './types.js';

/** Worst case: 900,001 symbols × 20-bit codes plus tables; anything longer is not bzip2. */
const MAX_BLOCK_INPUT_BYTES = 3 * 1024 * 1024;
/** Buffered input we aim for before decoding a block: one full level-9 block and some. */
const BLOCK_TARGET_BYTES = 1024 * 1024 + 64 * 1024;
const OUTPUT_SLICE_BYTES = 64 * 1024;

/** Appends input to the bit reader's window, dropping bytes before `keepFrom`. */
function append(br: BitReader, chunk: Uint8Array, keepFrom: number, saved: BitState): void {
  const live = br.end - keepFrom;
  if (br.data.length < live + chunk.length) {
    const next = new Uint8Array(Math.max(2 * br.data.length, live + chunk.length, 64 * 1024));
    next.set(br.data.subarray(keepFrom, br.end), 0);
    br.data = next;
  } else if (keepFrom > 0) {
    br.data.copyWithin(0, keepFrom, br.end);
  }
  br.end = live;
  br.pos -= keepFrom;
  saved.pos -= keepFrom;
  br.data.set(chunk, br.end);
  br.end += chunk.length;
}

export async function* bunzip2(reader: StreamReader, ctx: DecodeContext): AsyncGenerator<Uint8Array, void> {
  const br = new BitReader();
  /** Stream offset of br.data[0]. */
  let base = reader.position;
  let eof = false;
  const fill = async (target: number, saved: BitState): Promise<void> => {
    while (!eof && br.end - saved.pos < target) {
      const chunk = await reader.next(256 * 1024);
      if (chunk === undefined) {
        eof = true;
        return;
      }
      const keepFrom = saved.pos;
      append(br, chunk, keepFrom, saved);
      base += keepFrom;
    }
  };
  /** Hands unread buffered bytes back to the reader (for trailing-data checks). */
  const giveBack = (): void => {
    const at = br.bytePosition();
    reader.unshift(br.data.slice(at, br.end));
    br.end = at;
  };

  for (let stream = 0; ; stream++) {
    const streamOffset = base + br.bytePosition();
    const start = br.save();
    await fill(4, start);
    const magic = br.data.subarray(start.pos, Math.min(br.end, start.pos + 4));
    const isBzip2 = magic[0] === 0x42 && magic[1] === 0x5a && magic[2] === 0x68;
    if (stream > 0 && !isBzip2) {
      giveBack();
      await reportTrailing(reader, ctx, 'bzip2');
      return;
    }
    if (stream === 0 && magic.length === 0) {
      ctx.report({ code: 'EMPTY_INPUT', message: 'empty bzip2 input', offset: streamOffset });
      return;
    }
    if (!isBzip2 || magic.length < 4) {
      ctx.report(
        isBzip2
          ? { code: 'TRUNCATED', message: 'input ends inside the bzip2 header', offset: streamOffset }
          : { code: 'BAD_MAGIC', message: 'not bzip2: magic "BZh" missing', offset: streamOffset },
      );
      return;
    }
    const level = magic[3]! - 0x30;
    if (level < 1 || level > 9) {
      ctx.report({
        code: 'HEADER_INVALID',
        message: 'bzip2 block size digit outside 1-9',
        offset: streamOffset + 3,
        field: 'level',
        actual: magic[3]!,
      });
      return;
    }
    if (stream >= ctx.limits.maxMembers) {
      ctx.report({
        code: 'LIMIT_MEMBER_COUNT',
        message: 'more bzip2 streams than the limit',
        offset: streamOffset,
        limit: ctx.limits.maxMembers,
      });
      return;
    }
    br.pos = start.pos + 4;
    const decoder = new Bzip2BlockDecoder(level);
    let combined = 0;
    for (;;) {
      const blockStart = br.save();
      const blockOffset = base + blockStart.pos;
      let target = BLOCK_TARGET_BYTES;
      let end: { streamCrc: number } | undefined;
      for (;;) {
        await fill(target, blockStart);
        try {
          end = decoder.readBlock(br);
          break;
        } catch (error) {
          if (error !== NEED_INPUT) {
            if (error instanceof Bzip2DataError) {
              const randomised = error.message.startsWith('randomised');
              ctx.report({
                code: randomised ? 'UNSUPPORTED' : 'CORRUPT',
                message: error.message,
                offset: blockOffset,
              });
              return;
            }
            throw error;
          }
          if (eof || target >= MAX_BLOCK_INPUT_BYTES) {
            ctx.report(
              eof
                ? { code: 'TRUNCATED', message: 'input ends inside a bzip2 block', offset: blockOffset }
                : {
                    code: 'CORRUPT',
                    message: 'bzip2 block longer than any valid block',
                    offset: blockOffset,
                  },
            );
            return;
          }
          br.restore(blockStart);
          target = Math.min(target * 2, MAX_BLOCK_INPUT_BYTES);
        }
      }
      if (end) {
        if (end.streamCrc !== combined) {
          ctx.report({
            code: 'CHECKSUM_MISMATCH',
            message: 'bzip2 stream CRC differs from the combined block CRCs',
            offset: blockOffset,
            field: 'stream CRC',
          });
          return;
        }
        br.align();
        break;
      }
      for (;;) {
        const out = new Uint8Array(OUTPUT_SLICE_BYTES);
        const n = decoder.write(out);
        if (n === 0) break;
        yield out.subarray(0, n);
      }
      const blockCrc = decoder.blockCrc();
      if (blockCrc !== decoder.expectedCrc) {
        ctx.report({
          code: 'CHECKSUM_MISMATCH',
          message: 'bzip2 block CRC differs from the block data',
          offset: blockOffset,
          field: 'block CRC',
        });
        return;
      }
      combined = (((combined << 1) | (combined >>> 31)) ^ blockCrc) >>> 0;
    }
  }
}
