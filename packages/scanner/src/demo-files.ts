/**
 * The demo model repository, generated in code (never copied from anywhere): one clean PyTorch-style
 * checkpoint with its configuration, and two booby-trapped pickles of the kinds found on public hubs.
 * The payloads only name `echo`; nothing here is ever loaded.
 */
const text = (s: string) => new TextEncoder().encode(s);

function cat(...parts: Array<Uint8Array | number[] | string>): Uint8Array {
  const chunks = parts.map((p) =>
    typeof p === 'string' ? text(p) : p instanceof Uint8Array ? p : Uint8Array.from(p),
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** BINUNICODE (works at protocol 2, as torch.save writes). */
const str = (s: string) => {
  const b = text(s);
  const n = new Uint8Array(4);
  new DataView(n.buffer).setUint32(0, b.length, true);
  return cat('X', n, b);
};
const global = (m: string, n: string) => `c${m}\n${n}\n`;

/** A state dict with one float32 tensor of four elements, as torch.save pickles it. */
function stateDictPickle(): Uint8Array {
  return cat(
    [0x80, 0x02],
    global('collections', 'OrderedDict'),
    ')R',
    str('linear.weight'),
    global('torch._utils', '_rebuild_tensor_v2'),
    '(',
    '(',
    str('storage'),
    global('torch', 'FloatStorage'),
    str('0'),
    str('cpu'),
    [0x4b, 4],
    'tQ',
    [0x4b, 0],
    [0x4b, 4, 0x85],
    [0x4b, 1, 0x85],
    [0x89],
    global('collections', 'OrderedDict'),
    ')R',
    'tR',
    's.',
  );
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A minimal stored zip (what torch.save writes, without alignment padding). */
function zip(members: ReadonlyArray<readonly [string, Uint8Array]>): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of members) {
    const n = text(name);
    const crc = crc32(data);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, data.length, true);
    local.setUint32(22, data.length, true);
    local.setUint16(26, n.length, true);
    const central = new DataView(new ArrayBuffer(46));
    central.setUint32(0, 0x02014b50, true);
    central.setUint16(4, 20, true);
    central.setUint16(6, 20, true);
    central.setUint32(16, crc, true);
    central.setUint32(20, data.length, true);
    central.setUint32(24, data.length, true);
    central.setUint16(28, n.length, true);
    central.setUint32(42, offset, true);
    const l = cat(new Uint8Array(local.buffer), n, data);
    locals.push(l);
    centrals.push(cat(new Uint8Array(central.buffer), n));
    offset += l.length;
  }
  const cd = cat(...centrals);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, members.length, true);
  end.setUint16(10, members.length, true);
  end.setUint32(12, cd.length, true);
  end.setUint32(16, offset, true);
  return cat(...locals, cd, new Uint8Array(end.buffer));
}

export interface DemoFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly about: string;
}

export function demoFiles(): DemoFile[] {
  const weights = new Uint8Array(new Float32Array([0.5, -1.25, 2, 0.125]).buffer);
  return [
    {
      path: 'clean-model/model.pt',
      about: 'PyTorch zip checkpoint holding a plain state dict',
      bytes: zip([
        ['model/data.pkl', stateDictPickle()],
        ['model/byteorder', text('little')],
        ['model/data/0', weights],
        ['model/version', text('3\n')],
      ]),
    },
    {
      path: 'clean-model/config.json',
      about: 'model configuration',
      bytes: text('{"architectures": ["TinyLinear"], "hidden_size": 4}\n'),
    },
    {
      path: 'downloaded-model/pytorch_model.bin',
      about: 'raw pickle whose reduction calls os.system (pickled as posix.system)',
      bytes: cat([0x80, 0x02], global('posix', 'system'), str('echo vacsrp-demo'), [0x85], 'R.'),
    },
    {
      path: 'downloaded-model/tokenizer.safetensors',
      about: 'a pickle named as safetensors that reaches os.system through importlib and getattr',
      bytes: cat(
        [0x80, 0x04],
        global('builtins', 'getattr'),
        global('importlib', 'import_module'),
        str('os'),
        [0x85],
        'R',
        str('system'),
        [0x86],
        'R',
        str('echo vacsrp-demo'),
        [0x85],
        'R.',
      ),
    },
  ];
}
