/**
 * Opens the store's database: a SQLite file (embedded default) or PostgreSQL (`DATABASE_URL`). Both
 * return the same Kysely<Database>; migrations run before the handle is returned.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';

export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      /** Schema to use (created if missing); tests give each run its own. Default `public`. */
      readonly schema?: string;
    };

export interface OpenDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: DatabaseTarget['kind'];
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDatabase(target: DatabaseTarget): Promise<OpenDatabase> {
  const db = target.kind === 'sqlite' ? await sqlite(target.path) : await postgres(target);
  try {
    await migrateToLatest(
      db as Kysely<unknown>,
      target.kind === 'postgres' ? (target.schema ?? 'public') : undefined,
    );
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect: target.kind, close: () => db.destroy() };
}

async function sqlite(path: string): Promise<Kysely<Database>> {
  const { default: Sqlite } = await import('better-sqlite3');
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const handle = new Sqlite(path);
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = FULL');
  handle.pragma('foreign_keys = ON');
  handle.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: handle }) });
}

async function postgres(target: { url: string; schema?: string }): Promise<Kysely<Database>> {
  const { default: pg } = await import('pg');
  const schema = target.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
  // int8 (sizes, audit sequence numbers) as JS numbers: every value we store is below 2^53.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === 20
        ? (v: string) => Number(v)
        : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({
    connectionString: target.url,
    max: 10,
    types,
    options: `-c search_path=${schema}`,
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  return db;
}
