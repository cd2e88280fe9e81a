/**
 * A project's notification channels: email (team members by role, plus addresses) and
 * webhooks (URL; the signing secret is shown once, on create and on rotate), each with its
 * recent deliveries — status code, attempts, error — and a test button.
 */
import { useState, type FormEvent } from 'react';
import { ApiError, describeError } from '../deploy/api';
import { CopyButton } from '../deploy/copy-button';
import { alertsApi, type AlertChannel, type Delivery, type Role } from './api';
import { DeliveriesTable } from './deliveries';
import { issuesByField } from './format';
import { MailIcon, PencilIcon, TrashIcon, WebhookIcon } from './icons';

const ROLES: Role[] = ['owner', 'admin', 'developer', 'viewer'];

export function ChannelsList({
  projectId,
  channels,
  canManage,
  onChange,
}: {
  projectId: string;
  channels: AlertChannel[];
  canManage: boolean;
  onChange: (channels: AlertChannel[]) => void;
}) {
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<{ channelId: string; value: string } | null>(null);
  return (
    <div className="al-channels" data-testid="alert-channels">
      {canManage && !adding ? (
        <button type="button" className="btn btn-sm al-new-rule" onClick={() => setAdding(true)} data-testid="new-channel">
          + New channel
        </button>
      ) : null}
      {adding ? (
        <div className="card al-channel is-editing">
          <ChannelForm
            projectId={projectId}
            channel={null}
            onSaved={(channel, newSecret) => {
              setAdding(false);
              onChange([...channels, channel]);
              if (newSecret) setSecret({ channelId: channel.id, value: newSecret });
            }}
            onCancel={() => setAdding(false)}
          />
        </div>
      ) : null}
      {channels.length === 0 && !adding ? (
        <div className="card al-history-empty">
          <strong>No channels</strong>
          <span className="faint">Alerts still show in the bell and on the canvas. Add email or a webhook to hear about them elsewhere.</span>
        </div>
      ) : null}
      {channels.map((channel) => (
        <ChannelCard
          key={channel.id}
          channel={channel}
          canManage={canManage}
          secret={secret?.channelId === channel.id ? secret.value : null}
          onSecret={(value) => setSecret({ channelId: channel.id, value })}
          onDismissSecret={() => setSecret(null)}
          onSaved={(saved) => onChange(channels.map((c) => (c.id === saved.id ? saved : c)))}
          onDeleted={() => onChange(channels.filter((c) => c.id !== channel.id))}
          projectId={projectId}
        />
      ))}
    </div>
  );
}

