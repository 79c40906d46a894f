/**
 * What every use case is handed: the database, blobs, keys, queue and clock (seams, never globals), and
 * the one error type whose codes the HTTP layer maps to statuses.
 */
import type { Kysely } from 'kysely';
import type { Actor } from '../domain/actor.js';
import type { Database } from '../store/schema.js';
import type { ArtifactStorage } from './storage.js';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export interface Context {
  readonly db: Kysely<Database>;
  readonly dialect: 'sqlite' | 'postgres';
  readonly storage: ArtifactStorage;
  readonly clock: Clock;
  /** Wakes the workers after a commit that queued a job (in-process queue); no-op otherwise. */
  readonly notifyJobs: () => void;
}

export type AppErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'INVALID'
  | 'CONFLICT'
  | 'TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'UNPROCESSABLE';

/** A refused request: `code` decides the HTTP status, `detail` is safe to show the caller. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: AppErrorCode,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `no such ${what}`);

/** Where a change came from, for the audit log: the request address, `cli` or `worker:<id>`. */
export interface Origin {
  readonly actor: Actor;
  readonly where: string;
}

export const nowIso = (clock: Clock): string => clock.now().toISOString();
