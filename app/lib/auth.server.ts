// Helpers for loaders and actions: who is asking, and form validation.
import type { AppLoadContext } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import type { z } from 'zod';
import type { Actor } from '../../server/audit/service';
import type { DomainError } from '../../server/errors';

// The Remix bundle gets its own copy of any server module it imports, so
// `instanceof` across the boundary would fail: app code imports types only
// and recognises domain errors by name.
function isDomainError(error: unknown): error is DomainError {
  return error instanceof Error && error.name === 'DomainError' && 'code' in error;
}

export function requireViewer(context: AppLoadContext, request: Request) {
  if (!context.viewer) {
    const url = new URL(request.url);
    const next = url.pathname + url.search;
    throw redirect(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`);
  }
  const { user, ip } = context.viewer;
  const actor: Actor = { userId: user.id, email: user.email, ip };
  return { viewer: context.viewer, actor };
}

export type FieldErrors = Record<string, string>;

/** Validates form fields; returns the data or per-field messages. */
export function parseForm<T extends z.ZodType>(schema: T, form: FormData):
  | { ok: true; data: z.infer<T> }
  | { ok: false; errors: FieldErrors } {
  const result = schema.safeParse(Object.fromEntries(form));
  if (result.success) return { ok: true, data: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) errors[issue.path.join('.') || 'form'] ??= issue.message;
  return { ok: false, errors };
}

/** Turns a domain error into form errors; rethrows anything else. */
export function formErrorsOf(error: unknown): FieldErrors {
  if (!isDomainError(error)) throw error;
  if (error.code === 'NOT_FOUND') throw new Response('Not found', { status: 404 });
  const errors: FieldErrors = { form: error.message };
  for (const issue of error.issues ?? []) errors[issue.path] = issue.message;
  return errors;
}

/** Runs a domain call from a loader; not-found and forbidden become error responses. */
export function orRespond<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isDomainError(error) && error.code === 'NOT_FOUND') throw new Response('Not found', { status: 404 });
    if (isDomainError(error) && error.code === 'FORBIDDEN') throw new Response('Forbidden', { status: 403 });
    throw error;
  }
}

/** Only same-site relative paths are followed after login, never another origin. */
export function safeNext(value: FormDataEntryValue | string | null): string {
  const next = typeof value === 'string' ? value : '';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/projects';
}
