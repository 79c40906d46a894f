/**
 * Program signing keys: generated on first use, sealed at rest, rotated by an administrator and
 * published as a JWKS. A retired key stays published with its active window, so what it signed while
 * current keeps verifying. Times are whole seconds, as the JWKS and the attestations write them.
 *
 * Sealing: the PKCS#8 PEM goes into the encrypted blob store under a data key of its own, wrapped by
 * the master key with the context `vacsrp/submission/program-key/<kid>` (the artifact storage seam's
 * only wrapping context); the row keeps the blob key and the wrapped data key, never the private key.
 */
import { Readable } from 'node:stream';
import {
  buildJwks,
  DEFAULT_ATTESTATION_LIMITS,
  generateProgramKey,
  loadSigningKey,
  PROGRAM_KEY_ALGORITHMS,
  type ProgramKeyAlgorithm,
  type ProgramPublicJwk,
  type ProgramSigningKey,
} from '@vacsrp/attest';
import type { Db } from '../../store/audit.js';
import type { ProgramKeyRow } from '../../store/schema.js';
import { AppError, type Context, type Origin } from '../context.js';
import { recordEvent } from '../events.js';

export { PROGRAM_KEY_ALGORITHMS, type ProgramKeyAlgorithm };

/** The algorithm of a key generated on first use. */
export const DEFAULT_KEY_ALGORITHM: ProgramKeyAlgorithm = 'EdDSA';
/** A PEM private key is a few hundred bytes; anything larger in the blob store is not ours. */
const MAX_SEALED_KEY_BYTES = 16 * 1024;

export const wholeSecond = (d: Date): Date => new Date(Math.floor(d.getTime() / 1000) * 1000);
const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const sealContext = (kid: string) => `program-key/${kid}`;

export interface ProgramKeyView {
  readonly kid: string;
  readonly alg: ProgramKeyAlgorithm;
  readonly activatedAt: string;
  readonly retiredAt: string | null;
  readonly current: boolean;
}

const toView = (r: ProgramKeyRow): ProgramKeyView => ({
  kid: r.kid,
  alg: r.alg as ProgramKeyAlgorithm,
  activatedAt: r.activated_at,
  retiredAt: r.retired_at,
  current: r.current_slot === 1,
});

/** A fresh key pair with its private half sealed in the blob store (outside any transaction). */
async function sealedKey(ctx: Context, alg: ProgramKeyAlgorithm) {
  const pair = generateProgramKey(alg);
  const wrapped = ctx.storage.newWrappedKey(sealContext(pair.kid));
  const blob = await ctx.storage.put(
    Readable.from([Buffer.from(pair.privateKeyPem, 'utf8')]),
    { wrapped, submissionId: sealContext(pair.kid) },
    MAX_SEALED_KEY_BYTES,
  );
  return { pair, wrapped, blobKey: blob.key };
}

async function currentRow(db: Db): Promise<ProgramKeyRow | undefined> {
  return db.selectFrom('program_keys').selectAll().where('current_slot', '=', 1).executeTakeFirst();
}

/**
 * The current key, generated on first use. Generation seals the key before the insert; when two
 * requests race, the unique current slot lets one insert win and the other reads the winner.
 * `db` may be the caller's transaction (the completion), so the insert joins it.
 */
export async function ensureCurrentKey(ctx: Context, db: Db, now: Date): Promise<ProgramKeyView> {
  const existing = await currentRow(db);
  if (existing !== undefined) return toView(existing);
  const { pair, wrapped, blobKey } = await sealedKey(ctx, DEFAULT_KEY_ALGORITHM);
  const row: ProgramKeyRow = {
    kid: pair.kid,
    alg: pair.alg,
    public_jwk: JSON.stringify(pair.publicJwk),
    private_blob: blobKey,
    wrapped_key: wrapped,
    activated_at: iso(wholeSecond(now)),
    retired_at: null,
    current_slot: 1,
    created_at: now.toISOString(),
  };
  try {
    await db.insertInto('program_keys').values(row).execute();
  } catch (error) {
    const winner = await currentRow(db).catch(() => undefined);
    if (winner !== undefined) return toView(winner);
    throw error;
  }
  return toView(row);
}

