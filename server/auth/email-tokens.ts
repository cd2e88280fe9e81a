// Single-use tokens sent by mail (verify an address, change it, reset a
// password): 256 random bits in the link, a SHA-256 hash in the database.
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { emailTokens, type EmailTokenPurpose } from '../../db/schema';
import type { Clock } from '../clock';
import { DomainError, notFound } from '../errors';
import { newId, newSecret, sha256 } from '../ids';

export type EmailToken = typeof emailTokens.$inferSelect;
export type TokenStatus = 'valid' | 'expired' | 'used' | 'unknown';

const PREFIX: Record<EmailTokenPurpose, string> = { 'verify-email': 'ver', 'change-email': 'chg', 'reset-password': 'rst' };

/** The clear error for a token that cannot be used; unknown links say so without hinting why. */
export function tokenError(status: Exclude<TokenStatus, 'valid'>): DomainError {
  if (status === 'expired') return new DomainError('GONE', 'this link has expired; ask for a new one');
  if (status === 'used') return new DomainError('GONE', 'this link was already used');
  return notFound('link');
}

export function createEmailTokens(db: Db, clock: Clock) {
  function find(token: string, purposes: readonly EmailTokenPurpose[]): EmailToken | undefined {
    if (token.length > 200) return undefined;
    const row = db.select().from(emailTokens).where(eq(emailTokens.tokenHash, sha256(token))).get();
    return row && purposes.includes(row.purpose) ? row : undefined;
  }

  function statusOf(row: EmailToken | undefined): TokenStatus {
    if (!row) return 'unknown';
    if (row.usedAt) return 'used';
    if (row.expiresAt.getTime() <= clock.now()) return 'expired';
    return 'valid';
  }

  return {
    issue(input: { userId: string; purpose: EmailTokenPurpose; email: string; ttlMs: number }): string {
      const token = newSecret(PREFIX[input.purpose]);
      const now = clock.now();
      db.insert(emailTokens)
        .values({
          id: newId(),
          userId: input.userId,
          purpose: input.purpose,
          email: input.email,
          tokenHash: sha256(token),
          createdAt: new Date(now),
          expiresAt: new Date(now + input.ttlMs),
          usedAt: null,
        })
        .run();
      return token;
    },

    /** Looks at a token without using it (for the page a link opens). */
    inspect(token: string, purposes: readonly EmailTokenPurpose[]): { status: TokenStatus; row: EmailToken | undefined } {
      const row = find(token, purposes);
      return { status: statusOf(row), row };
    },

    /**
     * Marks a valid token used and returns it; throws the token's error
     * otherwise. The update is conditional, so two concurrent uses of one
     * token cannot both succeed.
     */
    consume(token: string, purposes: readonly EmailTokenPurpose[]): EmailToken {
      const row = find(token, purposes);
      const status = statusOf(row);
      if (status !== 'valid' || !row) throw tokenError(status === 'valid' ? 'unknown' : status);
      const now = new Date(clock.now());
      const result = db
        .update(emailTokens)
        .set({ usedAt: now })
        .where(and(eq(emailTokens.id, row.id), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)))
        .run();
      if (result.changes !== 1) throw tokenError('used');
      return { ...row, usedAt: now };
    },

    /** Retires every outstanding token of a kind for a user (after a reset, a change of address). */
    retireAll(userId: string, purpose: EmailTokenPurpose): void {
      db.update(emailTokens)
        .set({ usedAt: new Date(clock.now()) })
        .where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt)))
        .run();
    },
  };
}

export type EmailTokens = ReturnType<typeof createEmailTokens>;
