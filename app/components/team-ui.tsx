// Small pieces shared by the team, audit, outbox and account pages.
import { Link } from '@remix-run/react';
import type { ReactNode, SelectHTMLAttributes } from 'react';
import { BrandMark } from './ui';

export const ROLE_OPTIONS = ['owner', 'admin', 'developer', 'viewer'] as const;
export type RoleName = (typeof ROLE_OPTIONS)[number];

export const ROLE_HINT: Record<RoleName, string> = {
  owner: 'Everything, including deleting the team and transferring it',
  admin: 'Manages members (not owners), production secrets and nodes',
  developer: 'Edits canvases and deploys',
  viewer: 'Reads everything, changes nothing',
};

export function RoleBadge({ role }: { role: string }) {
  return <span className={`badge role-badge role-${role}`}>{role}</span>;
}

export function SelectField({
  label,
  name,
  error,
  hint,
  children,
  ...select
}: { label: string; name: string; error?: string; hint?: string; children: ReactNode } & SelectHTMLAttributes<HTMLSelectElement>) {
  const id = `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} className="input" aria-invalid={error ? true : undefined} {...select}>
        {children}
      </select>
      {error ? <span className="field-error">{error}</span> : hint ? <span className="field-hint">{hint}</span> : null}
    </div>
  );
}

/** The centred card of pages reached from a mailed link (invite, verify, reset). */
export function LinkPage({ title, children, foot }: { title: string; children: ReactNode; foot?: ReactNode }) {
  return (
    <main className="auth">
      <div className="auth-card" style={{ maxWidth: 420 }}>
        <div className="auth-brand">
          <BrandMark />
        </div>
        <h1 style={{ marginBottom: 'var(--space-5)' }}>{title}</h1>
        <div className="card">
          <div className="card-body stack">{children}</div>
        </div>
        {foot ? <p className="auth-foot">{foot}</p> : null}
      </div>
    </main>
  );
}

/** What a link that cannot be used says, by reason. */
export function LinkProblem({ status, what, again }: { status: string; what: string; again: { to: string; label: string } }) {
  const text: Record<string, [string, string]> = {
    unknown: [`This ${what} link is not valid`, 'It may have been mistyped, or replaced by a newer link. Only the latest link works.'],
    expired: [`This ${what} link has expired`, 'Links stop working after a while, to keep your account safe.'],
    used: [`This ${what} link was already used`, 'Each link works once.'],
    accepted: [`This invitation was already used`, 'Each invitation works once. If it was you, you are already in the team.'],
    revoked: [`This invitation was revoked`, 'Whoever invited you withdrew it. Ask them for a new one if you still need access.'],
  };
  const [title, body] = text[status] ?? text.unknown;
  return (
    <LinkPage title={title} foot={again.to === '/login' ? undefined : <Link to="/login">Back to log in</Link>}>
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <div className="problem-icon" aria-hidden>
          !
        </div>
        <p className="muted" data-testid="link-problem" style={{ flex: 1 }}>
          {body}
        </p>
      </div>
      <Link className="btn" to={again.to}>
        {again.label}
      </Link>
    </LinkPage>
  );
}

export function formatTime(value: Date | string | number): string {
  return new Date(value).toLocaleString('en', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    timeZone: 'UTC',
  });
}
