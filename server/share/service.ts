// Shareable read-only links to one environment. A link is a random 256-bit
// token, shown once and stored as its SHA-256; it expires, can be revoked, and
// opens exactly one environment's canvas (read-only), its public URLs, its live
// status, logs, metrics and container events, and (server/http/telemetry-api.ts)
// its logs and metrics history: never secrets, deployments, alerts, other
// environments or team data.
//
// Sockets opened with a link (the Yjs endpoint, /live) register here with
// `track`, so revoking a link, its expiry, or deleting its environment closes
// them at once.
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { environments, projects as projectsTable, shareLinks, users } from '../../db/schema';
import type { Actor, Audit } from '../audit/service';
import type { Clock } from '../clock';
import { DomainError, notFound } from '../errors';
import { newId, newSecret, sha256 } from '../ids';
import type { Projects } from '../projects/service';

export const SHARE_TOKEN_PREFIX = 'ctrs';
export const DEFAULT_SHARE_TTL_HOURS = 72;
/** Longer than any token we issue; bounds the work done for garbage. */
const MAX_TOKEN_LENGTH = 128;
/** setTimeout's limit; a longer wait is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type ShareLinkRow = typeof shareLinks.$inferSelect;
export type ShareLinkState = 'active' | 'expired' | 'revoked';

export type ShareLinkView = {
  id: string;
  environmentId: string;
  state: ShareLinkState;
  createdBy: { id: string | null; name: string | null; email: string | null };
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastOpenedAt: Date | null;
  opens: number;
};

/** What a valid link grants: one environment, read-only, until `expiresAt`. */
export type ShareGrant = { linkId: string; environmentId: string; expiresAt: number };

/** A service as the share page shows it: its name, state and public URL, nothing more. */
export type SharedService = { serviceId: string; name: string; state: string; url: string | null };

export type SharePage = {
  link: { expiresAt: Date };
  project: { name: string };
  environment: { id: string; name: string; kind: string; expiresAt: Date | null };
  services: SharedService[];
};

export type OpenResult = { status: 'ok'; page: SharePage } | { status: 'gone' } | { status: 'unknown' };

export function isShareToken(token: string): boolean {
  return token.startsWith(`${SHARE_TOKEN_PREFIX}_`);
}

