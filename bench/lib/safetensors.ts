/** safetensors: u64 little-endian header length, a JSON header padded with spaces to 8 bytes, then data. */
import type { TensorSpec } from './model.js';
import type { ByteSink } from './sink.js';
import type { TensorBytes } from './tensor-data.js';

export function safetensorsHeader(tensors: readonly TensorSpec[]): Uint8Array {
  // Like the reference writer: __metadata__ first, tensors in data order, contiguous offsets.
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const tensor of [...tensors].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    header[tensor.name] = {
      dtype: 'F32',
      shape: tensor.shape,
      data_offsets: [offset, offset + tensor.bytes],
    };
    offset += tensor.bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const bytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + bytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(bytes.length), true);
  out.set(bytes, 8);
  return out;
}

export const safetensorsSize = (tensors: readonly TensorSpec[]): number =>
  safetensorsHeader(tensors).length + tensors.reduce((n, t) => n + t.bytes, 0);

export async function writeSafetensors(
  sink: ByteSink,
  tensors: readonly TensorSpec[],
  data: TensorBytes,
): Promise<void> {
  await sink.write(safetensorsHeader(tensors));
  for (const tensor of [...tensors].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    await data.float32(tensor.bytes, (chunk) => sink.write(chunk));
  }
}
