// Account mail flows: address verification, password reset and change of
// address. Each sends a single-use link (email-tokens.ts); answers never
// reveal whether an address has an account.
import { and, eq, ne } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { users, type EmailTokenPurpose } from '../../db/schema';
import type { Actor, Audit } from '../audit/service';
import type { Clock } from '../clock';
import { conflict, DomainError, invalid } from '../errors';
import type { Links } from '../mail/links';
import type { Mailer } from '../mail/mailer';
import { changeEmailMail, emailChangedMail, passwordChangedMail, resetPasswordMail, signupAttemptMail, verifyEmailMail } from '../mail/templates';
import { tokenError, type EmailToken, type EmailTokens, type TokenStatus } from './email-tokens';
import type { AppLucia } from './lucia';
import { hashPassword, verifyPassword } from './password';
import type { LoginThrottle } from './throttle';

export const VERIFY_TTL_MS = 24 * 60 * 60 * 1000;
export const RESET_TTL_MS = 60 * 60 * 1000;

export type AccountProfile = { id: string; email: string; name: string; emailVerifiedAt: Date | null; createdAt: Date };

type Deps = {
  db: Db;
  lucia: AppLucia;
  mailer: Mailer;
  links: Links;
  audit: Audit;
  clock: Clock;
  tokens: EmailTokens;
  /** Caps mail sent to one address per window, so the forms cannot be used to flood an inbox. */
  mailThrottle: LoginThrottle;
};

