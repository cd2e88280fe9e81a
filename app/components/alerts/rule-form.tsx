/**
 * Creating or changing an alert rule: what it watches (a metric threshold held for a while,
 * or an event: crashed, OOM, crash loop, health failing…), how severe, where (environment,
 * service), whom it tells, and whom it tells next when nobody acknowledges it. The server's
 * 422 `issues` are shown next to the fields they name.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, describeError } from '../deploy/api';
import { alertsApi, type AlertChannel, type AlertCondition, type AlertRule, type AlertSeverity, type RuleBody } from './api';
import { CONDITIONS, METRICS, OPERATORS, SEVERITIES, SEVERITY_LABEL, issuesByField, metricOf, type ConditionType } from './format';

export interface RuleScope {
  /** Environments the rule may be limited to; `fixedEnvironmentId` offers only it and "every environment". */
  environments: Array<{ id: string; name: string }>;
  /** Services (id → name) the rule may be limited to; with `fixedServiceId`, the rule is about that one. */
  services: Array<{ id: string; name: string }>;
  fixedServiceId?: string;
}

interface Draft {
  name: string;
  severity: AlertSeverity;
  enabled: boolean;
  environmentId: string;
  serviceId: string;
  type: ConditionType;
  metric: string;
  operator: string;
  threshold: string;
  forS: string;
  windowS: string;
  restarts: string;
  loopWindowS: string;
  healthForS: string;
  channelIds: string[];
  escalate: boolean;
  escalateAfterMin: string;
  escalationChannelIds: string[];
}

function draftOf(rule: AlertRule | null, scope: RuleScope, defaults: { environmentId?: string }): Draft {
  const c = rule?.condition;
  return {
    name: rule?.name ?? '',
    severity: rule?.severity ?? 'warning',
    enabled: rule?.enabled ?? true,
    environmentId: rule ? (rule.environmentId ?? '') : (defaults.environmentId ?? ''),
    serviceId: rule ? (rule.serviceId ?? '') : (scope.fixedServiceId ?? ''),
    type: (c?.type ?? 'metric') as ConditionType,
    metric: c?.type === 'metric' ? c.metric : 'cpuPercent',
    operator: c?.type === 'metric' ? c.operator : '>',
    threshold: c?.type === 'metric' ? String(c.threshold) : '80',
    forS: c?.type === 'metric' ? String(c.forS ?? 60) : '60',
    windowS: c?.type === 'metric' && c.windowS !== undefined ? String(c.windowS) : '300',
    restarts: c?.type === 'crash_loop' ? String(c.restarts ?? 3) : '3',
    loopWindowS: c?.type === 'crash_loop' ? String(c.windowS ?? 300) : '300',
    healthForS: c?.type === 'health_failing' ? String(c.forS ?? 0) : '0',
    channelIds: rule?.channelIds ?? [],
    escalate: Boolean(rule?.escalation),
    escalateAfterMin: rule?.escalation ? String(Math.max(1, Math.round(rule.escalation.afterS / 60))) : '15',
    escalationChannelIds: rule?.escalation?.channelIds ?? [],
  };
}

type Built = { ok: true; body: Required<Pick<RuleBody, 'name' | 'condition' | 'severity' | 'enabled' | 'environmentId' | 'serviceId' | 'channelIds' | 'escalation'>> } | { ok: false; errors: Record<string, string> };

/** A number typed in a field, or an error for it. */
function numberIn(text: string, field: string, errors: Record<string, string>): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) errors[field] = 'enter a number';
  return value;
}