export function createShareLinks(deps: {
  db: Db;
  audit: Audit;
  clock: Clock;
  projects: Projects;
  /** Absolute base URL of the instance (links.base()). */
  baseUrl: () => string;
  /** The environment's services with their state and public URL. */
  services: (environmentId: string) => SharedService[];
}) {
  const { db, audit, clock, projects } = deps;
  /** Close functions of the sockets opened with each link. */
  const open = new Map<string, Set<() => void>>();

  function stateOf(row: Pick<ShareLinkRow, 'revokedAt' | 'expiresAt'>): ShareLinkState {
    if (row.revokedAt) return 'revoked';
    return row.expiresAt.getTime() <= clock.now() ? 'expired' : 'active';
  }

  /**
   * One code path for every input, so neither a malformed nor a guessed token
   * answers faster: hash whatever was given (bounded), then one indexed lookup
   * by hash. The comparison is the database's equality on a hash, which leaks
   * nothing about the token.
   */
  function lookup(token: string): ShareLinkRow | undefined {
    const candidate = token.slice(0, MAX_TOKEN_LENGTH);
    const row = db.select().from(shareLinks).where(eq(shareLinks.tokenHash, sha256(candidate))).get();
    return row && candidate === token && isShareToken(token) ? row : undefined;
  }

  function closeLink(linkId: string): void {
    const closers = open.get(linkId);
    if (!closers) return;
    open.delete(linkId);
    for (const close of [...closers]) close();
  }

  function view(row: ShareLinkRow & { creatorName: string | null }): ShareLinkView {
    return {
      id: row.id,
      environmentId: row.environmentId,
      state: stateOf(row),
      createdBy: { id: row.createdById, name: row.creatorName, email: row.createdByEmail },
      createdAt: row.createdAt,
      expiresAt: row.expiresAt,
      revokedAt: row.revokedAt,
      lastOpenedAt: row.lastOpenedAt,
      opens: row.opens,
    };
  }

  return {
    create(actor: Actor, environmentId: string, input: { ttlHours?: number }): { id: string; url: string; expiresAt: Date } {
      const { project } = projects.environmentAccess(actor, environmentId, 'share:manage');
      const token = newSecret(SHARE_TOKEN_PREFIX);
      const now = clock.now();
      const row = {
        id: newId(),
        environmentId,
        tokenHash: sha256(token),
        createdById: actor.userId,
        createdByEmail: actor.email,
        createdAt: new Date(now),
        expiresAt: new Date(now + (input.ttlHours ?? DEFAULT_SHARE_TTL_HOURS) * 3_600_000),
      };
      db.insert(shareLinks).values(row).run();
      audit.record({
        actor,
        action: 'share.create',
        target: { type: 'share_link', id: row.id },
        teamId: project.teamId,
        projectId: project.id,
        details: { environmentId, expiresAt: row.expiresAt.toISOString() },
      });
      return { id: row.id, url: `${deps.baseUrl()}/share/${token}`, expiresAt: row.expiresAt };
    },

    list(actor: Actor, environmentId: string): ShareLinkView[] {
      projects.environmentAccess(actor, environmentId, 'share:manage');
      return db
        .select({ link: shareLinks, creatorName: users.name })
        .from(shareLinks)
        .leftJoin(users, eq(users.id, shareLinks.createdById))
        .where(eq(shareLinks.environmentId, environmentId))
        .orderBy(desc(shareLinks.createdAt))
        .all()
        .map((r) => view({ ...r.link, creatorName: r.creatorName }));
    },

    /** Ends a link at once: its open pages lose the canvas and status, a reload says "revoked". */
    revoke(actor: Actor, linkId: string): void {
      const row = db.select().from(shareLinks).where(eq(shareLinks.id, linkId)).get();
      if (!row) throw notFound('share link');
      let project;
      try {
        ({ project } = projects.environmentAccess(actor, row.environmentId, 'share:manage'));
      } catch (error) {
        // Someone who cannot see the environment learns nothing about the link either.
        if (error instanceof DomainError && error.code === 'NOT_FOUND') throw notFound('share link');
        throw error;
      }
      if (!row.revokedAt) {
        db.update(shareLinks).set({ revokedAt: new Date(clock.now()) }).where(eq(shareLinks.id, linkId)).run();
        audit.record({
          actor,
          action: 'share.revoke',
          target: { type: 'share_link', id: linkId },
          teamId: project.teamId,
          projectId: project.id,
          details: { environmentId: row.environmentId },
        });
      }
      closeLink(linkId);
    },

    /**
     * Opening the share page: counts the open and records it in the audit log,
     * then returns only what the page shows. `gone` = known but revoked or
     * expired (410), `unknown` = never issued or malformed (404).
     */
    open(token: string, ip: string | null): OpenResult {
      const row = lookup(token);
      if (!row) return { status: 'unknown' };
      const environment = db.select().from(environments).where(eq(environments.id, row.environmentId)).get();
      const project = environment ? db.select().from(projectsTable).where(eq(projectsTable.id, environment.projectId)).get() : undefined;
      if (!environment || !project) return { status: 'unknown' };
      const state = stateOf(row);
      if (state !== 'active') {
        audit.record({
          actor: null,
          ip,
          action: 'share.refused',
          target: { type: 'share_link', id: row.id },
          teamId: project.teamId,
          projectId: project.id,
          details: { environmentId: environment.id, state },
        });
        return { status: 'gone' };
      }
      const now = new Date(clock.now());
      db.update(shareLinks)
        .set({ opens: sql`${shareLinks.opens} + 1`, lastOpenedAt: now })
        .where(eq(shareLinks.id, row.id))
        .run();
      audit.record({
        actor: null,
        ip,
        action: 'share.open',
        target: { type: 'share_link', id: row.id },
        teamId: project.teamId,
        projectId: project.id,
        details: { environmentId: environment.id },
      });
      return {
        status: 'ok',
        page: {
          link: { expiresAt: row.expiresAt },
          project: { name: project.name },
          environment: { id: environment.id, name: environment.name, kind: environment.kind, expiresAt: environment.expiresAt },
          services: deps.services(environment.id),
        },
      };
    },

    /** For sockets: what an active link grants, or null (unknown, malformed, revoked, expired). Not counted as an open. */
    verify(token: string): ShareGrant | null {
      const row = lookup(token);
      if (!row || stateOf(row) !== 'active') return null;
      return { linkId: row.id, environmentId: row.environmentId, expiresAt: row.expiresAt.getTime() };
    },

    /**
     * Registers a socket opened with a link; `close` is called when the link is
     * revoked, expires, or its environment is deleted. Returns the unregister function.
     */
    track(grant: ShareGrant, close: () => void): () => void {
      let closers = open.get(grant.linkId);
      if (!closers) open.set(grant.linkId, (closers = new Set()));
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        const left = grant.expiresAt - clock.now();
        if (left <= 0) return void closeLink(grant.linkId);
        timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
        timer.unref();
      };
      const entry = () => {
        clearTimeout(timer);
        close();
      };
      closers.add(entry);
      arm();
      return () => {
        clearTimeout(timer);
        open.get(grant.linkId)?.delete(entry);
        if (open.get(grant.linkId)?.size === 0) open.delete(grant.linkId);
      };
    },

    /** Closes the sockets of every link of an environment about to be deleted. */
    closeEnvironment(environmentId: string): void {
      const ids = db.select({ id: shareLinks.id }).from(shareLinks).where(eq(shareLinks.environmentId, environmentId)).all();
      for (const { id } of ids) closeLink(id);
    },

    /** How many sockets are open with a link (tests, diagnostics). */
    openConnections: (linkId: string): number => open.get(linkId)?.size ?? 0,
  };
}

export type ShareLinks = ReturnType<typeof createShareLinks>;
