/** Organisations and the facts the annual report needs about them (type, size band, sector). */
import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor.js';
import type { OrganisationRow } from '../store/schema.js';
import { AppError, type Context, notFound, nowIso, type Origin } from './context.js';
import { recordEvent } from './events.js';

export const ORGANISATION_TYPES = [
  'large-company',
  'small-business',
  'academic-lab',
  'open-source-community',
  'government',
] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];

export const SIZE_BANDS = ['1-9', '10-49', '50-249', '250-999', '1000+'] as const;
export type SizeBand = (typeof SIZE_BANDS)[number];

export interface Organisation {
  readonly id: string;
  readonly name: string;
  readonly type: OrganisationType;
  readonly sizeBand: SizeBand;
  readonly sector: string;
  readonly relatedOrganisationIds: readonly string[];
  readonly createdAt: string;
}

export interface NewOrganisation {
  readonly name: string;
  readonly type: OrganisationType;
  readonly sizeBand: SizeBand;
  readonly sector: string;
  readonly relatedOrganisationIds?: readonly string[];
}

export function toOrganisation(row: OrganisationRow): Organisation {
  return {
    id: row.id,
    name: row.name,
    type: row.type as OrganisationType,
    sizeBand: row.size_band as SizeBand,
    sector: row.sector,
    relatedOrganisationIds: JSON.parse(row.related_ids) as string[],
    createdAt: row.created_at,
  };
}

export async function createOrganisation(
  ctx: Context,
  origin: Origin,
  input: NewOrganisation,
): Promise<Organisation> {
  if (origin.actor.role !== 'administrator')
    throw new AppError('FORBIDDEN', 'only administrators create organisations');
  const name = input.name.trim();
  const sector = input.sector.trim();
  if (name === '' || name.length > 200)
    throw new AppError('INVALID', 'a name of 1 to 200 characters is required');
  if (sector === '' || sector.length > 100)
    throw new AppError('INVALID', 'a sector of 1 to 100 characters is required');
  const related = [...new Set(input.relatedOrganisationIds ?? [])].sort();
  const id = randomUUID();
  const now = nowIso(ctx.clock);
  const row: OrganisationRow = {
    id,
    name,
    type: input.type,
    size_band: input.sizeBand,
    sector,
    related_ids: JSON.stringify(related),
    created_at: now,
  };
  await ctx.db.transaction().execute(async (tx) => {
    if (related.length > 0) {
      const found = await tx.selectFrom('organisations').select('id').where('id', 'in', related).execute();
      if (found.length !== related.length)
        throw new AppError('INVALID', 'a related organisation does not exist');
    }
    const taken = await tx
      .selectFrom('organisations')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirst();
    if (taken !== undefined) throw new AppError('CONFLICT', 'an organisation with this name exists');
    await tx.insertInto('organisations').values(row).execute();
    await recordEvent(
      tx,
      origin,
      now,
      'organisation.created',
      { kind: 'organisation', id },
      { type: input.type },
    );
  });
  return toOrganisation(row);
}

/** Administrators and reviewers (who declare interests in them) see every organisation; a submitter sees their own. */
export async function listOrganisations(ctx: Context, actor: Actor): Promise<Organisation[]> {
  let q = ctx.db.selectFrom('organisations').selectAll().orderBy('name');
  if (actor.role === 'submitter') q = q.where('id', '=', actor.organisationId);
  else if (actor.role !== 'administrator' && actor.role !== 'reviewer') {
    throw new AppError('FORBIDDEN', 'this role does not see organisations');
  }
  return (await q.execute()).map(toOrganisation);
}

export async function getOrganisation(ctx: Context, actor: Actor, id: string): Promise<Organisation> {
  if (actor.role === 'submitter' && actor.organisationId !== id) throw notFound('organisation');
  if (actor.role === 'procurement-officer' || actor.role === 'public') {
    throw new AppError('FORBIDDEN', 'this role does not see organisations');
  }
  const row = await ctx.db.selectFrom('organisations').selectAll().where('id', '=', id).executeTakeFirst();
  if (row === undefined) throw notFound('organisation');
  return toOrganisation(row);
}