/** The request body the draft stands for; fields that are not numbers are caught here, the rest by the server. */
export function buildRule(d: Draft): Built {
  const errors: Record<string, string> = {};
  let condition: AlertCondition;
  switch (d.type) {
    case 'metric':
      condition = {
        type: 'metric',
        metric: d.metric as Extract<AlertCondition, { type: 'metric' }>['metric'],
        operator: d.operator as Extract<AlertCondition, { type: 'metric' }>['operator'],
        threshold: numberIn(d.threshold, 'threshold', errors),
        forS: numberIn(d.forS, 'forS', errors),
        ...(d.metric === 'restarts' ? { windowS: numberIn(d.windowS, 'windowS', errors) } : {}),
      };
      break;
    case 'crash_loop':
      condition = { type: 'crash_loop', restarts: numberIn(d.restarts, 'restarts', errors), windowS: numberIn(d.loopWindowS, 'windowS', errors) };
      break;
    case 'health_failing':
      condition = { type: 'health_failing', forS: numberIn(d.healthForS, 'forS', errors) };
      break;
    default:
      condition = { type: d.type } as AlertCondition;
  }
  const envWide = !CONDITIONS.find((c) => c.type === d.type)?.serviceScoped;
  let escalation: { afterS: number; channelIds: string[] } | null = null;
  if (d.escalate) {
    const minutes = numberIn(d.escalateAfterMin, 'escalation.afterS', errors);
    escalation = { afterS: Math.round(minutes * 60), channelIds: d.escalationChannelIds };
  }
  if (!d.name.trim()) errors.name = 'enter a name';
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    body: {
      name: d.name.trim(),
      severity: d.severity,
      enabled: d.enabled,
      environmentId: d.environmentId || null,
      serviceId: envWide ? null : d.serviceId || null,
      condition,
      channelIds: d.channelIds,
      escalation,
    },
  };
}

/** A name that says what the rule watches, offered until the user types their own. */
function suggestedName(d: Draft): string {
  if (d.type === 'metric') {
    const metric = metricOf(d.metric);
    const threshold = d.threshold.trim() || '…';
    return `${metric.label} ${d.operator} ${threshold}${metric.unit === '%' ? ' %' : ''}`;
  }
  return CONDITIONS.find((c) => c.type === d.type)?.label ?? '';
}

