/** The PostgreSQL that store tests run against (127.0.0.1:5432), and the schema each test uses there. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL =
  process.env.VACSRP_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema name, so concurrent test files never share tables. */
export const testSchemaName = (prefix: string): string => `${prefix}_${randomBytes(6).toString('hex')}`;

/** Drops a test schema and everything in it; nothing to do for `undefined` (an SQLite run). */
export async function dropSchema(schema: string | undefined): Promise<void> {
  if (schema === undefined) return;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}
