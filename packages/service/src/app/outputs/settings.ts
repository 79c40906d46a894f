/**
 * What the program's outputs say about the program itself: its name, the https URL its public pages
 * live at (attestations name only https URLs, so a service without an https public origin — a
 * development machine, the demo — names the default program site), and how long an attestation lasts.
 */
import type { Context } from '../context.js';

export const PROGRAM_NAME = 'Voluntary AI Cybersecurity Review Program';
/** The program site named when the service has no https public origin. */
export const DEFAULT_PROGRAM_URL = 'https://vacsrp.example.gov';
/** An attestation is valid for a year from its issue; a new review renews it. */
export const ATTESTATION_VALIDITY_DAYS = 365;

export interface ProgramIdentity {
  readonly name: string;
  /** Origin of the program's public pages (https, no path). */
  readonly url: string;
}

// The HTTP options (public origin) reach the use cases through this table keyed by the context the
// routes were built with, because the use case contract (ctx, origin, input) has no room for them.
const origins = new WeakMap<Context, string>();

/** Records the public origin the service is reached at (called by the output routes at start-up). */
export function configureProgramOrigin(ctx: Context, publicOrigin: string | undefined): void {
  if (publicOrigin !== undefined && /^https:\/\/[^/]+$/.test(publicOrigin)) origins.set(ctx, publicOrigin);
}

export function programIdentity(ctx: Context): ProgramIdentity {
  return { name: PROGRAM_NAME, url: origins.get(ctx) ?? DEFAULT_PROGRAM_URL };
}

/** Where the public summary of a registry entry is published. */
export const registryEntryUrl = (program: ProgramIdentity, entryId: string): string =>
  `${program.url}/registry/${entryId}`;
