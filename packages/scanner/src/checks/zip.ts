/**
 * ZIP containers: PyTorch checkpoints (any top-level directory name), TorchScript archives, NumPy .npz,
 * Keras .keras and plain zips. The directory is read as tolerantly as PyTorch's miniz reader; every
 * anomaly is a finding; every member is analysed by content, so a pickle named `notes.txt` or
 * `config.p` is found wherever it sits.
 */
import {
  analyseTorchScriptCode,
  BufferSource,
  type ByteSource,
  collectStream,
  openZipEntry,
  readZipDirectory,
  SliceSource,
  TORCHSCRIPT_MAX_CODE_BYTES,
  type ZipAnomaly,
  type ZipAnomalyCode,
  type ZipEntry,
} from '@vacsrp/formats';
import { type Finding, type FindingLocation, makeFinding, type Severity } from '../findings.js';
import type { PolicyContext } from '../policy/policy.js';
import type { RuleId } from '../rules/registry.js';
import { type Content, skipStream } from './content.js';
import { scanKerasArchive } from './keras.js';
import { admitMember, memberNameFindings } from './members.js';
import type { StorageRef } from './pickle.js';
import type { Analysis, ScanState, Target } from './types.js';

type Mapping = readonly [RuleId, Severity?];
const RULE: Readonly<Record<ZipAnomalyCode, Mapping>> = {
  EOCD_NOT_FOUND: ['VAC-ZIP-005'],
  EOCD_INVALID: ['VAC-ZIP-005'],
  EOCD_MULTIPLE: ['VAC-ZIP-005'],
  EOCD_COMMENT_TRUNCATED: ['VAC-ZIP-005'],
  EOCD_TRAILING_DATA: ['VAC-ZIP-005'],
  MULTI_DISK: ['VAC-ZIP-005'],
  ZIP64_LOCATOR_MISSING: ['VAC-ZIP-005'],
  ZIP64_EOCD_INVALID: ['VAC-ZIP-005'],
  ZIP64_EOCD_MISPLACED: ['VAC-ZIP-005'],
  ZIP64_EOCD_MISMATCH: ['VAC-ZIP-001'],
  ZIP64_EXTRA_INVALID: ['VAC-ZIP-005'],
  ZIP64_VALUE_TOO_LARGE: ['VAC-ZIP-005'],
  CENTRAL_DIRECTORY_OUT_OF_BOUNDS: ['VAC-ZIP-005'],
  CENTRAL_DIRECTORY_CORRUPT: ['VAC-ZIP-005'],
  CENTRAL_DIRECTORY_COUNT_MISMATCH: ['VAC-ZIP-005'],
  CENTRAL_DIRECTORY_OFFSET_MISMATCH: ['VAC-ZIP-005'],
  RECOVERED_BY_LOCAL_SCAN: ['VAC-ZIP-005'],
  EXTRA_FIELD_MALFORMED: ['VAC-ZIP-005'],
  NAME_INVALID_UTF8: ['VAC-ZIP-005'],
  UNICODE_PATH_MISMATCH: ['VAC-ZIP-001'],
  DUPLICATE_NAME: ['VAC-ZIP-004'],
  FLAG_ENCRYPTED: ['VAC-ZIP-002'],
  FLAG_PATCHED_DATA: ['VAC-ZIP-002'],
  FLAG_STRONG_ENCRYPTION: ['VAC-ZIP-002'],
  FLAG_RESERVED_BITS: ['VAC-ZIP-005', 'low'],
  UNSUPPORTED_METHOD: ['VAC-ARC-004'],
  LOCAL_HEADER_MISSING: ['VAC-ZIP-005'],
  LOCAL_NAME_MISMATCH: ['VAC-ZIP-001'],
  LOCAL_METHOD_MISMATCH: ['VAC-ZIP-001'],
  LOCAL_FLAGS_MISMATCH: ['VAC-ZIP-001'],
  LOCAL_CRC_MISMATCH: ['VAC-ZIP-001'],
  LOCAL_COMPRESSED_SIZE_MISMATCH: ['VAC-ZIP-001'],
  LOCAL_UNCOMPRESSED_SIZE_MISMATCH: ['VAC-ZIP-001'],
  DATA_DESCRIPTOR_MISSING: ['VAC-ZIP-005'],
  DATA_DESCRIPTOR_MISMATCH: ['VAC-ZIP-005'],
  ENTRY_DATA_OUT_OF_BOUNDS: ['VAC-ZIP-005'],
  OVERLAPPING_ENTRIES: ['VAC-ZIP-005', 'high'],
  ENTRY_OVERLAPS_CENTRAL_DIRECTORY: ['VAC-ZIP-005', 'high'],
  BYTES_BEFORE_FIRST_ENTRY: ['VAC-ZIP-005'],
  BYTES_BETWEEN_ENTRIES: ['VAC-ZIP-005'],
  BYTES_AFTER_LAST_ENTRY: ['VAC-ZIP-005'],
  UNREFERENCED_LOCAL_HEADER: ['VAC-ZIP-005', 'high'],
  STORED_SIZE_MISMATCH: ['VAC-ZIP-005'],
  LIMIT_ENTRY_COUNT: ['VAC-ARC-007'],
  LIMIT_CENTRAL_DIRECTORY_SIZE: ['VAC-ARC-007'],
  LIMIT_ANOMALY_COUNT: ['VAC-ARC-007'],
  LIMIT_MEMBER_BYTES: ['VAC-ARC-006'],
  LIMIT_MEMBER_RATIO: ['VAC-ARC-006'],
  CRC_MISMATCH: ['VAC-ZIP-003'],
  SIZE_MISMATCH: ['VAC-ZIP-005'],
  MEMBER_NOT_READABLE: ['VAC-ARC-004'],
  MEMBER_TRUNCATED: ['VAC-ZIP-005'],
  MEMBER_CORRUPT: ['VAC-ARC-008'],
  MEMBER_TRAILING_BYTES: ['VAC-ZIP-005'],
};

