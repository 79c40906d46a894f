import type { JsonValue } from './result.js';

/** Who acts. A submitter always belongs to one organisation; the public is anonymous. */
export type Actor =
  | { readonly role: 'submitter'; readonly userId: string; readonly organisationId: string }
  | { readonly role: 'reviewer'; readonly userId: string }
  | { readonly role: 'administrator'; readonly userId: string }
  | { readonly role: 'procurement-officer'; readonly userId: string }
  | { readonly role: 'public' };

export type Role = Actor['role'];
export const ROLES: readonly Role[] = [
  'submitter',
  'reviewer',
  'administrator',
  'procurement-officer',
  'public',
];

/** The object an event is about. */
export interface ObjectRef {
  readonly kind:
    | 'submission'
    | 'finding'
    | 'assignment'
    | 'decision'
    | 'organisation'
    | 'user'
    | 'token'
    | 'artifact'
    | 'scan'
    | 'evidence'
    | 'declaration'
    | 'report'
    | 'attestation'
    | 'program-key'
    | 'audit';
  readonly id: string;
}

/**
 * What a domain change implies for the audit log (who, what, when, object). "From where" is
 * known only to the host (request address), which adds it when appending to the chain.
 */
export interface DomainEvent {
  readonly who: string;
  readonly role: Role;
  readonly what: string;
  readonly when: string;
  readonly object: ObjectRef;
  readonly detail: { readonly [key: string]: JsonValue };
}

export const actorId = (actor: Actor): string => (actor.role === 'public' ? 'public' : actor.userId);
