/**
 * What every page handler needs: the CSRF token bound to the session (or, before sign-in, to a
 * pre-session cookie), one-shot flash messages, local return paths, the security headers, and the
 * answers for refusals (sign-in redirect, 403 and 404 pages, back to the form with the reason).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../app/context.js';
import { SESSION_COOKIE } from '../app/identity.js';
import type { Html } from './html.js';
import { toDocument } from './html.js';

export const PRE_SESSION_COOKIE = '__Host-vacsrp_pre';
export const FLASH_COOKIE = '__Host-vacsrp_flash';
export const CSRF_FIELD = '_csrf';
/** A flash message is our own short sentence; the cap keeps a forged cookie from bloating pages. */
const MAX_FLASH = 500;

/** The CSRF token for a session or pre-session secret: an HMAC, so it cannot be derived without the cookie. */
export function csrfFor(secret: string): string {
  return createHmac('sha256', secret).update('vacsrp web form v1').digest('base64url');
}

const cookieOptions = { httpOnly: true, secure: true, sameSite: 'lax' as const, path: '/' };

/** The secret forms are bound to: the session cookie when signed in, otherwise a pre-session cookie (set if missing). */
export function formSecret(request: FastifyRequest, reply: FastifyReply): string {
  const session = request.cookies[SESSION_COOKIE];
  if (request.credential === 'session' && session !== undefined) return session;
  let pre = request.cookies[PRE_SESSION_COOKIE];
  if (pre === undefined || !/^[A-Za-z0-9_-]{43}$/.test(pre)) {
    pre = randomBytes(32).toString('base64url');
    reply.setCookie(PRE_SESSION_COOKIE, pre, cookieOptions);
    // Make it visible to the rest of this request, so the token on this very page matches.
    request.cookies[PRE_SESSION_COOKIE] = pre;
  }
  return pre;
}

/** Refuses a form post whose token does not match the caller's session or pre-session. */
export function checkCsrf(request: FastifyRequest, sent: unknown): void {
  if (request.credential === 'token') return; // bearer tokens are never sent by a browser on its own
  const secret =
    request.credential === 'session' ? request.cookies[SESSION_COOKIE] : request.cookies[PRE_SESSION_COOKIE];
  const refused = new AppError('FORBIDDEN', 'the form has expired; reload the page and try again', {
    reason: 'CSRF',
  });
  if (secret === undefined || typeof sent !== 'string') throw refused;
  const want = new TextEncoder().encode(csrfFor(secret));
  const got = new TextEncoder().encode(sent);
  if (want.length !== got.length || !timingSafeEqual(want, got)) throw refused;
}

export type FlashKind = 'success' | 'error' | 'info';
export interface Flash {
  readonly kind: FlashKind;
  readonly text: string;
}

export function setFlash(reply: FastifyReply, flash: Flash): void {
  reply.setCookie(
    FLASH_COOKIE,
    Buffer.from(JSON.stringify({ ...flash, text: flash.text.slice(0, MAX_FLASH) })).toString('base64url'),
    { ...cookieOptions, maxAge: 120 },
  );
}

/** Reads and clears the flash message, if any (a malformed one is dropped). */
export function takeFlash(request: FastifyRequest, reply: FastifyReply): Flash | undefined {
  const raw = request.cookies[FLASH_COOKIE];
  if (raw === undefined) return undefined;
  reply.clearCookie(FLASH_COOKIE, cookieOptions);
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Flash>;
    if ((v.kind === 'success' || v.kind === 'error' || v.kind === 'info') && typeof v.text === 'string') {
      return { kind: v.kind, text: v.text.slice(0, MAX_FLASH) };
    }
  } catch {
    // ignore: not ours
  }
  return undefined;
}

/**
 * A return path after sign-in: only a local absolute path (one leading slash, no scheme, no
 * backslash, no control characters), so the sign-in page cannot be used to send people elsewhere.
 */
export function localPath(next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length > 500) return undefined;
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return undefined;
  if (/[\u0000-\u001f\u007f]/.test(next)) return undefined;
  if (next.startsWith('/api/') || next.startsWith('/sign-in') || next.startsWith('/sign-out'))
    return undefined;
  return next;
}

/** POST-redirect-GET: 303 to a local path with a flash message. */
export function redirect(reply: FastifyReply, path: string, flash?: Flash): FastifyReply {
  if (flash !== undefined) setFlash(reply, flash);
  return reply.code(303).header('location', path).send();
}

export function sendPage(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(toDocument(page));
}

/**
 * The Content-Security-Policy of every page: our own scripts, styles, images and fonts only, no inline
 * script or style, no framing, forms post only to us.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  // The server's own header; pages relax it to same-origin with a meta element (see layout.ts).
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** The sign-in address that brings the user back to `path` afterwards. */
export const signInFor = (path: string): string => {
  const next = localPath(path);
  return next === undefined || next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
};
