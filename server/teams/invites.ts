// Invitations: an admin invites an address with a role; the mail carries a
// single-use link (/invite/<token>, stored hashed, 7 days). Only an account
// with the invited address can accept, so a forwarded link is useless.
import { and, desc, eq, gt, isNull, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { invites, teamMembers, teams as teamsTable, users, type Role } from '../../db/schema';
import type { Actor, Audit } from '../audit/service';
import { can } from '../auth/permissions';
import type { Clock } from '../clock';
import { conflict, DomainError, forbidden, notFound } from '../errors';
import { newId, newSecret, sha256 } from '../ids';
import type { Logger } from '../logger';
import type { Links } from '../mail/links';
import type { Mailer } from '../mail/mailer';
import { inviteMail } from '../mail/templates';
import type { Teams } from './service';

export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export type InviteStatus = 'pending' | 'expired' | 'revoked' | 'accepted';
export type InviteSummary = {
  id: string;
  teamId: string;
  email: string;
  role: Role;
  status: InviteStatus;
  invitedBy: { id: string; name: string } | null;
  createdAt: Date;
  expiresAt: Date;
};
/** What the page behind an invite link shows. */
export type InvitePreview =
  | { status: 'unknown' }
  | { status: InviteStatus; teamId: string; teamName: string; email: string; role: Role; inviterName: string | null; expiresAt: Date };

type Row = typeof invites.$inferSelect;

type Deps = { db: Db; audit: Audit; teams: Teams; mailer: Mailer; links: Links; logger: Logger; clock: Clock };

export function createInvites({ db, audit, teams, mailer, links, logger, clock }: Deps) {
  function statusOf(row: Row): InviteStatus {
    if (row.acceptedAt) return 'accepted';
    if (row.revokedAt) return 'revoked';
    if (row.expiresAt.getTime() <= clock.now()) return 'expired';
    return 'pending';
  }

  function summaries(where: SQL): InviteSummary[] {
    return db
      .select({ invite: invites, inviterId: users.id, inviterName: users.name })
      .from(invites)
      .leftJoin(users, eq(users.id, invites.invitedBy))
      .where(where)
      .orderBy(desc(invites.createdAt))
      .all()
      .map(({ invite, inviterId, inviterName }) => ({
        id: invite.id,
        teamId: invite.teamId,
        email: invite.email,
        role: invite.role,
        status: statusOf(invite),
        invitedBy: inviterId ? { id: inviterId, name: inviterName ?? '' } : null,
        createdAt: invite.createdAt,
        expiresAt: invite.expiresAt,
      }));
  }

  const summaryOf = (id: string) => summaries(eq(invites.id, id))[0];

  /** Sends the invitation mail; a failure is logged and reported, the invite stays (it can be resent). */
  async function mail(row: Row, token: string, inviterName: string): Promise<boolean> {
    const team = db.select({ name: teamsTable.name }).from(teamsTable).where(eq(teamsTable.id, row.teamId)).get();
    const message = inviteMail({ teamName: team?.name ?? 'a team', inviterName, role: row.role, url: links.invite(token), expiresAt: row.expiresAt });
    try {
      await mailer.send({ to: row.email, ...message });
      return true;
    } catch (error) {
      logger.error({ err: error, inviteId: row.id }, 'sending the invitation failed');
      return false;
    }
  }

  function inviterName(actor: Actor): string {
    return db.select({ name: users.name }).from(users).where(eq(users.id, actor.userId)).get()?.name ?? actor.email;
  }

  /** The invite and the actor's right to manage it; an invite of a team the actor is not in is "not found". */
  function manageable(actor: Actor, inviteId: string, operation: string): Row {
    const row = db.select().from(invites).where(eq(invites.id, inviteId)).get();
    const role = row ? teams.roleOf(actor.userId, row.teamId) : null;
    if (!row || !role) throw notFound('invitation');
    teams.authorize(actor, row.teamId, 'member:invite', operation, { inviteId });
    if (row.role === 'owner' && !can(role, 'member:manage-owners')) {
      throw teams.refuse(actor, row.teamId, operation, forbidden('only an owner can manage an invitation to be owner'), { inviteId });
    }
    return row;
  }

  /**
   * An invitation link that is used, revoked or expired is a security event (a
   * replayed, forwarded or stale link): recorded in the team's log with the
   * invitation's id, never the token.
   */
  function refuse(actor: Actor, row: Row, status: Exclude<InviteStatus, 'pending'>): DomainError {
    audit.record({
      actor,
      action: 'security.token_refused',
      target: { type: 'invite', id: row.id },
      teamId: row.teamId,
      details: { operation: 'invite.accept', reason: status },
    });
    if (status === 'accepted') return new DomainError('GONE', 'this invitation was already used');
    if (status === 'revoked') return new DomainError('GONE', 'this invitation was revoked');
    return new DomainError('GONE', 'this invitation has expired: ask for a new one');
  }

  /** Runs `claim`; an invitation taken by a concurrent accept in the meantime is refused like a used one. */
  function claimOrRefuse(actor: Actor, row: Row, claim: () => void): void {
    try {
      claim();
    } catch (error) {
      if (error instanceof DomainError && error.code === 'GONE') throw refuse(actor, row, 'accepted');
      throw error;
    }
  }

  function findByToken(token: string): Row | undefined {
    if (token.length > 200) return undefined;
    return db.select().from(invites).where(eq(invites.tokenHash, sha256(token))).get();
  }

  return {
    async create(actor: Actor, teamId: string, input: { email: string; role: Role }): Promise<{ invite: InviteSummary; mailed: boolean }> {
      const email = input.email.trim().toLowerCase();
      const details = { email, role: input.role };
      const { role: actorRole } = teams.authorize(actor, teamId, 'member:invite', 'invite.create', details);
      if (input.role === 'owner' && !can(actorRole, 'member:manage-owners')) {
        throw teams.refuse(actor, teamId, 'invite.create', forbidden('only an owner can invite an owner'), details);
      }
      const member = db
        .select({ id: users.id })
        .from(users)
        .innerJoin(teamMembers, and(eq(teamMembers.userId, users.id), eq(teamMembers.teamId, teamId)))
        .where(eq(users.email, email))
        .get();
      if (member) throw conflict(`${email} is already a member of this team`, 'email');
      const pending = db
        .select({ id: invites.id })
        .from(invites)
        .where(
          and(
            eq(invites.teamId, teamId),
            eq(invites.email, email),
            isNull(invites.acceptedAt),
            isNull(invites.revokedAt),
            gt(invites.expiresAt, new Date(clock.now())),
          ),
        )
        .get();
      if (pending) throw conflict(`${email} already has a pending invitation: resend it instead`, 'email');

      const token = newSecret('inv');
      const now = clock.now();
      const row: Row = {
        id: newId(),
        teamId,
        email,
        role: input.role,
        tokenHash: sha256(token),
        invitedBy: actor.userId,
        createdAt: new Date(now),
        expiresAt: new Date(now + INVITE_TTL_MS),
        acceptedAt: null,
        acceptedBy: null,
        revokedAt: null,
      };
      db.insert(invites).values(row).run();
      audit.record({ actor, action: 'invite.create', target: { type: 'invite', id: row.id }, teamId, details });
      const mailed = await mail(row, token, inviterName(actor));
      return { invite: summaryOf(row.id), mailed };
    },

    /** Invitations not yet accepted or revoked (pending and expired), newest first. */
    list(actor: Actor, teamId: string): InviteSummary[] {
      teams.authorize(actor, teamId, 'member:read', 'invite.list');
      return summaries(eq(invites.teamId, teamId)).filter((i) => i.status === 'pending' || i.status === 'expired');
    },

    revoke(actor: Actor, inviteId: string): void {
      const row = manageable(actor, inviteId, 'invite.revoke');
      const status = statusOf(row);
      if (status === 'accepted') throw conflict('this invitation was already accepted: remove the member instead');
      if (status === 'revoked') return;
      db.update(invites).set({ revokedAt: new Date(clock.now()) }).where(eq(invites.id, inviteId)).run();
      audit.record({ actor, action: 'invite.revoke', target: { type: 'invite', id: inviteId }, teamId: row.teamId, details: { email: row.email, role: row.role } });
    },

    /** A fresh link (the old one stops working) and seven more days. */
    async resend(actor: Actor, inviteId: string): Promise<{ invite: InviteSummary; mailed: boolean }> {
      const row = manageable(actor, inviteId, 'invite.resend');
      const status = statusOf(row);
      if (status === 'accepted') throw conflict('this invitation was already accepted');
      if (status === 'revoked') throw conflict('this invitation was revoked: invite the address again');
      const token = newSecret('inv');
      const expiresAt = new Date(clock.now() + INVITE_TTL_MS);
      db.update(invites).set({ tokenHash: sha256(token), expiresAt }).where(eq(invites.id, inviteId)).run();
      audit.record({ actor, action: 'invite.resend', target: { type: 'invite', id: inviteId }, teamId: row.teamId, details: { email: row.email } });
      const mailed = await mail({ ...row, expiresAt }, token, inviterName(actor));
      return { invite: summaryOf(inviteId), mailed };
    },

    preview(token: string): InvitePreview {
      const row = findByToken(token);
      if (!row) return { status: 'unknown' };
      const team = db.select({ name: teamsTable.name }).from(teamsTable).where(eq(teamsTable.id, row.teamId)).get();
      const inviter = row.invitedBy ? db.select({ name: users.name }).from(users).where(eq(users.id, row.invitedBy)).get() : undefined;
      return {
        status: statusOf(row),
        teamId: row.teamId,
        teamName: team?.name ?? '',
        email: row.email,
        role: row.role,
        inviterName: inviter?.name ?? null,
        expiresAt: row.expiresAt,
      };
    },

    /** Joins the team with the invited role. The account's address must be the invited one. */
    accept(actor: Actor, token: string): { teamId: string; teamName: string; role: Role } {
      const row = findByToken(token);
      if (!row) throw notFound('invitation');
      const status = statusOf(row);
      if (status !== 'pending') throw refuse(actor, row, status);
      const user = db.select().from(users).where(eq(users.id, actor.userId)).get();
      if (!user) throw new DomainError('NOT_AUTHENTICATED', 'sign in again');
      if (user.email !== row.email) {
        audit.record({
          actor,
          action: 'security.denied',
          target: { type: 'invite', id: row.id },
          teamId: row.teamId,
          details: { operation: 'invite.accept', reason: 'address does not match', invited: row.email },
        });
        throw forbidden(`this invitation was sent to ${row.email}: sign in with that address to accept it`);
      }
      if (teams.roleOf(user.id, row.teamId)) throw conflict('you are already a member of this team');
      const now = new Date(clock.now());
      // A refusal is recorded after the rollback (an entry written inside the transaction would go with it).
      claimOrRefuse(actor, row, () =>
        db.transaction((tx) => {
          const claimed = tx
            .update(invites)
            .set({ acceptedAt: now, acceptedBy: user.id })
            .where(and(eq(invites.id, row.id), isNull(invites.acceptedAt), isNull(invites.revokedAt)))
            .run();
          if (claimed.changes !== 1) throw new DomainError('GONE', 'this invitation was already used');
          teams.addMember(tx, row.teamId, user.id, row.role);
          // The link came by mail to this address: that proves it.
          if (!user.emailVerifiedAt) tx.update(users).set({ emailVerifiedAt: now }).where(eq(users.id, user.id)).run();
        }),
      );
      audit.record({
        actor,
        action: 'member.join',
        target: { type: 'user', id: user.id },
        teamId: row.teamId,
        details: { inviteId: row.id, role: row.role, invitedBy: row.invitedBy },
      });
      const team = db.select({ name: teamsTable.name }).from(teamsTable).where(eq(teamsTable.id, row.teamId)).get();
      return { teamId: row.teamId, teamName: team?.name ?? '', role: row.role };
    },
  };
}

export type Invites = ReturnType<typeof createInvites>;
