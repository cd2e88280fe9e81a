import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import { z } from 'zod';
import { can } from '../../server/auth/permissions';
import { environmentName, projectName } from '../../server/http/schemas';
import { formErrorsOf, orRespond, parseForm, requireViewer } from '~/lib/auth.server';
import { isRunnable } from '../../sync';
import { EnvironmentRow } from '~/components/share/environment-row';
import shareStyles from '~/components/share/share.css?url';
import { RoleBadge } from '~/components/team-ui';
import { Avatar, Field, timeAgo } from '~/components/ui';
import { WebhooksCard } from '~/components/webhooks/webhooks-card';
import teamStyles from '~/styles/teams.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: teamStyles },
  { rel: 'stylesheet', href: shareStyles },
];

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const { projects, projectAccess, teams, deploy } = context.services;
  const projectId = params.projectId ?? '';
  const { project, environments: rows, role } = orRespond(() => projects.get(actor, projectId));
  // A preview's services at its latest commit: what its image overrides replace.
  const environments = rows.map((e) => {
    const spec = e.kind === 'preview' ? deploy.store.latestCommit(e.id)?.spec : undefined;
    const services = Object.values(spec?.services ?? {})
      .filter(isRunnable)
      .map((n) => ({ name: n.name, source: n.source?.type === 'image' ? n.source.image : n.source ? `built from ${n.source.repo}` : 'no source' }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { id: e.id, name: e.name, kind: e.kind, imageOverrides: e.imageOverrides, createdAt: e.createdAt, services };
  });
  const access = orRespond(() => projectAccess.get(actor, projectId));
  const team = orRespond(() => teams.get(actor, project.teamId));
  const manageAccess = can(role, 'project:manage-access');
  const granted = new Set(access.members.map((m) => m.userId));
  return {
    project,
    environments,
    role,
    team: { id: team.id, name: team.name },
    access: {
      restricted: access.restricted,
      members: access.members.map(({ userId, name, email, role }) => ({ userId, name, email, role })),
      // Admins choose among the whole team; owners and admins always have access.
      choices: manageAccess
        ? teams.members(actor, team.id).map(({ userId, name, email, role }) => ({
            userId,
            name,
            email,
            role,
            always: can(role, 'project:read-all'),
            granted: granted.has(userId),
          }))
        : null,
    },
  };
}

const intents = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('rename'), name: projectName, description: z.string().max(500) }),
  z.object({ intent: z.literal('delete') }),
  z.object({ intent: z.literal('create-environment'), environment: environmentName }),
  z.object({ intent: z.literal('delete-environment'), environmentId: z.string().min(1) }),
  // The chosen members come as repeated `userId` fields (read with getAll below).
  z.object({ intent: z.literal('access'), mode: z.enum(['team', 'members']) }),
]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const projectId = params.projectId ?? '';
  const form = await request.formData();
  const parsed = parseForm(intents, form);
  if (!parsed.ok) return data({ errors: parsed.errors, ok: false }, { status: 422 });
  const { projects, projectAccess } = context.services;
  try {
    const input = parsed.data;
    switch (input.intent) {
      case 'rename':
        projects.update(actor, projectId, { name: input.name, description: input.description });
        return { errors: {}, ok: true };
      case 'delete':
        projects.remove(actor, projectId);
        return redirect('/projects');
      case 'create-environment': {
        const env = projects.createEnvironment(actor, projectId, { name: input.environment });
        return redirect(`/projects/${projectId}/env/${env.id}`);
      }
      case 'delete-environment':
        projects.removeEnvironment(actor, input.environmentId);
        return { errors: {}, ok: true };
      case 'access': {
        const userIds = input.mode === 'members' ? form.getAll('userId').map(String) : [];
        // An empty list opens the project to everyone: say so rather than do it by surprise.
        if (input.mode === 'members' && userIds.length === 0) {
          return data({ errors: { access: 'Choose at least one member, or give the whole team access.' }, ok: false }, { status: 422 });
        }
        const result = projectAccess.set(actor, projectId, userIds);
        return { errors: {}, ok: true, notice: result.restricted ? 'Access restricted to the chosen members.' : 'The whole team has access again.' };
      }
    }
  } catch (error) {
    return data({ errors: formErrorsOf(error), ok: false }, { status: 400 });
  }
}

