// Secret values per environment. Listing gives names and times only; values
// leave this module decrypted only through `values()`, which the reconciler
// calls to inject them into containers.
import { createHmac } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { secrets } from '../../db/schema';
import type { Actor, Audit } from '../audit/service';
import type { Action } from '../auth/permissions';
import type { Clock } from '../clock';
import { conflict, DomainError, notFound } from '../errors';
import type { Projects } from '../projects/service';
import { decrypt, encrypt } from './crypto';
import type { SecretKey } from './key';

export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_SECRET_BYTES = 64 * 1024;

export type SecretSummary = { name: string; createdAt: Date; updatedAt: Date };

/** Production secrets are the admins'; developers manage those of other environments. */
export function secretWriteAction(environmentName: string): Action {
  return environmentName === 'production' ? 'secret:write-production' : 'secret:write';
}

export function createSecrets(deps: {
  db: Db;
  audit: Audit;
  clock: Clock;
  projects: Projects;
  key: SecretKey;
  /** Services of the deployed commit that list the secret: it cannot be deleted under them. */
  usedBy?: (environmentId: string, name: string) => string[];
}) {
  const { db, audit, clock, projects, key } = deps;
  const listeners = new Set<(environmentId: string) => void>();
  const aad = (environmentId: string, name: string) => `${environmentId}/${name}`;

  function changed(environmentId: string) {
    for (const listener of listeners) listener(environmentId);
  }

  function names(environmentId: string): string[] {
    return db
      .select({ name: secrets.name })
      .from(secrets)
      .where(eq(secrets.environmentId, environmentId))
      .orderBy(asc(secrets.name))
      .all()
      .map((r) => r.name);
  }

  return {
    list(actor: Actor, environmentId: string): SecretSummary[] {
      projects.environmentAccess(actor, environmentId, 'secret:read');
      return db
        .select({ name: secrets.name, createdAt: secrets.createdAt, updatedAt: secrets.updatedAt })
        .from(secrets)
        .where(eq(secrets.environmentId, environmentId))
        .orderBy(asc(secrets.name))
        .all();
    },

    /** Creates or replaces a value; returns whether it existed. */
    put(actor: Actor, environmentId: string, name: string, value: string): { created: boolean } {
      const { environment, project } = projects.environmentAccess(actor, environmentId, 'environment:read');
      // Asked again with the action that depends on the environment, after knowing it exists.
      projects.environmentAccess(actor, environmentId, secretWriteAction(environment.name));
      if (!SECRET_NAME.test(name) || name.length > 128) {
        throw new DomainError('VALIDATION', 'invalid secret name', [
          { path: 'name', message: 'use letters, digits and "_", not starting with a digit (at most 128)' },
        ]);
      }
      if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES) {
        throw new DomainError('VALIDATION', 'secret is too large', [{ path: 'value', message: 'at most 64 KiB' }]);
      }
      const now = new Date(clock.now());
      const sealed = encrypt(key.key, value, aad(environmentId, name));
      const existing = db
        .select({ name: secrets.name })
        .from(secrets)
        .where(and(eq(secrets.environmentId, environmentId), eq(secrets.name, name)))
        .get();
      db.insert(secrets)
        .values({ environmentId, name, value: sealed, keyId: key.id, createdAt: now, updatedAt: now, updatedById: actor.userId })
        .onConflictDoUpdate({
          target: [secrets.environmentId, secrets.name],
          set: { value: sealed, keyId: key.id, updatedAt: now, updatedById: actor.userId },
        })
        .run();
      audit.record({
        actor,
        action: existing ? 'secret.update' : 'secret.create',
        target: { type: 'secret', id: `${environmentId}/${name}` },
        teamId: project.teamId,
        projectId: project.id,
        // The name only: a value never reaches the audit log.
        details: { environmentId, name },
      });
      changed(environmentId);
      return { created: !existing };
    },

    remove(actor: Actor, environmentId: string, name: string): void {
      const { environment, project } = projects.environmentAccess(actor, environmentId, 'environment:read');
      projects.environmentAccess(actor, environmentId, secretWriteAction(environment.name));
      const users = deps.usedBy?.(environmentId, name) ?? [];
      if (users.length > 0) {
        throw conflict(`the deployed commit uses ${name} (in ${users.join(', ')}); deploy without it first`, 'name');
      }
      const result = db
        .delete(secrets)
        .where(and(eq(secrets.environmentId, environmentId), eq(secrets.name, name)))
        .run();
      if (result.changes === 0) throw notFound('secret');
      audit.record({
        actor,
        action: 'secret.delete',
        target: { type: 'secret', id: `${environmentId}/${name}` },
        teamId: project.teamId,
        projectId: project.id,
        details: { environmentId, name },
      });
      changed(environmentId);
    },

    names,

    /** Decrypted values, for injection into containers only. Throws when a value cannot be opened. */
    values(environmentId: string): Record<string, string> {
      const rows = db.select().from(secrets).where(eq(secrets.environmentId, environmentId)).all();
      const out: Record<string, string> = {};
      for (const row of rows) {
        if (row.keyId !== key.id) {
          throw new DomainError('CONFLICT', `secret ${row.name} was encrypted with another key (CONTAINR_SECRET_KEY changed?)`);
        }
        out[row.name] = decrypt(key.key, row.value, aad(environmentId, row.name));
      }
      return out;
    },

    /** A key for another purpose (e.g. hashing container specs), derived so the secret key itself stays here. */
    deriveKey(purpose: string): Buffer {
      return createHmac('sha256', key.key).update(`containr:${purpose}`).digest();
    },

    /** Calls `listener` with the environment id after any secret of it changes. */
    onChange(listener: (environmentId: string) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type Secrets = ReturnType<typeof createSecrets>;
