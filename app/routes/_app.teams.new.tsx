import { data, redirect, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { teamName } from '../../server/http/schemas';
import { formErrorsOf, parseForm, requireViewer } from '~/lib/auth.server';
import { teamCookie } from '~/lib/team.server';
import { Field } from '~/components/ui';

export const meta: MetaFunction = () => [{ title: 'New team · Containr' }];

const schema = z.object({ name: teamName });

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const parsed = parseForm(schema, await request.formData());
  if (!parsed.ok) return data({ errors: parsed.errors }, { status: 422 });
  try {
    const team = context.services.teams.create(actor, parsed.data.name);
    return redirect(`/teams/${team.id}/members`, { headers: { 'Set-Cookie': await teamCookie.serialize(team.id) } });
  } catch (error) {
    return data({ errors: formErrorsOf(error) }, { status: 400 });
  }
}

export default function NewTeam() {
  const result = useActionData<typeof action>();
  const errors: Record<string, string> = result?.errors ?? {};
  const busy = useNavigation().state === 'submitting';
  return (
    <main className="page" style={{ maxWidth: 560 }}>
      <div className="page-header">
        <div>
          <h1>New team</h1>
          <p>A team shares projects. You will be its owner, and can invite others next.</p>
        </div>
      </div>
      <div className="card">
        <Form method="post" className="card-body form" noValidate>
          {errors.form ? (
            <div className="alert" role="alert">
              {errors.form}
            </div>
          ) : null}
          <Field label="Team name" name="name" placeholder="e.g. Platform" autoFocus error={errors.name} />
          <div>
            <button className="btn btn-primary" type="submit" disabled={busy}>
              Create team
            </button>
          </div>
        </Form>
      </div>
    </main>
  );
}
