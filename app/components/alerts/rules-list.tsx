/** The alert rules of a project (or those that apply to one service), each editable in place. */
import { useState } from 'react';
import { describeError } from '../deploy/api';
import { alertsApi, type AlertChannel, type AlertRule } from './api';
import { describeCondition, SEVERITY_LABEL } from './format';
import { PencilIcon, TrashIcon } from './icons';
import { RuleForm, type RuleScope } from './rule-form';

export function RulesList({
  projectId,
  rules,
  channels,
  scope,
  canManage,
  defaultEnvironmentId,
  onChange,
  emptyText,
}: {
  projectId: string;
  rules: AlertRule[];
  channels: AlertChannel[];
  scope: RuleScope;
  canManage: boolean;
  defaultEnvironmentId?: string;
  /** Called with the new list after a create, change or delete. */
  onChange: (rules: AlertRule[]) => void;
  emptyText: string;
}) {
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const channelName = (id: string) => channels.find((c) => c.id === id)?.name ?? 'a deleted channel';
  const envName = (id: string | null) => (id ? (scope.environments.find((e) => e.id === id)?.name ?? 'another environment') : 'every environment');
  const serviceName = (id: string | null) =>
    id === null ? null : id === scope.fixedServiceId ? 'this service' : (scope.services.find((s) => s.id === id)?.name ?? 'a removed service');

  async function remove(rule: AlertRule) {
    if (!window.confirm(`Delete the rule “${rule.name}”? Its open alerts resolve; their history stays.`)) return;
    setError(null);
    try {
      await alertsApi.deleteRule(rule.id);
      onChange(rules.filter((r) => r.id !== rule.id));
    } catch (e) {
      setError(describeError(e));
    }
  }

  async function toggle(rule: AlertRule) {
    setError(null);
    try {
      const { rule: saved } = await alertsApi.updateRule(rule.id, { enabled: !rule.enabled });
      onChange(rules.map((r) => (r.id === saved.id ? saved : r)));
    } catch (e) {
      setError(describeError(e));
    }
  }

  return (
    <div className="al-rules" data-testid="alert-rules">
      {error ? (
        <div className="alert" role="alert">
          {error}
        </div>
      ) : null}
      {canManage && editing !== 'new' ? (
        <button type="button" className="btn btn-sm al-new-rule" onClick={() => setEditing('new')} data-testid="new-rule">
          + New rule
        </button>
      ) : null}
      {editing === 'new' ? (
        <div className="al-rule is-editing">
          <RuleForm
            projectId={projectId}
            rule={null}
            scope={scope}
            channels={channels}
            defaultEnvironmentId={defaultEnvironmentId}
            onSaved={(rule) => {
              setEditing(null);
              onChange([rule, ...rules]);
            }}
            onCancel={() => setEditing(null)}
          />
        </div>
      ) : null}
      {rules.length === 0 && editing !== 'new' ? <p className="al-empty-line">{emptyText}</p> : null}
      {rules.map((rule) =>
        editing === rule.id ? (
          <div className="al-rule is-editing" key={rule.id}>
            <RuleForm
              projectId={projectId}
              rule={rule}
              scope={scope}
              channels={channels}
              onSaved={(saved) => {
                setEditing(null);
                onChange(rules.map((r) => (r.id === saved.id ? saved : r)));
              }}
              onCancel={() => setEditing(null)}
            />
          </div>
        ) : (
          <div className={`al-rule${rule.enabled ? '' : ' is-disabled'}`} key={rule.id} data-testid="alert-rule" data-name={rule.name}>
            <span className={`al-sev al-sev-${rule.severity}`} title={SEVERITY_LABEL[rule.severity]} />
            <div className="al-rule-main">
              <div className="al-rule-name">
                {rule.name}
                {rule.enabled ? null : <span className="badge">Off</span>}
              </div>
              <div className="al-rule-cond">{describeCondition(rule.condition)}</div>
              <div className="al-rule-meta">
                <span>{SEVERITY_LABEL[rule.severity]}</span>
                <span>
                  {serviceName(rule.serviceId) ?? (rule.condition.type === 'deployment_failed' || rule.condition.type === 'node_lost' ? 'the environment' : 'every service')} in{' '}
                  {envName(rule.environmentId)}
                </span>
                <span>
                  {rule.channelIds.length ? `→ ${rule.channelIds.map(channelName).join(', ')}` : 'in-app only'}
                  {rule.escalation ? `, then ${rule.escalation.channelIds.map(channelName).join(', ')} after ${Math.round(rule.escalation.afterS / 60)} min` : ''}
                </span>
              </div>
            </div>
            {canManage ? (
              <div className="al-rule-actions">
                <label className="al-switch" title={rule.enabled ? 'Turn off' : 'Turn on'}>
                  <input type="checkbox" role="switch" checked={rule.enabled} onChange={() => void toggle(rule)} aria-label={`${rule.name} enabled`} />
                  <span aria-hidden />
                </label>
                <button type="button" className="btn btn-sm btn-ghost al-icon-btn" onClick={() => setEditing(rule.id)} aria-label={`Edit ${rule.name}`}>
                  <PencilIcon size={14} />
                </button>
                <button type="button" className="btn btn-sm btn-ghost al-icon-btn al-danger" onClick={() => void remove(rule)} aria-label={`Delete ${rule.name}`}>
                  <TrashIcon size={14} />
                </button>
              </div>
            ) : null}
          </div>
        ),
      )}
    </div>
  );
}
