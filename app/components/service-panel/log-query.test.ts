import { describe, expect, it } from 'vitest';
import type { LogLine } from '../../../sync';
import { EMPTY_QUERY, fromLocalInput, highlight, historyParams, logFileName, logFileText, matchesLine, searchTerms, toLocalInput } from './log-query';

const line = (text: string, patch: Partial<LogLine> = {}): LogLine => ({
  id: 1,
  serviceId: 's1',
  deploymentId: 'd1',
  containerId: 'c1',
  stream: 'stdout',
  ts: 1_000,
  text,
  ...patch,
});

describe('matching live lines like the server searches', () => {
  it('needs every word, as a word prefix, ignoring case and accents', () => {
    const query = { ...EMPTY_QUERY, q: 'tick 4' };
    expect(matchesLine(line('Tick 42 done'), query)).toBe(true);
    expect(matchesLine(line('tick 142'), query)).toBe(false);
    expect(matchesLine(line('tick only'), query)).toBe(false);
    expect(matchesLine(line('Café crème'), { ...EMPTY_QUERY, q: 'cafe CREM' })).toBe(true);
  });

  it('reads a word with punctuation as a phrase, and ignores quotes and punctuation-only words', () => {
    expect(searchTerms('"user-id" -- foo')).toEqual([['user', 'id'], ['foo']]);
    const query = { ...EMPTY_QUERY, q: 'user-id' };
    expect(matchesLine(line('got user_identity=3'), query)).toBe(true);
    expect(matchesLine(line('user and id'), query)).toBe(false);
    expect(matchesLine(line('anything'), { ...EMPTY_QUERY, q: ' -- ' })).toBe(true);
  });

  it('filters by stream, deployment and time', () => {
    expect(matchesLine(line('x', { stream: 'stderr' }), { ...EMPTY_QUERY, stream: 'stdout' })).toBe(false);
    expect(matchesLine(line('x', { stream: 'stderr' }), { ...EMPTY_QUERY, stream: 'stderr' })).toBe(true);
    expect(matchesLine(line('x'), { ...EMPTY_QUERY, deploymentId: 'd2' })).toBe(false);
    expect(matchesLine(line('x', { deploymentId: null }), { ...EMPTY_QUERY, deploymentId: 'd1' })).toBe(false);
    expect(matchesLine(line('x', { ts: 2_000 }), { ...EMPTY_QUERY, until: 1_500 })).toBe(false);
  });
});

describe('highlight', () => {
  it('marks the matching prefix of each word', () => {
    expect(highlight('tick 42, Ticket 7', searchTerms('tick'))).toEqual([
      { text: 'tick', match: true },
      { text: ' 42, ', match: false },
      { text: 'Tick', match: true },
      { text: 'et 7', match: false },
    ]);
  });

  it('leaves text alone without search words', () => {
    expect(highlight('plain', [])).toEqual([{ text: 'plain', match: false }]);
    expect(highlight('no hit here', searchTerms('zzz'))).toEqual([{ text: 'no hit here', match: false }]);
  });

  it('prefers the longest token and marks accented words', () => {
    expect(highlight('Crème', searchTerms('cre creme'))).toEqual([{ text: 'Crème', match: true }]);
  });
});

describe('history query and download', () => {
  it('asks the API for what the view shows', () => {
    const params = historyParams({ q: ' tick 4 ', stream: 'stderr', deploymentId: 'dep', until: 123 }, { environmentId: 'env', limit: 500, cursor: '100.5' });
    expect(Object.fromEntries(params)).toEqual({ environmentId: 'env', limit: '500', q: 'tick 4', stream: 'stderr', deploymentId: 'dep', until: '123', cursor: '100.5' });
    expect(Object.fromEntries(historyParams(EMPTY_QUERY, { environmentId: 'env', limit: 10 }))).toEqual({ environmentId: 'env', limit: '10' });
  });

  it('writes a .log file line per line', () => {
    const text = logFileText([line('hello', { ts: Date.UTC(2026, 10, 22, 3, 0, 0, 5) }), line('oops', { stream: 'stderr', ts: Date.UTC(2026, 10, 22, 3, 0, 1) })]);
    expect(text).toBe('2026-11-22T03:00:00.005Z stdout hello\n2026-11-22T03:00:01.000Z stderr oops\n');
    expect(logFileName('api', new Date(Date.UTC(2026, 10, 22, 3, 2)))).toBe('api-logs-2026-11-22T0302.log');
  });

  it('reads and writes datetime-local values in local time', () => {
    const ms = new Date(2026, 10, 22, 4, 5).getTime();
    expect(toLocalInput(ms)).toBe('2026-11-22T04:05');
    expect(fromLocalInput('2026-11-22T04:05')).toBe(ms);
    expect(fromLocalInput('2026-11-22')).toBeNull();
  });
});
