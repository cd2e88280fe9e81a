import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { formErrorsOf, requireViewer } from '~/lib/auth.server';
import { teamCookie } from '~/lib/team.server';
import { LinkPage, LinkProblem, RoleBadge } from '~/components/team-ui';
import teamStyles from '~/styles/teams.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: teamStyles }];
export const meta: MetaFunction = () => [{ title: 'Invitation · Containr' }];

export function loader({ params, context }: LoaderFunctionArgs) {
  const token = params.token ?? '';
  const preview = context.services.invites.preview(token);
  const viewer = context.viewer ? { name: context.viewer.user.name, email: context.viewer.user.email } : null;
  if (preview.status === 'unknown') return { token, preview, viewer, alreadyMember: false };
  const alreadyMember = !!context.viewer && !!context.services.teams.roleOf(context.viewer.user.id, preview.teamId);
  return { token, preview, viewer, alreadyMember };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const token = params.token ?? '';
  const here = `/invite/${token}`;
  const form = await request.formData();
  if (form.get('intent') === 'switch') {
    // Signed in with another address: sign out and come back here after logging in.
    const cookie = context.viewer ? await context.services.auth.logout(context.viewer) : null;
    return redirect(`/login?next=${encodeURIComponent(here)}`, cookie ? { headers: { 'Set-Cookie': cookie.serialize() } } : undefined);
  }
  const { actor } = requireViewer(context, request);
  try {
    const { teamId } = context.services.invites.accept(actor, token);
    return redirect('/projects', { headers: { 'Set-Cookie': await teamCookie.serialize(teamId) } });
  } catch (error) {
    return data({ errors: formErrorsOf(error) }, { status: 400 });
  }
}

export default function Invite() {
  const { token, preview, viewer, alreadyMember } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const next = encodeURIComponent(`/invite/${token}`);
  if (preview.status !== 'pending') {
    return <LinkProblem status={preview.status} what="invitation" again={{ to: viewer ? '/projects' : '/login', label: viewer ? 'Go to your projects' : 'Log in' }} />;
  }
  const intro = (
    <>
      <p>
        <strong>{preview.inviterName ?? 'Someone'}</strong> invited <strong>{preview.email}</strong> to join{' '}
        <strong data-testid="invite-team">{preview.teamName}</strong> as <RoleBadge role={preview.role} />
      </p>
      <p className="faint" style={{ fontSize: 12.5 }}>
        The invitation expires {new Date(preview.expiresAt).toLocaleDateString('en', { month: 'short', day: 'numeric', year: 'numeric' })}.
      </p>
    </>
  );

  if (!viewer) {
    return (
      <LinkPage title={`Join ${preview.teamName}`}>
        {intro}
        <Link className="btn btn-primary" to={`/signup?next=${next}&email=${encodeURIComponent(preview.email)}`}>
          Create an account
        </Link>
        <Link className="btn" to={`/login?next=${next}`}>
          I have an account: log in
        </Link>
      </LinkPage>
    );
  }

  if (viewer.email.toLowerCase() !== preview.email.toLowerCase()) {
    return (
      <LinkPage title={`Join ${preview.teamName}`}>
        {intro}
        <div className="notice">
          You are logged in as <strong>{viewer.email}</strong>. Only <strong>{preview.email}</strong> can accept this invitation.
        </div>
        <Form method="post">
          <input type="hidden" name="intent" value="switch" />
          <button className="btn btn-primary" type="submit" style={{ width: '100%' }}>
            Log out and switch account
          </button>
        </Form>
      </LinkPage>
    );
  }

  return (
    <LinkPage title={`Join ${preview.teamName}`} foot={<Link to="/projects">Not now</Link>}>
      {intro}
      {result?.errors.form ? (
        <div className="alert" role="alert">
          {result.errors.form}
        </div>
      ) : null}
      {alreadyMember ? (
        <>
          <div className="notice">You are already a member of {preview.teamName}.</div>
          <Link className="btn" to="/projects">
            Go to your projects
          </Link>
        </>
      ) : (
        <Form method="post">
          <input type="hidden" name="intent" value="accept" />
          <button className="btn btn-primary" type="submit" style={{ width: '100%' }}>
            Join {preview.teamName}
          </button>
        </Form>
      )}
    </LinkPage>
  );
}
