import { data, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { email } from '../../server/http/schemas';
import { formErrorsOf, parseForm, requireViewer } from '~/lib/auth.server';
import { Field, timeAgo } from '~/components/ui';
import teamStyles from '~/styles/teams.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: teamStyles }];
export const meta: MetaFunction = () => [{ title: 'Account · Containr' }];

const ACTIVITY_LABEL: Record<string, string> = {
  'auth.signup': 'Account created',
  'auth.signup_existing': 'Someone tried to sign up with your address',
  'auth.login': 'Logged in',
  'auth.login_failed': 'Failed login',
  'auth.logout': 'Logged out',
  'auth.email_verify': 'Address confirmed',
  'auth.email_change_request': 'Change of address requested',
  'auth.email_change_denied': 'Change of address refused (wrong password)',
  'auth.email_change': 'Address changed',
  'auth.reset_request': 'Password reset requested',
  'auth.password_reset': 'Password reset',
  'security.token_refused': 'A used or expired link of yours was tried',
};

export function loader({ request, context }: LoaderFunctionArgs) {
  const { viewer } = requireViewer(context, request);
  const profile = context.services.account.profile(viewer.user.id);
  if (!profile) throw new Response('Not found', { status: 404 });
  const activity = context.services.audit.forUser(viewer.user.id, 12).map((e) => ({
    id: e.id,
    action: e.action,
    label: ACTIVITY_LABEL[e.action] ?? e.action,
    createdAt: e.createdAt,
    ip: e.ip ?? (typeof e.details.ip === 'string' ? e.details.ip : null),
  }));
  return { profile, activity };
}

const intents = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('resend-verification') }),
  z.object({ intent: z.literal('change-email'), email, password: z.string().min(1, 'enter your current password').max(256) }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const parsed = parseForm(intents, await request.formData());
  if (!parsed.ok) return data({ errors: parsed.errors, notice: null }, { status: 422 });
  try {
    if (parsed.data.intent === 'resend-verification') {
      context.services.account.resendVerification(actor);
      return { errors: {}, notice: 'We sent you a new confirmation link.' };
    }
    await context.services.account.requestEmailChange(actor, { email: parsed.data.email, password: parsed.data.password });
    return { errors: {}, notice: `We sent a link to ${parsed.data.email}. Your address changes when you open it.` };
  } catch (error) {
    return data({ errors: formErrorsOf(error), notice: null }, { status: 400 });
  }
}

export default function Account() {
  const { profile, activity } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  return (
    <main className="page stack" style={{ gap: 24, maxWidth: 760 }}>
      <div className="page-header" style={{ marginBottom: 0 }}>
        <div>
          <h1>Account</h1>
          <p>Your profile, your address and recent sign-in activity.</p>
        </div>
      </div>
      {result?.notice ? (
        <div className="notice" role="status">
          {result.notice}
        </div>
      ) : null}
      {errors.form && !errors.password && !errors.email ? (
        <div className="alert" role="alert">
          {errors.form}
        </div>
      ) : null}

      <section className="card">
        <div className="card-header">
          <h2>Profile</h2>
        </div>
        <dl className="card-body kv">
          <dt>Name</dt>
          <dd>{profile.name}</dd>
          <dt>Email</dt>
          <dd data-testid="account-email">
            {profile.email}
            {profile.emailVerifiedAt ? (
              <span className="badge badge-ok">confirmed</span>
            ) : (
              <>
                <span className="badge badge-warn">not confirmed</span>
                <Form method="post" style={{ display: 'inline' }}>
                  <input type="hidden" name="intent" value="resend-verification" />
                  <button className="btn btn-sm" type="submit">
                    Send a new link
                  </button>
                </Form>
              </>
            )}
          </dd>
          <dt>Member since</dt>
          <dd>{new Date(profile.createdAt).toLocaleDateString('en', { year: 'numeric', month: 'long', day: 'numeric' })}</dd>
        </dl>
      </section>

      <section className="card">
        <div className="card-header">
          <h2>Change email</h2>
        </div>
        <Form method="post" className="card-body form" noValidate>
          <input type="hidden" name="intent" value="change-email" />
          <p className="muted">We send a link to the new address; your account keeps the current one until you open it.</p>
          <Field label="New email" name="email" type="email" autoComplete="email" error={errors.email} />
          <Field label="Current password" name="password" type="password" autoComplete="current-password" error={errors.password} />
          <div>
            <button className="btn btn-primary" type="submit">
              Send confirmation link
            </button>
          </div>
        </Form>
      </section>

      <section className="card">
        <div className="card-header">
          <h2>Recent activity</h2>
        </div>
        {activity.length === 0 ? (
          <p className="card-body muted">Nothing yet.</p>
        ) : (
          <ul className="list" data-testid="account-activity">
            {activity.map((a) => (
              <li key={a.id}>
                <span className={a.action.endsWith('failed') || a.action.endsWith('denied') || a.action === 'auth.signup_existing' ? 'status-expired' : ''} style={{ flex: 1 }}>
                  {a.label}
                </span>
                {a.ip ? <span className="faint mono">{a.ip}</span> : null}
                <span className="faint" style={{ minWidth: 90, textAlign: 'right' }}>
                  {timeAgo(a.createdAt)}
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
