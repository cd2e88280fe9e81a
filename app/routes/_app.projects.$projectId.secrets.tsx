import { data, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useEffect, useRef, useState } from 'react';
import { z } from 'zod';
import { isRunnable } from '../../sync';
import { formErrorsOf, orRespond, parseForm, requireViewer } from '~/lib/auth.server';
import { KeyIcon } from '~/components/deploy/icons';
import { timeAgo } from '~/components/ui';
import deployStyles from '~/styles/deploy.css?url';
// Loader-only: the Remix bundle keeps its own copy of this pure module, and it never reaches the browser.
import { can } from '../../server/auth/permissions';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: deployStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Secrets · ${data?.environment.name ?? ''} · ${data?.project.name ?? 'Project'} · Containr` },
];

function environmentOf(request: Request, environments: Array<{ id: string; name: string }>) {
  const wanted = new URL(request.url).searchParams.get('env');
  const environment = environments.find((e) => e.id === wanted) ?? environments[0];
  if (!environment) throw new Response('Not found', { status: 404 });
  return environment;
}

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const { project, environments, role } = orRespond(() => context.services.projects.get(actor, params.projectId ?? ''));
  const environment = environmentOf(request, environments);
  const base = {
    project: { id: project.id, name: project.name },
    environment: { id: environment.id, name: environment.name },
    // Production's secrets are for owners and admins; developers manage the other environments'.
    canWrite: can(role, environment.name === 'production' ? 'secret:write-production' : 'secret:write'),
  };
  if (!can(role, 'secret:read')) return { ...base, readable: false, secrets: [], usedBy: {} as Record<string, string[]> };

  const secrets = orRespond(() => context.services.secrets.list(actor, environment.id));
  // Which services of the latest commit ask for each secret by name.
  const { commits } = context.services.deploy;
  const latest = commits.listCommits(actor, environment.id, { limit: 1 })[0];
  const spec = latest ? commits.getCommit(actor, latest.id).spec : undefined;
  const usedBy: Record<string, string[]> = {};
  for (const node of Object.values(spec?.services ?? {})) {
    if (!isRunnable(node)) continue;
    for (const name of node.secretNames) (usedBy[name] ??= []).push(node.name);
  }
  return {
    ...base,
    readable: true,
    secrets: secrets.map((s) => ({ name: s.name, createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString() })),
    usedBy,
  };
}

const intents = z.discriminatedUnion('intent', [
  z.object({
    intent: z.literal('set'),
    name: z
      .string()
      .trim()
      .min(1, 'enter a name')
      .max(128)
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _, not starting with a digit'),
    value: z.string().min(1, 'enter a value'),
  }),
  z.object({ intent: z.literal('delete'), name: z.string().min(1) }),
]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const { environments } = orRespond(() => context.services.projects.get(actor, params.projectId ?? ''));
  const environment = environmentOf(request, environments);
  const form = await request.formData();
  const parsed = parseForm(intents, form);
  const intent = String(form.get('intent'));
  const name = String(form.get('name') ?? '');
  if (!parsed.ok) return data({ errors: parsed.errors, done: null, intent, name }, { status: 422 });
  try {
    if (parsed.data.intent === 'set') {
      const { created } = context.services.secrets.put(actor, environment.id, parsed.data.name, parsed.data.value);
      return { errors: {}, done: `${parsed.data.name} ${created ? 'added' : 'updated'}.`, intent, name };
    }
    context.services.secrets.remove(actor, environment.id, parsed.data.name);
    return { errors: {}, done: `${parsed.data.name} deleted.`, intent, name };
  } catch (error) {
    return data({ errors: formErrorsOf(error), done: null, intent, name }, { status: 400 });
  }
}

export default function Secrets() {
  const { project, environment, secrets, usedBy, canWrite, readable } = useLoaderData<typeof loader>();
  const formAction = `/projects/${project.id}/secrets?env=${environment.id}`;
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors: Record<string, string> = result?.errors ?? {};
  const addForm = useRef<HTMLFormElement>(null);
  const submitting = navigation.state === 'submitting';
  // A successful add clears the form; the value must not linger in the page.
  useEffect(() => {
    if (result?.done && result.intent === 'set') addForm.current?.reset();
  }, [result]);

  return (
    <main className="page stack secrets-page" style={{ gap: 20 }}>
      <div className="page-header" style={{ marginBottom: 0 }}>
        <div>
          <h1>Secrets</h1>
          <p>
            Values for <strong>{environment.name}</strong>, encrypted at rest and injected into the services that list them by name. Values are never shown
            again.
          </p>
        </div>
      </div>

      {!readable ? (
        <div className="notice">Only developers, admins and owners can see this environment’s secrets.</div>
      ) : (
        <>
          {result?.done ? (
            <div className="notice" role="status" data-testid="secrets-notice">
              {result.done}
            </div>
          ) : errors.form ? (
            <div className="alert" role="alert">
              {errors.form}
            </div>
          ) : null}

          {canWrite ? (
            <section className="card">
              <Form method="post" action={formAction} className="card-body secret-add" ref={addForm} autoComplete="off" noValidate>
                <input type="hidden" name="intent" value="set" />
                <div className="field">
                  <label htmlFor="secret-name">Name</label>
                  <input
                    id="secret-name"
                    name="name"
                    className="input mono"
                    placeholder="STRIPE_SECRET_KEY"
                    spellCheck={false}
                    autoCapitalize="characters"
                    aria-invalid={errors.name && result?.intent === 'set' ? true : undefined}
                  />
                  {errors.name && result?.intent === 'set' ? <span className="field-error">{errors.name}</span> : null}
                </div>
                <div className="field">
                  <label htmlFor="secret-value">Value</label>
                  <input
                    id="secret-value"
                    name="value"
                    type="password"
                    className="input mono"
                    autoComplete="new-password"
                    placeholder="Paste the value"
                    aria-invalid={errors.value ? true : undefined}
                  />
                  {errors.value ? <span className="field-error">{errors.value}</span> : null}
                </div>
                <button className="btn btn-primary" type="submit" disabled={submitting}>
                  Save secret
                </button>
              </Form>
              <p className="secret-hint faint">Saving a name that exists replaces its value; running containers get it at the next deploy.</p>
            </section>
          ) : (
            <div className="notice">Only owners and admins can change production’s secrets.</div>
          )}

          <section className="card">
            <div className="card-header">
              <h2>In {environment.name}</h2>
              <span className="badge">{secrets.length}</span>
            </div>
            {secrets.length === 0 ? (
              <div className="empty">
                <span className="empty-icon" aria-hidden>
                  <KeyIcon size={20} />
                </span>
                <p className="muted">No secrets yet. Add one above, then list its name in a service’s Secrets section on the canvas.</p>
              </div>
            ) : (
              <ul className="list" data-testid="secrets">
                {secrets.map((s) => (
                  <SecretRow key={s.name} formAction={formAction} name={s.name} updatedAt={s.updatedAt} usedBy={usedBy[s.name] ?? []} canWrite={canWrite} />
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </main>
  );
}

function SecretRow({
  formAction,
  name,
  updatedAt,
  usedBy,
  canWrite,
}: {
  formAction: string;
  name: string;
  updatedAt: string;
  usedBy: string[];
  canWrite: boolean;
}) {
  const [confirming, setConfirming] = useState(false);
  return (
    <li data-testid="secret" data-name={name}>
      <KeyIcon size={14} />
      <div className="secret-main">
        <span className="mono secret-name">{name}</span>
        <span className="faint secret-meta">
          {usedBy.length ? `used by ${usedBy.join(', ')}` : 'not used by the latest commit'} · updated {timeAgo(updatedAt)}
        </span>
      </div>
      <span className="mono faint secret-mask" aria-label="value hidden">
        ••••••••
      </span>
      {canWrite ? (
        <Form method="post" action={formAction} className="row" style={{ gap: 6 }} onSubmit={() => setConfirming(false)}>
          <input type="hidden" name="intent" value="delete" />
          <input type="hidden" name="name" value={name} />
          {confirming ? (
            <>
              <button type="button" className="btn btn-sm" onClick={() => setConfirming(false)}>
                Keep
              </button>
              <button type="submit" className="btn btn-sm btn-danger-solid">
                Delete {name}
              </button>
            </>
          ) : (
            <button type="button" className="btn btn-sm btn-danger" onClick={() => setConfirming(true)} aria-label={`Delete ${name}`}>
              Delete
            </button>
          )}
        </Form>
      ) : null}
    </li>
  );
}
