/**
 * TAR archives, including pre-1.0 PyTorch tar checkpoints (members sys_info, pickle, tensors,
 * storages). Members are analysed by content in archive order; names that escape extraction, links
 * and device entries are findings, as is every structural anomaly the reader reports.
 */
import {
  BufferSource,
  collectStream,
  SliceSource,
  type TarAnomaly,
  type TarAnomalyCode,
  type TarEntry,
  tarEntries,
} from '@vacsrp/formats';
import { type FindingLocation, makeFinding, type Severity } from '../findings.js';
import type { RuleId } from '../rules/registry.js';
import { type Content, sourceContent } from './content.js';
import { admitMember, memberNameFindings } from './members.js';
import type { Analysis, ScanState, Target } from './types.js';

const RULE: Readonly<Record<TarAnomalyCode, readonly [RuleId, Severity?]>> = {
  HEADER_CHECKSUM_MISMATCH: ['VAC-TAR-001'],
  HEADER_FIELD_INVALID: ['VAC-TAR-001'],
  RESYNC_SKIPPED_BLOCKS: ['VAC-TAR-001', 'high'],
  UNKNOWN_TYPEFLAG: ['VAC-TAR-001'],
  SPECIAL_TYPEFLAG: ['VAC-TAR-001'],
  SPARSE_ENTRY: ['VAC-TAR-001'],
  SIZE_ON_NON_FILE_TYPE: ['VAC-TAR-001'],
  PAX_RECORD_MALFORMED: ['VAC-TAR-001'],
  PAX_DUPLICATE_KEY: ['VAC-TAR-001'],
  PAX_VALUE_INVALID: ['VAC-TAR-001'],
  PAX_GLOBAL_OVERRIDE: ['VAC-TAR-001'],
  ORPHAN_META_HEADER: ['VAC-TAR-001', 'low'],
  NAME_AFTER_NUL: ['VAC-TAR-001'],
  MISSING_END_OF_ARCHIVE: ['VAC-TAR-001', 'low'],
  LONE_ZERO_BLOCK: ['VAC-TAR-001', 'high'],
  DATA_AFTER_END_OF_ARCHIVE: ['VAC-TAR-001'],
  TRUNCATED: ['VAC-TAR-001'],
  LIMIT_ENTRY_COUNT: ['VAC-ARC-007'],
  LIMIT_META_HEADER_BYTES: ['VAC-ARC-006'],
  LIMIT_META_HEADER_CHAIN: ['VAC-ARC-007'],
  LIMIT_RESYNC_BYTES: ['VAC-TAR-001'],
};

/** Member names of the legacy torch.save tar format. */
const LEGACY_TORCH = ['sys_info', 'pickle', 'tensors', 'storages'];

export async function scanTar(state: ScanState, t: Target): Promise<Analysis> {
  const names = new Set<string>();
  for await (const item of tarEntries(t.content.open(), { maxEntries: state.limits.maxArchiveMembers })) {
    if (item.kind === 'anomaly') {
      state.findings.push(anomalyFinding(item.anomaly, t.location));
      continue;
    }
    const e = item.entry;
    const base = e.name.replace(/^\.\//, '');
    names.add(base);
    const loc: FindingLocation = { ...t.location, members: [...(t.location.members ?? []), e.name] };
    state.findings.push(...memberNameFindings(e.name, loc, 'tar'));
    if (e.type === 'symlink' || e.type === 'hardlink') {
      state.findings.push(
        makeFinding('VAC-ARC-003', {
          message: `tar member ${JSON.stringify(e.name)} is a ${e.type === 'symlink' ? 'symbolic' : 'hard'} link to ${JSON.stringify(e.linkName ?? '')}`,
          location: loc,
          evidence: { excerpt: `${e.name} -> ${e.linkName ?? ''}`.slice(0, 300) },
        }),
      );
      continue;
    }
    if (e.type === 'char-device' || e.type === 'block-device' || e.type === 'fifo') {
      state.findings.push(
        makeFinding('VAC-ARC-003', {
          message: `tar member ${JSON.stringify(e.name)} is a ${e.type}; extraction creates a special file`,
          location: loc,
        }),
      );
      continue;
    }
    if (e.type !== 'file' && e.type !== 'contiguous' && e.type !== 'sparse') continue;
    if (!admitMember(state, t)) break;
    const content = await memberContent(state, t, e, item.body, loc);
    await state.analyse(state, {
      content,
      name: e.name,
      location: loc,
      depth: t.depth + 1,
      context: LEGACY_TORCH.includes(base) ? 'torch' : t.context,
      probeWindow: state.limits.memberProbeBytes,
    });
  }
  const legacy = LEGACY_TORCH.every((n) => names.has(n)) || (names.has('pickle') && names.has('storages'));
  if (legacy) {
    state.findings.push(
      makeFinding('VAC-PT-001', {
        message:
          'legacy tar-format PyTorch checkpoint: loading it always runs the full unpickler (weights_only refuses it)',
        location: t.location,
      }),
    );
  }
  return { format: legacy ? 'pytorch-tar' : 'tar' };
}

/**
 * A member body as Content: a window of the archive when it sits in a random-access file, otherwise
 * the body buffered in memory (bounded; larger bodies are analysed only in part, and that is a finding).
 */
async function memberContent(
  state: ScanState,
  t: Target,
  e: TarEntry,
  body: AsyncIterable<Uint8Array>,
  loc: FindingLocation,
): Promise<Content> {
  if (t.content.source && e.type !== 'sparse')
    return sourceContent(new SliceSource(t.content.source, e.dataOffset, e.size));
  const { bytes, truncated } = await collectStream(body, state.limits.maxBufferedArchiveBytes);
  if (truncated) {
    state.findings.push(
      makeFinding('VAC-ARC-006', {
        message: `member of ${e.size} bytes inside a compressed tar exceeds maxBufferedArchiveBytes; only its first ${state.limits.maxBufferedArchiveBytes} bytes were analysed`,
        location: loc,
      }),
    );
  }
  return sourceContent(new BufferSource(bytes));
}

function anomalyFinding(a: TarAnomaly, location: FindingLocation) {
  const [rule, severity] = RULE[a.code];
  return makeFinding(rule, {
    message: a.message,
    location: { ...location, ...(a.offset !== undefined ? { offset: a.offset } : {}) },
    evidence: { details: { code: a.code } },
    ...(severity ? { severity } : {}),
  });
}
