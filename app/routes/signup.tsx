import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { email, password, personName } from '../../server/http/schemas';
import { formErrorsOf, parseForm, safeNext } from '~/lib/auth.server';
import { BrandMark, Field } from '~/components/ui';

export const meta: MetaFunction = () => [{ title: 'Sign up · Containr' }];

export const loader = ({ context }: LoaderFunctionArgs) => (context.viewer ? redirect('/projects') : null);

const schema = z.object({ name: personName, email, password, next: z.string().optional() });

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = parseForm(schema, await request.formData());
  if (!parsed.ok) return data({ errors: parsed.errors, checkEmail: null }, { status: 422 });
  try {
    const result = await context.services.auth.signup(parsed.data, context.viewer?.ip ?? null);
    // An address with an account: no session, no "already exists"; its owner gets a mail (decision 004).
    if (result.status === 'exists') return { errors: {}, checkEmail: parsed.data.email };
    return redirect(safeNext(parsed.data.next ?? null), { headers: { 'Set-Cookie': result.cookie.serialize() } });
  } catch (error) {
    return data({ errors: formErrorsOf(error), checkEmail: null }, { status: 400 });
  }
}

export default function Signup() {
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  const busy = useNavigation().state !== 'idle';
  const [params] = useSearchParams();
  const next = params.get('next') ?? '';
  if (result?.checkEmail) {
    return (
      <main className="auth">
        <div className="auth-card">
          <div className="auth-brand">
            <BrandMark />
          </div>
          <h1>Check your email</h1>
          <div className="card">
            <div className="card-body stack" data-testid="check-email">
              <p>
                We sent a message to <strong>{result.checkEmail}</strong> with the next step.
              </p>
              <p className="muted">Nothing arrived after a few minutes? Check your spam folder, or try again.</p>
            </div>
          </div>
          <p className="auth-foot">
            <Link to={next ? `/login?next=${encodeURIComponent(next)}` : '/login'}>Back to log in</Link>
          </p>
        </div>
      </main>
    );
  }
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
            <input type="hidden" name="next" value={next} />
            <Field label="Email" name="email" type="email" autoComplete="email" defaultValue={params.get('email') ?? ''} error={errors.email} />
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
          Already have an account? <Link to={next ? `/login?next=${encodeURIComponent(next)}` : '/login'}>Log in</Link>
        </p>
      </div>
    </main>
  );
}
