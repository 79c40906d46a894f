/**
 * The in-toto Statement v1 with the model-signing v1.0 predicate: building it from a manifest, and
 * checking one read from a signature (strict about what it relies on, tolerant of unknown fields as
 * the format requires for forward compatibility).
 */
import type { ModelSigningLimits } from './limits.js';
import { compareNames, type Manifest, type Resource, type Serialization, subjectDigest } from './manifest.js';
import { fail, type Result } from './result.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PREDICATE_TYPE = 'https://model_signing/signature/v1.0';

export interface ModelStatement {
  readonly subjectName: string;
  readonly subjectDigest: string;
  readonly serialization: Serialization;
  readonly resources: readonly Resource[];
}

/** The statement as signed; key order is fixed so the payload is reproducible. */
export function buildStatement(manifest: Manifest): Record<string, unknown> {
  const s = manifest.serialization;
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: manifest.modelName, digest: { sha256: subjectDigest(manifest.resources) } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      serialization: {
        method: s.method,
        hash_type: s.hash_type,
        allow_symlinks: s.allow_symlinks,
        ignore_paths: [...s.ignore_paths],
        ...(s.shard_size === undefined ? {} : { shard_size: s.shard_size }),
      },
      resources: manifest.resources.map((r) => ({ name: r.name, algorithm: r.algorithm, digest: r.digest })),
    },
  };
}

const HEX64 = /^[0-9a-f]{64}$/;
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the DSSE payload bytes into a checked statement. Errors name the JSON path at fault. */
export function parseStatement(
  payload: Buffer,
  limits: ModelSigningLimits,
): Result<{ statement: ModelStatement }> {
  const bad = (where: string, what: string) => fail('PAYLOAD_MALFORMED', `statement ${where}: ${what}`);
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return bad('payload', `not JSON (${(err as Error).message})`);
  }
  if (!isRecord(json)) return bad('payload', 'not a JSON object');
  if (json._type !== STATEMENT_TYPE)
    return bad('_type', `expected ${STATEMENT_TYPE}, got ${JSON.stringify(json._type)}`);
  if (json.predicateType !== PREDICATE_TYPE) {
    return fail(
      'UNSUPPORTED',
      `statement predicateType ${JSON.stringify(json.predicateType)} is not ${PREDICATE_TYPE}`,
    );
  }
  const subject = json.subject;
  if (!Array.isArray(subject) || subject.length !== 1) return bad('subject', 'expected exactly one subject');
  const subj = subject[0];
  if (!isRecord(subj) || typeof subj.name !== 'string')
    return bad('subject[0].name', 'missing or not a string');
  if (!isRecord(subj.digest) || typeof subj.digest.sha256 !== 'string' || !HEX64.test(subj.digest.sha256)) {
    return bad('subject[0].digest.sha256', 'missing or not 64 lowercase hex digits');
  }
  const predicate = json.predicate;
  if (!isRecord(predicate)) return bad('predicate', 'missing or not an object');
  const ser = predicate.serialization;
  if (!isRecord(ser)) return bad('predicate.serialization', 'missing or not an object');
  if (ser.hash_type !== 'sha256') {
    return fail(
      'UNSUPPORTED',
      `predicate.serialization.hash_type ${JSON.stringify(ser.hash_type)} is not supported (only sha256)`,
    );
  }
  if (ser.method !== 'files' && ser.method !== 'shards') {
    return fail(
      'UNSUPPORTED',
      `predicate.serialization.method ${JSON.stringify(ser.method)} is not supported`,
    );
  }
  if (typeof ser.allow_symlinks !== 'boolean')
    return bad('predicate.serialization.allow_symlinks', 'not a boolean');
  let shardSize: number | undefined;
  if (ser.method === 'shards') {
    if (typeof ser.shard_size !== 'number' || !Number.isSafeInteger(ser.shard_size) || ser.shard_size <= 0) {
      return bad('predicate.serialization.shard_size', 'not a positive integer');
    }
    shardSize = ser.shard_size;
  }
  const ignore: string[] = [];
  if (ser.ignore_paths !== undefined) {
    if (!Array.isArray(ser.ignore_paths) || ser.ignore_paths.length > 10_000) {
      return bad('predicate.serialization.ignore_paths', 'not a list of at most 10000 paths');
    }
    for (const [i, p] of ser.ignore_paths.entries()) {
      if (typeof p !== 'string' || !validName(p, limits)) {
        return bad(
          `predicate.serialization.ignore_paths[${i}]`,
          'not a relative POSIX path inside the model',
        );
      }
      ignore.push(p);
    }
  }
  const resources = predicate.resources;
  if (!Array.isArray(resources)) return bad('predicate.resources', 'missing or not a list');
  if (resources.length > limits.maxResources) {
    return fail(
      'LIMIT_EXCEEDED',
      `statement lists ${resources.length} resources, more than maxResources (${limits.maxResources})`,
    );
  }
  const out: Resource[] = [];
  const seen = new Set<string>();
  for (const [i, r] of resources.entries()) {
    const where = `predicate.resources[${i}]`;
    if (!isRecord(r)) return bad(where, 'not an object');
    if (typeof r.name !== 'string' || !validResourceName(r.name, ser.method, limits)) {
      return bad(
        `${where}.name`,
        `${JSON.stringify(String(r.name).slice(0, 200))} is not a valid resource name`,
      );
    }
    const expected = ser.method === 'files' ? 'sha256' : `sha256-sharded-${shardSize}`;
    if (r.algorithm !== expected && r.algorithm !== 'sha256') {
      return fail('UNSUPPORTED', `${where}.algorithm ${JSON.stringify(r.algorithm)} is not supported`);
    }
    if (typeof r.digest !== 'string' || !HEX64.test(r.digest))
      return bad(`${where}.digest`, 'not 64 lowercase hex digits');
    if (seen.has(r.name)) return bad(`${where}.name`, `${r.name} is listed twice`);
    seen.add(r.name);
    out.push({ name: r.name, algorithm: r.algorithm, digest: r.digest });
  }
  return {
    ok: true,
    statement: {
      subjectName: subj.name,
      subjectDigest: subj.digest.sha256,
      serialization: {
        method: ser.method,
        hash_type: 'sha256',
        allow_symlinks: ser.allow_symlinks,
        ignore_paths: ignore.sort(compareNames),
        ...(shardSize === undefined ? {} : { shard_size: shardSize }),
      },
      resources: out,
    },
  };
}

/** A POSIX path relative to the model root, no `..`, no empty or `.` segments, no NUL; or `.`. */
export function validName(name: string, limits: ModelSigningLimits): boolean {
  if (name === '.') return true;
  if (name === '' || name.includes('\0') || name.startsWith('/')) return false;
  if (Buffer.byteLength(name) > limits.maxPathBytes) return false;
  return name.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

function validResourceName(name: string, method: 'files' | 'shards', limits: ModelSigningLimits): boolean {
  if (method === 'files') return validName(name, limits);
  const m = /^(.*):(0|[1-9][0-9]*):(0|[1-9][0-9]*)$/.exec(name);
  return m !== null && validName(m[1]!, limits) && Number(m[2]) <= Number(m[3]);
}
