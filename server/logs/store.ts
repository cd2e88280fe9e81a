// The log_lines table and its FTS5 index. Inserts come in batches, one
// transaction each, and drop lines a container already stored (by the agent's
// (tsUs, seq) names and the per-container cursor), so a re-sent batch counts
// once. Retention deletes in chunks, oldest first, by age and by size per service.
import { createHash } from 'node:crypto';
import type { Db } from '../../db/client';
import type { LogLine } from '../../sync/events';

/** Bytes counted per line on top of its text: ids, timestamp, index and search entries. */
export const LINE_OVERHEAD_BYTES = 120;

export type LineInput = { stream: LogLine['stream']; ts: number; text: string; tsUs?: number; seq?: number };
export type GroupInput = {
  environmentId: string;
  serviceId: string;
  deploymentId: string | null;
  containerId: string;
  /** Named lines (from an agent) are deduplicated against the container's cursor; others are stored as they are. */
  lines: LineInput[];
};

export type LogQuery = {
  environmentId: string;
  serviceId: string;
  since?: number;
  until?: number;
  q?: string;
  stream?: LogLine['stream'];
  deploymentId?: string;
  limit: number;
  /** Lines strictly older than this (ts, id): the next page back. */
  before?: { ts: number; id: number };
};

type Cursor = { tsUs: number; seq: number };

/** The FTS5 table is not something drizzle-kit describes; it is created here, idempotently, at start. */
function ensureSearchIndex(db: Db) {
  db.$client.exec(
    `CREATE VIRTUAL TABLE IF NOT EXISTS log_lines_fts USING fts5(
       scope, text, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
     )`,
  );
}

/** One token per (environment, service), so a search only walks that service's postings. */
export function scopeToken(environmentId: string, serviceId: string): string {
  return `s${createHash('sha1').update(`${environmentId}/${serviceId}`).digest('hex').slice(0, 24)}`;
}

/**
 * A search box's text as an FTS5 query: every whitespace-separated word must
 * occur (as a word prefix), quotes make the words literal. Empty → null.
 */