export default function ProjectSettings() {
  const { project, environments, role, team, access } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as { errors: Record<string, string>; ok: boolean; notice?: string } | undefined;
  const errors: Record<string, string> = result?.errors ?? {};
  const readOnly = role === 'viewer';
  return (
    <main className="page stack" style={{ gap: 24 }}>
      {errors.form ? (
        <div className="alert" role="alert">
          {errors.form}
        </div>
      ) : null}
      {result?.notice ? (
        <div className="notice" role="status">
          {result.notice}
        </div>
      ) : null}
      <section className="card">
        <div className="card-header">
          <h2>General</h2>
        </div>
        <Form method="post" className="card-body form" noValidate>
          <input type="hidden" name="intent" value="rename" />
          <Field label="Name" name="name" defaultValue={project.name} error={errors.name} disabled={readOnly} />
          <Field label="Description" name="description" defaultValue={project.description} disabled={readOnly} />
          <p className="field-hint">
            Service URLs use the slug <code>{project.slug}</code>.
          </p>
          {!readOnly ? (
            <div>
              <button className="btn btn-primary" type="submit">
                Save
              </button>
            </div>
          ) : null}
        </Form>
      </section>

      <section className="card" id="environments">
        <div className="card-header">
          <h2>Environments</h2>
        </div>
        <ul className="list" data-testid="environment-list">
          {environments.map((e) => (
            <EnvironmentRow
              key={e.id}
              environment={e}
              editable={!readOnly}
              meta={<span className="faint">created {timeAgo(e.createdAt)}</span>}
              actions={
                !readOnly && environments.length > 1 ? (
                  <Form
                    method="post"
                    onSubmit={(event) => {
                      if (!confirm(`Delete the environment "${e.name}"?`)) event.preventDefault();
                    }}
                  >
                    <input type="hidden" name="intent" value="delete-environment" />
                    <input type="hidden" name="environmentId" value={e.id} />
                    <button className="btn btn-sm btn-danger" type="submit">
                      Delete
                    </button>
                  </Form>
                ) : null
              }
            />
          ))}
        </ul>
        {!readOnly ? (
          <Form method="post" className="card-body form-row" style={{ borderTop: '1px solid var(--border)' }} noValidate>
            <input type="hidden" name="intent" value="create-environment" />
            <div style={{ flex: 1 }}>
              <Field label="New environment" name="environment" placeholder="staging" error={errors.environment} />
            </div>
            <button className="btn" type="submit" style={{ marginBottom: errors.environment ? 24 : 0 }}>
              Create
            </button>
          </Form>
        ) : null}
      </section>

      <AccessSection team={team} access={access} error={errors.access} />

      {!readOnly ? <WebhooksCard projectId={project.id} canManage={role === 'owner' || role === 'admin'} /> : null}

      {role === 'owner' || role === 'admin' ? (
        <section className="card" style={{ borderColor: 'var(--danger)' }}>
          <div className="card-header">
            <h2>Delete project</h2>
          </div>
          <Form
            method="post"
            className="card-body row"
            onSubmit={(event) => {
              if (!confirm(`Delete "${project.name}" and all its environments? This cannot be undone.`)) event.preventDefault();
            }}
          >
            <input type="hidden" name="intent" value="delete" />
            <p className="muted" style={{ flex: 1 }}>
              Removes the project, its environments and their canvases.
            </p>
            <button className="btn btn-danger" type="submit">
              Delete project
            </button>
          </Form>
        </section>
      ) : null}
    </main>
  );
}

type AccessData = ReturnType<typeof useLoaderData<typeof loader>>['access'];

/** Who may open the project: the whole team, or some members (owners and admins always). */
function AccessSection({ team, access, error }: { team: { name: string }; access: AccessData; error?: string }) {
  const [mode, setMode] = useState<'team' | 'members'>(access.restricted ? 'members' : 'team');
  const busy = useNavigation().state === 'submitting';
  const badge = access.restricted ? <span className="badge badge-accent">Restricted</span> : <span className="badge">Whole team</span>;

  if (!access.choices) {
    return (
      <section className="card" id="access" data-testid="project-access">
        <div className="card-header">
          <h2>Access</h2>
          {badge}
        </div>
        {access.restricted ? (
          <>
            <p className="card-body muted" style={{ paddingBottom: 0 }}>
              Only these members of {team.name} can open this project, besides its owners and admins:
            </p>
            <ul className="list access-list" data-testid="access-members">
              {access.members.map((m) => (
                <li key={m.userId} className="access-row">
                  <Avatar id={m.userId} name={m.name} size={28} />
                  <div className="who">
                    <div className="name">{m.name}</div>
                    <div className="email">{m.email}</div>
                  </div>
                  <RoleBadge role={m.role} />
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="card-body muted">Everyone in {team.name} can open this project.</p>
        )}
        <p className="card-body faint access-foot">Owners and admins choose who has access.</p>
      </section>
    );
  }

  return (
    <section className="card" id="access" data-testid="project-access">
      <div className="card-header">
        <h2>Access</h2>
        {badge}
      </div>
      <Form method="post" noValidate>
        <input type="hidden" name="intent" value="access" />
        <fieldset className="card-body access-modes">
          <legend className="sr-only">Who can open this project</legend>
          <label className="access-mode">
            <input type="radio" name="mode" value="team" checked={mode === 'team'} onChange={() => setMode('team')} />
            <span>
              <strong>Everyone in {team.name}</strong>
              <span className="faint">Every member sees the project with their team role.</span>
            </span>
          </label>
          <label className="access-mode">
            <input type="radio" name="mode" value="members" checked={mode === 'members'} onChange={() => setMode('members')} />
            <span>
              <strong>Only the members chosen below</strong>
              <span className="faint">Others in the team do not see it at all. Owners and admins always have access.</span>
            </span>
          </label>
        </fieldset>
        <ul className="list access-list" data-testid="access-choices" aria-disabled={mode === 'team'}>
          {access.choices.map((m) => (
            <li key={m.userId} className="access-row">
              <input
                type="checkbox"
                name={m.always ? undefined : 'userId'}
                value={m.userId}
                aria-label={`Give ${m.name} access`}
                defaultChecked={m.always || m.granted}
                disabled={m.always || mode === 'team'}
              />
              <Avatar id={m.userId} name={m.name} size={28} />
              <div className="who">
                <div className="name">{m.name}</div>
                <div className="email">{m.email}</div>
              </div>
              <RoleBadge role={m.role} />
              <span className="faint access-note">{m.always ? 'always has access' : ''}</span>
            </li>
          ))}
        </ul>
        <div className="card-body row access-save">
          {error ? (
            <span className="field-error" role="alert" style={{ flex: 1 }}>
              {error}
            </span>
          ) : (
            <span style={{ flex: 1 }} />
          )}
          <button className="btn btn-primary" type="submit" disabled={busy}>
            Save access
          </button>
        </div>
      </Form>
    </section>
  );
}