/** The private key active at `at` (whole seconds), unsealed for one signature. */
export async function signingKeyAt(ctx: Context, db: Db, at: Date): Promise<ProgramSigningKey> {
  await ensureCurrentKey(ctx, db, at);
  const when = iso(wholeSecond(at));
  const row = await db
    .selectFrom('program_keys')
    .selectAll()
    .where('activated_at', '<=', when)
    .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', when)]))
    .orderBy('activated_at', 'desc')
    .executeTakeFirst();
  if (row === undefined) throw new Error(`no program key is active at ${when}`);
  const body = await ctx.storage.read(row.private_blob, {
    wrapped: row.wrapped_key,
    submissionId: sealContext(row.kid),
  });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pem = '';
  for await (const chunk of body) {
    pem += decoder.decode(chunk as Uint8Array, { stream: true });
    if (pem.length > MAX_SEALED_KEY_BYTES) throw new Error(`sealed program key ${row.kid} is too large`);
  }
  pem += decoder.decode();
  const loaded = loadSigningKey(pem, `program key ${row.kid}`);
  if (!loaded.ok) throw new Error(`sealed program key ${row.kid} does not load: ${loaded.message}`);
  if (loaded.key.kid !== row.kid) throw new Error(`sealed program key ${row.kid} is another key`);
  return loaded.key;
}

/**
 * Rotation: a new current key, the old one retired but still published. The switch happens at the
 * next whole second (and at least a second after the old key's activation) so an attestation issued
 * in the second of the rotation is still signed by a key whose published window contains it.
 */
export async function rotateProgramKey(
  ctx: Context,
  origin: Origin,
  input: { readonly alg?: ProgramKeyAlgorithm } = {},
): Promise<{ readonly current: ProgramKeyView; readonly retired: ProgramKeyView | null }> {
  if (origin.actor.role === 'public') throw new AppError('UNAUTHENTICATED', 'sign in first');
  if (origin.actor.role !== 'administrator')
    throw new AppError('FORBIDDEN', 'only administrators rotate program keys');
  const alg = input.alg ?? DEFAULT_KEY_ALGORITHM;
  const { pair, wrapped, blobKey } = await sealedKey(ctx, alg);
  return ctx.db.transaction().execute(async (tx) => {
    const now = ctx.clock.now();
    const old = await currentRow(tx);
    const nextSecond = new Date(Math.ceil(now.getTime() / 1000) * 1000);
    const switchAt =
      old === undefined
        ? wholeSecond(now)
        : new Date(Math.max(nextSecond.getTime(), new Date(old.activated_at).getTime() + 1000));
    if (old !== undefined) {
      const retired = await tx
        .updateTable('program_keys')
        .set({ retired_at: iso(switchAt), current_slot: null })
        .where('kid', '=', old.kid)
        .where('current_slot', '=', 1)
        .executeTakeFirst();
      if (Number(retired.numUpdatedRows) !== 1)
        throw new AppError('CONFLICT', 'the program key changed meanwhile; retry');
    }
    const row: ProgramKeyRow = {
      kid: pair.kid,
      alg: pair.alg,
      public_jwk: JSON.stringify(pair.publicJwk),
      private_blob: blobKey,
      wrapped_key: wrapped,
      activated_at: iso(switchAt),
      retired_at: null,
      current_slot: 1,
      created_at: now.toISOString(),
    };
    await tx.insertInto('program_keys').values(row).execute();
    await recordEvent(
      tx,
      origin,
      now.toISOString(),
      'program-key.rotated',
      { kind: 'audit', id: `program-key/${row.kid}` },
      { alg, activatedAt: row.activated_at, ...(old === undefined ? {} : { retiredKid: old.kid }) },
    );
    return {
      current: toView(row),
      retired: old === undefined ? null : toView({ ...old, retired_at: iso(switchAt), current_slot: null }),
    };
  });
}

/** The JWKS document (canonical JSON text) with every key the program ever signed with. */
export async function programJwks(ctx: Context): Promise<string> {
  await ensureCurrentKey(ctx, ctx.db, ctx.clock.now());
  const rows = await ctx.db.selectFrom('program_keys').selectAll().orderBy('activated_at').execute();
  const built = buildJwks(
    rows.map((r) => ({
      publicJwk: JSON.parse(r.public_jwk) as ProgramPublicJwk,
      activatedAt: new Date(r.activated_at),
      ...(r.retired_at === null ? {} : { retiredAt: new Date(r.retired_at) }),
    })),
    DEFAULT_ATTESTATION_LIMITS,
  );
  if (!built.ok) throw new Error(`the program's JWKS does not build: ${built.message}`);
  return built.text;
}
