/**
 * Pickle check: runs the symbolic machine over every stream of a pickle-bearing artifact and turns
 * what a real load would import and call into findings under the policy.
 */
import {
  type ByteStream,
  describeValue,
  joblibAfterBuild,
  type PickleAnomalyCode,
  type PickleEvent,
  type PickleRunResult,
  readPickleStreams,
  StreamReader,
  sniff,
  type Value,
} from '@vacsrp/formats';
import { type Finding, type FindingLocation, makeFinding } from '../findings.js';
import type { Policy, PolicyContext } from '../policy/policy.js';
import type { RuleId } from '../rules/registry.js';
import { bytesStream } from './content.js';

/** Legacy torch.save magic number, the value of the first of its stacked pickles. */
const LEGACY_TORCH_MAGIC = 0x1950a86a20f9469cfc6cn;

export interface PickleTarget {
  readonly location: FindingLocation;
  /** Opens the content from the start, skipping `offset` bytes (alternate parses re-read). */
  readonly open: (offset?: number) => ByteStream;
  readonly context: PolicyContext;
  /** The content's type is unknown: report nothing unless it really is a pickle. */
  readonly probe: boolean;
}

export interface PickleEnv {
  readonly policy: Policy;
  readonly limits: Readonly<Record<string, number>>;
  /** Scans bytes found inside an argument (a nested pickle), returning its findings. */
  readonly nested: (bytes: Uint8Array, location: FindingLocation) => Promise<Finding[]>;
}

export interface StorageRef {
  readonly key: string;
  readonly numel?: bigint;
  readonly dtype?: string;
}

export interface PickleOutcome {
  readonly isPickle: boolean;
  /** Not a pickle as far as the bytes given went, but they ran out first: read further to decide. */
  readonly undecided?: boolean;
  readonly findings: Finding[];
  readonly format: 'pickle' | 'pytorch-legacy' | 'joblib';
  readonly streams: number;
  /** Storage persistent IDs seen (PyTorch contexts). */
  readonly storages: StorageRef[];
}

const ANOMALY_RULE: Readonly<Record<PickleAnomalyCode, RuleId>> = {
  INVALID_OPCODE: 'VAC-PKL-006',
  TRUNCATED: 'VAC-PKL-006',
  STACK_UNDERFLOW: 'VAC-PKL-006',
  MARK_NOT_FOUND: 'VAC-PKL-006',
  MEMO_NOT_FOUND: 'VAC-PKL-006',
  BAD_OPERAND: 'VAC-PKL-006',
  BAD_IMPORT_NAME: 'VAC-PKL-006',
  UNSUPPORTED_PROTOCOL: 'VAC-PKL-006',
  OUT_OF_BAND_BUFFER: 'VAC-PKL-006',
  FRAME_STRADDLE: 'VAC-PKL-012',
  FRAME_OVERLAP: 'VAC-PKL-012',
  CONTAINER_TARGET: 'VAC-PKL-010',
  LIMIT_STACK: 'VAC-PKL-013',
  LIMIT_MARKS: 'VAC-PKL-013',
  LIMIT_MEMO: 'VAC-PKL-013',
  LIMIT_LINE: 'VAC-PKL-013',
  LIMIT_OPCODES: 'VAC-PKL-013',
  LIMIT_RETAINED: 'VAC-PKL-013',
  JOBLIB_ARRAY_UNSIZED: 'VAC-JOB-001',
  JOBLIB_ARRAY_TRUNCATED: 'VAC-PKL-006',
};

interface NameUse {
  module: string;
  name: string;
  offset: number;
  index: number;
  importOpcode: string;
  writtenAs?: string;
  calls: Set<string>;
  unsafeCalls: number;
  safeCalls: number;
  callExcerpt?: string;
}

/** Per-stream aggregation: one finding per distinct callable, carrying its first place and every opcode. */
class StreamAnalysis {
  readonly uses = new Map<string, NameUse>();
  readonly findings: Finding[] = [];
  readonly passedAsValue = new Set<string>();
  readonly nestedBytes: Array<{ bytes: Value & { t: 'bytes' | 'str' }; via: string; offset: number }> = [];

  constructor(
    private readonly target: PickleTarget,
    private readonly env: PickleEnv,
    private readonly stream: number,
    private readonly storages: StorageRef[],
  ) {}

  private loc(offset: number, index?: number): FindingLocation {
    return {
      ...this.target.location,
      offset,
      ...(index !== undefined ? { opcodeIndex: index } : {}),
      stream: this.stream,
    };
  }

