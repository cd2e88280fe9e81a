import { createHash, randomBytes } from 'node:crypto';

// 32 symbols, so every random byte maps to one without modulo bias.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** A random id of lowercase letters and digits (100 bits at the default length). */
export function newId(length = 20): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 31];
  return id;
}

/** A random secret for tokens: 32 bytes, base64url. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
