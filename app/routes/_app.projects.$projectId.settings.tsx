import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { environmentName, projectName } from '../../server/http/schemas';
import { formErrorsOf, orRespond, parseForm, requireViewer } from '~/lib/auth.server';
import { Field, timeAgo } from '~/components/ui';

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = requireViewer(context, request);
  return orRespond(() => context.services.projects.get(actor, params.projectId ?? ''));
}

const intents = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('rename'), name: projectName, description: z.string().max(500) }),
  z.object({ intent: z.literal('delete') }),
  z.object({ intent: z.literal('create-environment'), environment: environmentName }),
  z.object({ intent: z.literal('delete-environment'), environmentId: z.string().min(1) }),
]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const projectId = params.projectId ?? '';
  const parsed = parseForm(intents, await request.formData());
  if (!parsed.ok) return data({ errors: parsed.errors, ok: false }, { status: 422 });
  const { projects } = context.services;
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
    }
  } catch (error) {
    return data({ errors: formErrorsOf(error), ok: false }, { status: 400 });
  }
}

export default function ProjectSettings() {
  const { project, environments, role } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  const readOnly = role === 'viewer';
  return (
    <main className="page stack" style={{ gap: 24 }}>
      {errors.form ? (
        <div className="alert" role="alert">
          {errors.form}
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
            <li key={e.id}>
              <span style={{ fontWeight: 550, flex: 1 }}>{e.name}</span>
              <span className="faint">created {timeAgo(e.createdAt)}</span>
              {!readOnly && environments.length > 1 ? (
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
              ) : null}
            </li>
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
