// The audit log: one append-only row per mutation. Nothing here updates or
// deletes rows.
import { and, desc, eq, inArray, lt, type SQL } from 'drizzle-orm';
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
};

export type AuditFilter = {
  teamIds: string[];
  projectId?: string;
  actorId?: string;
  action?: string;
  before?: number;
  limit?: number;
};

export function createAudit(db: Db, clock: Clock) {
  return {
    record(entry: AuditEntry): void {
      db.insert(auditLog)
        .values({
          teamId: entry.teamId ?? null,
          projectId: entry.projectId ?? null,
          actorId: entry.actor?.userId ?? null,
          actorEmail: entry.actor?.email ?? null,
          ip: entry.actor?.ip ?? null,
          action: entry.action,
          targetType: entry.target.type,
          targetId: entry.target.id ?? null,
          details: entry.details ?? {},
          createdAt: new Date(clock.now()),
        })
        .run();
    },

    list(filter: AuditFilter) {
      if (filter.teamIds.length === 0) return [];
      const conditions: SQL[] = [inArray(auditLog.teamId, filter.teamIds)];
      if (filter.projectId) conditions.push(eq(auditLog.projectId, filter.projectId));
      if (filter.actorId) conditions.push(eq(auditLog.actorId, filter.actorId));
      if (filter.action) conditions.push(eq(auditLog.action, filter.action));
      if (filter.before) conditions.push(lt(auditLog.id, filter.before));
      return db
        .select()
        .from(auditLog)
        .where(and(...conditions))
        .orderBy(desc(auditLog.id))
        .limit(filter.limit ?? 100)
        .all();
    },
  };
}

export type Audit = ReturnType<typeof createAudit>;
