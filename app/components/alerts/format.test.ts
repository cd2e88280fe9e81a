import { describe, expect, it } from 'vitest';
import { describeCondition, formatBytes, formatDuration, formatMetricValue, formatSeconds, issuesByField } from './format';
import { buildRule } from './rule-form';

describe('alert wording', () => {
  it('says what a rule watches', () => {
    expect(describeCondition({ type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 50, forS: 5 })).toBe('CPU > 50 % for 5 s');
    expect(describeCondition({ type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 50, forS: 0 })).toBe('CPU > 50 %');
    expect(describeCondition({ type: 'metric', metric: 'netRxBytesPerS', operator: '>=', threshold: 1_572_864, forS: 120 })).toBe('Network in >= 1.5 MB/s for 2 min');
    expect(describeCondition({ type: 'metric', metric: 'restarts', operator: '>', threshold: 2, forS: 0, windowS: 600 })).toBe('Restarts > 2 in 10 min');
    expect(describeCondition({ type: 'crash_loop', restarts: 3, windowS: 300 })).toBe('Crash loop: 3 crashes in 5 min');
    expect(describeCondition({ type: 'health_failing', forS: 0 })).toBe('Health check failing');
    expect(describeCondition({ type: 'oom' })).toBe('Out of memory (OOM-killed)');
  });

  it('formats figures', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2 KB');
    expect(formatMetricValue('memoryPercent', 82.46)).toBe('82.5 %');
    expect(formatSeconds(90)).toBe('90 s');
    expect(formatSeconds(3600)).toBe('1 h');
    expect(formatDuration('2026-11-22T03:00:00Z', '2026-11-22T05:05:00Z')).toBe('2 h 5 min');
  });

  it('places the server’s issues on the form’s fields', () => {
    expect(issuesByField([
      { path: 'condition.threshold', message: 'a memory percentage is between 0 and 100' },
      { path: 'escalation.channelIds', message: 'name at least one channel' },
      { path: '', message: 'bad' },
    ])).toEqual({ threshold: 'a memory percentage is between 0 and 100', 'escalation.channelIds': 'name at least one channel', form: 'bad' });
  });
});

describe('buildRule', () => {
  const draft = {
    name: 'Hot CPU',
    severity: 'critical' as const,
    enabled: true,
    environmentId: 'env-1',
    serviceId: 'svc-1',
    type: 'metric' as const,
    metric: 'cpuPercent',
    operator: '>',
    threshold: '50',
    forS: '0',
    windowS: '300',
    restarts: '3',
    loopWindowS: '300',
    healthForS: '0',
    channelIds: ['ch-1'],
    escalate: true,
    escalateAfterMin: '15',
    escalationChannelIds: ['ch-2'],
  };

  it('turns the form into the API body', () => {
    expect(buildRule(draft)).toEqual({
      ok: true,
      body: {
        name: 'Hot CPU',
        severity: 'critical',
        enabled: true,
        environmentId: 'env-1',
        serviceId: 'svc-1',
        condition: { type: 'metric', metric: 'cpuPercent', operator: '>', threshold: 50, forS: 0 },
        channelIds: ['ch-1'],
        escalation: { afterS: 900, channelIds: ['ch-2'] },
      },
    });
  });

  it('an environment-wide condition names no service', () => {
    const built = buildRule({ ...draft, type: 'deployment_failed', escalate: false });
    expect(built.ok && built.body).toMatchObject({ serviceId: null, condition: { type: 'deployment_failed' }, escalation: null });
  });

  it('catches what is not a number, and a missing name', () => {
    expect(buildRule({ ...draft, name: ' ', threshold: 'lots', escalateAfterMin: '' })).toEqual({
      ok: false,
      errors: { name: 'enter a name', threshold: 'enter a number', 'escalation.afterS': 'enter a number' },
    });
  });
});