  private allowedValue(v: Value): boolean {
    if (v.t === 'global') return this.env.policy.isAllowed(v.module, v.name, this.target.context);
    if (v.t === 'call') return this.allowedValue(v.callee);
    return false;
  }

  event(e: PickleEvent): void {
    switch (e.kind) {
      case 'import': {
        const key = `${e.module}.${e.name}`;
        if (!this.uses.has(key)) {
          this.uses.set(key, {
            module: e.module,
            name: e.name,
            offset: e.offset,
            index: e.index,
            importOpcode: e.opcode,
            ...(e.writtenAs ? { writtenAs: e.writtenAs } : {}),
            calls: new Set(),
            unsafeCalls: 0,
            safeCalls: 0,
          });
        }
        return;
      }
      case 'call':
        this.call(e);
        return;
      case 'dynamic-import':
        this.findings.push(
          makeFinding('VAC-PKL-004', {
            message: `STACK_GLOBAL imports a name computed at load time (module ${describeValue(e.module, 80)}, name ${describeValue(e.name, 80)})`,
            location: this.loc(e.offset, e.index),
            evidence: {
              opcode: 'STACK_GLOBAL',
              excerpt: `${describeValue(e.module, 80)} . ${describeValue(e.name, 80)}`,
            },
          }),
        );
        return;
      case 'ext':
        this.findings.push(
          makeFinding('VAC-PKL-005', {
            message: `${e.opcode} ${e.code} loads a callable from copyreg's extension registry`,
            location: this.loc(e.offset, e.index),
            evidence: { opcode: e.opcode, details: { code: e.code } },
          }),
        );
        return;
      case 'persistent-id':
        this.persistentId(e.pid, e.offset, e.index);
        return;
      case 'build-attribute': {
        const target = describeValue(e.target, 80);
        const dunder = e.name.startsWith('__') && e.name.endsWith('__');
        this.findings.push(
          makeFinding(dunder ? 'VAC-PKL-009' : 'VAC-PKL-010', {
            message: dunder
              ? `BUILD sets ${e.name} on ${target} to ${describeValue(e.value, 80)}`
              : `BUILD sets attribute ${e.name} on the imported object ${target}`,
            location: this.loc(e.offset, e.index),
            evidence: { opcode: 'BUILD', excerpt: `${target}.${e.name} = ${describeValue(e.value, 80)}` },
          }),
        );
        return;
      }
    }
  }

  private call(e: PickleEvent & { kind: 'call' }): void {
    this.noteValues(e.args, e.offset, e.callee);
    if (e.kwargs) this.noteValues(e.kwargs, e.offset, e.callee);
    const callee = e.callee;
    if (callee.t === 'global') {
      if (callee.module === '<dynamic>') return; // reported as VAC-PKL-004
      const key = `${callee.module}.${callee.name}`;
      const use =
        this.uses.get(key) ??
        // BUILD-planted callables are imported earlier; make sure the call is attributed anyway.
        ({
          module: callee.module,
          name: callee.name,
          offset: e.offset,
          index: e.index,
          importOpcode: e.opcode,
          calls: new Set(),
          unsafeCalls: 0,
          safeCalls: 0,
        } satisfies NameUse);
      this.uses.set(key, use);
      use.calls.add(e.opcode);
      if (this.env.policy.safeGetattr.has(key) && this.isSafeGetattr(e.args)) use.safeCalls++;
      else {
        use.unsafeCalls++;
        use.callExcerpt ??= `${key}(${describeValue(e.args, 120).replace(/^\(|\)$/g, '')})`;
      }
      return;
    }
    if (callee.t === 'call' || callee.t === 'persid') {
      this.findings.push(
        makeFinding('VAC-PKL-002', {
          message: `${e.opcode} calls a value computed at load time: ${describeValue(callee, 120)}`,
          location: this.loc(e.offset, e.index),
          evidence: { opcode: e.opcode, excerpt: describeValue(callee, 160) },
        }),
      );
    }
  }

  /** getattr(<allowlisted object>, '<public constant name>') rebuilds bound methods and enum members. */
  private isSafeGetattr(args: Value): boolean {
    if (args.t !== 'tuple' || args.items.length !== 2) return false;
    const [obj, attr] = args.items;
    return (
      obj !== undefined &&
      attr?.t === 'str' &&
      !attr.truncated &&
      /^[A-Za-z][A-Za-z0-9_]*$/.test(attr.v) &&
      this.allowedValue(obj)
    );
  }

