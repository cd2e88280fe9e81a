import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { formErrorsOf, parseForm, safeNext } from '~/lib/auth.server';
import { BrandMark, Field } from '~/components/ui';

export const meta: MetaFunction = () => [{ title: 'Log in · Containr' }];

export const loader = ({ context }: LoaderFunctionArgs) => (context.viewer ? redirect('/projects') : null);

const schema = z.object({
  email: z.string().trim().min(1, 'enter your email'),
  password: z.string().min(1, 'enter your password'),
  next: z.string().optional(),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = parseForm(schema, await request.formData());
  if (!parsed.ok) return data({ errors: parsed.errors }, { status: 422 });
  const ip = context.viewer?.ip ?? null;
  try {
    const { cookie } = await context.services.auth.login(parsed.data, ip);
    return redirect(safeNext(parsed.data.next ?? null), { headers: { 'Set-Cookie': cookie.serialize() } });
  } catch (error) {
    const errors = formErrorsOf(error);
    return data({ errors }, { status: 400 });
  }
}

export default function Login() {
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  const [params] = useSearchParams();
  const busy = useNavigation().state !== 'idle';
  return (
    <main className="auth">
      <div className="auth-card">
        <div className="auth-brand">
          <BrandMark />
        </div>
        <h1>Log in to Containr</h1>
        <p className="sub">Deploy and run your team’s services.</p>
        <div className="card">
          <Form method="post" className="card-body form" noValidate>
            {errors.form ? (
              <div className="alert" role="alert">
                {errors.form}
              </div>
            ) : params.get('reset') ? (
              <div className="notice" role="status">
                Your password was changed. Log in with the new one.
              </div>
            ) : null}
            <input type="hidden" name="next" value={params.get('next') ?? ''} />
            <Field label="Email" name="email" type="email" autoComplete="email" autoFocus error={errors.email} />
            <Field label="Password" name="password" type="password" autoComplete="current-password" error={errors.password} />
            <button type="submit" className="btn btn-primary" disabled={busy}>
              {busy ? 'Logging in…' : 'Log in'}
            </button>
          </Form>
        </div>
        <p className="auth-foot">
          <Link to="/reset">Forgot your password?</Link>
        </p>
        <p className="auth-foot" style={{ marginTop: 8 }}>
          New here? <Link to={params.get('next') ? `/signup?next=${encodeURIComponent(params.get('next') ?? '')}` : '/signup'}>Create an account</Link>
        </p>
      </div>
    </main>
  );
}
