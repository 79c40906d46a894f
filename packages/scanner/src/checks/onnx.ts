/**
 * ONNX findings: operator domains (custom ops need native libraries; Python ops run Python) and
 * external tensor data (paths that escape the model directory, links, missing or short files).
 */
import { lstat, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { OnnxModel, OnnxTensor } from '@vacsrp/formats';
import { type FindingLocation, makeFinding, type Severity } from '../findings.js';
import domainPolicy from '../policy/onnx-domains-v1.json' with { type: 'json' };
import { anomalyFindings } from './graph-anomalies.js';
import type { ScanState, Target } from './types.js';

export interface OnnxDomainPolicy {
  readonly standard: readonly string[];
  readonly runtime: readonly { readonly domain: string; readonly reason: string }[];
  readonly pythonOpTypes: readonly string[];
}

/** Checks the policy file's shape once (it is data, edited by people). */
export function validateDomainPolicy(data: unknown): OnnxDomainPolicy {
  const d = data as Partial<OnnxDomainPolicy> & Record<string, unknown>;
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
  const known = new Set(['id', 'version', 'description', 'standard', 'runtime', 'pythonOpTypes']);
  const extra = Object.keys(d).filter((k) => !known.has(k));
  if (extra.length > 0) throw new TypeError(`onnx domain policy: unknown properties ${extra.join(', ')}`);
  if (!strings(d.standard) || !strings(d.pythonOpTypes))
    throw new TypeError('onnx domain policy: standard and pythonOpTypes must be string lists');
  if (
    !Array.isArray(d.runtime) ||
    !d.runtime.every((r) => typeof r?.domain === 'string' && typeof r?.reason === 'string')
  )
    throw new TypeError('onnx domain policy: runtime entries need domain and reason');
  for (const p of d.pythonOpTypes) new RegExp(p, 'iu');
  return d as OnnxDomainPolicy;
}

const POLICY = validateDomainPolicy(domainPolicy);
const STANDARD = new Set(POLICY.standard);
const RUNTIME = new Map(POLICY.runtime.map((r) => [r.domain, r.reason]));
const PYTHON_OPS = POLICY.pythonOpTypes.map((p) => new RegExp(p, 'iu'));

/** Keys onnx's ExternalDataInfo reads; any other key was set as an attribute before onnx 1.21. */
const EXTERNAL_KEYS = new Set(['location', 'offset', 'length', 'checksum', 'basepath']);

const at = (t: Target, offset: number): FindingLocation => ({ ...t.location, offset });

export async function onnxFindings(state: ScanState, t: Target, model: OnnxModel): Promise<void> {
  anomalyFindings(state, t, model.anomalies, 'VAC-ONNX-007', 'VAC-ONNX-008');
  operatorFindings(state, t, model);
  await externalDataFindings(state, t, model.tensors);
}

/** One finding per (domain, op type): a graph with a thousand custom nodes is one problem. */
function operatorFindings(state: ScanState, t: Target, model: OnnxModel): void {
  const local = new Set(model.functions.map((f) => `${f.domain}\u0000${f.name}`));
  const groups = new Map<
    string,
    { domain: string; opType: string; count: number; offset: number; scope: string }
  >();
  for (const n of model.nodes) {
    const domain = n.domain;
    if (local.has(`${n.domain}\u0000${n.opType}`)) continue; // a model-local function, analysed node by node
    const python = PYTHON_OPS.some((re) => re.test(n.opType));
    if (!python && STANDARD.has(domain)) continue;
    const key = `${domain}\u0000${n.opType}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { domain, opType: n.opType, count: 1, offset: n.offset, scope: n.scope });
  }
  for (const g of [...groups.values()].sort((a, b) => a.offset - b.offset)) {
    const where = `${g.count} node${g.count === 1 ? '' : 's'}, first in ${g.scope}`;
    const details = { domain: g.domain || 'ai.onnx', opType: g.opType, nodes: g.count, scope: g.scope };
    if (PYTHON_OPS.some((re) => re.test(g.opType))) {
      state.findings.push(
        makeFinding('VAC-ONNX-006', {
          message: `Python operator ${g.domain ? `${g.domain}.` : ''}${g.opType} (${where})`,
          location: at(t, g.offset),
          evidence: { callable: `${g.domain || 'ai.onnx'}.${g.opType}`, details },
        }),
      );
      continue;
    }
    const runtime = RUNTIME.get(g.domain);
    const severity: Severity | undefined = runtime === undefined ? undefined : 'low';
    state.findings.push(
      makeFinding('VAC-ONNX-005', {
        message:
          runtime === undefined
            ? `custom operator ${g.domain}.${g.opType} needs a native library registered by the runtime (${where})`
            : `operator ${g.domain}.${g.opType} from a runtime domain (${runtime}; ${where})`,
        location: at(t, g.offset),
        evidence: { callable: `${g.domain}.${g.opType}`, details },
        ...(severity ? { severity } : {}),
      }),
    );
  }
}

type PathVerdict = { ok: true } | { ok: false; why: string };

/** Lexical check, as the ONNX 1.16+ sanitiser should have done it: any ".." segment, any root. */
export function checkExternalLocation(location: string): PathVerdict {
  if (location === '') return { ok: false, why: 'empty location' };
  if (location.includes('\u0000')) return { ok: false, why: 'NUL byte in location' };
  if (location.startsWith('\\\\') || location.startsWith('//'))
    return { ok: false, why: 'UNC or network path' };
  if (location.startsWith('/') || location.startsWith('\\')) return { ok: false, why: 'absolute path' };
  if (/^[A-Za-z]:/.test(location)) return { ok: false, why: 'drive-letter path' };
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(location)) return { ok: false, why: 'URL' };
  if (location.split(/[\\/]/).includes('..')) return { ok: false, why: '".." segment' };
  return { ok: true };
}

async function externalDataFindings(
  state: ScanState,
  t: Target,
  tensors: readonly OnnxTensor[],
): Promise<void> {
  const inArchive = (t.location.members ?? []).length > 0;
  const modelDir = path.dirname(t.location.artifact);
  const files = new Map<string, Promise<FileVerdict>>();
  let unverified = 0;
  let firstUnverified = 0;
  for (const tensor of tensors) {
    if (tensor.externalData.length === 0 && tensor.dataLocation !== 1) {
      if (tensor.dataLocation !== undefined && tensor.dataLocation !== 0)
        malformed(state, t, tensor, `unknown data_location ${tensor.dataLocation}`);
      continue;
    }
    const entries = new Map<string, string>();
    for (const e of tensor.externalData) {
      if (!EXTERNAL_KEYS.has(e.key))
        malformed(state, t, tensor, `unknown external_data key "${e.key.slice(0, 64)}"`);
      else if (entries.has(e.key)) malformed(state, t, tensor, `repeated external_data key "${e.key}"`);
      entries.set(e.key, e.value);
    }
    if (tensor.dataLocation !== 1) {
      malformed(
        state,
        t,
        tensor,
        'external_data entries on a tensor whose data_location is not EXTERNAL (ignored by onnx, maybe not by other loaders)',
      );
    }
    for (const k of ['offset', 'length'] as const) {
      const v = entries.get(k);
      if (v !== undefined && !/^\d{1,15}$/.test(v))
        malformed(state, t, tensor, `external_data ${k} "${v.slice(0, 32)}" is not a decimal integer`);
    }
    const location = entries.get('location');
    if (location === undefined) {
      malformed(state, t, tensor, 'external data without a location');
      continue;
    }
    const verdict = checkExternalLocation(location);
    if (!verdict.ok) {
      state.findings.push(
        makeFinding('VAC-ONNX-001', {
          message: `tensor ${tensor.name || '(unnamed)'} reads external data from ${JSON.stringify(location.slice(0, 200))} (${verdict.why})`,
          location: at(t, tensor.offset),
          evidence: {
            excerpt: location.slice(0, 200),
            details: { tensor: tensor.name, scope: tensor.scope, reason: verdict.why },
          },
        }),
      );
      continue;
    }
    if (inArchive) {
      if (unverified++ === 0) firstUnverified = tensor.offset;
      continue;
    }
    let check = files.get(location);
    if (!check) {
      check = inspectFile(modelDir, location);
      files.set(location, check);
    }
    const file = await check;
    const range = rangeOf(entries);
    fileFindings(state, t, tensor, location, file, range);
  }
  if (unverified > 0)
    state.findings.push(
      makeFinding('VAC-ONNX-004', {
        message: `${unverified} external data reference${unverified === 1 ? '' : 's'} inside an archive or stream could not be checked against the files beside the model`,
        location: at(t, firstUnverified),
        evidence: { details: { references: unverified } },
      }),
    );
}

function malformed(state: ScanState, t: Target, tensor: OnnxTensor, why: string): void {
  state.findings.push(
    makeFinding('VAC-ONNX-009', {
      message: `tensor ${tensor.name || '(unnamed)'}: ${why}`,
      location: at(t, tensor.offset),
      evidence: { details: { tensor: tensor.name, scope: tensor.scope } },
    }),
  );
}

type FileVerdict =
  | { kind: 'ok'; size: number }
  | { kind: 'missing' | 'not-file' | 'escapes' | 'hard-link'; detail: string; size?: number };

/** Resolves links the way the OS will when the runtime opens the file. */
async function inspectFile(modelDir: string, location: string): Promise<FileVerdict> {
  const joined = path.join(modelDir, location);
  let real: string;
  let realDir: string;
  try {
    realDir = await realpath(modelDir);
    real = await realpath(joined);
  } catch {
    // A dangling link is still a link: say so rather than "missing".
    const link = await lstat(joined).catch(() => undefined);
    if (link?.isSymbolicLink()) return { kind: 'escapes', detail: 'dangling symbolic link' };
    return { kind: 'missing', detail: 'no such file beside the model' };
  }
  if (real !== realDir && !real.startsWith(realDir + path.sep))
    return { kind: 'escapes', detail: `resolves outside the model directory` };
  const s = await stat(real).catch(() => undefined);
  if (!s) return { kind: 'missing', detail: 'vanished while being checked' };
  if (!s.isFile()) return { kind: 'not-file', detail: 'not a regular file' };
  if (s.nlink > 1) return { kind: 'hard-link', detail: `file has ${s.nlink} hard links`, size: s.size };
  return { kind: 'ok', size: s.size };
}

function rangeOf(entries: Map<string, string>): { offset: number; length: number | undefined } {
  const num = (k: string): number | undefined => {
    const v = entries.get(k);
    return v !== undefined && /^\d{1,15}$/.test(v) ? Number(v) : undefined;
  };
  return { offset: num('offset') ?? 0, length: num('length') };
}

function fileFindings(
  state: ScanState,
  t: Target,
  tensor: OnnxTensor,
  location: string,
  file: FileVerdict,
  range: { offset: number; length: number | undefined },
): void {
  const name = tensor.name || '(unnamed)';
  const evidence = { excerpt: location.slice(0, 200), details: { tensor: tensor.name, scope: tensor.scope } };
  if (file.kind === 'escapes' || file.kind === 'hard-link') {
    state.findings.push(
      makeFinding('VAC-ONNX-002', {
        message: `tensor ${name}: external data file ${JSON.stringify(location.slice(0, 200))} ${file.detail}`,
        location: at(t, tensor.offset),
        evidence,
        // A hard link cannot reach files the attacker could not already name; ONNX 1.21 refuses it.
        ...(file.kind === 'hard-link' ? { severity: 'medium' as const } : {}),
      }),
    );
    if (file.kind === 'escapes') return;
  }
  if (file.kind === 'missing' || file.kind === 'not-file') {
    state.findings.push(
      makeFinding('VAC-ONNX-003', {
        message: `tensor ${name}: external data file ${JSON.stringify(location.slice(0, 200))}: ${file.detail}`,
        location: at(t, tensor.offset),
        evidence,
      }),
    );
    return;
  }
  const size = file.size ?? 0;
  const end = range.offset + (range.length ?? 0);
  if (range.offset > size || end > size)
    state.findings.push(
      makeFinding('VAC-ONNX-003', {
        message: `tensor ${name}: external data range ${range.offset}+${range.length ?? 0} ends past the ${size}-byte file ${JSON.stringify(location.slice(0, 200))}`,
        location: at(t, tensor.offset),
        evidence: {
          ...evidence,
          details: { ...evidence.details, offset: range.offset, length: range.length ?? 0, fileSize: size },
        },
      }),
    );
}
