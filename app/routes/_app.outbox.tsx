import { type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { requireViewer } from '~/lib/auth.server';
import { EmptyIcon, timeAgo } from '~/components/ui';
import { formatTime } from '~/components/team-ui';
import teamStyles from '~/styles/teams.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: teamStyles }];
export const meta: MetaFunction = () => [{ title: 'Outbox · Containr' }];

/** Mail that was not sent through a provider, for the instance admin only (others get a 404). */
export function loader({ request, context }: LoaderFunctionArgs) {
  const { viewer } = requireViewer(context, request);
  const { mailer, instanceAdmin } = context.services;
  if (!instanceAdmin.is(viewer.user.id)) throw new Response('Not found', { status: 404 });
  const mails = mailer.list({ limit: 200 });
  const wanted = new URL(request.url).searchParams.get('id');
  const selected = (wanted ? (mails.find((m) => m.id === wanted) ?? mailer.get(wanted)) : mails[0]) ?? null;
  return {
    transport: mailer.transport,
    mails: mails.map(({ id, to, subject, createdAt }) => ({ id, to, subject, createdAt })),
    selected,
  };
}

export default function Outbox() {
  const { transport, mails, selected } = useLoaderData<typeof loader>();
  return (
    <main className="page stack" style={{ gap: 20, maxWidth: 1180 }}>
      <div className="page-header" style={{ marginBottom: 0 }}>
        <div>
          <h1>Outbox</h1>
          <p>
            {transport === 'resend'
              ? 'Mail goes out through Resend; the outbox only holds mail from before it was configured.'
              : 'No mail provider is configured (RESEND_API_KEY), so mail stays here instead of being sent.'}
          </p>
        </div>
      </div>
      {mails.length === 0 ? (
        <div className="card empty">
          <EmptyIcon />
          <h2>No mail yet</h2>
          <p className="muted">Invitations, address confirmations and password resets will appear here.</p>
        </div>
      ) : (
        <div className="outbox">
          <nav className="card mail-list" aria-label="Mails" data-testid="mail-list">
            {mails.map((m) => (
              <Link key={m.id} to={`/outbox?id=${m.id}`} className="mail-item" aria-current={selected?.id === m.id ? 'true' : undefined} preventScrollReset>
                <div className="row" style={{ gap: 8 }}>
                  <div className="subject" style={{ flex: 1 }}>
                    {m.subject}
                  </div>
                  <span className="time">{timeAgo(m.createdAt)}</span>
                </div>
                <div className="to">to {m.to}</div>
              </Link>
            ))}
          </nav>
          {selected ? (
            <article className="card" data-testid="mail">
              <div className="card-header" style={{ display: 'block' }}>
                <h2 style={{ marginBottom: 10 }}>{selected.subject}</h2>
                <dl className="mail-head">
                  <dt>From</dt>
                  <dd>{selected.from}</dd>
                  <dt>To</dt>
                  <dd data-testid="mail-to">{selected.to}</dd>
                  <dt>Date</dt>
                  <dd>{formatTime(selected.createdAt)} UTC</dd>
                </dl>
              </div>
              <div className="card-body stack">
                <div>
                  <div className="part-label">HTML</div>
                  {/* Sandboxed: no scripts, no forms, no navigation out of the frame. */}
                  <iframe className="mail-frame" title="HTML part" sandbox="" srcDoc={selected.html} />
                </div>
                <div>
                  <div className="part-label">Plain text</div>
                  <pre className="mail-text" data-testid="mail-text">
                    {selected.text}
                  </pre>
                </div>
              </div>
            </article>
          ) : null}
        </div>
      )}
    </main>
  );
}
