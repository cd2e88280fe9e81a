import { data, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { parseForm } from '~/lib/auth.server';
import { Field } from '~/components/ui';
import { LinkPage } from '~/components/team-ui';

export const meta: MetaFunction = () => [{ title: 'Reset your password · Containr' }];

const schema = z.object({ email: z.string().trim().min(1, 'enter your email').max(254) });

// The same answer whether or not the address has an account; the mail (if any) is sent after answering.
export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = parseForm(schema, await request.formData());
  if (!parsed.ok) return data({ sent: null, errors: parsed.errors }, { status: 422 });
  context.services.account.requestReset(parsed.data.email, context.viewer?.ip ?? null);
  return { sent: parsed.data.email, errors: {} as Record<string, string> };
}

export default function ResetRequest() {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  if (result?.sent) {
    return (
      <LinkPage title="Check your email" foot={<Link to="/login">Back to log in</Link>}>
        <p data-testid="reset-sent">
          If an account uses <strong>{result.sent}</strong>, we sent it a link to choose a new password. The link works once, for 1 hour.
        </p>
      </LinkPage>
    );
  }
  const errors: Record<string, string> = result?.errors ?? {};
  return (
    <LinkPage title="Reset your password" foot={<Link to="/login">Back to log in</Link>}>
      <Form method="post" className="form" noValidate>
        <p className="muted">Enter the address of your account. We will mail you a link to choose a new password.</p>
        <Field label="Email" name="email" type="email" autoComplete="email" autoFocus error={errors.email} />
        <button className="btn btn-primary" type="submit" disabled={busy}>
          Send the link
        </button>
      </Form>
    </LinkPage>
  );
}
