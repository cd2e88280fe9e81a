import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, NavLink, useActionData, useLoaderData, useNavigation, useSubmit } from '@remix-run/react';
import { useEffect, useRef } from 'react';
import { z } from 'zod';
import { can } from '../../server/auth/permissions';
import { email, role, teamName } from '../../server/http/schemas';
import { formErrorsOf, orRespond, parseForm, requireViewer } from '~/lib/auth.server';
import { teamCookie } from '~/lib/team.server';
import { Avatar, Field, timeAgo } from '~/components/ui';
import { ROLE_HINT, ROLE_OPTIONS, RoleBadge, SelectField } from '~/components/team-ui';
import teamStyles from '~/styles/teams.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: teamStyles }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Members · ${data?.team.name ?? 'Team'} · Containr` }];

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { viewer, actor } = requireViewer(context, request);
  const { teams, invites, quotas } = context.services;
  const teamId = params.teamId ?? '';
  const team = orRespond(() => teams.get(actor, teamId));
  const myRole = team.role;
  const manageOwners = can(myRole, 'member:manage-owners');
  const all = teams.members(actor, teamId);
  // The last owner can be neither demoted nor removed (the server answers 409): offer neither.
  const lastOwner = all.filter((m) => m.role === 'owner').length === 1;
  const members = all.map((m) => {
    const locked = m.role === 'owner' && lastOwner;
    return {
      ...m,
      me: m.userId === viewer.user.id,
      canChangeRole: !locked && can(myRole, 'member:update-role') && (m.role !== 'owner' || manageOwners),
      canRemove: !locked && (m.userId === viewer.user.id || (can(myRole, 'member:remove') && (m.role !== 'owner' || manageOwners))),
    };
  });
  return {
    team,
    members,
    invites: invites.list(actor, teamId),
    quota: quotas.get(teamId),
    usage: quotas.usage(teamId),
    may: {
      // Quotas are the instance's to set (PUT /api/teams/:id/quota), not the team's.
      editQuota: context.services.instanceAdmin.is(viewer.user.id),
      invite: can(myRole, 'member:invite'),
      rename: can(myRole, 'team:update'),
      transfer: can(myRole, 'team:transfer') && !team.personal,
      delete: can(myRole, 'team:delete') && !team.personal,
      inviteOwners: manageOwners,
    },
  };
}

const intents = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('invite'), email, role }),
  z.object({ intent: z.literal('role'), userId: z.string().min(1), role }),
  z.object({ intent: z.literal('remove'), userId: z.string().min(1) }),
  z.object({ intent: z.literal('revoke'), inviteId: z.string().min(1) }),
  z.object({ intent: z.literal('resend'), inviteId: z.string().min(1) }),
  z.object({ intent: z.literal('rename'), name: teamName }),
  z.object({ intent: z.literal('transfer'), userId: z.string().min(1, 'choose a member') }),
  z.object({ intent: z.literal('delete') }),
  z.object({
    intent: z.literal('quota'),
    maxProjects: quotaField(true),
    maxServices: quotaField(true),
    maxCpu: quotaField(false),
    maxMemoryMb: quotaField(true),
  }),
]);

/** A quota input: blank means the instance default (null). */
function quotaField(integer: boolean) {
  const n = z.coerce.number({ message: 'enter a number' }).positive('must be above 0');
  return z.preprocess((v) => (v === '' || v === undefined ? null : v), (integer ? n.int('a whole number') : n).nullable());
}

type ActionResult = { ok: boolean; notice?: string; warning?: string; errors: Record<string, string>; intent?: string };

