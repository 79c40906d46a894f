/**
 * PyTorch checkpoints assembled by hand (studied from torch 1.13/2.x output; see docs/benchmarks.md):
 * the zip format (`torch.save` default since 1.6) and the legacy stacked-pickle format.
 */
import { contiguousStrides, type TensorSpec } from './model.js';
import { PickleWriter } from './pickle.js';
import type { ByteSink } from './sink.js';
import type { TensorBytes } from './tensor-data.js';
import { writeZip, type ZipMember } from './zip.js';

type Value = (p: PickleWriter) => void;

/** `torch._utils._rebuild_tensor_v2(persistent storage, 0, size, stride, False, OrderedDict())`. */
function rebuildTensor(tensor: TensorSpec, key: string, legacy: boolean): Value {
  // The persistent id: ('storage', torch.FloatStorage, key, 'cpu', numel[, view_metadata=None in legacy])
  const pid: Value[] = [
    (p) => p.str('storage'),
    (p) => p.global('torch', 'FloatStorage'),
    (p) => p.str(key),
    (p) => p.str('cpu'),
    (p) => p.int(tensor.numel),
  ];
  if (legacy) pid.push((p) => p.none());
  return (p) =>
    p.reduce(
      (q) => q.global('torch._utils', '_rebuild_tensor_v2'),
      (q) =>
        q.tuple(
          (r) => r.persistentId((s) => s.tuple(...pid)),
          (r) => r.int(0),
          (r) =>
            r.tuple(
              ...tensor.shape.map(
                (n): Value =>
                  (s) =>
                    s.int(n),
              ),
            ),
          (r) =>
            r.tuple(
              ...contiguousStrides(tensor.shape).map(
                (n): Value =>
                  (s) =>
                    s.int(n),
              ),
            ),
          (r) => r.bool(false),
          (r) =>
            r.reduce(
              (s) => s.global('collections', 'OrderedDict'),
              (s) => s.tuple(),
            ),
        ),
    );
}

/** The state-dict pickle: an OrderedDict of tensors whose `_metadata` attribute lists module versions. */
export function stateDictPickle(
  tensors: readonly TensorSpec[],
  keys: readonly string[],
  modules: readonly string[],
  legacy: boolean,
): Uint8Array {
  const p = new PickleWriter().proto(2);
  p.orderedDict(tensors.map((tensor, i) => [tensor.name, rebuildTensor(tensor, keys[i]!, legacy)] as const));
  p.build((q) =>
    q.dict([
      [
        '_metadata',
        (r) =>
          r.orderedDict(
            modules.map((m) => [m, (s: PickleWriter) => s.dict([['version', (t) => t.int(1)]])] as const),
          ),
      ],
    ]),
  );
  return p.stop();
}

const enc = new TextEncoder();

/** A torch.save zip archive: archive/data.pkl, byteorder, data/<key>…, version, .data/serialization_id. */
export async function writeTorchZip(
  sink: ByteSink,
  tensors: readonly TensorSpec[],
  modules: readonly string[],
  data: TensorBytes,
): Promise<void> {
  const keys = tensors.map((_, i) => String(i));
  const small = (name: string, bytes: Uint8Array): ZipMember => ({
    name,
    size: bytes.length,
    write: (emit) => emit(bytes),
  });
  await writeZip(sink, [
    small('archive/data.pkl', stateDictPickle(tensors, keys, modules, false)),
    small('archive/byteorder', enc.encode('little')),
    ...tensors.map(
      (tensor, i): ZipMember => ({
        name: `archive/data/${keys[i]}`,
        size: tensor.bytes,
        write: (emit) => data.float32(tensor.bytes, emit),
      }),
    ),
    small('archive/version', enc.encode('3\n')),
    // torch 2.x writes a 40-digit decimal id; fixed here so the file is reproducible.
    small('archive/.data/serialization_id', enc.encode('1234567890123456789012345678901234567890')),
  ]);
}

/** Legacy (torch < 1.6, `_use_new_zipfile_serialization=False`) layout. */
export function legacyLayout(tensors: readonly TensorSpec[], modules: readonly string[]) {
  // Real keys are str(id(storage)): same-length decimal numbers, so string order is numeric order.
  const keys = tensors.map((_, i) => String(94_000_000_000_000 + i * 65_536));
  const magic = new PickleWriter().proto(2).long1(0x1950a86a20f9469cfc6cn).stop();
  const protocolVersion = new PickleWriter().proto(2).int(1001).stop();
  const sysInfo = new PickleWriter()
    .proto(2)
    .dict([
      ['protocol_version', (p) => p.int(1001)],
      ['little_endian', (p) => p.bool(true)],
      [
        'type_sizes',
        (p) =>
          p.dict([
            ['short', (q) => q.int(2)],
            ['int', (q) => q.int(4)],
            ['long', (q) => q.int(4)],
          ]),
      ],
    ])
    .stop();
  const object = stateDictPickle(tensors, keys, modules, true);
  const order = keys.map((key, i) => ({ key, tensor: tensors[i]! })).sort((a, b) => (a.key < b.key ? -1 : 1));
  const keyList = new PickleWriter()
    .proto(2)
    .list(
      order.map(
        ({ key }) =>
          (p: PickleWriter) =>
            p.str(key),
      ),
    )
    .stop();
  const pickles = [magic, protocolVersion, sysInfo, object, keyList];
  const size =
    pickles.reduce((n, p) => n + p.length, 0) + order.reduce((n, { tensor }) => n + 8 + tensor.bytes, 0);
  return { pickles, order, size };
}

export async function writeTorchLegacy(
  sink: ByteSink,
  tensors: readonly TensorSpec[],
  modules: readonly string[],
  data: TensorBytes,
): Promise<void> {
  const { pickles, order } = legacyLayout(tensors, modules);
  for (const pickle of pickles) await sink.write(pickle);
  for (const { tensor } of order) {
    // Each storage: its element count as int64 little-endian, then the raw elements.
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigUint64(0, BigInt(tensor.numel), true);
    await sink.write(count);
    await data.float32(tensor.bytes, (chunk) => sink.write(chunk));
  }
}