  /** Records globals passed as values and bytes that may be nested pickles. */
  private noteValues(v: Value, offset: number, via: Value, depth = 0): void {
    if (depth > 6) return;
    switch (v.t) {
      case 'global':
        this.passedAsValue.add(`${v.module}.${v.name}`);
        return;
      case 'bytes':
      case 'str':
        if (v.len >= 2 && !this.allowedValue(via))
          this.nestedBytes.push({ bytes: v, via: describeValue(via, 80), offset });
        return;
      case 'tuple':
      case 'list':
      case 'set':
      case 'frozenset':
        for (const i of v.items) this.noteValues(i, offset, via, depth + 1);
        return;
      case 'dict':
        for (const [k, x] of v.entries) {
          this.noteValues(k, offset, via, depth + 1);
          this.noteValues(x, offset, via, depth + 1);
        }
        return;
      case 'call':
        this.noteValues(v.args, offset, via, depth + 1);
        if (v.kwargs) this.noteValues(v.kwargs, offset, via, depth + 1);
        return;
      default:
        return;
    }
  }

  private persistentId(pid: Value, offset: number, index: number): void {
    // torch.save's storage IDs, in zip, legacy and tar checkpoints alike (plain pickle.load fails on them).
    {
      const items = pid.t === 'tuple' ? pid.items : [];
      const [tag, type, key, , numel] = items;
      if (
        tag?.t === 'str' &&
        tag.v === 'storage' &&
        key?.t === 'str' &&
        (type?.t === 'global' || type?.t === 'call')
      ) {
        this.storages.push({
          key: key.v,
          ...(numel?.t === 'int' ? { numel: numel.v } : {}),
          ...(type.t === 'global' ? { dtype: type.name } : {}),
        });
        return;
      }
      if (pid.t === 'int' && this.target.context === 'torchscript') return; // tensor-table indices
    }
    this.findings.push(
      makeFinding('VAC-PKL-014', {
        message: `persistent ID ${describeValue(pid, 100)} is handed to the loader's persistent_load hook`,
        location: this.loc(offset, index),
        evidence: { opcode: 'BINPERSID', excerpt: describeValue(pid, 160) },
      }),
    );
  }

  /** Turns the per-name aggregation into findings. */
  finish(): void {
    const policy = this.env.policy;
    for (const [key, use] of this.uses) {
      const verdict = policy.verdict(use.module, use.name, this.target.context);
      if (verdict.kind === 'allowed') continue;
      const onlySafeGetattr =
        policy.safeGetattr.has(key) &&
        use.unsafeCalls === 0 &&
        use.safeCalls > 0 &&
        !this.passedAsValue.has(key);
      if (onlySafeGetattr) continue;
      const called = use.unsafeCalls > 0;
      const opcodes = [use.importOpcode, ...[...use.calls].filter((c) => c !== use.importOpcode)].join('→');
      const evidence = {
        callable: key,
        opcode: opcodes,
        ...(use.callExcerpt ? { excerpt: use.callExcerpt } : {}),
        ...(use.writtenAs ? { details: { writtenAs: use.writtenAs } } : {}),
      };
      const location = this.loc(use.offset, use.index);
      if (verdict.kind === 'denied') {
        this.findings.push(
          makeFinding('VAC-PKL-001', {
            message: `${called ? 'calls' : 'imports'} ${key} (denylisted: ${verdict.match})${use.writtenAs ? `, written as ${use.writtenAs}` : ''}`,
            location,
            evidence,
          }),
        );
      } else {
        this.findings.push(
          makeFinding(called ? 'VAC-PKL-002' : 'VAC-PKL-003', {
            message: `${called ? 'calls' : 'imports'} ${key}, which is not on the allowlist`,
            location,
            evidence,
          }),
        );
      }
    }
  }
}

