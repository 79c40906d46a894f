/** What a report may say about a secret: never the value, only a fingerprint to match it across reports. */
import { createHash } from 'node:crypto';

/** Characters of the value shown before the hash: enough to tell a `ghp_` from an `AKIA`, no more. */
export const SHOWN_PREFIX_CHARS = 4;
/** Hex digits of the SHA-256 shown: enough to match two reports, far too few to confirm a guess offline. */
export const SHOWN_HASH_HEX = 12;

/** `ghp_…sha256:0123456789ab`: the first 4 characters and a SHA-256 prefix of the value. */
export function fingerprint(value: string): string {
  const hash = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, SHOWN_HASH_HEX);
  return `${value.slice(0, SHOWN_PREFIX_CHARS)}…sha256:${hash}`;
}
