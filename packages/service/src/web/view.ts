/** Renders a page for a request: the frame (user, CSRF token, flash, current path) around a body. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../app/context.js';
import type { Html } from './html.js';
import { csrfFor, formSecret, redirect, sendPage, takeFlash } from './kit.js';
import { type Frame, layout } from './layout.js';

export interface ViewOptions {
  readonly side?: Frame['side'];
  readonly scripts?: readonly string[];
  readonly status?: number;
}

/** The CSRF token for forms on this request's page. */
export const csrfOf = (request: FastifyRequest, reply: FastifyReply): string =>
  csrfFor(formSecret(request, reply));

export function view(
  request: FastifyRequest,
  reply: FastifyReply,
  title: string,
  body: (csrf: string) => Html,
  options: ViewOptions = {},
): FastifyReply {
  const csrf = csrfOf(request, reply);
  const frame: Frame = {
    title,
    user: request.user ?? undefined,
    csrf,
    path: request.url.split('?')[0] ?? '/',
    flash: takeFlash(request, reply),
    side: options.side,
    ...(options.scripts === undefined ? {} : { scripts: options.scripts }),
  };
  return sendPage(reply, layout(frame, body(csrf)), options.status ?? 200);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A path parameter that must be an id; anything else is a page that does not exist. */
export function idParam(request: FastifyRequest, name = 'id'): string {
  const v = (request.params as Record<string, string | undefined>)[name];
  if (v === undefined || !UUID.test(v)) throw new AppError('NOT_FOUND', 'no such page');
  return v;
}

export type Form = Readonly<Record<string, string | string[] | undefined>>;

export const formOf = (request: FastifyRequest): Form =>
  request.body !== null && typeof request.body === 'object' ? (request.body as Form) : {};

/** One text field of a form, trimmed; refused when missing (if required) or longer than `max`. */
export function text(form: Form, name: string, label: string, max: number, required = true): string {
  const raw = form[name];
  const v = (Array.isArray(raw) ? raw[0] : raw) ?? '';
  if (v.length > max) throw new AppError('INVALID', `${label} may have at most ${max} characters`);
  if (required && v.trim() === '') throw new AppError('INVALID', `${label} is required`);
  return v;
}

/** Every value of a repeated field (checkboxes). */
export function many(form: Form, name: string, maxItems: number): string[] {
  const raw = form[name];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (list.length > maxItems) throw new AppError('INVALID', `at most ${maxItems} values for ${name}`);
  return list;
}

/** One of a closed set of values. */
export function choice<T extends string>(form: Form, name: string, label: string, options: readonly T[]): T {
  const v = text(form, name, label, 100);
  if (!(options as readonly string[]).includes(v)) throw new AppError('INVALID', `choose a valid ${label}`);
  return v as T;
}

export const queryOf = (request: FastifyRequest): Readonly<Record<string, string | undefined>> => {
  const q = request.query as Record<string, unknown> | undefined;
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q ?? {})) out[k] = typeof v === 'string' ? v : undefined;
  return out;
};

/** Refusals a form can be sent back with: the reason goes to the form's page as an error message. */
const BACK_CODES: ReadonlySet<AppError['code']> = new Set([
  'INVALID',
  'CONFLICT',
  'UNPROCESSABLE',
  'TOO_LARGE',
  'RATE_LIMITED',
]);

/** Runs a form's change and redirects (POST-redirect-GET); refusals of the input go back to `back`. */
export async function attempt(
  reply: FastifyReply,
  back: string,
  change: () => Promise<{ readonly to: string; readonly text: string }>,
): Promise<FastifyReply> {
  try {
    const done = await change();
    return redirect(reply, done.to, { kind: 'success', text: done.text });
  } catch (error) {
    if (error instanceof AppError && BACK_CODES.has(error.code)) {
      return redirect(reply, back, { kind: 'error', text: describeRefusal(error) });
    }
    throw error;
  }
}

/** The refusal's detail plus the first few listed problems (manifest validation) or pending paths. */
export function describeRefusal(error: AppError): string {
  const parts = [error.detail];
  const problems = error.extra.problems;
  if (Array.isArray(problems)) {
    for (const p of problems.slice(0, 5) as { message?: unknown; pointer?: unknown; line?: unknown }[]) {
      const where =
        typeof p.line === 'number' ? `line ${p.line}` : typeof p.pointer === 'string' ? p.pointer : '';
      parts.push(`${where === '' ? '' : `${where}: `}${String(p.message ?? '')}`);
    }
  }
  const pending = error.extra.pending;
  if (Array.isArray(pending)) parts.push(`still to upload: ${pending.slice(0, 5).join(', ')}`);
  return parts.join(' — ');
}
