// Who may add, see and revoke nodes. Like projects, a team the actor is not in
// is "not found", never "forbidden". Shared nodes (no team) run every team's
// services, so only an instance admin (or the instance itself) adds them.
import type { Actor, Audit } from '../audit/service';
import { can } from '../auth/permissions';
import { conflict, forbidden, notFound } from '../errors';
import type { Teams } from '../teams/service';
import type { NodeStore } from './store';
import type { JoinTokenCreated, JoinTokenSummary } from './types';

export const JOIN_TOKEN_TTL_MS = 60 * 60 * 1000;

export function createNodeAccess({
  store,
  teams,
  audit,
  isInstanceAdmin,
}: {
  store: NodeStore;
  teams: Teams;
  audit: Audit;
  isInstanceAdmin: (userId: string) => boolean;
}) {
  function requireManager(actor: Actor, teamId: string): void {
    const role = teams.roleOf(actor.userId, teamId);
    if (!role) throw notFound('team');
    if (!can(role, 'node:manage')) throw forbidden('only team owners and admins can manage nodes');
  }

  return {
    createJoinToken(actor: Actor | null, teamId: string | null): JoinTokenCreated {
      if (actor && teamId === null && !isInstanceAdmin(actor.userId)) {
        throw forbidden('only an instance admin can add a shared node; pass the teamId of a team you manage');
      }
      if (actor && teamId) requireManager(actor, teamId);
      const { row, token } = store.createJoinToken({ teamId, createdBy: actor?.userId ?? null, ttlMs: JOIN_TOKEN_TTL_MS });
      audit.record({
        actor,
        action: 'node.join-token.create',
        target: { type: 'join_token', id: row.id },
        teamId,
        details: { expiresAt: row.expiresAt.toISOString() },
      });
      return { id: row.id, token, teamId, expiresAt: row.expiresAt };
    },

    revokeJoinToken(actor: Actor, id: string): void {
      const row = store.joinToken(id);
      if (!row) throw notFound('join token');
      if (row.teamId === null) {
        if (!isInstanceAdmin(actor.userId)) throw notFound('join token');
      } else {
        const role = teams.roleOf(actor.userId, row.teamId);
        if (!role) throw notFound('join token');
        if (!can(role, 'node:manage')) throw forbidden('only team owners and admins can manage nodes');
      }
      if (row.usedAt) throw conflict('this join token was already used; it cannot be revoked');
      if (row.revokedAt) return;
      store.revokeJoinToken(id);
      audit.record({ actor, action: 'node.join-token.revoke', target: { type: 'join_token', id }, teamId: row.teamId });
    },

    listJoinTokens(actor: Actor): JoinTokenSummary[] {
      const managed = teams
        .listForUser(actor.userId)
        .filter((t) => can(t.role, 'node:manage'))
        .map((t) => t.id);
      return store.listJoinTokens(managed, isInstanceAdmin(actor.userId)).map(({ tokenHash: _hash, ...summary }) => summary);
    },

    /** Team ids whose nodes the actor may see (shared nodes are visible to everyone). */
    readableTeamIds(actor: Actor): Set<string> {
      return new Set(
        teams
          .listForUser(actor.userId)
          .filter((t) => can(t.role, 'node:read'))
          .map((t) => t.id)
      );
    },
  };
}