export function RuleForm({
  projectId,
  rule,
  scope,
  channels,
  defaultEnvironmentId,
  onSaved,
  onCancel,
}: {
  projectId: string;
  rule: AlertRule | null;
  scope: RuleScope;
  channels: AlertChannel[];
  defaultEnvironmentId?: string;
  onSaved: (rule: AlertRule) => void;
  onCancel: () => void;
}) {
  const uid = useId();
  const [draft, setDraft] = useState<Draft>(() => draftOf(rule, scope, { environmentId: defaultEnvironmentId }));
  const [nameTouched, setNameTouched] = useState(Boolean(rule));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const shown = nameTouched ? draft.name : suggestedName(draft);
  const scoped = CONDITIONS.find((c) => c.type === draft.type)?.serviceScoped ?? true;
  const metric = metricOf(draft.metric);
  const id = (name: string) => `${uid}-${name}`;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const built = buildRule({ ...draft, name: shown });
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const { rule: saved } = rule ? await alertsApi.updateRule(rule.id, built.body) : await alertsApi.createRule(projectId, built.body);
      onSaved(saved);
    } catch (error) {
      if (error instanceof ApiError && error.issues.length) setErrors({ ...issuesByField(error.issues), form: describeError(error) });
      else setErrors({ form: describeError(error) });
    } finally {
      setBusy(false);
    }
  }

  const fieldError = (key: string) =>
    errors[key] ? (
      <span className="field-error" id={id(`${key}-error`)} data-testid={`rule-error-${key}`}>
        {errors[key]}
      </span>
    ) : null;
  const invalid = (key: string) => (errors[key] ? { 'aria-invalid': true as const, 'aria-describedby': id(`${key}-error`) } : {});

  return (
    <form className="al-rule-form" onSubmit={submit} noValidate aria-label={rule ? `Edit rule ${rule.name}` : 'New alert rule'} data-testid="rule-form">
      <div className="al-form-grid">
        <div className="field al-span-2">
          <label htmlFor={id('name')}>Name</label>
          <input
            id={id('name')}
            className="input"
            value={shown}
            maxLength={100}
            onChange={(e) => {
              setNameTouched(true);
              set('name', e.target.value);
            }}
            {...invalid('name')}
          />
          {fieldError('name')}
        </div>

        <div className="field al-span-2">
          <label htmlFor={id('type')}>Alert when</label>
          <select id={id('type')} className="input" value={draft.type} onChange={(e) => set('type', e.target.value as ConditionType)} {...invalid('type')}>
            {CONDITIONS.filter((c) => c.serviceScoped || !scope.fixedServiceId).map((c) => (
              <option key={c.type} value={c.type}>
                {c.label}
              </option>
            ))}
          </select>
          {fieldError('type') ?? fieldError('condition')}
        </div>
      </div>

      {draft.type === 'metric' ? (
        <fieldset className="al-condition" aria-label="Metric threshold">
          <div className="al-sentence">
            <select aria-label="Metric" className="input al-metric" value={draft.metric} onChange={(e) => set('metric', e.target.value)} {...invalid('metric')}>
              {METRICS.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                </option>
              ))}
            </select>
            <select aria-label="Operator" className="input al-operator" value={draft.operator} onChange={(e) => set('operator', e.target.value)}>
              {OPERATORS.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
            <Unit unit={metric.unit}>
              <input
                aria-label="Threshold"
                className="input al-num"
                inputMode="decimal"
                value={draft.threshold}
                onChange={(e) => set('threshold', e.target.value)}
                {...invalid('threshold')}
              />
            </Unit>
            <span className="al-word">for</span>
            <Unit unit="s">
              <input aria-label="For seconds" className="input al-num" inputMode="numeric" value={draft.forS} onChange={(e) => set('forS', e.target.value)} {...invalid('forS')} />
            </Unit>
          </div>
          {draft.metric === 'restarts' ? (
            <div className="al-sentence">
              <span className="al-word">counted over the last</span>
              <Unit unit="s">
                <input aria-label="Window seconds" className="input al-num" inputMode="numeric" value={draft.windowS} onChange={(e) => set('windowS', e.target.value)} {...invalid('windowS')} />
              </Unit>
            </div>
          ) : null}
          <p className="field-hint">
            {metric.label}: {metric.hint}. {Number(draft.forS) === 0 ? 'Fires on the first sample past the threshold.' : 'Fires once every sample stays past the threshold this long.'}
          </p>
          {fieldError('metric')}
          {fieldError('threshold')}
          {fieldError('forS')}
          {fieldError('windowS')}
        </fieldset>
      ) : draft.type === 'crash_loop' ? (
        <fieldset className="al-condition" aria-label="Crash loop settings">
          <div className="al-sentence">
            <input aria-label="Crashes" className="input al-num" inputMode="numeric" value={draft.restarts} onChange={(e) => set('restarts', e.target.value)} {...invalid('restarts')} />
            <span className="al-word">crashes within</span>
            <Unit unit="s">
              <input aria-label="Window seconds" className="input al-num" inputMode="numeric" value={draft.loopWindowS} onChange={(e) => set('loopWindowS', e.target.value)} {...invalid('windowS')} />
            </Unit>
          </div>
          {fieldError('restarts')}
          {fieldError('windowS')}
        </fieldset>
      ) : draft.type === 'health_failing' ? (
        <fieldset className="al-condition" aria-label="Health check settings">
          <div className="al-sentence">
            <span className="al-word">Unhealthy for</span>
            <Unit unit="s">
              <input aria-label="For seconds" className="input al-num" inputMode="numeric" value={draft.healthForS} onChange={(e) => set('healthForS', e.target.value)} {...invalid('forS')} />
            </Unit>
          </div>
          {fieldError('forS')}
        </fieldset>
      ) : (
        <p className="field-hint al-condition-note">
          {draft.type === 'crashed'
            ? 'A container exits with a non-zero code that Containr did not stop. Resolves once a container runs again without crashing.'
            : draft.type === 'oom'
              ? 'The kernel kills a container for using more memory than its limit.'
              : draft.type === 'deployment_failed'
                ? 'A deployment of the environment fails. Resolves when a later one succeeds.'
                : 'A node running this environment’s containers misses its heartbeats. Resolves when it is back.'}
        </p>
      )}

      <div className="al-form-grid">
        <div className="field">
          <label htmlFor={id('severity')}>Severity</label>
          <select id={id('severity')} className="input" value={draft.severity} onChange={(e) => set('severity', e.target.value as AlertSeverity)}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {SEVERITY_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={id('environment')}>Environment</label>
          <select id={id('environment')} className="input" value={draft.environmentId} onChange={(e) => set('environmentId', e.target.value)} {...invalid('environmentId')}>
            <option value="">Every environment</option>
            {scope.environments.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
          {fieldError('environmentId')}
        </div>
        {scope.fixedServiceId ? null : (
          <div className="field al-span-2">
            <label htmlFor={id('service')}>Service</label>
            <select
              id={id('service')}
              className="input"
              value={scoped ? draft.serviceId : ''}
              disabled={!scoped}
              onChange={(e) => set('serviceId', e.target.value)}
              {...invalid('serviceId')}
            >
              <option value="">{scoped ? 'Every service' : 'The whole environment'}</option>
              {scoped
                ? scope.services.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))
                : null}
            </select>
            {fieldError('serviceId')}
          </div>
        )}
      </div>

      <ChannelPicker
        legend="Notify"
        hint="The bell and the canvas always show it."
        channels={channels}
        value={draft.channelIds}
        onChange={(v) => set('channelIds', v)}
        error={fieldError('channelIds')}
      />

      <div className="al-escalation">
        <label className="al-check">
          <input type="checkbox" checked={draft.escalate} onChange={(e) => set('escalate', e.target.checked)} />
          <span>Escalate when nobody acknowledges it</span>
        </label>
        {draft.escalate ? (
          <div className="al-escalation-body">
            <div className="al-sentence">
              <span className="al-word">after</span>
              <Unit unit="min">
                <input
                  aria-label="Escalate after minutes"
                  className="input al-num"
                  inputMode="numeric"
                  value={draft.escalateAfterMin}
                  onChange={(e) => set('escalateAfterMin', e.target.value)}
                  {...invalid('escalation.afterS')}
                />
              </Unit>
              <span className="al-word">notify</span>
            </div>
            {fieldError('escalation.afterS')}
            <ChannelPicker
              legend="Escalation channels"
              channels={channels}
              value={draft.escalationChannelIds}
              onChange={(v) => set('escalationChannelIds', v)}
              error={fieldError('escalation.channelIds') ?? fieldError('escalation')}
            />
          </div>
        ) : null}
      </div>

      <label className="al-check">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => set('enabled', e.target.checked)} />
        <span>Enabled</span>
      </label>

      {errors.form ? (
        <div className="alert" role="alert" data-testid="rule-form-error">
          {errors.form}
        </div>
      ) : null}
      <div className="al-form-actions">
        <button type="button" className="btn btn-sm btn-ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-sm btn-primary" disabled={busy} data-testid="rule-save">
          {busy ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}
        </button>
      </div>
    </form>
  );
}

