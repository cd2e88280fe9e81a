/**
 * The project's git webhooks on its settings page: the URLs to paste into GitHub or GitLab,
 * the secret (created or rotated here, shown once), and the log of deliveries received.
 * Talks to the JSON API (`/api/projects/:id/webhook-secret`, `/webhook-deliveries`).
 */
import { useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../deploy/api';
import { CopyButton } from '../deploy/copy-button';
import { timeAgo } from '../ui';

export interface WebhookInfo {
  configured: boolean;
  createdAt: string | null;
  rotatedAt: string | null;
  actsAs: { id: string; email: string } | null;
  urls: { github: string; gitlab: string };
}

export interface WebhookDelivery {
  id: number;
  provider: 'github' | 'gitlab';
  deliveryId: string | null;
  event: string;
  outcome: 'accepted' | 'ignored' | 'rejected';
  httpStatus: number;
  reason: string | null;
  summary: Record<string, unknown> | null;
  createdAt: string;
}

type Load =
  | { state: 'loading' }
  | { state: 'ready'; info: WebhookInfo; deliveries: WebhookDelivery[] }
  | { state: 'error'; message: string };

const OUTCOME_LABEL: Record<WebhookDelivery['outcome'], string> = { accepted: 'Accepted', ignored: 'Ignored', rejected: 'Rejected' };

export function WebhooksCard({ projectId, canManage }: { projectId: string; canManage: boolean }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [secret, setSecret] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [{ webhook }, { deliveries }] = await Promise.all([
        api<{ webhook: WebhookInfo }>(`/projects/${projectId}/webhook-secret`),
        api<{ deliveries: WebhookDelivery[] }>(`/projects/${projectId}/webhook-deliveries?limit=50`),
      ]);
      setLoad({ state: 'ready', info: webhook, deliveries });
    } catch (e) {
      setLoad({ state: 'error', message: describeError(e) });
    }
  }, [projectId]);
  useEffect(() => void refresh(), [refresh]);

  const rotate = async (configured: boolean) => {
    if (configured && !confirm('Rotate the webhook secret? The old one stops working at once: paste the new one into GitHub or GitLab.'))
      return;
    setBusy(true);
    setError(null);
    try {
      const created = await api<{ secret: string }>(`/projects/${projectId}/webhook-secret`, { method: 'POST' });
      setSecret(created.secret);
      await refresh();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" id="webhooks" data-testid="webhooks">
      <div className="card-header">
        <h2>Git webhooks</h2>
        {load.state === 'ready' ? (
          load.info.configured ? (
            <span className="badge badge-accent">Secret set</span>
          ) : (
            <span className="badge">Not set up</span>
          )
        ) : null}
      </div>
      <div className="card-body stack" style={{ gap: 14 }}>
        <p className="muted" style={{ margin: 0 }}>
          A push to a branch a service tracks builds and deploys it; a pull (merge) request gets a preview environment{' '}
          <code>pr-&lt;number&gt;</code>. In <strong>GitHub</strong>: the repository’s Settings → Webhooks → Add webhook, content type{' '}
          <code>application/json</code>, events <em>Pushes</em> and <em>Pull requests</em>. In <strong>GitLab</strong>: Settings → Webhooks,
          triggers <em>Push events</em> and <em>Merge request events</em>. Both take the secret below.
        </p>
        {load.state === 'loading' ? <p className="faint">Loading…</p> : null}
        {load.state === 'error' ? (
          <div className="alert" role="alert">
            {load.message}
          </div>
        ) : null}
        {load.state === 'ready' ? (
          <>
            <WebhookUrl label="GitHub payload URL" url={load.info.urls.github} testId="webhook-url-github" />
            <WebhookUrl label="GitLab URL" url={load.info.urls.gitlab} testId="webhook-url-gitlab" />
            {secret ? (
              <div className="notice stack" role="status" style={{ gap: 8 }} data-testid="webhook-secret-once">
                <span>
                  <strong>Copy the secret now: it is shown this once.</strong> Paste it as the webhook’s secret (GitHub) or secret token
                  (GitLab).
                </span>
                <div className="row" style={{ gap: 8 }}>
                  <code className="mono" data-testid="webhook-secret" style={{ overflowWrap: 'anywhere' }}>
                    {secret}
                  </code>
                  <CopyButton text={secret} label="Copy secret" />
                </div>
              </div>
            ) : null}
            <div className="row" style={{ gap: 12, flexWrap: 'wrap' }}>
              <span className="muted" style={{ flex: 1, minWidth: 240 }} data-testid="webhook-status">
                {load.info.configured
                  ? `The secret was ${
                      load.info.rotatedAt
                        ? `rotated ${timeAgo(load.info.rotatedAt)}`
                        : `created ${timeAgo(load.info.createdAt ?? Date.now())}`
                    }` + (load.info.actsAs ? `; deliveries act as ${load.info.actsAs.email}.` : '.')
                  : 'No secret yet: deliveries are refused until one is created.'}
              </span>
              {canManage ? (
                <button
                  type="button"
                  className={load.info.configured ? 'btn' : 'btn btn-primary'}
                  disabled={busy}
                  onClick={() => void rotate(load.info.configured)}
                  data-testid="webhook-rotate"
                >
                  {busy ? 'Working…' : load.info.configured ? 'Rotate secret' : 'Create secret'}
                </button>
              ) : (
                <span className="faint">Owners and admins create and rotate the secret.</span>
              )}
            </div>
            {error ? (
              <div className="alert" role="alert">
                {error}
              </div>
            ) : null}
          </>
        ) : null}
      </div>
      {load.state === 'ready' ? <DeliveryLog deliveries={load.deliveries} onRefresh={() => void refresh()} /> : null}
    </section>
  );
}

