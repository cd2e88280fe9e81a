// API tokens: shown once at creation, stored as a SHA-256 hash. Tokens are
// 256-bit random, so a fast hash is enough (no brute force is feasible).
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { apiTokens, users } from '../../db/schema';
import type { Audit, Actor } from '../audit/service';
import type { Clock } from '../clock';
import { notFound } from '../errors';
import { newId, newSecret, sha256 } from '../ids';

export const TOKEN_PREFIX = 'ctr';

export type TokenSummary = { id: string; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null };

export function createTokens(db: Db, audit: Audit, clock: Clock) {
  return {
    create(actor: Actor, name: string): TokenSummary & { token: string } {
      const token = newSecret(TOKEN_PREFIX);
      const row = {
        id: newId(),
        userId: actor.userId,
        name,
        tokenHash: sha256(token),
        prefix: token.slice(0, 10),
        createdAt: new Date(clock.now()),
        lastUsedAt: null,
      };
      db.insert(apiTokens).values(row).run();
      audit.record({ actor, action: 'token.create', target: { type: 'api_token', id: row.id }, details: { name } });
      return { id: row.id, name, prefix: row.prefix, createdAt: row.createdAt, lastUsedAt: null, token };
    },

    list(userId: string): TokenSummary[] {
      return db
        .select({
          id: apiTokens.id,
          name: apiTokens.name,
          prefix: apiTokens.prefix,
          createdAt: apiTokens.createdAt,
          lastUsedAt: apiTokens.lastUsedAt,
        })
        .from(apiTokens)
        .where(eq(apiTokens.userId, userId))
        .orderBy(desc(apiTokens.createdAt))
        .all();
    },

    revoke(actor: Actor, id: string): void {
      const result = db
        .delete(apiTokens)
        .where(and(eq(apiTokens.id, id), eq(apiTokens.userId, actor.userId)))
        .run();
      if (result.changes === 0) throw notFound('token');
      audit.record({ actor, action: 'token.revoke', target: { type: 'api_token', id } });
    },

    /** The user a bearer token belongs to, or null. */
    verify(token: string): { id: string; email: string; name: string } | null {
      if (!token.startsWith(`${TOKEN_PREFIX}_`)) return null;
      const hash = sha256(token);
      const row = db
        .select({ tokenId: apiTokens.id, id: users.id, email: users.email, name: users.name })
        .from(apiTokens)
        .innerJoin(users, eq(users.id, apiTokens.userId))
        .where(eq(apiTokens.tokenHash, hash))
        .get();
      if (!row) return null;
      db.update(apiTokens).set({ lastUsedAt: new Date(clock.now()) }).where(eq(apiTokens.id, row.tokenId)).run();
      return { id: row.id, email: row.email, name: row.name };
    },
  };
}

export type Tokens = ReturnType<typeof createTokens>;