export async function action({ request, context, params }: ActionFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const teamId = params.teamId ?? '';
  const form = await request.formData();
  const parsed = parseForm(intents, form);
  const intent = String(form.get('intent') ?? '');
  if (!parsed.ok) return data<ActionResult>({ ok: false, errors: parsed.errors, intent }, { status: 422 });
  const { teams, invites, quotas, instanceAdmin } = context.services;
  try {
    const input = parsed.data;
    switch (input.intent) {
      case 'quota': {
        // Like the API: for anyone but the instance admin there is nothing here.
        if (!instanceAdmin.is(actor.userId)) throw new Response('Not found', { status: 404 });
        const { intent: _intent, ...patch } = input;
        quotas.set(actor, teamId, patch);
        return { ok: true, intent, errors: {}, notice: 'Quotas saved.' };
      }
      case 'invite': {
        const { mailed } = await invites.create(actor, teamId, { email: input.email, role: input.role });
        return mailed
          ? { ok: true, intent, errors: {}, notice: `Invitation sent to ${input.email}.` }
          : { ok: true, intent, errors: {}, warning: `The invitation to ${input.email} was saved, but the mail could not be sent. Try “Resend”.` };
      }
      case 'role':
        teams.changeRole(actor, teamId, input.userId, input.role);
        return { ok: true, intent, errors: {}, notice: 'Role updated.' };
      case 'remove':
        teams.removeMember(actor, teamId, input.userId);
        if (input.userId === actor.userId) return redirect('/projects', { headers: { 'Set-Cookie': await teamCookie.serialize('', { maxAge: 0 }) } });
        return { ok: true, intent, errors: {}, notice: 'Member removed.' };
      case 'revoke':
        invites.revoke(actor, input.inviteId);
        return { ok: true, intent, errors: {}, notice: 'Invitation revoked.' };
      case 'resend': {
        const { mailed, invite } = await invites.resend(actor, input.inviteId);
        return mailed
          ? { ok: true, intent, errors: {}, notice: `A new link was sent to ${invite.email}.` }
          : { ok: true, intent, errors: {}, warning: 'The mail could not be sent. Try again later.' };
      }
      case 'rename':
        teams.rename(actor, teamId, input.name);
        return { ok: true, intent, errors: {}, notice: 'Team renamed.' };
      case 'transfer':
        teams.transfer(actor, teamId, input.userId);
        return { ok: true, intent, errors: {}, notice: 'Ownership transferred. You are now an admin.' };
      case 'delete':
        teams.remove(actor, teamId);
        return redirect('/projects', { headers: { 'Set-Cookie': await teamCookie.serialize('', { maxAge: 0 }) } });
    }
  } catch (error) {
    return data<ActionResult>({ ok: false, intent, errors: formErrorsOf(error) }, { status: 400 });
  }
}

