/**
 * What the Logs tab asks for, as the history API understands it, and the same question
 * asked of live lines in the browser: the server searches with SQLite FTS5 (every word
 * must occur, as a word prefix, diacritics and case ignored), and live lines that would
 * not be in that answer are left out of the view too.
 */
import type { LogLine } from '../../../sync';

export type LogStream = LogLine['stream'];

export interface LogQuery {
  /** Search words ('' = every line). */
  q: string;
  /** One stream, or every stream. */
  stream: LogStream | null;
  deploymentId: string | null;
  /** Epoch ms: history up to this instant, and no live tail. */
  until: number | null;
}

export const EMPTY_QUERY: LogQuery = { q: '', stream: null, deploymentId: null, until: null };

/** The words the server searches for (server/logs/store.ts `searchExpression`), each split into tokens. */
export function searchTerms(q: string): string[][] {
  return q
    .split(/\s+/)
    .map((word) => word.replace(/"/g, ''))
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .map(tokens);
}

/** FTS5's unicode61 tokenizer, near enough: runs of letters and digits, folded. */
export function tokens(text: string): string[] {
  return fold(text).match(/[\p{L}\p{N}]+/gu) ?? [];
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Whether a line is in the answer to `query` (for live lines; history is the server's answer). */
export function matchesLine(line: LogLine, query: LogQuery, terms: string[][] = searchTerms(query.q)): boolean {
  if (query.stream && line.stream !== query.stream) return false;
  if (query.deploymentId && line.deploymentId !== query.deploymentId) return false;
  if (query.until !== null && line.ts > query.until) return false;
  if (terms.length === 0) return true;
  const words = tokens(line.text);
  return terms.every((term) => containsPhrase(words, term));
}

/** `term` as consecutive words, the last one as a prefix (FTS5's `"a b"*`). */
function containsPhrase(words: string[], term: string[]): boolean {
  const last = term.length - 1;
  for (let i = 0; i + last < words.length; i++) {
    let ok = true;
    for (let j = 0; j < last && ok; j++) ok = words[i + j] === term[j];
    if (ok && words[i + last].startsWith(term[last])) return true;
  }
  return false;
}

export interface TextPart {
  text: string;
  match: boolean;
}

/**
 * Splits `text` into plain and matching parts for highlighting: every word that starts
 * with one of the search tokens, the matching prefix marked.
 */
export function highlight(text: string, terms: string[][]): TextPart[] {
  const wanted = [...new Set(terms.flat())].sort((a, b) => b.length - a.length);
  if (wanted.length === 0 || text.length === 0) return [{ text, match: false }];
  const parts: TextPart[] = [];
  let plainFrom = 0;
  const word = /[\p{L}\p{N}]+/gu;
  for (let m = word.exec(text); m; m = word.exec(text)) {
    const folded = fold(m[0]);
    const hit = wanted.find((t) => folded.startsWith(t));
    if (!hit) continue;
    // Folding may change the length (ligatures, accents): mark the whole word then.
    const length = fold(m[0].slice(0, hit.length)) === hit ? hit.length : m[0].length;
    if (m.index > plainFrom) parts.push({ text: text.slice(plainFrom, m.index), match: false });
    parts.push({ text: text.slice(m.index, m.index + length), match: true });
    plainFrom = m.index + length;
  }
  if (plainFrom < text.length) parts.push({ text: text.slice(plainFrom), match: false });
  return parts;
}

/** The history API's query string for `query` (`limit` lines, older than `cursor` when given). */
export function historyParams(query: LogQuery, options: { environmentId: string; limit: number; cursor?: string | null }): URLSearchParams {
  const params = new URLSearchParams({ environmentId: options.environmentId, limit: String(options.limit) });
  const q = query.q.trim();
  if (q) params.set('q', q);
  if (query.stream) params.set('stream', query.stream);
  if (query.deploymentId) params.set('deploymentId', query.deploymentId);
  if (query.until !== null) params.set('until', String(query.until));
  if (options.cursor) params.set('cursor', options.cursor);
  return params;
}

/** A `.log` file: one line per line, `ISO-time stream text`. */
export function logFileText(lines: readonly LogLine[]): string {
  return lines.map((line) => `${new Date(line.ts).toISOString()} ${line.stream.padEnd(6)} ${line.text}\n`).join('');
}

/** `api-logs-2026-11-22T0302.log` */
export function logFileName(serviceName: string, now = new Date()): string {
  const stamp = now.toISOString().slice(0, 16).replace(':', '');
  return `${serviceName || 'service'}-logs-${stamp}.log`;
}

export interface TimePreset {
  label: string;
  /** How far back from now. */
  agoMs: number;
}

export const TIME_PRESETS: TimePreset[] = [
  { label: '5 min ago', agoMs: 5 * 60_000 },
  { label: '15 min ago', agoMs: 15 * 60_000 },
  { label: '1 hour ago', agoMs: 60 * 60_000 },
  { label: '6 hours ago', agoMs: 6 * 60 * 60_000 },
  { label: '1 day ago', agoMs: 24 * 60 * 60_000 },
  { label: '7 days ago', agoMs: 7 * 24 * 60 * 60_000 },
];

/** `2026-11-22T03:02` in local time, for a datetime-local input. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local input's value as epoch ms (local time), or null when incomplete. */
export function fromLocalInput(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number);
  const ms = new Date(y, mo - 1, d, h, mi, s || 0).getTime();
  return Number.isFinite(ms) ? ms : null;
}
