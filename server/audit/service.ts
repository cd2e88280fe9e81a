// The audit log: one append-only row per mutation. Nothing here updates or
// deletes rows, and the database refuses to (see `enforceAppendOnly`).
import { and, desc, eq, gte, inArray, lt, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { auditLog } from '../../db/schema';
import type { Clock } from '../clock';

export type Actor = { userId: string; email: string; ip: string | null };

export type AuditEntry = {
  actor: Actor | null;
  action: string;
  target: { type: string; id?: string | null };
  teamId?: string | null;
  projectId?: string | null;
  details?: Record<string, unknown>;
  /** The client address when there is no actor (someone opening a share link). */
  ip?: string | null;
};

export type AuditFilter = {
  teamIds: string[];
  projectId?: string;
  actorId?: string;
  /** Matches the actor's email as recorded, case-insensitively. */
  actorEmail?: string;
  /** An exact action, or a prefix ending in `*` (`member.*`). */
  action?: string;
  /** Inclusive time range, epoch ms. */
  from?: number;
  to?: number;
  /** Cursor: only entries with a smaller id (the `nextCursor` of the previous page). */
  before?: number;
  limit?: number;
  /** Entries about these projects are left out (projects restricted to other members). */
  hiddenProjectIds?: string[];
};

export type AuditRow = typeof auditLog.$inferSelect;

/**
 * Triggers that make UPDATE and DELETE on audit_log fail, whoever issues
 * them. Kept here rather than in a migration so the guarantee lives next to
 * the code that relies on it; `IF NOT EXISTS` makes it idempotent, and a
 * migration that rebuilds the table gets the triggers back on the next start.
 */
function enforceAppendOnly(db: Db) {
  db.$client.exec(`
    CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
  `);
}

export function createAudit(db: Db, clock: Clock) {
  enforceAppendOnly(db);

  function conditionsOf(filter: AuditFilter): SQL[] {
    const conditions: SQL[] = [inArray(auditLog.teamId, filter.teamIds)];
    if (filter.projectId) conditions.push(eq(auditLog.projectId, filter.projectId));
    if (filter.actorId) conditions.push(eq(auditLog.actorId, filter.actorId));
    if (filter.actorEmail) conditions.push(eq(auditLog.actorEmail, filter.actorEmail.trim().toLowerCase()));
    if (filter.action?.endsWith('*')) {
      // A prefix compare, not LIKE: `_` in action names would be a wildcard there.
      const prefix = filter.action.slice(0, -1);
      conditions.push(sql`substr(${auditLog.action}, 1, ${prefix.length}) = ${prefix}`);
    } else if (filter.action) {
      conditions.push(eq(auditLog.action, filter.action));
    }
    if (filter.from !== undefined) conditions.push(gte(auditLog.createdAt, new Date(filter.from)));
    if (filter.to !== undefined) conditions.push(lte(auditLog.createdAt, new Date(filter.to)));
    if (filter.before) conditions.push(lt(auditLog.id, filter.before));
    if (filter.hiddenProjectIds?.length) {
      // NOT IN is false for NULL project ids in SQL; team-level entries must stay.
      conditions.push(sql`(${auditLog.projectId} is null or ${notInArray(auditLog.projectId, filter.hiddenProjectIds)})`);
    }
    return conditions;
  }

  function list(filter: AuditFilter): AuditRow[] {
    if (filter.teamIds.length === 0) return [];
    return db
      .select()
      .from(auditLog)
      .where(and(...conditionsOf(filter)))
      .orderBy(desc(auditLog.id))
      .limit(filter.limit ?? 100)
      .all();
  }

  const listeners = new Set<(entry: AuditEntry) => void>();

  return {
    record(entry: AuditEntry): void {
      db.insert(auditLog)
        .values({
          teamId: entry.teamId ?? null,
          projectId: entry.projectId ?? null,
          actorId: entry.actor?.userId ?? null,
          actorEmail: entry.actor?.email ?? null,
          ip: entry.actor?.ip ?? entry.ip ?? null,
          action: entry.action,
          targetType: entry.target.type,
          targetId: entry.target.id ?? null,
          details: entry.details ?? {},
          createdAt: new Date(clock.now()),
        })
        .run();
      // After the caller's own work (it may still be inside a transaction), never during it.
      if (listeners.size > 0) queueMicrotask(() => listeners.forEach((listener) => listener(entry)));
    },

    /** Calls `listener` after each recorded entry (see auth/access-changes.ts); returns the unsubscribe. */
    onRecord(listener: (entry: AuditEntry) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    list,

    /** One page, newest first; `nextCursor` is the `before` of the next page, or null at the end. */
    page(filter: AuditFilter): { entries: AuditRow[]; nextCursor: number | null } {
      const limit = filter.limit ?? 50;
      const rows = list({ ...filter, limit: limit + 1 });
      const entries = rows.slice(0, limit);
      return { entries, nextCursor: rows.length > limit ? entries[entries.length - 1].id : null };
    },

    /** Security events about one account (logins, failures, resets), newest first. */
    forUser(userId: string, limit = 20): AuditRow[] {
      return db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetType, 'user'), eq(auditLog.targetId, userId)))
        .orderBy(desc(auditLog.id))
        .limit(limit)
        .all();
    },
  };
}

export type Audit = ReturnType<typeof createAudit>;
