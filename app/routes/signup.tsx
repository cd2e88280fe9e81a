import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { email, password, personName } from '../../server/http/schemas';
import { formErrorsOf, parseForm } from '~/lib/auth.server';
import { BrandMark, Field } from '~/components/ui';

export const meta: MetaFunction = () => [{ title: 'Sign up · Containr' }];

export const loader = ({ context }: LoaderFunctionArgs) => (context.viewer ? redirect('/projects') : null);

const schema = z.object({ name: personName, email, password });

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = parseForm(schema, await request.formData());
  if (!parsed.ok) return data({ errors: parsed.errors }, { status: 422 });
  try {
    const { cookie } = await context.services.auth.signup(parsed.data, context.viewer?.ip ?? null);
    return redirect('/projects', { headers: { 'Set-Cookie': cookie.serialize() } });
  } catch (error) {
    return data({ errors: formErrorsOf(error) }, { status: 400 });
  }
}

export default function Signup() {
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  const busy = useNavigation().state !== 'idle';
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="auth-brand">
          <BrandMark />
        </div>
        <h1>Create your account</h1>
        <p className="sub">A personal team is created for you.</p>
        <div className="card">
          <Form method="post" className="card-body form" noValidate>
            {errors.form ? (
              <div className="alert" role="alert">
                {errors.form}
              </div>
            ) : null}
            <Field label="Name" name="name" autoComplete="name" autoFocus error={errors.name} />
            <Field label="Email" name="email" type="email" autoComplete="email" error={errors.email} />
            <Field
              label="Password"
              name="password"
              type="password"
              autoComplete="new-password"
              hint="At least 8 characters."
              error={errors.password}
            />
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Creating account…' : 'Create account'}
            </button>
          </Form>
        </div>
        <p className="auth-foot">
          Already have an account? <Link to="/login">Log in</Link>
        </p>
      </div>
    </main>
  );
}
