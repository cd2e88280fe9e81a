// Accounts and sessions: sign up, log in, log out, and who is asking.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { users } from '../../db/schema';
import type { Audit } from '../audit/service';
import type { Clock } from '../clock';
import { DomainError } from '../errors';
import { newId } from '../ids';
import type { Teams } from '../teams/service';
import type { Account } from './account';
import type { AppLucia } from './lucia';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password';
import type { LoginThrottle } from './throttle';
import type { Tokens } from './tokens';

export type User = { id: string; email: string; name: string };

/** Who is asking: a signed-in user, through a session cookie or an API token. */
export type Viewer = { user: User; sessionId: string | null; ip: string | null };

export type SessionCookie = { name: string; value: string; serialize(): string };

/**
 * Sign-up's outcome. An address that already has an account gets `exists`: no
 * session, and the owner (not the caller) is told by mail. See
 * docs/decisions/004-account-enumeration.md.
 */
export type SignupResult =
  | { status: 'created'; user: User; teamId: string; cookie: SessionCookie }
  | { status: 'exists' };

type Deps = {
  db: Db;
  lucia: AppLucia;
  throttle: LoginThrottle;
  tokens: Tokens;
  teams: Teams;
  audit: Audit;
  clock: Clock;
  account: Account;
};

export function createAuth({ db, lucia, throttle, tokens, teams, audit, clock, account }: Deps) {
  async function startSession(user: User): Promise<SessionCookie> {
    const session = await lucia.createSession(user.id, {});
    return lucia.createSessionCookie(session.id);
  }

  return {
    async signup(input: { email: string; password: string; name: string }, ip: string | null): Promise<SignupResult> {
      const email = input.email.trim().toLowerCase();
      // Hash first in both branches, so an existing address costs the same time as a new one.
      const passwordHash = await hashPassword(input.password);
      const existing = db.select({ id: users.id, name: users.name, email: users.email }).from(users).where(eq(users.email, email)).get();
      if (existing) {
        account.notifySignupAttempt(existing);
        audit.record({ actor: null, action: 'auth.signup_existing', target: { type: 'user', id: existing.id }, details: { email, ip } });
        return { status: 'exists' };
      }
      const user: User = { id: newId(), email, name: input.name.trim() };
      let teamId = '';
      db.transaction((tx) => {
        tx.insert(users)
          .values({ ...user, passwordHash, emailVerifiedAt: null, createdAt: new Date(clock.now()) })
          .run();
        teamId = teams.createPersonal(tx, user);
      });
      audit.record({
        actor: { userId: user.id, email, ip },
        action: 'auth.signup',
        target: { type: 'user', id: user.id },
        teamId,
      });
      account.sendVerification(user);
      return { status: 'created', user, teamId, cookie: await startSession(user) };
    },

    async login(input: { email: string; password: string }, ip: string | null) {
      const email = input.email.trim().toLowerCase();
      const key = `${email}|${ip ?? ''}`;
      const retryAfter = throttle.retryAfter(key);
      if (retryAfter > 0) {
        throw new DomainError('RATE_LIMITED', 'too many failed logins; try again later', undefined, retryAfter);
      }
      const row = db.select().from(users).where(eq(users.email, email)).get();
      // Verify against a dummy hash for unknown emails: same cost, same answer.
      const ok = await verifyPassword(row?.passwordHash ?? (await dummyPasswordHash()), input.password);
      if (!row || !ok) {
        throttle.fail(key);
        audit.record({
          actor: row ? { userId: row.id, email, ip } : null,
          action: 'auth.login_failed',
          target: { type: 'user', id: row?.id },
          details: { email },
        });
        throw new DomainError('NOT_AUTHENTICATED', 'wrong email or password');
      }
      throttle.succeed(key);
      const user: User = { id: row.id, email: row.email, name: row.name };
      audit.record({ actor: { userId: user.id, email, ip }, action: 'auth.login', target: { type: 'user', id: user.id } });
      return { user, cookie: await startSession(user) };
    },

    async logout(viewer: Viewer): Promise<SessionCookie> {
      if (viewer.sessionId) await lucia.invalidateSession(viewer.sessionId);
      audit.record({
        actor: { userId: viewer.user.id, email: viewer.user.email, ip: viewer.ip },
        action: 'auth.logout',
        target: { type: 'user', id: viewer.user.id },
      });
      return lucia.createBlankSessionCookie();
    },

    /**
     * Resolves the request's credentials: `Authorization: Bearer <api token>`
     * first, else the session cookie. Returns the refreshed cookie to set when
     * lucia extended or cleared the session.
     */
    async authenticate(headers: { authorization?: string | null; cookie?: string | null }, ip: string | null) {
      const bearer = headers.authorization ? lucia.readBearerToken(headers.authorization) : null;
      if (bearer) {
        const user = tokens.verify(bearer);
        return { viewer: user ? { user, sessionId: null, ip } : null, setCookie: null };
      }
      const sessionId = lucia.readSessionCookie(headers.cookie ?? '');
      if (!sessionId) return { viewer: null, setCookie: null };
      const { session, user } = await lucia.validateSession(sessionId);
      let setCookie: SessionCookie | null = null;
      if (session?.fresh) setCookie = lucia.createSessionCookie(session.id);
      if (!session) setCookie = lucia.createBlankSessionCookie();
      return {
        viewer: session && user ? { user: { id: user.id, email: user.email, name: user.name }, sessionId: session.id, ip } : null,
        setCookie,
      };
    },
  };
}

export type Auth = ReturnType<typeof createAuth>;
