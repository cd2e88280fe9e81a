import { describe, expect, it } from 'vitest';
import { nameRuleMessage, placeIssues } from './issues';

const issue = (path: string, message = `bad ${path}`) => ({ serviceId: 's', path, message });

describe('placeIssues', () => {
  it('puts field issues at their field and the rest in general', () => {
    const placed = placeIssues(
      [issue('name'), issue('ports.1.port'), issue('variables.DATABASE_URL'), issue('dependencies'), issue('edges')],
      'service',
    );
    expect(placed.at('name')).toBe('bad name');
    expect(placed.at('ports.1.port')).toBe('bad ports.1.port');
    expect(placed.at('variables.DATABASE_URL')).toBe('bad variables.DATABASE_URL');
    expect(placed.at('ports.0.port')).toBeUndefined();
    expect(placed.general.map((i) => i.path)).toEqual(['dependencies', 'edges']);
  });

  it('joins several messages on one field, without repeats', () => {
    const placed = placeIssues([issue('name', 'a'), issue('name', 'b'), issue('name', 'a')], 'service');
    expect(placed.at('name')).toBe('a; b');
  });

  it('lists issues of fields a kind does not show in general', () => {
    expect(placeIssues([issue('replicas'), issue('source.repo')], 'database').general).toHaveLength(2);
    expect(placeIssues([issue('replicas')], 'service').general).toHaveLength(0);
    expect(placeIssues([issue('sizeMb'), issue('ports.0.port')], 'volume').general.map((i) => i.path)).toEqual([
      'ports.0.port',
    ]);
  });
});

describe('nameRuleMessage', () => {
  it('accepts DNS labels', () => {
    expect(nameRuleMessage('api')).toBeUndefined();
    expect(nameRuleMessage('web-2')).toBeUndefined();
  });

  it("rejects other names in validate's words", () => {
    expect(nameRuleMessage('')).toBe('a name is required');
    expect(nameRuleMessage('My App')).toMatch(/lowercase/);
    expect(nameRuleMessage('api-')).toMatch(/lowercase/);
    expect(nameRuleMessage('a'.repeat(64))).toMatch(/at most 63/);
  });
});
