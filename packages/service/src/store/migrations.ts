/**
 * Schema migrations, in order, run on every start (`migrateToLatest`). A published migration is never
 * edited: changes come as a new one. Column types are the portable subset both dialects share.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';

const text = 'text' as const;
const int = 'integer' as const;
const big = 'bigint' as const;

const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('organisations')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('name', text, (c) => c.notNull().unique())
      .addColumn('type', text, (c) => c.notNull())
      .addColumn('size_band', text, (c) => c.notNull())
      .addColumn('sector', text, (c) => c.notNull())
      .addColumn('related_ids', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('users')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('email', text, (c) => c.notNull().unique())
      .addColumn('name', text, (c) => c.notNull())
      .addColumn('role', text, (c) => c.notNull())
      .addColumn('organisation_id', text, (c) => c.references('organisations.id'))
      .addColumn('password_hash', text)
      .addColumn('oidc_subject', text, (c) => c.unique())
      .addColumn('disabled', int, (c) => c.notNull())
      .addColumn('failed_logins', int, (c) => c.notNull())
      .addColumn('locked_until', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('sessions')
      .addColumn('token_hash', text, (c) => c.primaryKey())
      .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('expires_at', text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('api_tokens')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('user_id', text, (c) => c.notNull().references('users.id'))
      .addColumn('name', text, (c) => c.notNull())
      .addColumn('token_hash', text, (c) => c.notNull().unique())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('expires_at', text)
      .addColumn('last_used_at', text)
      .addColumn('revoked_at', text)
      .execute();
    await db.schema
      .createTable('submissions')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('organisation_id', text, (c) => c.notNull().references('organisations.id'))
      .addColumn('model_name', text, (c) => c.notNull())
      .addColumn('model_version', text, (c) => c.notNull())
      .addColumn('state', text, (c) => c.notNull())
      .addColumn('reviewers', text, (c) => c.notNull())
      .addColumn('sign_offs', text, (c) => c.notNull())
      .addColumn('wrapped_key', text, (c) => c.notNull())
      .addColumn('created_by', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .addColumn('version', int, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('submissions_org').on('submissions').column('organisation_id').execute();
    await db.schema
      .createTable('revisions')
      .addColumn('submission_id', text, (c) => c.notNull().references('submissions.id'))
      .addColumn('number', int, (c) => c.notNull())
      .addColumn('manifest_digest', text, (c) => c.notNull())
      .addColumn('manifest', text, (c) => c.notNull())
      .addColumn('digests_only', int, (c) => c.notNull())
      .addColumn('created_by', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('revisions_pk', ['submission_id', 'number'])
      .execute();
    await db.schema
      .createTable('artifacts')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('submission_id', text, (c) => c.notNull().references('submissions.id'))
      .addColumn('revision', int, (c) => c.notNull())
      .addColumn('path', text, (c) => c.notNull())
      .addColumn('sha256', text, (c) => c.notNull())
      .addColumn('size', big, (c) => c.notNull())
      .addColumn('state', text, (c) => c.notNull())
      .addColumn('blob_key', text)
      .addColumn('updated_at', text, (c) => c.notNull())
      .addUniqueConstraint('artifacts_path', ['submission_id', 'revision', 'path'])
      .execute();
    await db.schema
      .createTable('scans')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('submission_id', text, (c) => c.notNull().references('submissions.id'))
      .addColumn('revision', int, (c) => c.notNull())
      .addColumn('state', text, (c) => c.notNull())
      .addColumn('attempts', int, (c) => c.notNull())
      .addColumn('progress', text, (c) => c.notNull())
      .addColumn('summary', text)
      .addColumn('error', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('started_at', text)
      .addColumn('finished_at', text)
      .addUniqueConstraint('scans_revision', ['submission_id', 'revision'])
      .execute();
    await db.schema
      .createTable('jobs')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('kind', text, (c) => c.notNull())
      .addColumn('payload', text, (c) => c.notNull())
      .addColumn('state', text, (c) => c.notNull())
      .addColumn('run_at', text, (c) => c.notNull())
      .addColumn('attempts', int, (c) => c.notNull())
      .addColumn('max_attempts', int, (c) => c.notNull())
      .addColumn('locked_by', text)
      .addColumn('locked_until', text)
      .addColumn('last_error', text)
      .addColumn('dedupe_key', text, (c) => c.notNull().unique())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('jobs_due').on('jobs').columns(['state', 'run_at']).execute();
    await db.schema
      .createTable('findings')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('submission_id', text, (c) => c.notNull().references('submissions.id'))
      .addColumn('organisation_id', text, (c) => c.notNull())
      .addColumn('revision', int, (c) => c.notNull())
      .addColumn('source', text, (c) => c.notNull())
      .addColumn('scan_id', text)
      .addColumn('rule_id', text)
      .addColumn('criterion_id', text, (c) => c.notNull())
      .addColumn('severity', text, (c) => c.notNull())
      .addColumn('title', text, (c) => c.notNull())
      .addColumn('description', text, (c) => c.notNull())
      .addColumn('location', text, (c) => c.notNull())
      .addColumn('evidence', text, (c) => c.notNull())
      .addColumn('remediation', text, (c) => c.notNull())
      .addColumn('state', text, (c) => c.notNull())
      .addColumn('resolution', text)
      .addColumn('created_by', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('findings_submission').on('findings').column('submission_id').execute();
    await db.schema
      .createTable('comments')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('finding_id', text, (c) => c.notNull().references('findings.id'))
      .addColumn('ordinal', int, (c) => c.notNull())
      .addColumn('author', text, (c) => c.notNull())
      .addColumn('role', text, (c) => c.notNull())
      .addColumn('body', text, (c) => c.notNull())
      .addColumn('at', text, (c) => c.notNull())
      .addUniqueConstraint('comments_order', ['finding_id', 'ordinal'])
      .execute();
    await db.schema
      .createTable('evidence_files')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('finding_id', text, (c) => c.notNull().references('findings.id'))
      .addColumn('submission_id', text, (c) => c.notNull())
      .addColumn('name', text, (c) => c.notNull())
      .addColumn('media_type', text, (c) => c.notNull())
      .addColumn('size', big, (c) => c.notNull())
      .addColumn('sha256', text, (c) => c.notNull())
      .addColumn('blob_key', text, (c) => c.notNull())
      .addColumn('created_by', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('declarations')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('reviewer_id', text, (c) => c.notNull().references('users.id'))
      .addColumn('kind', text, (c) => c.notNull())
      .addColumn('organisation_id', text, (c) => c.notNull().references('organisations.id'))
      .addColumn('from_date', text, (c) => c.notNull())
      .addColumn('to_date', text)
      .addColumn('note', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('submitter_declarations')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('submission_id', text, (c) => c.notNull().references('submissions.id'))
      .addColumn('reviewer_id', text, (c) => c.notNull().references('users.id'))
      .addColumn('reason', text, (c) => c.notNull())
      .addColumn('created_by', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('assignment_events')
      .addColumn('submission_id', text, (c) => c.notNull().references('submissions.id'))
      .addColumn('ordinal', int, (c) => c.notNull())
      .addColumn('type', text, (c) => c.notNull())
      .addColumn('reviewer_id', text, (c) => c.notNull())
      .addColumn('by', text, (c) => c.notNull())
      .addColumn('at', text, (c) => c.notNull())
      .addColumn('reason', text)
      .addPrimaryKeyConstraint('assignment_events_pk', ['submission_id', 'ordinal'])
      .execute();
    await db.schema
      .createTable('decisions')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('submission_id', text, (c) => c.notNull().references('submissions.id'))
      .addColumn('revision', int, (c) => c.notNull())
      .addColumn('kind', text, (c) => c.notNull())
      .addColumn('accepted_finding_ids', text, (c) => c.notNull())
      .addColumn('justification', text, (c) => c.notNull())
      .addColumn('by', text, (c) => c.notNull())
      .addColumn('at', text, (c) => c.notNull())
      .addUniqueConstraint('decisions_revision', ['submission_id', 'revision'])
      .execute();
    await db.schema
      .createTable('audit_log')
      .addColumn('seq', big, (c) => c.primaryKey())
      .addColumn('prev_hash', text, (c) => c.notNull())
      .addColumn('hash', text, (c) => c.notNull())
      .addColumn('event', text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit_tip')
      .addColumn('id', int, (c) => c.primaryKey())
      .addColumn('seq', big, (c) => c.notNull())
      .addColumn('hash', text, (c) => c.notNull())
      .execute();
    await sql`insert into audit_tip (id, seq, hash) values (1, -1, ${'0'.repeat(64)})`.execute(db);
  },
};

/** Program outputs: signing keys, public summaries, attestations, the registry and the revocation list. */
const programOutputs: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('program_keys')
      .addColumn('kid', text, (c) => c.primaryKey())
      .addColumn('alg', text, (c) => c.notNull())
      .addColumn('public_jwk', text, (c) => c.notNull())
      .addColumn('private_blob', text, (c) => c.notNull())
      .addColumn('wrapped_key', text, (c) => c.notNull())
      .addColumn('activated_at', text, (c) => c.notNull())
      .addColumn('retired_at', text)
      .addColumn('current_slot', int, (c) => c.unique())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('public_summaries')
      .addColumn('submission_id', text, (c) => c.notNull().references('submissions.id'))
      .addColumn('revision', int, (c) => c.notNull())
      .addColumn('state', text, (c) => c.notNull())
      .addColumn('summary', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .addColumn('approved_by', text)
      .addColumn('approved_at', text)
      .addPrimaryKeyConstraint('public_summaries_pk', ['submission_id', 'revision'])
      .execute();
    await db.schema
      .createTable('attestations')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('submission_id', text, (c) => c.notNull().unique().references('submissions.id'))
      .addColumn('revision', int, (c) => c.notNull())
      .addColumn('registry_entry_id', text, (c) => c.notNull().unique())
      .addColumn('kid', text, (c) => c.notNull().references('program_keys.kid'))
      .addColumn('envelope', text, (c) => c.notNull())
      .addColumn('issued_at', text, (c) => c.notNull())
      .addColumn('expires_at', text, (c) => c.notNull())
      .addColumn('revoked_at', text)
      .addColumn('revocation_reason', text)
      .addColumn('revocation_note', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('registry_entries')
      .addColumn('id', text, (c) => c.primaryKey())
      .addColumn('submission_id', text, (c) => c.notNull().unique().references('submissions.id'))
      .addColumn('revision', int, (c) => c.notNull())
      .addColumn('vendor', text, (c) => c.notNull())
      .addColumn('vendor_search', text, (c) => c.notNull())
      .addColumn('model_name', text, (c) => c.notNull())
      .addColumn('model_search', text, (c) => c.notNull())
      .addColumn('model_version', text, (c) => c.notNull())
      .addColumn('summary', text, (c) => c.notNull())
      .addColumn('attestation_id', text, (c) => c.notNull().unique())
      .addColumn('completed_at', text, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('registry_entries_order')
      .on('registry_entries')
      .columns(['completed_at', 'id'])
      .execute();
    await db.schema
      .createTable('registry_digests')
      .addColumn('entry_id', text, (c) => c.notNull().references('registry_entries.id'))
      .addColumn('sha256', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('registry_digests_pk', ['entry_id', 'sha256'])
      .execute();
    await db.schema.createIndex('registry_digests_sha256').on('registry_digests').column('sha256').execute();
    await db.schema
      .createTable('revocation_lists')
      .addColumn('id', int, (c) => c.primaryKey())
      .addColumn('issued_at', text, (c) => c.notNull())
      .addColumn('envelope', text, (c) => c.notNull())
      .execute();
  },
};

/** Reviewers' recorded outcome per criterion (met, not met, not applicable) for a revision. */
const criterionOutcomes: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('criterion_outcomes')
      .addColumn('submission_id', text, (c) => c.notNull().references('submissions.id'))
      .addColumn('revision', int, (c) => c.notNull())
      .addColumn('criterion_id', text, (c) => c.notNull())
      .addColumn('outcome', text, (c) => c.notNull())
      .addColumn('reviewer_id', text, (c) => c.notNull())
      .addColumn('note', text, (c) => c.notNull())
      .addColumn('at', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('criterion_outcomes_pk', ['submission_id', 'revision', 'criterion_id'])
      .execute();
  },
};

export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-program-outputs': programOutputs,
  '0003-criterion-outcomes': criterionOutcomes,
};

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };

/** Brings the schema to the newest migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<unknown>, schema?: string): Promise<void> {
  // Kysely looks for its bookkeeping tables in every schema unless told which one is ours.
  const migrator = new Migrator({
    db,
    provider,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`database migration ${failed} failed`, { cause: error });
  }
}
