// Field schemas shared by the JSON API and the Remix forms (pure zod, safe in any bundle).
import { z } from 'zod';

export const email = z.email('enter a valid email address').max(254);
export const password = z.string().min(8, 'use at least 8 characters').max(256, 'use at most 256 characters');
export const personName = z.string().trim().min(1, 'enter a name').max(80);
export const projectName = z.string().trim().min(1, 'enter a name').max(64, 'use at most 64 characters');
export const environmentName = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$/, 'use lowercase letters, digits and dashes (a DNS label, max 32)');
export const teamName = z.string().trim().min(1, 'enter a name').max(64, 'use at most 64 characters');
export const role = z.enum(['owner', 'admin', 'developer', 'viewer'], 'choose owner, admin, developer or viewer');
/** Tokens from mailed links: base64url with a short prefix. */
export const linkToken = z.string().min(10).max(200).regex(/^[A-Za-z0-9_-]+$/, 'malformed token');
