/**
 * Model signatures as scan findings. A directory with model artifacts and no `model.sig` is unsigned
 * (low). A `model.sig` is parsed and checked without a trust policy: the DSSE signature against the key
 * or certificate the bundle carries, and every file against the signed digests. Who signed is the
 * verifier's question (`vacsrp verify-model`), not the scanner's.
 */
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { DEFAULT_SIGNATURE_NAME, type FailureCode, verifyModel } from '@vacsrp/attest';
import { type Finding, type FindingLocation, makeFinding } from '../findings.js';
import type { SIGNING_RULES } from '../rules/signing.js';

type SigningRuleId = keyof typeof SIGNING_RULES;

/** File extensions that mark a directory as holding a model (weights, graphs, checkpoints). */
export const MODEL_EXTENSIONS: ReadonlySet<string> = new Set([
  '.safetensors',
  '.gguf',
  '.ggml',
  '.pt',
  '.pth',
  '.bin',
  '.ckpt',
  '.pkl',
  '.pickle',
  '.joblib',
  '.onnx',
  '.h5',
  '.hdf5',
  '.keras',
  '.npz',
  '.npy',
  '.pb',
  '.tflite',
  '.mlmodel',
  '.msgpack',
]);

/** How many directory entries to look at when deciding whether a directory holds a model (CWE-400). */
const MAX_ENTRIES_LOOKED_AT = 10_000;
const MAX_DEPTH_LOOKED_AT = 8;

/** Which rule a verification failure code falls under. Exhaustive: a new code breaks the build here. */
function ruleFor(code: FailureCode): SigningRuleId {
  switch (code) {
    case 'FILE_MISSING':
    case 'FILE_UNEXPECTED':
    case 'FILE_MODIFIED':
    case 'SUBJECT_DIGEST_MISMATCH':
    case 'SYMLINK_REFUSED':
    case 'PATH_REFUSED':
      return 'VAC-SIG-003';
    case 'LIMIT_EXCEEDED':
    case 'BUNDLE_MALFORMED':
    case 'PAYLOAD_MALFORMED':
    case 'UNSUPPORTED':
    case 'TRUST_INPUT_INVALID':
    case 'KEY_MISMATCH':
    case 'SIGNATURE_INVALID':
    case 'CERTIFICATE_UNTRUSTED':
    case 'SIGSTORE_INVALID':
    case 'IDENTITY_MISMATCH':
      return 'VAC-SIG-002';
  }
}

/**
 * Builds a finding from the signing rules. Once SIGNING_RULES is in rules/registry.ts this is the same
 * as makeFinding; until then the ID is not yet in the RuleId union, hence the cast.
 */
function signingFinding(
  id: SigningRuleId,
  message: string,
  location: FindingLocation,
  details: Readonly<Record<string, string | number | boolean>>,
): Finding {
  return makeFinding(id, { message, location, evidence: { details } });
}

/** Findings about the model signature of one directory. Throws only for I/O faults. */
export async function modelSignatureFindings(dir: string): Promise<Finding[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const hasSignature = entries.some((e) => e.name === DEFAULT_SIGNATURE_NAME && e.isFile());
  if (!hasSignature) {
    if (!(await holdsModelArtifacts(dir, 0, { seen: 0 }))) return [];
    return [
      signingFinding(
        'VAC-SIG-001',
        `${dir} holds model artifacts but no ${DEFAULT_SIGNATURE_NAME}`,
        { artifact: dir },
        {},
      ),
    ];
  }
  const sigPath = join(dir, DEFAULT_SIGNATURE_NAME);
  const location = { artifact: sigPath };
  const r = await verifyModel(dir, { method: 'embedded' }, { signaturePath: sigPath });
  if (r.ok) {
    if (r.signatureChecked) return [];
    return [
      signingFinding(
        'VAC-SIG-004',
        `all ${r.resources} signed digests match, but the signature names its key only by hint and was not checked`,
        location,
        { resources: r.resources },
      ),
    ];
  }
  const details: Record<string, string | number | boolean> = { code: r.code };
  if (r.files !== undefined) {
    details.missing = r.files.missing.length;
    details.unexpected = r.files.unexpected.length;
    details.modified = r.files.modified.length;
    const first = r.files.modified[0] ?? r.files.missing[0] ?? r.files.unexpected[0];
    if (first !== undefined) details.first = first;
  }
  return [signingFinding(ruleFor(r.code), r.reason, location, details)];
}

async function holdsModelArtifacts(dir: string, depth: number, budget: { seen: number }): Promise<boolean> {
  if (depth > MAX_DEPTH_LOOKED_AT) return false;
  const entries = await readdir(dir, { withFileTypes: true });
  const subdirs: string[] = [];
  for (const e of entries) {
    if (++budget.seen > MAX_ENTRIES_LOOKED_AT) return false;
    if (e.isFile() && MODEL_EXTENSIONS.has(extname(e.name).toLowerCase())) return true;
    if (e.isDirectory() && e.name !== '.git') subdirs.push(e.name);
  }
  for (const s of subdirs) if (await holdsModelArtifacts(join(dir, s), depth + 1, budget)) return true;
  return false;
}