function ChannelCard({
  projectId,
  channel,
  canManage,
  secret,
  onSecret,
  onDismissSecret,
  onSaved,
  onDeleted,
}: {
  projectId: string;
  channel: AlertChannel;
  canManage: boolean;
  secret: string | null;
  onSecret: (secret: string) => void;
  onDismissSecret: () => void;
  onSaved: (channel: AlertChannel) => void;
  onDeleted: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [deliveries, setDeliveries] = useState<{ list: Delivery[]; cursor: string | null } | null>(null);
  const [showDeliveries, setShowDeliveries] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  async function loadDeliveries() {
    try {
      const page = await alertsApi.deliveries(channel.id, { limit: 10 });
      setDeliveries({ list: page.deliveries, cursor: page.nextCursor });
    } catch (e) {
      setError(describeError(e));
    }
  }

  async function run(what: string, action: () => Promise<void>) {
    setBusy(what);
    setError(null);
    setNote(null);
    try {
      await action();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(null);
    }
  }

  if (editing) {
    return (
      <div className="card al-channel is-editing">
        <ChannelForm
          projectId={projectId}
          channel={channel}
          onSaved={(saved) => {
            setEditing(false);
            onSaved(saved);
          }}
          onCancel={() => setEditing(false)}
        />
      </div>
    );
  }

  return (
    <div className={`card al-channel${channel.enabled ? '' : ' is-disabled'}`} data-testid="alert-channel" data-name={channel.name}>
      <div className="al-channel-head">
        <span className={`al-channel-icon al-channel-${channel.type}`}>{channel.type === 'email' ? <MailIcon size={16} /> : <WebhookIcon size={16} />}</span>
        <div className="al-channel-main">
          <div className="al-rule-name">
            {channel.name}
            {channel.enabled ? null : <span className="badge">Off</span>}
          </div>
          <div className="al-rule-meta">
            {channel.type === 'email' ? (
              <span>
                {[...channel.roles.map((r) => `every ${r}`), ...channel.addresses].join(', ') || 'nobody'}
              </span>
            ) : (
              <>
                <span className="mono al-url">{channel.url}</span>
                {channel.secretPrefix ? <span className="mono faint">signed · {channel.secretPrefix}…</span> : null}
              </>
            )}
          </div>
        </div>
        <div className="al-rule-actions">
          <button
            type="button"
            className="btn btn-sm btn-ghost"
            aria-expanded={showDeliveries}
            onClick={() => {
              setShowDeliveries((v) => !v);
              if (!showDeliveries) void loadDeliveries();
            }}
          >
            Deliveries
          </button>
          {canManage ? (
            <>
              <button
                type="button"
                className="btn btn-sm btn-ghost"
                disabled={busy !== null}
                onClick={() =>
                  void run('test', async () => {
                    await alertsApi.testChannel(channel.id);
                    setNote('Test notification queued.');
                    setShowDeliveries(true);
                    await loadDeliveries();
                  })
                }
              >
                {busy === 'test' ? 'Sending…' : 'Send test'}
              </button>
              {channel.type === 'webhook' ? (
                <button
                  type="button"
                  className="btn btn-sm btn-ghost"
                  disabled={busy !== null}
                  onClick={() =>
                    void run('rotate', async () => {
                      if (!window.confirm('Rotate the signing secret? The old one stops working at once.')) return;
                      const answer = await alertsApi.rotateSecret(channel.id);
                      onSaved(answer.channel);
                      onSecret(answer.secret);
                    })
                  }
                >
                  Rotate secret
                </button>
              ) : null}
              <label className="al-switch" title={channel.enabled ? 'Turn off' : 'Turn on'}>
                <input
                  type="checkbox"
                  role="switch"
                  aria-label={`${channel.name} enabled`}
                  checked={channel.enabled}
                  onChange={() =>
                    void run('toggle', async () => {
                      const { channel: saved } = await alertsApi.updateChannel(channel.id, { enabled: !channel.enabled });
                      onSaved(saved);
                    })
                  }
                />
                <span aria-hidden />
              </label>
              <button type="button" className="btn btn-sm btn-ghost al-icon-btn" aria-label={`Edit ${channel.name}`} onClick={() => setEditing(true)}>
                <PencilIcon size={14} />
              </button>
              <button
                type="button"
                className="btn btn-sm btn-ghost al-icon-btn al-danger"
                aria-label={`Delete ${channel.name}`}
                onClick={() =>
                  void run('delete', async () => {
                    if (!window.confirm(`Delete the channel “${channel.name}”? Rules stop sending to it.`)) return;
                    await alertsApi.deleteChannel(channel.id);
                    onDeleted();
                  })
                }
              >
                <TrashIcon size={14} />
              </button>
            </>
          ) : null}
        </div>
      </div>
      {secret ? (
        <div className="al-secret" data-testid="channel-secret">
          <div>
            <strong>Signing secret</strong> — copy it now, it is not shown again. Receivers check the <code>X-Containr-Signature</code> header with it.
          </div>
          <div className="token-box">
            <code className="al-secret-value">{secret}</code>
            <CopyButton text={secret} />
            <button type="button" className="btn btn-sm btn-ghost" onClick={onDismissSecret}>
              Done
            </button>
          </div>
        </div>
      ) : null}
      {error ? (
        <div className="alert al-channel-msg" role="alert">
          {error}
        </div>
      ) : note ? (
        <div className="notice al-channel-msg" role="status">
          {note}
        </div>
      ) : null}
      {showDeliveries ? (
        <div className="al-channel-deliveries">
          {deliveries === null ? (
            <p className="al-empty-line faint">Loading…</p>
          ) : (
            <>
              <DeliveriesTable deliveries={deliveries.list} />
              {deliveries.cursor ? (
                <button
                  type="button"
                  className="btn btn-sm btn-ghost"
                  onClick={() =>
                    void run('more', async () => {
                      const page = await alertsApi.deliveries(channel.id, { before: deliveries.cursor ?? undefined, limit: 20 });
                      setDeliveries({ list: [...deliveries.list, ...page.deliveries], cursor: page.nextCursor });
                    })
                  }
                >
                  Older deliveries
                </button>
              ) : null}
            </>
          )}
        </div>
      ) : null}
    </div>
  );
}

function ChannelForm({
  projectId,
  channel,
  onSaved,
  onCancel,
}: {
  projectId: string;
  channel: AlertChannel | null;
  onSaved: (channel: AlertChannel, secret: string | null) => void;
  onCancel: () => void;
}) {
  const [type, setType] = useState<'email' | 'webhook'>(channel?.type ?? 'email');
  const [name, setName] = useState(channel?.name ?? '');
  const [roles, setRoles] = useState<Role[]>(channel?.roles ?? ['owner', 'admin']);
  const [addresses, setAddresses] = useState((channel?.addresses ?? []).join(', '));
  const [url, setUrl] = useState(channel?.url ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    const list = addresses
      .split(/[\s,;]+/)
      .map((a) => a.trim())
      .filter(Boolean);
    try {
      if (channel) {
        const patch = type === 'email' ? { name, roles, addresses: list } : { name, url };
        const { channel: saved } = await alertsApi.updateChannel(channel.id, patch);
        onSaved(saved, null);
      } else {
        const body = type === 'email' ? { type, name, roles, addresses: list } : { type, name, url };
        const answer = await alertsApi.createChannel(projectId, body);
        onSaved(answer.channel, answer.secret);
      }
    } catch (error) {
      const fields = error instanceof ApiError ? issuesByField(error.issues) : {};
      // `addresses.2` names the third address: show it on the addresses field.
      for (const key of Object.keys(fields)) if (/^addresses\.\d+$/.test(key)) fields.addresses ??= fields[key];
      setErrors({ ...fields, form: describeError(error) });
    } finally {
      setBusy(false);
    }
  }
  const err = (key: string) =>
    errors[key] ? (
      <span className="field-error" data-testid={`channel-error-${key}`}>
        {errors[key]}
      </span>
    ) : null;

  return (
    <form className="al-rule-form" onSubmit={submit} noValidate aria-label={channel ? `Edit channel ${channel.name}` : 'New channel'}>
      {channel ? null : (
        <div className="al-segment" role="radiogroup" aria-label="Type">
          {(['email', 'webhook'] as const).map((t) => (
            <button key={t} type="button" role="radio" aria-checked={type === t} className={`al-segment-btn${type === t ? ' is-on' : ''}`} onClick={() => setType(t)}>
              {t === 'email' ? <MailIcon size={14} /> : <WebhookIcon size={14} />}
              {t === 'email' ? 'Email' : 'Webhook'}
            </button>
          ))}
        </div>
      )}
      <div className="field">
        <label htmlFor="channel-name">Name</label>
        <input id="channel-name" className="input" value={name} onChange={(e) => setName(e.target.value)} placeholder={type === 'email' ? 'On-call email' : 'PagerDuty'} aria-invalid={errors.name ? true : undefined} />
        {err('name')}
      </div>
      {type === 'email' ? (
        <>
          <fieldset className="al-channels-pick">
            <legend>Team members with the role</legend>
            <div className="al-chips">
              {ROLES.map((role) => (
                <label key={role} className={`al-chip${roles.includes(role) ? ' is-on' : ''}`}>
                  <input type="checkbox" checked={roles.includes(role)} onChange={(e) => setRoles(e.target.checked ? [...roles, role] : roles.filter((r) => r !== role))} />
                  <span>{role}</span>
                </label>
              ))}
            </div>
            {err('roles')}
          </fieldset>
          <div className="field">
            <label htmlFor="channel-addresses">Other addresses</label>
            <input
              id="channel-addresses"
              className="input"
              value={addresses}
              onChange={(e) => setAddresses(e.target.value)}
              placeholder="oncall@example.com, ops@example.com"
              aria-invalid={errors.addresses ? true : undefined}
            />
            {err('addresses') ?? <span className="field-hint">Separated by commas.</span>}
          </div>
        </>
      ) : (
        <div className="field">
          <label htmlFor="channel-url">URL</label>
          <input id="channel-url" className="input mono" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.example.com/containr" aria-invalid={errors.url ? true : undefined} />
          {err('url') ?? <span className="field-hint">A JSON POST per notification, signed with HMAC-SHA256. Retried with backoff when it fails.</span>}
        </div>
      )}
      {errors.form ? (
        <div className="alert" role="alert">
          {errors.form}
        </div>
      ) : null}
      <div className="al-form-actions">
        <button type="button" className="btn btn-sm btn-ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-sm btn-primary" disabled={busy}>
          {busy ? 'Saving…' : channel ? 'Save channel' : 'Create channel'}
        </button>
      </div>
    </form>
  );
}
