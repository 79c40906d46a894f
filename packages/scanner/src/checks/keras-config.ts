/**
 * Keras model configs, wherever they live (config.json in a .keras archive, the model_config and
 * training_config attributes of a legacy HDF5 file): parse strictly, walk every object at every
 * depth, and report code, imports, embedded pickles and outside files.
 */
import {
  classifyPathString,
  inventoryMarshalledCode,
  KERAS_LIMITS,
  type KerasConfigInventory,
  type KerasLambdaCode,
  parseKerasJson,
  walkKerasConfig,
} from '@vacsrp/formats';
import { type FindingLocation, makeFinding } from '../findings.js';
import { judgeReference, KERAS_ALLOWLIST } from './keras-policy.js';
import { bytesContent } from './pickle-artifact.js';
import type { ScanState, Target } from './types.js';

export interface ConfigSite {
  /** Where the config is (the config.json member, or the HDF5 file). */
  readonly location: FindingLocation;
  /** What it is called in messages: `config.json`, `model_config attribute`. */
  readonly label: string;
  /** Legacy HDF5: Keras ignored safe_mode for these before 3.11.3 (CVE-2025-9905). */
  readonly legacyH5: boolean;
}

const EXCERPT = 400;
const clip = (s: string, n = EXCERPT) => (s.length > n ? `${s.slice(0, n)}…` : s);

export async function analyseKerasConfig(
  state: ScanState,
  t: Target,
  bytes: Uint8Array,
  site: ConfigSite,
): Promise<void> {
  const parsed = parseKerasJson(bytes, KERAS_LIMITS);
  for (const a of parsed.anomalies) {
    state.findings.push(
      makeFinding(a.code === 'JSON_DUPLICATE_KEY' ? 'VAC-KERAS-008' : 'VAC-KERAS-007', {
        message: `${site.label}: ${a.message}`,
        location: site.location,
        evidence: {
          details: {
            code: a.code,
            ...(a.offset !== undefined ? { offset: a.offset } : {}),
            ...(a.limit !== undefined ? { limit: a.limit } : {}),
          },
        },
      }),
    );
  }
  if (parsed.value === undefined) return;
  const inv = walkKerasConfig(parsed.value, { pathKeys: KERAS_ALLOWLIST.pathKeys });
  for (const l of inv.lambdas) lambdaFinding(state, l, site);
  referenceFindings(state, inv, site);
  pathFindings(state, inv, site);
  await torchModules(state, t, inv, site);
}

function lambdaFinding(state: ScanState, l: KerasLambdaCode, site: ConfigSite): void {
  const details: Record<string, string | number | boolean> = { pointer: l.pointer, form: l.form };
  let excerpt: string | undefined;
  const compact = l.base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    details.decode = 'not base64';
  } else if ((compact.length * 3) / 4 > KERAS_LIMITS.maxLambdaCodeBytes) {
    details.decode = `larger than ${KERAS_LIMITS.maxLambdaCodeBytes} bytes; not decoded`;
  } else {
    const raw = Buffer.from(compact, 'base64');
    const inv = inventoryMarshalledCode(new Uint8Array(raw.buffer, raw.byteOffset, raw.length));
    if (inv.python)
      details.python =
        inv.python.min === inv.python.max ? inv.python.min : `${inv.python.min}-${inv.python.max}`;
    details.codeObjects = inv.codeObjects;
    if (inv.functions.length > 0) details.functions = clip(inv.functions.join(', '), 200);
    if (inv.anomalies.length > 0) details.decode = clip(inv.anomalies.map((a) => a.message).join('; '), 200);
    excerpt = clip(
      `names: ${inv.names.join(', ')}; strings: ${inv.strings.map((s) => JSON.stringify(s)).join(', ')}`,
    );
  }
  const what = excerpt ? ` (${excerpt.slice(0, 160)})` : '';
  state.findings.push(
    makeFinding('VAC-KERAS-001', {
      message: `${site.label}: Lambda at ${l.pointer} holds marshalled Python bytecode${what}${site.legacyH5 ? '; legacy HDF5 loading ignored safe_mode before Keras 3.11.3' : ''}`,
      location: site.location,
      evidence: { ...(excerpt ? { excerpt } : {}), details },
    }),
  );
  if (details.decode !== undefined)
    state.findings.push(
      makeFinding('VAC-KERAS-007', {
        message: `${site.label}: Lambda at ${l.pointer} could not be fully decoded: ${details.decode}`,
        location: site.location,
        evidence: { details: { pointer: l.pointer } },
      }),
    );
}

function referenceFindings(state: ScanState, inv: KerasConfigInventory, site: ConfigSite): void {
  for (const ref of inv.objects) {
    if (ref.className === 'TFSMLayer') {
      state.findings.push(
        makeFinding('VAC-KERAS-005', {
          message: `${site.label}: TFSMLayer at ${ref.pointer} loads an external SavedModel`,
          location: site.location,
          evidence: { details: { pointer: ref.pointer } },
        }),
      );
    }
    if (ref.module === undefined && ref.className !== undefined && KERAS_ALLOWLIST.markers.has(ref.className))
      continue;
    const v = judgeReference(ref, KERAS_ALLOWLIST, state.policy);
    if (!v) continue;
    state.findings.push(
      makeFinding(v.ruleId, {
        message: `${site.label}: ${ref.kind} reference ${v.callable} at ${ref.pointer} (${v.why})`,
        location: site.location,
        evidence: { callable: v.callable, details: { pointer: ref.pointer, kind: ref.kind } },
        ...(v.severity ? { severity: v.severity } : {}),
      }),
    );
  }
}

function pathFindings(state: ScanState, inv: KerasConfigInventory, site: ConfigSite): void {
  for (const p of inv.paths) {
    // PATH_MAX bounds real paths; longer strings under these keys are inline data (vocabularies, protos).
    if (p.value.length > 4096) continue;
    const reach = classifyPathString(p.value);
    if (!reach) continue;
    state.findings.push(
      makeFinding('VAC-KERAS-006', {
        message: `${site.label}: ${p.key} at ${p.pointer} is ${reach === 'remote-url' ? 'a remote URL' : reach === 'file-url' ? 'a file:// URL' : reach === 'absolute' ? 'an absolute path' : 'a path that climbs out with ..'}: ${clip(p.value, 120)}`,
        location: site.location,
        evidence: { excerpt: clip(p.value, 200), details: { pointer: p.pointer, key: p.key, reach } },
      }),
    );
  }
}

async function torchModules(
  state: ScanState,
  t: Target,
  inv: KerasConfigInventory,
  site: ConfigSite,
): Promise<void> {
  for (const m of inv.torchModules) {
    const bytes =
      m.encoding === 'base64'
        ? Buffer.from(m.text.replace(/\s+/g, ''), 'base64')
        : Buffer.from(m.text, 'latin1');
    state.findings.push(
      makeFinding('VAC-KERAS-004', {
        message: `${site.label}: TorchModuleWrapper at ${m.pointer} embeds a ${bytes.length}-byte torch.save pickle, loaded with torch.load(weights_only=False)`,
        location: site.location,
        evidence: { details: { pointer: m.pointer, bytes: bytes.length, encoding: m.encoding } },
      }),
    );
    await state.analyse(state, {
      content: bytesContent(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)),
      name: '',
      location: { ...site.location, members: [...(site.location.members ?? []), `${m.pointer}#torch.save`] },
      depth: t.depth + 1,
      context: 'pickle',
    });
  }
}
