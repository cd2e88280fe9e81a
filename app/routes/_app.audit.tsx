import { type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, NavLink, useLoaderData, useSearchParams } from '@remix-run/react';
import { orRespond, requireViewer } from '~/lib/auth.server';
import { currentTeam } from '~/lib/team.server';
import { Avatar, EmptyIcon, timeAgo } from '~/components/ui';
import { formatTime } from '~/components/team-ui';
import teamStyles from '~/styles/teams.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: teamStyles }];
export const meta: MetaFunction = () => [{ title: 'Audit log · Containr' }];

const PAGE_SIZE = 50;

/** Action families offered in the filter; any exact action can be typed too. */
const ACTIONS = [
  'auth.*',
  'team.*',
  'member.*',
  'invite.*',
  'project.*',
  'environment.*',
  'security.*',
  'token.*',
  'member.role_change',
  'member.join',
  'member.remove',
  'invite.create',
  'invite.revoke',
  'project.create',
  'project.delete',
];

/** yyyy-mm-dd (a UTC day) → epoch ms at its start or end; anything else → undefined. */
function day(value: string | null, end: boolean): number | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const ms = Date.parse(`${value}T${end ? '23:59:59.999' : '00:00:00.000'}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { viewer, actor } = requireViewer(context, request);
  const { teams, projects, auditReader } = context.services;
  const url = new URL(request.url);
  const q = url.searchParams;
  const myTeams = teams.listForUser(viewer.user.id);
  const team = myTeams.find((t) => t.id === q.get('teamId')) ?? (q.get('teamId') ? undefined : await currentTeam(request, myTeams));
  if (!team) throw new Response('Not found', { status: 404 });

  const members = teams.members(actor, team.id);
  const teamProjects = projects.list(actor, team.id);
  const before = Number(q.get('before'));
  const action = q.get('action')?.trim() ?? '';
  const page = orRespond(() =>
    auditReader.read(actor, {
      teamId: team.id,
      projectId: q.get('projectId') || undefined,
      actor: q.get('actor') || undefined,
      action: /^[a-z0-9._-]{1,64}\*?$/.test(action) ? action : undefined,
      from: day(q.get('from'), false),
      to: day(q.get('to'), true),
      before: Number.isInteger(before) && before > 0 ? before : undefined,
      limit: PAGE_SIZE,
    }),
  );
  const names = new Map(members.map((m) => [m.userId, m.name]));
  const projectNames = new Map(teamProjects.map((p) => [p.id, p.name]));
  return {
    team,
    teams: myTeams,
    members: members.map((m) => ({ userId: m.userId, name: m.name })),
    projects: teamProjects.map((p) => ({ id: p.id, name: p.name })),
    nextCursor: page.nextCursor,
    entries: page.entries.map((e) => ({
      id: e.id,
      action: e.action,
      createdAt: e.createdAt,
      actorId: e.actorId,
      actorName: e.actorId ? (names.get(e.actorId) ?? null) : null,
      actorEmail: e.actorEmail,
      target: e.targetType === 'user' && e.targetId ? (names.get(e.targetId) ?? 'a former member') : e.targetType,
      project: e.projectId ? (projectNames.get(e.projectId) ?? 'a deleted project') : null,
      details: readable(e.details, names),
      ip: e.ip,
    })),
  };
}

/** Details as label/value pairs: member ids become names, other bare ids are left out. */
function readable(details: Record<string, unknown>, names: Map<string, string>): [string, string][] {
  return Object.entries(details).flatMap(([key, value]): [string, string][] => {
    if (value === null || value === undefined || value === '') return [];
    if (typeof value === 'string' && names.has(value)) return [[key, names.get(value) ?? value]];
    if (/(Id|By)$/.test(key) && typeof value === 'string') return [];
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
    return [[key, text.length > 120 ? `${text.slice(0, 117)}…` : text]];
  });
}

export default function AuditLog() {
  const { team, teams, members, projects, entries, nextCursor } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const value = (name: string) => params.get(name) ?? '';
  const filtered = ['actor', 'action', 'projectId', 'from', 'to'].some((k) => params.get(k));
  const older = new URLSearchParams(params);
  if (nextCursor) older.set('before', String(nextCursor));
  const newest = new URLSearchParams(params);
  newest.delete('before');
  const showIp = entries.some((e) => e.ip);

  return (
    <div className="project-shell">
      <div className="subbar">
        <h2>{team.name}</h2>
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
      <main className="page stack" style={{ gap: 20, maxWidth: 1180 }}>
        <div className="page-header" style={{ marginBottom: 0 }}>
          <div>
            <h1>Audit log</h1>
            <p>Every change in {team.name}, newest first. Entries cannot be edited or deleted.</p>
          </div>
        </div>

        <section className="card">
          <Form method="get" className="card-body filters" data-testid="audit-filters">
            <input type="hidden" name="teamId" value={team.id} />
            <div className="field">
              <label htmlFor="f-actor">Actor</label>
              <select id="f-actor" name="actor" className="input" defaultValue={value('actor')}>
                <option value="">Anyone</option>
                {members.map((m) => (
                  <option key={m.userId} value={m.userId}>
                    {m.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="f-action">Action</label>
              <input id="f-action" name="action" className="input" list="audit-actions" placeholder="e.g. member.*" defaultValue={value('action')} />
              <datalist id="audit-actions">
                {ACTIONS.map((a) => (
                  <option key={a} value={a} />
                ))}
              </datalist>
            </div>
            <div className="field">
              <label htmlFor="f-project">Project</label>
              <select id="f-project" name="projectId" className="input" defaultValue={value('projectId')}>
                <option value="">All projects</option>
                {projects.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="f-from">From (UTC)</label>
              <input id="f-from" name="from" type="date" className="input" defaultValue={value('from')} />
            </div>
            <div className="field">
              <label htmlFor="f-to">To (UTC)</label>
              <input id="f-to" name="to" type="date" className="input" defaultValue={value('to')} />
            </div>
            <div className="row" style={{ gap: 6 }}>
              <button className="btn btn-primary btn-sm" type="submit" style={{ height: 32 }}>
                Filter
              </button>
              {filtered ? (
                <Link className="btn btn-ghost btn-sm" to={`/audit?teamId=${team.id}`} style={{ height: 32 }}>
                  Clear
                </Link>
              ) : null}
            </div>
          </Form>
        </section>

        <section className="card">
          {entries.length === 0 ? (
            <div className="empty">
              <EmptyIcon />
              <h2>No entries</h2>
              <p className="muted">{filtered ? 'Nothing matches these filters.' : 'Changes to this team will show up here.'}</p>
            </div>
          ) : (
            <table className="table audit-table" data-testid="audit-table">
              <thead>
                <tr>
                  <th>When (UTC)</th>
                  <th>Actor</th>
                  <th>Action</th>
                  <th>Target</th>
                  <th>Details</th>
                  {showIp ? <th>IP</th> : null}
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td className="when" title={timeAgo(e.createdAt)}>
                      {formatTime(e.createdAt)}
                    </td>
                    <td>
                      <div className="actor">
                        {e.actorId ? <Avatar id={e.actorId} name={e.actorName ?? e.actorEmail ?? '?'} size={22} /> : null}
                        <div style={{ minWidth: 0 }}>
                          <div>{e.actorName ?? e.actorEmail ?? <span className="faint">system</span>}</div>
                          {e.actorName && e.actorEmail ? <div className="faint">{e.actorEmail}</div> : null}
                        </div>
                      </div>
                    </td>
                    <td>
                      <span className={`action-chip${e.action.startsWith('security.') ? ' security' : ''}`}>{e.action}</span>
                    </td>
                    <td>
                      {e.target}
                      {e.project ? <div className="faint">in {e.project}</div> : null}
                    </td>
                    <td className="details">
                      {e.details.map(([k, v], i) => (
                        <span key={k}>
                          {i > 0 ? ' · ' : ''}
                          <b>{k}</b> {v}
                        </span>
                      ))}
                    </td>
                    {showIp ? <td className="faint mono">{e.ip ?? ''}</td> : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {entries.length > 0 ? (
            <div className="pager">
              <span>
                {entries.length} entr{entries.length === 1 ? 'y' : 'ies'}
                {params.get('before') ? ' (older page)' : ''}
              </span>
              <div className="row" style={{ gap: 6 }}>
                {params.get('before') ? (
                  <Link className="btn btn-sm" to={`/audit?${newest}`}>
                    ← Newest
                  </Link>
                ) : null}
                {nextCursor ? (
                  <Link className="btn btn-sm" to={`/audit?${older}`} data-testid="audit-older">
                    Older →
                  </Link>
                ) : null}
              </div>
            </div>
          ) : null}
        </section>
        {teams.length > 1 ? (
          <p className="faint" style={{ fontSize: 12.5 }}>
            Other teams:{' '}
            {teams
              .filter((t) => t.id !== team.id)
              .map((t, i) => (
                <span key={t.id}>
                  {i > 0 ? ', ' : ''}
                  <Link to={`/audit?teamId=${t.id}`}>{t.name}</Link>
                </span>
              ))}
          </p>
        ) : null}
      </main>
    </div>
  );
}
