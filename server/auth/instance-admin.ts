// The instance admin: whoever may see instance-wide things (the mail outbox,
// team quotas). CONTAINR_ADMIN_EMAILS names them; without it, the first
// account created on the instance is the admin.
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { users } from '../../db/schema';

export function createInstanceAdmin(db: Db, adminEmails: readonly string[]) {
  // The first account never changes once it exists (accounts are not deleted), so cache it.
  let firstUserId: string | undefined;
  return {
    is(userId: string): boolean {
      if (adminEmails.length > 0) {
        const row = db.select({ email: users.email }).from(users).where(eq(users.id, userId)).get();
        return !!row && adminEmails.includes(row.email.toLowerCase());
      }
      firstUserId ??= db.select({ id: users.id }).from(users).orderBy(asc(users.createdAt), asc(users.id)).limit(1).get()?.id;
      return firstUserId === userId;
    },
  };
}

export type InstanceAdmin = ReturnType<typeof createInstanceAdmin>;