export function createAccount({ db, lucia, mailer, links, audit, clock, tokens, mailThrottle }: Deps) {
  const userById = (id: string) => db.select().from(users).where(eq(users.id, id)).get();
  const userByEmail = (email: string) => db.select().from(users).where(eq(users.email, email)).get();

  /** Queues a mail unless this address got too many of this kind lately. */
  function mailOnce(kind: string, to: string, message: { subject: string; html: string; text: string }) {
    const key = `${kind}|${to}`;
    if (mailThrottle.retryAfter(key) > 0) return;
    mailThrottle.fail(key);
    mailer.queue({ to, ...message }, kind);
  }

  const profile = (id: string): AccountProfile | undefined => {
    const row = userById(id);
    return row && { id: row.id, email: row.email, name: row.name, emailVerifiedAt: row.emailVerifiedAt, createdAt: row.createdAt };
  };

  /** After sign-up: a link that proves the address. */
  function sendVerification(user: { id: string; email: string; name: string }): void {
    const token = tokens.issue({ userId: user.id, purpose: 'verify-email', email: user.email, ttlMs: VERIFY_TTL_MS });
    mailOnce('verify-email', user.email, verifyEmailMail({ name: user.name, url: links.verify(token) }));
  }

  /**
   * A link that exists but is used up or expired is a security event (a
   * replayed, leaked or stale link): recorded on its account, with the token's
   * row id and purpose, never its value. Unknown links are not recorded (no
   * account to attach them to, and guessing is hopeless at 256 bits).
   */
  function refuseLink(row: EmailToken | undefined, status: Exclude<TokenStatus, 'valid'>, ip: string | null): DomainError {
    if (row && (status === 'used' || status === 'expired')) {
      audit.record({
        actor: null,
        action: 'security.token_refused',
        target: { type: 'user', id: row.userId },
        details: { purpose: row.purpose, reason: status, tokenId: row.id },
        ip,
      });
    }
    return tokenError(status);
  }

  /** Uses a link, recording it when it is refused; `row` is the one `inspect` found valid a moment ago. */
  function consumeLink(token: string, purposes: readonly EmailTokenPurpose[], row: EmailToken | undefined, ip: string | null): EmailToken {
    try {
      return tokens.consume(token, purposes);
    } catch (error) {
      // Used by a concurrent request between the inspection and now.
      if (error instanceof DomainError && error.code === 'GONE') throw refuseLink(row, 'used', ip);
      throw error;
    }
  }

  return {
    profile,
    sendVerification,

    resendVerification(actor: Actor): void {
      const user = profile(actor.userId);
      if (!user) throw new DomainError('NOT_AUTHENTICATED', 'sign in again');
      if (user.emailVerifiedAt) throw conflict('your address is already confirmed');
      sendVerification(user);
    },

    /** Sign-up with an address that has an account: tell its owner, not the caller. */
    notifySignupAttempt(user: { email: string; name: string }): void {
      mailOnce('signup-attempt', user.email, signupAttemptMail({ name: user.name, loginUrl: links.login(), resetUrl: links.resetRequest() }));
    },

    inspectEmailLink(token: string): { status: TokenStatus; purpose?: 'verify-email' | 'change-email'; email?: string } {
      const { status, row } = tokens.inspect(token, ['verify-email', 'change-email']);
      if (row?.purpose === 'reset-password') return { status: 'unknown' };
      return { status, purpose: row?.purpose, email: row?.email };
    },

    /** Uses a verification or change-of-address link. */
    confirmEmail(token: string, ip: string | null): { purpose: 'verify-email' | 'change-email'; email: string } {
      const purposes = ['verify-email', 'change-email'] as const;
      const { status, row: peek } = tokens.inspect(token, purposes);
      if (status !== 'valid') throw refuseLink(peek, status, ip);
      // Checked before the token is used up, so a link that cannot apply stays usable for a retry later.
      if (peek?.purpose === 'change-email' && db.select({ id: users.id }).from(users).where(and(eq(users.email, peek.email), ne(users.id, peek.userId))).get()) {
        throw conflict('another account uses this address now');
      }
      const row = consumeLink(token, purposes, peek, ip);
      const user = userById(row.userId);
      if (!user) throw new DomainError('NOT_FOUND', 'link not found');
      const now = new Date(clock.now());
      const actor: Actor = { userId: user.id, email: user.email, ip };
      if (row.purpose === 'verify-email') {
        if (user.email !== row.email) throw new DomainError('GONE', 'this link is for an address your account no longer uses');
        if (!user.emailVerifiedAt) db.update(users).set({ emailVerifiedAt: now }).where(eq(users.id, user.id)).run();
        audit.record({ actor, action: 'auth.email_verify', target: { type: 'user', id: user.id } });
        return { purpose: 'verify-email', email: user.email };
      }
      db.update(users).set({ email: row.email, emailVerifiedAt: now }).where(eq(users.id, user.id)).run();
      tokens.retireAll(user.id, 'change-email');
      tokens.retireAll(user.id, 'verify-email');
      audit.record({
        actor,
        action: 'auth.email_change',
        target: { type: 'user', id: user.id },
        details: { from: user.email, to: row.email },
      });
      // The old address hears about it, so a hijacked session cannot move an account quietly.
      mailer.queue({ to: user.email, ...emailChangedMail({ name: user.name, newEmail: row.email }) }, 'email-changed');
      return { purpose: 'change-email', email: row.email };
    },

    /**
     * Sends a reset link if the address has an account. The caller answers the
     * same either way, before any mail goes out (mailer.queue does not wait).
     */
    requestReset(email: string, ip: string | null): void {
      const address = email.trim().toLowerCase();
      const user = userByEmail(address);
      audit.record({
        actor: null,
        action: 'auth.reset_request',
        target: { type: 'user', id: user?.id ?? null },
        details: { email: address, ip, known: !!user },
      });
      if (!user) return;
      const token = tokens.issue({ userId: user.id, purpose: 'reset-password', email: user.email, ttlMs: RESET_TTL_MS });
      mailOnce('reset-password', user.email, resetPasswordMail({ name: user.name, url: links.reset(token) }));
    },

    inspectReset(token: string): { status: TokenStatus; email?: string } {
      const { status, row } = tokens.inspect(token, ['reset-password']);
      return { status, email: row?.email };
    },

    /** Sets a new password with a reset link: single use, and every session of the account ends. */
    async confirmReset(token: string, password: string, ip: string | null): Promise<{ email: string }> {
      const { status, row: peek } = tokens.inspect(token, ['reset-password']);
      if (status !== 'valid') throw refuseLink(peek, status, ip);
      const passwordHash = await hashPassword(password);
      const row = consumeLink(token, ['reset-password'], peek, ip);
      const user = userById(row.userId);
      if (!user) throw new DomainError('NOT_FOUND', 'link not found');
      // Reading the mail proved the address, too.
      db.update(users)
        .set({ passwordHash, emailVerifiedAt: user.emailVerifiedAt ?? new Date(clock.now()) })
        .where(eq(users.id, user.id))
        .run();
      tokens.retireAll(user.id, 'reset-password');
      await lucia.invalidateUserSessions(user.id);
      audit.record({ actor: { userId: user.id, email: user.email, ip }, action: 'auth.password_reset', target: { type: 'user', id: user.id } });
      mailer.queue({ to: user.email, ...passwordChangedMail({ name: user.name }) }, 'password-changed');
      return { email: user.email };
    },

    /**
     * Starts a change of address: the link goes to the new address, and the
     * account keeps the old one until it is used. Needs the current password,
     * so a borrowed session cannot take the account over.
     */
    async requestEmailChange(actor: Actor, input: { email: string; password: string }): Promise<void> {
      const user = userById(actor.userId);
      if (!user) throw new DomainError('NOT_AUTHENTICATED', 'sign in again');
      const throttleKey = `email-change|${user.id}`;
      if (mailThrottle.retryAfter(throttleKey) > 0) {
        throw new DomainError('RATE_LIMITED', 'too many attempts; try again later', undefined, mailThrottle.retryAfter(throttleKey));
      }
      if (!(await verifyPassword(user.passwordHash, input.password))) {
        mailThrottle.fail(throttleKey);
        audit.record({ actor, action: 'auth.email_change_denied', target: { type: 'user', id: user.id }, details: { reason: 'wrong password' } });
        throw invalid('wrong password', [{ path: 'password', message: 'wrong password' }]);
      }
      const email = input.email.trim().toLowerCase();
      if (email === user.email) throw invalid('this is already your address', [{ path: 'email', message: 'this is already your address' }]);
      audit.record({ actor, action: 'auth.email_change_request', target: { type: 'user', id: user.id }, details: { to: email } });
      // An address another account uses gets no mail, and the answer is the same: no enumeration through this form.
      if (userByEmail(email)) return;
      const token = tokens.issue({ userId: user.id, purpose: 'change-email', email, ttlMs: VERIFY_TTL_MS });
      mailOnce('change-email', email, changeEmailMail({ name: user.name, url: links.verify(token), newEmail: email }));
    },
  };
}

export type Account = ReturnType<typeof createAccount>;