export default function TeamMembers() {
  const { team, members, invites, quota, usage, may } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const errors = result?.errors ?? {};
  const submit = useSubmit();
  const inviteForm = useRef<HTMLFormElement>(null);
  // A sent invitation clears the form for the next one.
  useEffect(() => {
    if (result?.ok && result.intent === 'invite') inviteForm.current?.reset();
  }, [result]);
  const busy = useNavigation().state === 'submitting';
  const others = members.filter((m) => !m.me);
  const inviteErrors = result?.intent === 'invite' ? errors : {};
  // Errors of the forms without fields of their own (roles, removal, transfer…) show on top.
  const generalError =
    result && !result.ok && result.intent !== 'invite' && result.intent !== 'rename' && result.intent !== 'quota' ? (errors.form ?? Object.values(errors)[0]) : result?.intent === 'quota' ? errors.form : undefined;

  return (
    <div className="project-shell">
      <div className="subbar">
        <h2 data-testid="team-name">{team.name}</h2>
        {team.personal ? <span className="badge">personal</span> : null}
        <div className="spacer" />
        <nav className="tabs">
          <NavLink className="tab" to={`/teams/${team.id}/members`}>
            Members
          </NavLink>
          <NavLink className="tab" to={`/audit?teamId=${team.id}`}>
            Audit log
          </NavLink>
        </nav>
      </div>
      <main className="page stack" style={{ gap: 24 }}>
        {result?.notice ? (
          <div className="notice" role="status">
            {result.notice}
          </div>
        ) : null}
        {result?.warning ? (
          <div className="alert" role="alert">
            {result.warning}
          </div>
        ) : null}
        {generalError ? (
          <div className="alert" role="alert">
            {generalError}
          </div>
        ) : null}

        {may.invite ? (
          <section className="card">
            <div className="card-header">
              <h2>Invite someone</h2>
            </div>
            <Form method="post" className="card-body" noValidate ref={inviteForm}>
              <input type="hidden" name="intent" value="invite" />
              <div className="form-grid">
                <Field label="Email" name="email" type="email" placeholder="name@company.com" error={inviteErrors.email ?? inviteErrors.form} />
                <SelectField label="Role" name="role" defaultValue="developer" error={inviteErrors.role}>
                  {ROLE_OPTIONS.filter((r) => r !== 'owner' || may.inviteOwners).map((r) => (
                    <option key={r} value={r}>
                      {r[0].toUpperCase() + r.slice(1)}
                    </option>
                  ))}
                </SelectField>
                <button className="btn btn-primary" type="submit" disabled={busy} style={{ marginBottom: inviteErrors.email || inviteErrors.form ? 24 : 0 }}>
                  Send invite
                </button>
              </div>
              <p className="field-hint" style={{ marginTop: 10 }}>
                They get a link by mail that works once and expires in 7 days. Developer: {ROLE_HINT.developer.toLowerCase()}; viewer:{' '}
                {ROLE_HINT.viewer.toLowerCase()}.
              </p>
            </Form>
          </section>
        ) : null}

        <section className="card">
          <div className="card-header">
            <h2 className="section-title">
              Members <span className="count">{members.length}</span>
            </h2>
          </div>
          <ul className="list" data-testid="member-list">
            {members.map((m) => (
              <li key={m.userId} className="member-row" data-testid={`member-${m.email}`}>
                <Avatar id={m.userId} name={m.name} size={32} />
                <div className="who">
                  <div className="name">
                    {m.name}
                    {m.me ? <span className="you">(you)</span> : null}
                  </div>
                  <div className="email">{m.email}</div>
                </div>
                <div>
                  {m.canChangeRole ? (
                    <Form method="post" onChange={(e) => submit(e.currentTarget)}>
                      <input type="hidden" name="intent" value="role" />
                      <input type="hidden" name="userId" value={m.userId} />
                      <select className="input role-select" name="role" defaultValue={m.role} aria-label={`Role of ${m.name}`} key={m.role}>
                        {ROLE_OPTIONS.filter((r) => r !== 'owner' || may.inviteOwners || m.role === 'owner').map((r) => (
                          <option key={r} value={r}>
                            {r[0].toUpperCase() + r.slice(1)}
                          </option>
                        ))}
                      </select>
                    </Form>
                  ) : (
                    <RoleBadge role={m.role} />
                  )}
                </div>
                <span className="joined">joined {timeAgo(m.joinedAt)}</span>
                <div className="actions">
                  {m.canRemove ? (
                    <Form
                      method="post"
                      onSubmit={(event) => {
                        const question = m.me ? `Leave ${team.name}?` : `Remove ${m.name} from ${team.name}?`;
                        if (!confirm(question)) event.preventDefault();
                      }}
                    >
                      <input type="hidden" name="intent" value="remove" />
                      <input type="hidden" name="userId" value={m.userId} />
                      <button className="btn btn-sm btn-danger" type="submit">
                        {m.me ? 'Leave' : 'Remove'}
                      </button>
                    </Form>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        </section>

        {invites.length > 0 ? (
          <section className="card">
            <div className="card-header">
              <h2 className="section-title">
                Pending invitations <span className="count">{invites.length}</span>
              </h2>
            </div>
            <ul className="list" data-testid="invite-list">
              {invites.map((i) => (
                <li key={i.id} className="invite-row">
                  <div style={{ minWidth: 0 }}>
                    <div style={{ fontWeight: 550 }}>{i.email}</div>
                    <div className="meta">
                      {i.invitedBy ? `invited by ${i.invitedBy.name} · ` : ''}
                      {i.status === 'expired' ? (
                        <span className="status-expired">expired {timeAgo(i.expiresAt)}</span>
                      ) : (
                        `sent ${timeAgo(i.createdAt)}`
                      )}
                    </div>
                  </div>
                  <RoleBadge role={i.role} />
                  {may.invite ? (
                    <div className="row" style={{ gap: 6 }}>
                      <Form method="post">
                        <input type="hidden" name="intent" value="resend" />
                        <input type="hidden" name="inviteId" value={i.id} />
                        <button className="btn btn-sm" type="submit">
                          Resend
                        </button>
                      </Form>
                      <Form method="post">
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="inviteId" value={i.id} />
                        <button className="btn btn-sm btn-danger" type="submit">
                          Revoke
                        </button>
                      </Form>
                    </div>
                  ) : (
                    <span />
                  )}
                </li>
              ))}
            </ul>
          </section>
        ) : null}

        <QuotaSection quota={quota} usage={usage} editable={may.editQuota} errors={result?.intent === 'quota' ? errors : {}} />

        {may.rename ? (
          <section className="card">
            <div className="card-header">
              <h2>Team name</h2>
            </div>
            <Form method="post" className="card-body form-row" noValidate>
              <input type="hidden" name="intent" value="rename" />
              <div style={{ flex: 1 }}>
                <Field label="Name" name="name" defaultValue={team.name} error={result?.intent === 'rename' ? errors.name : undefined} />
              </div>
              <button className="btn" type="submit">
                Save
              </button>
            </Form>
          </section>
        ) : null}

        {may.transfer || may.delete ? (
          <section className="card danger-card">
            <div className="card-header">
              <h2>Danger zone</h2>
            </div>
            {may.transfer && others.length > 0 ? (
              <Form
                method="post"
                className="danger-row"
                onSubmit={(event) => {
                  if (!confirm('Transfer ownership? You will become an admin of this team.')) event.preventDefault();
                }}
              >
                <input type="hidden" name="intent" value="transfer" />
                <div className="text">
                  <h3>Transfer ownership</h3>
                  <p>The member you choose becomes an owner; you stay on as an admin.</p>
                </div>
                <select className="input" name="userId" aria-label="New owner" style={{ width: 200 }} defaultValue="">
                  <option value="" disabled>
                    Choose a member…
                  </option>
                  {others.map((m) => (
                    <option key={m.userId} value={m.userId}>
                      {m.name}
                    </option>
                  ))}
                </select>
                <button className="btn btn-danger" type="submit">
                  Transfer
                </button>
              </Form>
            ) : null}
            {may.delete ? (
              <Form
                method="post"
                className="danger-row"
                onSubmit={(event) => {
                  if (!confirm(`Delete ${team.name}, its projects and their environments? This cannot be undone.`)) event.preventDefault();
                }}
              >
                <input type="hidden" name="intent" value="delete" />
                <div className="text">
                  <h3>Delete team</h3>
                  <p>Removes the team, its members, invitations and every project in it.</p>
                </div>
                <button className="btn btn-danger" type="submit">
                  Delete team
                </button>
              </Form>
            ) : null}
          </section>
        ) : null}

        <p className="faint" style={{ fontSize: 12.5 }}>
          Owners: {ROLE_HINT.owner.toLowerCase()}. Admins: {ROLE_HINT.admin.toLowerCase()}. <Link to="/projects">Back to projects</Link>
        </p>
      </main>
    </div>
  );
}

const fmtMemory = (mb: number) => (mb >= 1024 ? `${Math.round((mb / 1024) * 10) / 10} GB` : `${mb} MB`);
const fmtCpu = (cpu: number) => `${Math.round(cpu * 100) / 100} CPU`;

type QuotaData = ReturnType<typeof useLoaderData<typeof loader>>['quota'];
type UsageData = ReturnType<typeof useLoaderData<typeof loader>>['usage'];

/** Usage against each limit; the instance admin can change the limits here. */
function QuotaSection({ quota, usage, editable, errors }: { quota: QuotaData; usage: UsageData; editable: boolean; errors: Record<string, string> }) {
  const rows = [
    { key: 'maxProjects', label: 'Projects', used: usage.projects, limit: quota.maxProjects, show: String },
    { key: 'maxServices', label: 'Services', used: usage.services, limit: quota.maxServices, show: String },
    { key: 'maxCpu', label: 'CPU', used: usage.cpu, limit: quota.maxCpu, show: fmtCpu },
    { key: 'maxMemoryMb', label: 'Memory', used: usage.memoryMb, limit: quota.maxMemoryMb, show: fmtMemory },
  ] as const;
  return (
    <section className="card" id="quotas" data-testid="quotas">
      <div className="card-header">
        <h2>Quotas</h2>
        <span className="faint" style={{ fontSize: 12.5 }}>
          {editable ? 'You set these as the instance administrator' : 'Set by the instance administrator'}
        </span>
      </div>
      <div className="card-body quota-grid">
        {rows.map((r) => {
          const share = r.limit > 0 ? r.used / r.limit : 0;
          return (
            <div className="quota" key={r.key} data-testid={`quota-${r.key}`}>
              <div className="label">{r.label}</div>
              <div className="value">
                {r.key === 'maxProjects' || r.key === 'maxServices' ? r.used : r.show(r.used)} <small>/ {r.show(r.limit)}</small>
              </div>
              <div className={`meter${share >= 1 ? ' full' : ''}`} role="meter" aria-label={`${r.label} used`} aria-valuemin={0} aria-valuemax={r.limit} aria-valuenow={r.used}>
                <span style={{ width: `${Math.min(100, share * 100)}%` }} />
              </div>
            </div>
          );
        })}
      </div>
      <p className="card-body faint" style={{ fontSize: 12.5, paddingTop: 0 }}>
        Services, CPU and memory count what the latest commit of every environment asks for (replicas included); a commit past a limit is refused.
        {editable ? ' Leave a field empty to use the instance default.' : ''}
      </p>
      {editable ? (
        // Keyed by the saved values, so the fields show them again after a save.
        <Form method="post" className="card-body quota-form" noValidate key={JSON.stringify(quota)}>
          <input type="hidden" name="intent" value="quota" />
          <Field label="Max projects" name="maxProjects" inputMode="numeric" defaultValue={quota.maxProjects} error={errors.maxProjects} />
          <Field label="Max services" name="maxServices" inputMode="numeric" defaultValue={quota.maxServices} error={errors.maxServices} />
          <Field label="Max CPU" name="maxCpu" inputMode="decimal" defaultValue={quota.maxCpu} error={errors.maxCpu} />
          <Field label="Max memory (MB)" name="maxMemoryMb" inputMode="numeric" defaultValue={quota.maxMemoryMb} error={errors.maxMemoryMb} />
          <button className="btn" type="submit">
            Save quotas
          </button>
        </Form>
      ) : null}
    </section>
  );
}