function WebhookUrl({ label, url, testId }: { label: string; url: string; testId: string }) {
  return (
    <div className="field">
      <label>{label}</label>
      <div className="row" style={{ gap: 8 }}>
        <code className="mono" data-testid={testId} style={{ flex: 1, overflowWrap: 'anywhere' }}>
          {url}
        </code>
        <CopyButton text={url} />
      </div>
    </div>
  );
}

function DeliveryLog({ deliveries, onRefresh }: { deliveries: WebhookDelivery[]; onRefresh: () => void }) {
  return (
    <div style={{ borderTop: '1px solid var(--border)' }}>
      <div className="card-header" style={{ borderBottom: deliveries.length ? undefined : 0 }}>
        <h3 style={{ fontSize: 14 }}>Deliveries</h3>
        <button type="button" className="btn btn-sm" onClick={onRefresh} data-testid="webhook-refresh">
          Refresh
        </button>
      </div>
      {deliveries.length === 0 ? (
        <p className="card-body faint">No deliveries yet. GitHub sends a ping when the webhook is added.</p>
      ) : (
        <table className="table" data-testid="webhook-deliveries">
          <thead>
            <tr>
              <th>Received</th>
              <th>Event</th>
              <th>Outcome</th>
              <th>What happened</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id} data-testid="webhook-delivery" data-outcome={d.outcome}>
                <td title={new Date(d.createdAt).toLocaleString()} style={{ whiteSpace: 'nowrap' }}>
                  {timeAgo(d.createdAt)}
                </td>
                <td>
                  <span className="mono">{d.event}</span>
                  <div className="faint" style={{ fontSize: 12 }}>
                    {d.provider === 'github' ? 'GitHub' : 'GitLab'}
                    {d.deliveryId ? ` · ${d.deliveryId.slice(0, 18)}` : ''}
                  </div>
                </td>
                <td
                  style={{
                    whiteSpace: 'nowrap',
                    color: d.outcome === 'rejected' ? 'var(--danger)' : d.outcome === 'accepted' ? 'var(--success)' : undefined,
                  }}
                >
                  {OUTCOME_LABEL[d.outcome]} <span className="mono faint">{d.httpStatus}</span>
                </td>
                <td style={{ overflowWrap: 'anywhere' }}>{describeDelivery(d)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

type EnvironmentSummary = { name?: string; environment?: string; deployed?: string[]; staged?: string[] };
type PreviewSummary = { environment?: string; created?: boolean; removed?: string; merged?: boolean };

/** One line on what a delivery did: its reason when refused or ignored, else the deploys, staged changes or preview. */
export function describeDelivery(d: Pick<WebhookDelivery, 'reason' | 'summary'>): string {
  const parts: string[] = [];
  const environments = (d.summary?.environments ?? []) as EnvironmentSummary[];
  for (const e of environments) {
    const where = e.name ?? e.environment ?? 'an environment';
    if (e.deployed?.length) parts.push(`deployed ${e.deployed.join(', ')} in ${where}`);
    if (e.staged?.length) parts.push(`staged ${e.staged.join(', ')} in ${where}`);
  }
  const preview = d.summary?.preview as PreviewSummary | undefined;
  if (preview?.removed)
    parts.push(`removed the preview ${preview.environment ?? ''}${preview.merged ? ' (merged)' : ''}`.replace('  ', ' '));
  else if (preview?.environment) parts.push(`${preview.created ? 'created' : 'updated'} the preview ${preview.environment}`);
  if (d.reason) parts.push(d.reason);
  return parts.join('; ') || '—';
}
