import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { projectName } from '../../server/http/schemas';
import { formErrorsOf, parseForm, requireViewer } from '~/lib/auth.server';
import { currentTeam } from '~/lib/team.server';
import { EmptyIcon, Field, timeAgo } from '~/components/ui';

export const meta: MetaFunction = () => [{ title: 'Projects · Containr' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { viewer, actor } = requireViewer(context, request);
  const team = await currentTeam(request, context.services.teams.listForUser(viewer.user.id));
  const projects = team ? context.services.projects.list(actor, team.id) : [];
  return {
    team,
    projects: projects.map((p) => ({
      ...p,
      environments: context.services.projects.listEnvironments(actor, p.id).length,
    })),
  };
}

const schema = z.object({ name: projectName });

export async function action({ request, context }: ActionFunctionArgs) {
  const { viewer, actor } = requireViewer(context, request);
  const parsed = parseForm(schema, await request.formData());
  if (!parsed.ok) return data({ errors: parsed.errors }, { status: 422 });
  const team = await currentTeam(request, context.services.teams.listForUser(viewer.user.id));
  if (!team) throw new Response('No team', { status: 400 });
  try {
    const { project, environments } = context.services.projects.create(actor, { name: parsed.data.name, teamId: team.id });
    return redirect(`/projects/${project.id}/env/${environments[0].id}`);
  } catch (error) {
    return data({ errors: formErrorsOf(error) }, { status: 400 });
  }
}

export default function Projects() {
  const { team, projects } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  const busy = useNavigation().state === 'submitting';
  const canCreate = team && team.role !== 'viewer';
  return (
    <main className="page">
      <div className="page-header">
        <div>
          <h1>Projects</h1>
          <p>{team ? `Everything ${team.name} deploys, one canvas per environment.` : 'You are not in a team yet.'}</p>
        </div>
      </div>
      {canCreate ? (
        <div className="card" style={{ marginBottom: 24 }}>
          <Form method="post" className="card-body form-row" noValidate>
            <div style={{ flex: 1 }}>
              <Field label="New project" name="name" placeholder="e.g. storefront" error={errors.name ?? errors.form} />
            </div>
            <button type="submit" className="btn btn-primary" disabled={busy} style={{ marginBottom: errors.name || errors.form ? 24 : 0 }}>
              Create project
            </button>
          </Form>
        </div>
      ) : null}
      {projects.length === 0 ? (
        <div className="card empty">
          <EmptyIcon />
          <h2>No projects yet</h2>
          <p className="muted">Create a project to get a canvas where your services, databases and volumes live.</p>
        </div>
      ) : (
        <div className="grid" data-testid="project-list">
          {projects.map((p) => (
            <Link key={p.id} to={`/projects/${p.id}`} className="card project-card">
              <div className="row">
                <h2 style={{ flex: 1 }}>{p.name}</h2>
                <span className="badge">{p.slug}</span>
              </div>
              {p.description ? <p className="muted">{p.description}</p> : null}
              <div className="meta">
                <span>
                  {p.environments} environment{p.environments === 1 ? '' : 's'}
                </span>
                <span>·</span>
                <span>updated {timeAgo(p.updatedAt)}</span>
              </div>
            </Link>
          ))}
        </div>
      )}
    </main>
  );
}
