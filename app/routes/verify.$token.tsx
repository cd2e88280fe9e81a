import { data, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { formErrorsOf } from '~/lib/auth.server';
import { LinkPage, LinkProblem } from '~/components/team-ui';
import teamStyles from '~/styles/teams.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: teamStyles }];
export const meta: MetaFunction = () => [{ title: 'Confirm your address · Containr' }];

// Opening the link only shows a button: mail scanners that follow links must not use it up.
export function loader({ params, context }: LoaderFunctionArgs) {
  const link = context.services.account.inspectEmailLink(params.token ?? '');
  return { status: link.status, purpose: link.purpose ?? null, email: link.email ?? null, signedIn: !!context.viewer };
}

export async function action({ params, context }: ActionFunctionArgs) {
  try {
    const confirmed = context.services.account.confirmEmail(params.token ?? '', context.viewer?.ip ?? null);
    return { ok: true as const, ...confirmed, errors: {} as Record<string, string> };
  } catch (error) {
    return data({ ok: false as const, purpose: null, email: null, errors: formErrorsOf(error) }, { status: 400 });
  }
}

export default function Verify() {
  const { status, purpose, email, signedIn } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const home = signedIn ? { to: '/projects', label: 'Go to your projects' } : { to: '/login', label: 'Log in' };
  if (result?.ok) {
    return (
      <LinkPage title={result.purpose === 'change-email' ? 'Address changed' : 'Address confirmed'}>
        <p data-testid="verified">
          {result.purpose === 'change-email' ? (
            <>
              Your account now uses <strong>{result.email}</strong>. Log in with it from now on.
            </>
          ) : (
            <>
              <strong>{result.email}</strong> is confirmed. Thanks!
            </>
          )}
        </p>
        <Link className="btn btn-primary" to={home.to}>
          {home.label}
        </Link>
      </LinkPage>
    );
  }
  if (status !== 'valid') {
    return <LinkProblem status={status} what="confirmation" again={signedIn ? { to: '/settings/account', label: 'Send a new link' } : home} />;
  }
  return (
    <LinkPage title={purpose === 'change-email' ? 'Confirm your new address' : 'Confirm your address'}>
      <p>
        {purpose === 'change-email' ? 'Use ' : 'Confirm that '}
        <strong>{email}</strong>
        {purpose === 'change-email' ? ' as the address of your Containr account.' : ' is your address.'}
      </p>
      {result?.errors.form ? (
        <div className="alert" role="alert">
          {result.errors.form}
        </div>
      ) : null}
      <Form method="post">
        <button className="btn btn-primary" type="submit" style={{ width: '100%' }}>
          {purpose === 'change-email' ? 'Use this address' : 'Confirm my address'}
        </button>
      </Form>
    </LinkPage>
  );
}