export async function scanPickle(target: PickleTarget, env: PickleEnv): Promise<PickleOutcome> {
  const findings: Finding[] = [];
  const storages: StorageRef[] = [];
  const analyses: StreamAnalysis[] = [];
  let joblib = false;
  let legacy = false;
  const hook = joblibAfterBuild(() => {
    joblib = true;
  });
  const result = await readPickleStreams(new StreamReader(target.open()), {
    limits: env.limits,
    probe: target.probe,
    afterBuild: hook,
    onEvent: (stream, e) => {
      let a = analyses[stream];
      if (!a) {
        a = new StreamAnalysis(target, env, stream, storages);
        analyses[stream] = a;
      }
      a.event(e);
    },
    continueAfter: (stream, r) => {
      if (stream === 0 && r.result?.t === 'int' && r.result.v === LEGACY_TORCH_MAGIC) legacy = true;
      return !(legacy && stream >= 4);
    },
  });
  if (result.notPickle) {
    return {
      isPickle: false,
      undecided: result.undecided === true,
      findings: [],
      format: 'pickle',
      streams: 0,
      storages,
    };
  }

  for (const a of analyses) {
    if (!a) continue;
    a.finish();
    findings.push(...a.findings);
    for (const n of a.nestedBytes) findings.push(...(await nestedFindings(n, target, env)));
  }
  result.streams.forEach((s, i) => {
    findings.push(...anomalyFindings(s, i, target));
    if (i > 0 && !legacy) {
      findings.push(
        makeFinding('VAC-PKL-007', {
          message: `pickle stream ${i + 1} starts after STOP at byte ${s.startOffset}`,
          location: { ...target.location, offset: s.startOffset, stream: i },
        }),
      );
    }
  });
  if (result.trailing && !legacy) {
    findings.push(
      makeFinding('VAC-PKL-008', {
        message: `bytes after the last STOP (from byte ${result.trailing.offset}) are not a pickle`,
        location: { ...target.location, offset: result.trailing.offset },
      }),
    );
  }
  for (const s of result.streams) findings.push(...(await alternateFindings(s, target, env)));
  return {
    isPickle: true,
    findings,
    format: legacy ? 'pytorch-legacy' : joblib ? 'joblib' : 'pickle',
    streams: result.streams.length,
    storages,
  };
}

function anomalyFindings(s: PickleRunResult, stream: number, target: PickleTarget): Finding[] {
  return s.anomalies.map((a) =>
    makeFinding(ANOMALY_RULE[a.code], {
      message: a.message,
      location: { ...target.location, ...(a.offset !== undefined ? { offset: a.offset } : {}), stream },
      evidence: { details: { code: a.code, ...(a.field ? { field: a.field } : {}) } },
    }),
  );
}

async function nestedFindings(
  n: { bytes: Value & { t: 'bytes' | 'str' }; via: string; offset: number },
  target: PickleTarget,
  env: PickleEnv,
): Promise<Finding[]> {
  const raw = n.bytes.t === 'bytes' ? n.bytes.v : latin1Bytes(n.bytes.v);
  const kind = sniff(raw.subarray(0, 1024), raw.length);
  if (kind !== 'pickle' && kind !== 'text' && kind !== 'unknown' && kind !== 'zlib' && kind !== 'gzip')
    return [];
  const location: FindingLocation = {
    ...target.location,
    members: [...(target.location.members ?? []), `<argument of ${n.via} at byte ${n.offset}>`],
  };
  const inner = await env.nested(raw, location);
  if (inner.length === 0) return [];
  const truncated = n.bytes.truncated;
  return [
    makeFinding('VAC-PKL-011', {
      message: `an argument of ${n.via} holds ${truncated ? 'the start of ' : ''}a nested pickle (${n.bytes.len} bytes) with ${inner.length} finding(s) of its own`,
      location: { ...target.location, offset: n.offset },
      evidence: { callable: n.via, details: { bytes: n.bytes.len, truncated } },
    }),
    ...inner,
  ];
}

async function alternateFindings(
  s: PickleRunResult,
  target: PickleTarget,
  env: PickleEnv,
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const alt of s.alternateStarts.slice(0, 64)) {
    // Cheap check on the kept window first; re-read the content only when a pickle really starts there.
    if (alt.window) {
      const probe = await scanPickle(
        { ...target, open: () => bytesStream(alt.window!), probe: true },
        { ...env, nested: async () => [] },
      );
      const pickleThere = probe.isPickle && probe.findings.some((f) => f.ruleId !== 'VAC-PKL-006');
      if (!pickleThere && !probe.undecided) continue;
    }
    const full = await scanPickle(
      {
        ...target,
        location: {
          ...target.location,
          members: [
            ...(target.location.members ?? []),
            `<as read by a plain unpickler from byte ${alt.offset}>`,
          ],
        },
        open: () => target.open(alt.offset),
        probe: true,
      },
      env,
    );
    if (full.isPickle)
      out.push(...full.findings.filter((f) => f.ruleId !== 'VAC-PKL-006' && f.ruleId !== 'VAC-PKL-008'));
  }
  return out;
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}
