import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { formErrorsOf, parseForm, requireViewer } from '~/lib/auth.server';
import { Field, timeAgo } from '~/components/ui';

export const meta: MetaFunction = () => [{ title: 'API tokens · Containr' }];

export function loader({ request, context }: LoaderFunctionArgs) {
  const { viewer } = requireViewer(context, request);
  return { tokens: context.services.tokens.list(viewer.user.id) };
}

const intents = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('create'), name: z.string().trim().min(1, 'enter a name').max(64) }),
  z.object({ intent: z.literal('revoke'), id: z.string().min(1) }),
]);

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const parsed = parseForm(intents, await request.formData());
  if (!parsed.ok) return data({ errors: parsed.errors, token: null }, { status: 422 });
  try {
    if (parsed.data.intent === 'create') {
      const created = context.services.tokens.create(actor, parsed.data.name);
      return { errors: {}, token: created.token };
    }
    context.services.tokens.revoke(actor, parsed.data.id);
    return { errors: {}, token: null };
  } catch (error) {
    return data({ errors: formErrorsOf(error), token: null }, { status: 400 });
  }
}

export default function Tokens() {
  const { tokens } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  return (
    <main className="page stack" style={{ gap: 24 }}>
      <div className="page-header" style={{ marginBottom: 0 }}>
        <div>
          <h1>API tokens</h1>
          <p>
            Use a token from scripts and CI: <code>Authorization: Bearer &lt;token&gt;</code>.
          </p>
        </div>
      </div>
      {result?.token ? (
        <div className="notice stack" style={{ gap: 8 }} data-testid="new-token">
          <strong>Copy your new token now. It will not be shown again.</strong>
          <div className="token-box mono">{result.token}</div>
        </div>
      ) : null}
      <section className="card">
        <Form method="post" className="card-body form-row" noValidate>
          <input type="hidden" name="intent" value="create" />
          <div style={{ flex: 1 }}>
            <Field label="Token name" name="name" placeholder="e.g. ci-deploy" error={errors.name} />
          </div>
          <button className="btn btn-primary" type="submit" style={{ marginBottom: errors.name ? 24 : 0 }}>
            Create token
          </button>
        </Form>
        {tokens.length > 0 ? (
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Token</th>
                <th>Created</th>
                <th>Last used</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td style={{ fontWeight: 550 }}>{t.name}</td>
                  <td className="mono faint">{t.prefix}…</td>
                  <td className="muted">{timeAgo(t.createdAt)}</td>
                  <td className="muted">{t.lastUsedAt ? timeAgo(t.lastUsedAt) : 'never'}</td>
                  <td style={{ textAlign: 'right' }}>
                    <Form method="post">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="id" value={t.id} />
                      <button className="btn btn-sm btn-danger" type="submit">
                        Revoke
                      </button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </main>
  );
}
