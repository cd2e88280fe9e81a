import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { password } from '../../server/http/schemas';
import { formErrorsOf, parseForm } from '~/lib/auth.server';
import { Field } from '~/components/ui';
import { LinkPage, LinkProblem } from '~/components/team-ui';
import teamStyles from '~/styles/teams.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: teamStyles }];
export const meta: MetaFunction = () => [{ title: 'Choose a new password · Containr' }];

export function loader({ params, context }: LoaderFunctionArgs) {
  const { status, email } = context.services.account.inspectReset(params.token ?? '');
  return { status, email: status === 'valid' ? (email ?? null) : null };
}

const schema = z
  .object({ password, confirm: z.string() })
  .refine((v) => v.password === v.confirm, { path: ['confirm'], message: 'the passwords differ' });

export async function action({ request, params, context }: ActionFunctionArgs) {
  const parsed = parseForm(schema, await request.formData());
  if (!parsed.ok) return data({ errors: parsed.errors }, { status: 422 });
  try {
    await context.services.account.confirmReset(params.token ?? '', parsed.data.password, context.viewer?.ip ?? null);
  } catch (error) {
    return data({ errors: formErrorsOf(error) }, { status: 400 });
  }
  // Every session ended, this browser's too: log in again with the new password.
  return redirect('/login?reset=1');
}

export default function ResetConfirm() {
  const { status, email } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  if (status !== 'valid') return <LinkProblem status={status} what="password reset" again={{ to: '/reset', label: 'Ask for a new link' }} />;
  const errors: Record<string, string> = result?.errors ?? {};
  return (
    <LinkPage title="Choose a new password" foot={<Link to="/login">Back to log in</Link>}>
      <Form method="post" className="form" noValidate>
        <p className="muted">
          For <strong>{email}</strong>. Every session of the account will be signed out.
        </p>
        {errors.form ? (
          <div className="alert" role="alert">
            {errors.form}
          </div>
        ) : null}
        <input type="hidden" name="username" autoComplete="username" value={email ?? ''} />
        <Field label="New password" name="password" type="password" autoComplete="new-password" autoFocus hint="At least 8 characters." error={errors.password} />
        <Field label="Repeat it" name="confirm" type="password" autoComplete="new-password" error={errors.confirm} />
        <button className="btn btn-primary" type="submit" disabled={busy}>
          Set the new password
        </button>
      </Form>
    </LinkPage>
  );
}