/** Element sizes of PyTorch storage types, to check storages against their data/ members. */
const STORAGE_ITEMSIZE: Readonly<Record<string, number>> = {
  DoubleStorage: 8,
  FloatStorage: 4,
  HalfStorage: 2,
  BFloat16Storage: 2,
  LongStorage: 8,
  IntStorage: 4,
  ShortStorage: 2,
  CharStorage: 1,
  ByteStorage: 1,
  BoolStorage: 1,
  ComplexFloatStorage: 8,
  ComplexDoubleStorage: 16,
  QInt8Storage: 1,
  QUInt8Storage: 1,
  QInt32Storage: 4,
  QUInt4x2Storage: 1,
  QUInt2x4Storage: 1,
  UntypedStorage: 1,
};

type ZipKind = 'pytorch-zip' | 'torchscript' | 'npz' | 'keras' | 'zip';

export async function scanZip(state: ScanState, t: Target): Promise<Analysis> {
  const source = await randomAccess(state, t);
  if (!source)
    return { format: 'zip', skipped: 'zip inside a stream is larger than maxBufferedArchiveBytes' };
  const dir = await readZipDirectory(source, { maxEntries: state.limits.maxArchiveMembers });
  const seen = new Set<string>();
  const report = (a: ZipAnomaly, member?: string) => {
    const key = `${a.code}:${a.offset}:${a.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    state.findings.push(zipFinding(a, member ? memberLoc(t, member) : t.location));
  };
  for (const a of dir.anomalies) report(a);

  const files = dir.entries.filter((e) => !e.isDirectory);
  const kind = classify(files);
  const prefix = torchPrefix(files);
  const context: PolicyContext =
    kind === 'torchscript'
      ? 'torchscript'
      : kind === 'pytorch-zip'
        ? 'torch'
        : kind === 'npz'
          ? 'numpy'
          : t.context;
  const storages: StorageRef[] = [];

  for (const e of dir.entries) {
    const loc = memberLoc(t, e.name);
    state.findings.push(...memberNameFindings(e.name, loc, 'zip'));
    if (e.isSymlink) {
      state.findings.push(
        makeFinding('VAC-ARC-003', {
          message: `zip member ${JSON.stringify(e.name)} is a symbolic link`,
          location: loc,
        }),
      );
    }
  }
  for (const e of files) {
    if (!e.readable) continue; // reported as an anomaly by the reader
    if (!admitMember(state, t)) break;
    const result = await state.analyse(state, {
      content: memberContent(state, source, e, (a) => report(a, e.name)),
      name: e.name,
      location: memberLoc(t, e.name),
      depth: t.depth + 1,
      context,
      probeWindow: state.limits.memberProbeBytes,
    });
    if (prefix !== undefined && e.name === `${prefix}/data.pkl`) storages.push(...(result.storages ?? []));
  }
  if (prefix !== undefined) storageFindings(state, t, prefix, files, storages);

  if (kind === 'torchscript') await torchScript(state, t, source, files);
  if (kind === 'keras') return scanKerasArchive(state, t, source, files);
  return { format: kind };
}

function memberLoc(t: Target, member: string): FindingLocation {
  return { ...t.location, members: [...(t.location.members ?? []), member] };
}

function zipFinding(a: ZipAnomaly, location: FindingLocation): Finding {
  const [rule, severity] = RULE[a.code];
  return makeFinding(rule, {
    message: a.message,
    location: { ...location, ...(a.offset !== undefined ? { offset: a.offset } : {}) },
    evidence: {
      details: {
        code: a.code,
        ...(a.field ? { field: a.field } : {}),
        ...(a.actual !== undefined ? { actual: String(a.actual) } : {}),
      },
    },
    ...(severity ? { severity } : {}),
  });
}

/** A member as Content: stored members keep random access; every read goes through the checking reader. */
function memberContent(
  state: ScanState,
  source: ByteSource,
  e: ZipEntry,
  onAnomaly: (a: ZipAnomaly) => void,
): Content {
  const opts = { maxBytes: state.limits.maxDecompressedBytes, maxRatio: state.limits.maxCompressionRatio };
  const open = () => {
    const r = openZipEntry(source, e, opts);
    return (async function* () {
      try {
        yield* r.stream;
      } finally {
        for (const a of r.anomalies) onAnomaly(a);
      }
    })();
  };
  const stored = e.method === 0 && e.dataOffset !== undefined;
  const slice = stored ? new SliceSource(source, e.dataOffset!, e.compressedSize) : undefined;
  return {
    size: e.uncompressedSize,
    ...(slice ? { source: slice } : {}),
    open: (offset = 0) => (offset === 0 ? open() : skipStream(open(), offset)),
    head: async (n = 1024) => (slice ? slice.read(0, n) : (await collectStream(open(), n)).bytes),
  };
}

async function randomAccess(state: ScanState, t: Target): Promise<ByteSource | undefined> {
  if (t.content.source) return t.content.source;
  const { bytes, truncated } = await collectStream(t.content.open(), state.limits.maxBufferedArchiveBytes);
  if (truncated) {
    state.findings.push(
      makeFinding('VAC-ARC-006', {
        message: `zip inside a stream exceeds maxBufferedArchiveBytes (${state.limits.maxBufferedArchiveBytes}); not analysed`,
        location: t.location,
      }),
    );
    return undefined;
  }
  return new BufferSource(bytes);
}

function classify(files: readonly ZipEntry[]): ZipKind {
  const names = files.map((e) => e.name);
  const hasTop = (re: RegExp) => names.some((n) => re.test(n));
  if (hasTop(/^[^/]+\/code\//) || hasTop(/^[^/]+\/constants\.pkl$/)) return 'torchscript';
  if (hasTop(/^[^/]+\/data\.pkl$/)) return 'pytorch-zip';
  if (
    names.includes('config.json') &&
    (names.includes('metadata.json') || names.some((n) => n.startsWith('model.weights')))
  )
    return 'keras';
  if (names.length > 0 && names.every((n) => n.endsWith('.npy'))) return 'npz';
  return 'zip';
}

function torchPrefix(files: readonly ZipEntry[]): string | undefined {
  const m = files.map((e) => /^([^/]+)\/data\.pkl$/.exec(e.name)?.[1]).find((x) => x !== undefined);
  return m;
}

/** Each storage data.pkl names must exist as <prefix>/data/<key> with numel × itemsize bytes. */
function storageFindings(
  state: ScanState,
  t: Target,
  prefix: string,
  files: readonly ZipEntry[],
  storages: readonly StorageRef[],
): void {
  const members = new Map(files.map((e) => [e.name, e]));
  for (const s of storages) {
    const name = `${prefix}/data/${s.key}`;
    const e = members.get(name);
    if (!e) {
      state.findings.push(
        makeFinding('VAC-PT-005', {
          message: `data.pkl refers to storage ${JSON.stringify(s.key)} but ${name} is missing`,
          location: memberLoc(t, `${prefix}/data.pkl`),
        }),
      );
      continue;
    }
    const itemsize = s.dtype !== undefined ? STORAGE_ITEMSIZE[s.dtype] : undefined;
    if (itemsize === undefined || s.numel === undefined) continue;
    const expected = s.numel * BigInt(itemsize);
    if (expected !== BigInt(e.uncompressedSize)) {
      state.findings.push(
        makeFinding('VAC-PT-005', {
          message: `storage ${JSON.stringify(s.key)} declares ${s.numel} × ${itemsize} bytes but ${name} holds ${e.uncompressedSize}`,
          location: memberLoc(t, name),
          evidence: { details: { declared: expected.toString(), actual: e.uncompressedSize } },
        }),
      );
    }
  }
}

async function torchScript(
  state: ScanState,
  t: Target,
  source: ByteSource,
  files: readonly ZipEntry[],
): Promise<void> {
  const code = files.filter((e) => /^[^/]+\/code\/.*\.py$/.test(e.name));
  state.findings.push(
    makeFinding('VAC-PT-002', {
      message: `TorchScript archive with ${code.length} code file(s); torch.load(weights_only=True) refuses it and torch.jit.load runs its code`,
      location: t.location,
      evidence: {
        excerpt: code
          .slice(0, 20)
          .map((e) => e.name)
          .concat(code.length > 20 ? [`… ${code.length - 20} more`] : [])
          .join(', '),
        details: { codeFiles: code.length },
      },
    }),
  );
  for (const e of code) {
    if (!e.readable) continue;
    const loc = memberLoc(t, e.name);
    const { bytes, truncated } = await collectStream(
      openZipEntry(source, e, {
        maxBytes: TORCHSCRIPT_MAX_CODE_BYTES + 1,
        maxRatio: state.limits.maxCompressionRatio,
      }).stream,
      TORCHSCRIPT_MAX_CODE_BYTES,
    );
    if (truncated) {
      state.findings.push(
        makeFinding('VAC-PKL-013', {
          message: `TorchScript code file larger than ${TORCHSCRIPT_MAX_CODE_BYTES} bytes was analysed only in part`,
          location: loc,
        }),
      );
    }
    for (const ref of analyseTorchScriptCode(new TextDecoder().decode(bytes))) {
      state.findings.push(
        makeFinding('VAC-PT-003', {
          message: `TorchScript code references ${ref.name} (${ref.reason.replace('-', ' ')}) at line ${ref.line}`,
          location: loc,
          evidence: { callable: ref.name, details: { line: ref.line, reason: ref.reason } },
        }),
      );
    }
  }
}
