/**
 * The public registry: completed reviews with approved public summaries, searchable without signing
 * in by vendor, model name or artifact digest. An entry holds only what was published by design:
 * vendor and model names, the approved summary, artifact digests and the attestation (whose subjects
 * are digests too). No user ids, no file names, nothing from the confidential review.
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import type { PublicSummary } from '../../summary/model.js';
import { AppError, type Context, notFound } from '../context.js';
import { type AttestationStatus, attestationStatus } from './attestations.js';

export const REGISTRY_DEFAULT_LIMIT = 20;
export const REGISTRY_MAX_LIMIT = 100;
/** Longest vendor or model search text, in characters (names are at most 200). */
export const REGISTRY_MAX_QUERY = 200;
/** Digests listed per entry; the attestation names them all, `digestCount` says how many there are. */
export const REGISTRY_DIGESTS_PER_ENTRY = 100;
const DIGEST = /^sha256:([0-9a-fA-F]{64})$/;
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;

export interface RegistryEntry {
  readonly id: string;
  readonly vendor: string;
  readonly model: { readonly name: string; readonly version: string };
  readonly revision: number;
  readonly completedAt: string;
  /** `sha256:<hex>` of attested artifacts, sorted; at most REGISTRY_DIGESTS_PER_ENTRY. */
  readonly digests: readonly string[];
  readonly digestCount: number;
  readonly summary: PublicSummary;
  readonly attestation: {
    readonly id: string;
    readonly issuedAt: string;
    readonly expiresAt: string;
    readonly status: AttestationStatus;
    readonly revokedAt: string | null;
    readonly revocationReason: string | null;
    /** The DSSE envelope as signed: verify it with `vacsrp verify --program <origin>`. */
    readonly envelope: string;
  };
}

export interface RegistryQuery {
  readonly vendor?: string;
  readonly model?: string;
  /** `sha256:<64 hex>`, exact. */
  readonly digest?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface RegistryPage {
  readonly entries: readonly RegistryEntry[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly next: string | null;
}

/** `%` and `_` are wildcards in LIKE; searches are literal substrings. */
const likeLiteral = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const contains = (column: 'registry_entries.vendor_search' | 'registry_entries.model_search', text: string) =>
  sql<SqlBool>`${sql.ref(column)} like ${likeLiteral(text.toLowerCase())} escape '\\'`;

function encodeCursor(completedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([completedAt, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  if (!CURSOR.test(cursor)) throw new AppError('INVALID', 'the cursor is not one this registry issued');
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') {
      return [v[0], v[1]];
    }
  } catch {
    // fall through
  }
  throw new AppError('INVALID', 'the cursor is not one this registry issued');
}

function checkText(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = value.normalize('NFKC').trim();
  if (t.length > REGISTRY_MAX_QUERY)
    throw new AppError('INVALID', `${name} has at most ${REGISTRY_MAX_QUERY} characters`);
  return t === '' ? undefined : t;
}

function baseQuery(ctx: Context) {
  return ctx.db
    .selectFrom('registry_entries')
    .innerJoin('attestations', 'attestations.id', 'registry_entries.attestation_id')
    .select([
      'registry_entries.id as id',
      'registry_entries.vendor as vendor',
      'registry_entries.model_name as model_name',
      'registry_entries.model_version as model_version',
      'registry_entries.revision as revision',
      'registry_entries.completed_at as completed_at',
      'registry_entries.summary as summary',
      'attestations.id as attestation_id',
      'attestations.issued_at as issued_at',
      'attestations.expires_at as expires_at',
      'attestations.revoked_at as revoked_at',
      'attestations.revocation_reason as revocation_reason',
      'attestations.envelope as envelope',
    ]);
}

type EntryRow = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number];

async function toEntries(ctx: Context, rows: readonly EntryRow[]): Promise<RegistryEntry[]> {
  if (rows.length === 0) return [];
  const digests = await ctx.db
    .selectFrom('registry_digests')
    .select(['entry_id', 'sha256'])
    .where(
      'entry_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('entry_id')
    .orderBy('sha256')
    .execute();
  const byEntry = new Map<string, string[]>();
  for (const d of digests)
    byEntry.set(d.entry_id, [...(byEntry.get(d.entry_id) ?? []), `sha256:${d.sha256}`]);
  const now = ctx.clock.now();
  return rows.map((r) => {
    const all = byEntry.get(r.id) ?? [];
    return {
      id: r.id,
      vendor: r.vendor,
      model: { name: r.model_name, version: r.model_version },
      revision: r.revision,
      completedAt: r.completed_at,
      digests: all.slice(0, REGISTRY_DIGESTS_PER_ENTRY),
      digestCount: all.length,
      summary: JSON.parse(r.summary) as PublicSummary,
      attestation: {
        id: r.attestation_id,
        issuedAt: r.issued_at,
        expiresAt: r.expires_at,
        status: attestationStatus(
          { revoked_at: r.revoked_at, expires_at: r.expires_at } as Parameters<typeof attestationStatus>[0],
          now,
        ),
        revokedAt: r.revoked_at,
        revocationReason: r.revocation_reason,
        envelope: r.envelope,
      },
    };
  });
}

/** Searches completed reviews, newest first; filters combine (all must hold). Public, no audit. */
export async function searchRegistry(ctx: Context, query: RegistryQuery): Promise<RegistryPage> {
  const vendor = checkText('vendor', query.vendor);
  const model = checkText('model', query.model);
  const limit = query.limit ?? REGISTRY_DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > REGISTRY_MAX_LIMIT)
    throw new AppError('INVALID', `limit is 1 to ${REGISTRY_MAX_LIMIT}`);
  let digest: string | undefined;
  if (query.digest !== undefined) {
    const m = DIGEST.exec(query.digest);
    if (m === null) throw new AppError('INVALID', 'digest is sha256:<64 hex digits>');
    digest = m[1]!.toLowerCase();
  }
  let q = baseQuery(ctx);
  if (vendor !== undefined)
    q = q.where(contains('registry_entries.vendor_search', vendor) as Expression<SqlBool>);
  if (model !== undefined)
    q = q.where(contains('registry_entries.model_search', model) as Expression<SqlBool>);
  if (digest !== undefined) {
    const sha256 = digest;
    q = q.where('registry_entries.id', 'in', (eb) =>
      eb
        .selectFrom('registry_digests')
        .select('registry_digests.entry_id')
        .where('registry_digests.sha256', '=', sha256),
    );
  }
  if (query.cursor !== undefined) {
    const [at, id] = decodeCursor(query.cursor);
    q = q.where((eb) =>
      eb.or([
        eb('registry_entries.completed_at', '<', at),
        eb.and([eb('registry_entries.completed_at', '=', at), eb('registry_entries.id', '<', id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('registry_entries.completed_at', 'desc')
    .orderBy('registry_entries.id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    entries: await toEntries(ctx, page),
    next: rows.length > limit && last !== undefined ? encodeCursor(last.completed_at, last.id) : null,
  };
}

/** One registry entry (the public summary page's data). */
export async function registryEntry(ctx: Context, entryId: string): Promise<RegistryEntry> {
  const row = await baseQuery(ctx).where('registry_entries.id', '=', entryId).executeTakeFirst();
  if (row === undefined) throw notFound('registry entry');
  const [entry] = await toEntries(ctx, [row]);
  return entry!;
}
