/**
 * What someone opening a share link sees, without an account: the environment's canvas
 * read-only, its services' live state and public URLs. Nothing else of the team reaches this
 * page (the loader returns only `SharePageData`). When the link is revoked or expires, the
 * server ends its connections and the page says so.
 */
import { Canvas } from '../canvas/canvas';
import { BrandMark } from '../ui';
import { Countdown } from './countdown';
import { BrokenLinkIcon, EyeIcon } from './icons';
import { useSharedStatus, type SharedService } from './use-shared-status';

export type SharePageData = {
  link: { expiresAt: string };
  project: { name: string };
  environment: { id: string; name: string; kind: string; expiresAt: string | null };
  services: SharedService[];
};

const GUEST = { id: 'share-guest', name: 'Guest' };

export function ShareView({ token, page }: { token: string; page: SharePageData }) {
  const { environment, project, link } = page;
  const { services, state } = useSharedStatus(token, environment.id, page.services);
  const withUrl = services.filter((s) => s.url);
  return (
    <div className="share-shell" data-testid="share-page">
      <header className="topbar share-top">
        <span className="brand">
          <BrandMark />
          Containr
        </span>
        <span className="crumb-sep">/</span>
        <span className="share-title">
          <span className="share-project">{project.name}</span>
          <span className="crumb-sep">/</span>
          <span className="share-env">{environment.name}</span>
          {environment.kind === 'preview' ? <span className="badge badge-accent">preview</span> : null}
        </span>
        <span className="share-readonly" data-testid="share-readonly">
          <EyeIcon size={13} />
          Read-only
        </span>
        <span className="spacer" />
        <span className="share-expiry faint">
          Link expires in <Countdown until={link.expiresAt} bare />
        </span>
      </header>
      <div className="share-body">
        <aside className="share-side" aria-label="Services">
          <h2>Services</h2>
          {services.length === 0 ? (
            <p className="faint">Nothing is deployed here yet.</p>
          ) : (
            <ul className="share-services" data-testid="share-services">
              {services.map((s) => (
                <li key={s.serviceId}>
                  <span className={`share-dot state-${s.state}`} aria-hidden />
                  <span className="share-service-name">{s.name}</span>
                  <span className="share-service-state faint">{s.state}</span>
                  {s.url ? (
                    <a className="share-service-url mono" href={s.url} target="_blank" rel="noreferrer noopener">
                      {s.url.replace(/^https?:\/\//, '')}
                    </a>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          <p className="share-note faint">
            {withUrl.length ? `${withUrl.length} public ${withUrl.length === 1 ? 'URL' : 'URLs'}. ` : ''}
            Shared from Containr. Secrets, deployments and other environments are not part of this link.
          </p>
          <p className={`share-live share-live-${state}`} role="status">
            <span className="conn-dot" aria-hidden /> {state === 'live' ? 'Live' : state === 'ended' ? 'Link ended' : state === 'offline' ? 'Reconnecting…' : 'Connecting…'}
          </p>
        </aside>
        <div className="share-canvas">
          <Canvas environmentId={environment.id} environmentName={environment.name} user={GUEST} readOnly shareToken={token} />
        </div>
      </div>
      {state === 'ended' ? (
        <div className="share-ended" role="alertdialog" aria-labelledby="share-ended-title">
          <LinkDead />
        </div>
      ) : null}
    </div>
  );
}

/** For a dead link: expired, revoked, or never valid (the page does not say which). */
export function LinkDead() {
  return (
    <div className="card share-dead" data-testid="share-dead">
      <div className="card-body stack" style={{ alignItems: 'center', textAlign: 'center' }}>
        <span className="empty-icon" aria-hidden>
          <BrokenLinkIcon size={20} />
        </span>
        <h1 id="share-ended-title">This link has expired or was revoked</h1>
        <p className="muted">Shared links work for a limited time and can be turned off by their owner. Ask whoever shared it for a new one.</p>
      </div>
    </div>
  );
}
