// The nodes and join_tokens tables. Tokens are 256-bit random and stored as
// SHA-256 hashes; a join token is exchanged for a node in one transaction, so
// two agents racing with the same join token cannot both get in.
import { and, desc, eq, inArray, isNull, or } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { joinTokens, nodes } from '../../db/schema';
import { AGENT_TOKEN_PREFIX, type AgentConnectError } from '../../sync/events';
import type { Clock } from '../clock';
import { newId, newSecret, sha256 } from '../ids';

export type NodeRow = typeof nodes.$inferSelect;
export type JoinTokenRow = typeof joinTokens.$inferSelect;

export type AgentAuth =
  | { ok: true; node: NodeRow; issuedToken?: string; joinTokenId?: string }
  | { ok: false; reason: AgentConnectError };

export function createNodeStore(db: Db, clock: Clock) {
  function insertNode(tx: Pick<Db, 'insert'>, input: { name: string; teamId: string | null }) {
    const token = newSecret(AGENT_TOKEN_PREFIX.node);
    const row: NodeRow = {
      id: newId(),
      teamId: input.teamId,
      name: input.name,
      tokenHash: sha256(token),
      // Lost until its first hello.
      status: 'lost',
      engineVersion: null,
      cpus: null,
      memoryBytes: null,
      lastHeartbeatAt: null,
      createdAt: new Date(clock.now()),
    };
    tx.insert(nodes).values(row).run();
    return { node: row, token };
  }

  return {
    allNodes(): NodeRow[] {
      return db.select().from(nodes).all();
    },

    createNode(input: { name: string; teamId: string | null }) {
      return insertNode(db, input);
    },

    updateNode(id: string, patch: Partial<Omit<NodeRow, 'id' | 'tokenHash' | 'createdAt'>>): void {
      db.update(nodes).set(patch).where(eq(nodes.id, id)).run();
    },

    nodeByToken(token: string): NodeRow | undefined {
      return db
        .select()
        .from(nodes)
        .where(eq(nodes.tokenHash, sha256(token)))
        .get();
    },

    createJoinToken(input: { teamId: string | null; createdBy: string | null; ttlMs: number }) {
      const token = newSecret(AGENT_TOKEN_PREFIX.join);
      const now = clock.now();
      const row: JoinTokenRow = {
        id: newId(),
        teamId: input.teamId,
        tokenHash: sha256(token),
        createdBy: input.createdBy,
        createdAt: new Date(now),
        expiresAt: new Date(now + input.ttlMs),
        usedAt: null,
        revokedAt: null,
      };
      db.insert(joinTokens).values(row).run();
      return { row, token };
    },

    joinToken(id: string): JoinTokenRow | undefined {
      return db.select().from(joinTokens).where(eq(joinTokens.id, id)).get();
    },

    listJoinTokens(teamIds: string[], includeShared: boolean): JoinTokenRow[] {
      const conditions = [
        ...(teamIds.length > 0 ? [inArray(joinTokens.teamId, teamIds)] : []),
        ...(includeShared ? [isNull(joinTokens.teamId)] : []),
      ];
      if (conditions.length === 0) return [];
      return db
        .select()
        .from(joinTokens)
        .where(or(...conditions))
        .orderBy(desc(joinTokens.createdAt))
        .all();
    },

    revokeJoinToken(id: string): void {
      db.update(joinTokens)
        .set({ revokedAt: new Date(clock.now()) })
        .where(and(eq(joinTokens.id, id), isNull(joinTokens.revokedAt)))
        .run();
    },

    /** A node token, or a join token exchanged (once) for a new node and its token. */
    authenticate(token: string): AgentAuth {
      if (token.startsWith(`${AGENT_TOKEN_PREFIX.node}_`)) {
        const node = this.nodeByToken(token);
        return node ? { ok: true, node } : { ok: false, reason: 'NOT_AUTHENTICATED' };
      }
      if (!token.startsWith(`${AGENT_TOKEN_PREFIX.join}_`)) return { ok: false, reason: 'NOT_AUTHENTICATED' };
      return db.transaction((tx): AgentAuth => {
        const join = tx
          .select()
          .from(joinTokens)
          .where(eq(joinTokens.tokenHash, sha256(token)))
          .get();
        if (!join) return { ok: false, reason: 'NOT_AUTHENTICATED' };
        if (join.revokedAt) return { ok: false, reason: 'TOKEN_REVOKED' };
        if (join.usedAt) return { ok: false, reason: 'TOKEN_USED' };
        const now = clock.now();
        if (join.expiresAt.getTime() <= now) return { ok: false, reason: 'TOKEN_EXPIRED' };
        const used = tx
          .update(joinTokens)
          .set({ usedAt: new Date(now) })
          .where(and(eq(joinTokens.id, join.id), isNull(joinTokens.usedAt)))
          .run();
        if (used.changes !== 1) return { ok: false, reason: 'TOKEN_USED' };
        const { node, token: issuedToken } = insertNode(tx, { name: `node-${newId(6)}`, teamId: join.teamId });
        return { ok: true, node, issuedToken, joinTokenId: join.id };
      });
    },
  };
}

export type NodeStore = ReturnType<typeof createNodeStore>;