export function searchExpression(q: string): string | null {
  const words = q
    .split(/\s+/)
    .map((w) => w.replace(/"/g, ''))
    // Only words with something the tokenizer indexes: punctuation alone matches nothing.
    .filter((w) => /[\p{L}\p{N}]/u.test(w));
  if (words.length === 0) return null;
  return words.map((w) => `text : "${w}"*`).join(' AND ');
}

export function createLogStore(db: Db) {
  ensureSearchIndex(db);
  const sqlite = db.$client;
  const insertLine = sqlite.prepare(
    `INSERT INTO log_lines (environment_id, service_id, deployment_id, container_id, stream, ts, text) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertSearch = sqlite.prepare('INSERT INTO log_lines_fts (rowid, scope, text) VALUES (?, ?, ?)');
  const deleteSearch = sqlite.prepare('DELETE FROM log_lines_fts WHERE rowid = ?');
  const addUsage = sqlite.prepare(
    `INSERT INTO log_usage (environment_id, service_id, bytes, lines) VALUES (?, ?, ?, ?)
     ON CONFLICT (environment_id, service_id) DO UPDATE SET bytes = bytes + excluded.bytes, lines = lines + excluded.lines`,
  );
  const readCursor = sqlite.prepare<[string, string], Cursor>(
    'SELECT ts_us AS tsUs, seq FROM log_cursors WHERE container_id = ? AND stream = ?',
  );
  const writeCursor = sqlite.prepare(
    `INSERT INTO log_cursors (container_id, stream, ts_us, seq, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (container_id, stream) DO UPDATE SET ts_us = excluded.ts_us, seq = excluded.seq, updated_at = excluded.updated_at`,
  );
  // Cursors (by container and stream) seen lately; the table is the truth after a restart.
  const cursors = new Map<string, Cursor | null>();
  const cursorKey = (containerId: string, stream: string) => `${containerId}\u0000${stream}`;

  function cursorOf(key: string, containerId: string, stream: string): Cursor | null {
    let cursor = cursors.get(key);
    if (cursor === undefined) {
      cursor = readCursor.get(containerId, stream) ?? null;
      if (cursors.size > 20_000) cursors.clear();
      cursors.set(key, cursor);
    }
    return cursor;
  }

  const insertGroups = sqlite.transaction((groups: GroupInput[], now: number) => {
    const stored: LogLine[] = [];
    const moved = new Map<string, Cursor>();
    let duplicates = 0;
    for (const g of groups) {
      const scope = scopeToken(g.environmentId, g.serviceId);
      const current = (stream: string) => {
        const key = cursorKey(g.containerId, stream);
        return moved.get(key) ?? cursorOf(key, g.containerId, stream);
      };
      let bytes = 0;
      let lines = 0;
      for (const line of g.lines) {
        if (line.tsUs !== undefined && line.seq !== undefined) {
          const cursor = current(line.stream);
          if (cursor && (line.tsUs < cursor.tsUs || (line.tsUs === cursor.tsUs && line.seq <= cursor.seq))) {
            duplicates++;
            continue;
          }
          moved.set(cursorKey(g.containerId, line.stream), { tsUs: line.tsUs, seq: line.seq });
        }
        const id = Number(
          insertLine.run(g.environmentId, g.serviceId, g.deploymentId, g.containerId, line.stream, line.ts, line.text).lastInsertRowid,
        );
        insertSearch.run(id, scope, line.text);
        bytes += line.text.length + LINE_OVERHEAD_BYTES;
        lines++;
        stored.push({
          id,
          serviceId: g.serviceId,
          deploymentId: g.deploymentId,
          containerId: g.containerId,
          stream: line.stream,
          ts: line.ts,
          text: line.text,
        });
      }
      if (lines > 0) addUsage.run(g.environmentId, g.serviceId, bytes, lines);
    }
    for (const [key, cursor] of moved) {
      const [containerId, stream] = key.split('\u0000');
      writeCursor.run(containerId, stream, cursor.tsUs, cursor.seq, now);
    }
    return { stored, duplicates, moved };
  });

  return {
    /**
     * Stores the lines of a batch in one transaction; returns what was stored
     * (with ids) and how many were repeats. Cursors move only when it commits.
     */
    insert(groups: GroupInput[], now: number): { stored: LogLine[]; duplicates: number } {
      const { stored, duplicates, moved } = insertGroups(groups, now);
      for (const [id, cursor] of moved) cursors.set(id, cursor);
      return { stored, duplicates };
    },

    /** The newest `limit` lines matching, returned oldest first; `hasMore` when older ones match too. */
    query(query: LogQuery): { lines: LogLine[]; hasMore: boolean } {
      const where = ['l.environment_id = ?', 'l.service_id = ?'];
      const params: (string | number)[] = [query.environmentId, query.serviceId];
      const add = (condition: string, ...values: (string | number)[]) => {
        where.push(condition);
        params.push(...values);
      };
      if (query.since !== undefined) add('l.ts >= ?', query.since);
      if (query.until !== undefined) add('l.ts <= ?', query.until);
      if (query.stream) add('l.stream = ?', query.stream);
      if (query.deploymentId) add('l.deployment_id = ?', query.deploymentId);
      if (query.before) add('(l.ts < ? OR (l.ts = ? AND l.id < ?))', query.before.ts, query.before.ts, query.before.id);
      const expression = query.q ? searchExpression(query.q) : null;
      if (query.q && !expression) return { lines: [], hasMore: false };
      if (expression) {
        const match = `scope : ${scopeToken(query.environmentId, query.serviceId)} AND ${expression}`;
        add('l.id IN (SELECT rowid FROM log_lines_fts WHERE log_lines_fts MATCH ?)', match);
      }
      const rows = sqlite
        .prepare<(string | number)[], LogLine>(
          `SELECT l.id, l.service_id AS serviceId, l.deployment_id AS deploymentId, l.container_id AS containerId,
                  l.stream, l.ts, l.text
           FROM log_lines l WHERE ${where.join(' AND ')}
           ORDER BY l.ts DESC, l.id DESC LIMIT ?`,
        )
        .all(...params, query.limit + 1);
      const hasMore = rows.length > query.limit;
      return { lines: rows.slice(0, query.limit).reverse(), hasMore };
    },

    /** Services with stored lines: what retention walks. */
    usage(): { environmentId: string; serviceId: string; bytes: number; lines: number }[] {
      return sqlite
        .prepare<[], { environmentId: string; serviceId: string; bytes: number; lines: number }>(
          'SELECT environment_id AS environmentId, service_id AS serviceId, bytes, lines FROM log_usage',
        )
        .all();
    },

    /**
     * Deletes up to `limit` of a service's oldest lines, only those older than
     * `olderThan` when given, in one transaction; returns how many and their bytes.
     */
    deleteOldest(environmentId: string, serviceId: string, limit: number, olderThan?: number): { lines: number; bytes: number } {
      return deleteChunk(environmentId, serviceId, limit, olderThan ?? null);
    },

    /** Forgets the cursors of containers that stored nothing since `before` (epoch ms). */
    pruneCursors(before: number): void {
      sqlite.prepare('DELETE FROM log_cursors WHERE updated_at < ?').run(before);
      cursors.clear();
    },
  };

  function deleteChunk(environmentId: string, serviceId: string, limit: number, olderThan: number | null) {
    return sqlite.transaction(() => {
      const rows = sqlite
        .prepare<(string | number)[], { id: number; length: number }>(
          `DELETE FROM log_lines WHERE id IN (
             SELECT id FROM log_lines WHERE environment_id = ? AND service_id = ? ${olderThan === null ? '' : 'AND ts < ?'}
             ORDER BY ts LIMIT ?)
           RETURNING id, length(text) AS length`,
        )
        .all(...[environmentId, serviceId, ...(olderThan === null ? [] : [olderThan]), limit]);
      let bytes = 0;
      for (const row of rows) {
        deleteSearch.run(row.id);
        bytes += row.length + LINE_OVERHEAD_BYTES;
      }
      if (rows.length > 0) {
        sqlite
          .prepare(
            `UPDATE log_usage SET bytes = MAX(0, bytes - ?), lines = MAX(0, lines - ?) WHERE environment_id = ? AND service_id = ?`,
          )
          .run(bytes, rows.length, environmentId, serviceId);
        sqlite.prepare('DELETE FROM log_usage WHERE environment_id = ? AND service_id = ? AND lines = 0').run(environmentId, serviceId);
      }
      return { lines: rows.length, bytes };
    })();
  }
}

export type LogStore = ReturnType<typeof createLogStore>;