function Unit({ unit, children }: { unit: string; children: ReactNode }) {
  if (!unit) return <>{children}</>;
  return (
    <span className="al-unit">
      {children}
      <span className="al-unit-label">{unit}</span>
    </span>
  );
}

function ChannelPicker({
  legend,
  hint,
  channels,
  value,
  onChange,
  error,
}: {
  legend: string;
  hint?: string;
  channels: AlertChannel[];
  value: string[];
  onChange: (value: string[]) => void;
  error: ReactNode;
}) {
  return (
    <fieldset className="al-channels-pick">
      <legend>{legend}</legend>
      {channels.length === 0 ? (
        <p className="field-hint">No channels yet: add email or webhook channels on the project’s Alerts page.</p>
      ) : (
        <div className="al-chips">
          {channels.map((c) => {
            const on = value.includes(c.id);
            return (
              <label key={c.id} className={`al-chip${on ? ' is-on' : ''}`}>
                <input
                  type="checkbox"
                  checked={on}
                  onChange={(e) => onChange(e.target.checked ? [...value, c.id] : value.filter((x) => x !== c.id))}
                />
                <span>{c.name}</span>
                <span className="al-chip-type">{c.type}</span>
              </label>
            );
          })}
        </div>
      )}
      {hint ? <p className="field-hint">{hint}</p> : null}
      {error}
    </fieldset>
  );
}
