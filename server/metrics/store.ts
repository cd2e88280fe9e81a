// Metric samples in SQLite: raw per-container samples (a few dozen bytes a
// row), one-minute rollups per service, and the queries over both. A service's
// figure for one second is the sum over its containers (each container's
// samples in that second averaged first); buckets then take min/avg/max of those.
import type { Db } from '../../db/client';
import type { ContainerRef } from '../../sync/events';

export type SampleRow = {
  containerKey: number;
  ts: number;
  /** Hundredths of a percent of one core. */
  cpu: number;
  memory: number;
  memoryLimit: number | null;
  netRx: number | null;
  netTx: number | null;
  blockRead: number | null;
  blockWrite: number | null;
};

/** One bucket of a service's history. */
export type MetricPoint = {
  /** Start of the bucket, epoch ms. */
  ts: number;
  /** Seconds in the bucket that had samples. */
  seconds: number;
  /** The most containers reporting in one second of the bucket. */
  containers: number;
  cpuPercent: { min: number; avg: number; max: number };
  memoryBytes: { min: number; avg: number; max: number };
  memoryLimitBytes: number | null;
  netRxBytesPerS: number;
  netTxBytesPerS: number;
  blockReadBytesPerS: number;
  blockWriteBytesPerS: number;
};

type BucketRow = {
  environmentId: string;
  serviceId: string;
  ts: number;
  seconds: number;
  containers: number;
  cpuMin: number;
  cpuAvg: number;
  cpuMax: number;
  memoryMin: number;
  memoryAvg: number;
  memoryMax: number;
  memoryLimit: number | null;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
};

export const MINUTE_MS = 60_000;

// Per container and second, then per service and second, then per bucket.
// (better-sqlite3 binds numbers as REAL: the step is cast for integer division.)
const RAW_BUCKETS = `
  WITH per_container AS (
    SELECT c.environment_id AS env, c.service_id AS svc, s.ts / 1000 AS sec,
           AVG(s.cpu) / 100.0 AS cpu, AVG(s.memory) AS mem,
           MAX(s.memory_limit) AS lim, MAX(s.memory_limit IS NULL) AS unlimited,
           AVG(COALESCE(s.net_rx, 0)) AS rx, AVG(COALESCE(s.net_tx, 0)) AS tx,
           AVG(COALESCE(s.block_read, 0)) AS br, AVG(COALESCE(s.block_write, 0)) AS bw
    FROM metric_samples s JOIN metric_containers c ON c.key = s.container_key
    WHERE s.container_key IN (SELECT value FROM json_each(@keys)) AND s.ts >= @from AND s.ts < @to
    GROUP BY s.container_key, sec
  ), per_second AS (
    SELECT env, svc, sec, COUNT(*) AS n, SUM(cpu) AS cpu, SUM(mem) AS mem,
           CASE WHEN MAX(unlimited) = 1 THEN NULL ELSE SUM(lim) END AS lim,
           SUM(rx) AS rx, SUM(tx) AS tx, SUM(br) AS br, SUM(bw) AS bw
    FROM per_container GROUP BY env, svc, sec
  )
  SELECT env AS environmentId, svc AS serviceId, (sec * 1000 / CAST(@step AS INTEGER)) * CAST(@step AS INTEGER) AS ts,
         COUNT(*) AS seconds, MAX(n) AS containers,
         MIN(cpu) AS cpuMin, AVG(cpu) AS cpuAvg, MAX(cpu) AS cpuMax,
         MIN(mem) AS memoryMin, AVG(mem) AS memoryAvg, MAX(mem) AS memoryMax, MAX(lim) AS memoryLimit,
         AVG(rx) AS netRx, AVG(tx) AS netTx, AVG(br) AS blockRead, AVG(bw) AS blockWrite
  FROM per_second GROUP BY env, svc, 3 ORDER BY 3`;

const ROLLUP_BUCKETS = `
  SELECT environment_id AS environmentId, service_id AS serviceId, (ts / CAST(@step AS INTEGER)) * CAST(@step AS INTEGER) AS ts,
         SUM(seconds) AS seconds, MAX(containers) AS containers,
         MIN(cpu_min) AS cpuMin, SUM(cpu_avg * seconds) / SUM(seconds) AS cpuAvg, MAX(cpu_max) AS cpuMax,
         MIN(memory_min) AS memoryMin, SUM(memory_avg * seconds) / SUM(seconds) AS memoryAvg, MAX(memory_max) AS memoryMax,
         MAX(memory_limit) AS memoryLimit,
         SUM(net_rx * seconds) / SUM(seconds) AS netRx, SUM(net_tx * seconds) / SUM(seconds) AS netTx,
         SUM(block_read * seconds) / SUM(seconds) AS blockRead, SUM(block_write * seconds) / SUM(seconds) AS blockWrite
  FROM metric_rollups
  WHERE environment_id = @env AND service_id = @svc AND ts >= @from AND ts < @to
  GROUP BY 3 ORDER BY 3`;

export function createMetricStore(db: Db) {
  const sqlite = db.$client;
  const findKey = sqlite.prepare<[string], { key: number; lastTs: number }>(
    'SELECT key, last_ts AS lastTs FROM metric_containers WHERE container_id = ?',
  );
  const addContainer = sqlite.prepare<unknown[], { key: number }>(
    `INSERT INTO metric_containers (container_id, node_id, project_id, environment_id, service_id, deployment_id, last_ts)
     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING key`,
  );
  const touch = sqlite.prepare('UPDATE metric_containers SET last_ts = ? WHERE key = ? AND last_ts < ?');
  const insertSample = sqlite.prepare(
    `INSERT OR IGNORE INTO metric_samples
       (container_key, ts, cpu, memory, memory_limit, net_rx, net_tx, block_read, block_write)
     VALUES (@containerKey, @ts, @cpu, @memory, @memoryLimit, @netRx, @netTx, @blockRead, @blockWrite)`,
  );
  const rawBuckets = sqlite.prepare<{ keys: string; from: number; to: number; step: number }, BucketRow>(RAW_BUCKETS);
  const rollupBuckets = sqlite.prepare<{ env: string; svc: string; from: number; to: number; step: number }, BucketRow>(
    ROLLUP_BUCKETS,
  );
  const upsertRollup = sqlite.prepare(
    `INSERT OR REPLACE INTO metric_rollups
       (environment_id, service_id, ts, seconds, containers, cpu_min, cpu_avg, cpu_max,
        memory_min, memory_avg, memory_max, memory_limit, net_rx, net_tx, block_read, block_write)
     VALUES (@environmentId, @serviceId, @ts, @seconds, @containers, @cpuMin, @cpuAvg, @cpuMax,
        @memoryMin, @memoryAvg, @memoryMax, @memoryLimit, @netRx, @netTx, @blockRead, @blockWrite)`,
  );
  const keys = new Map<string, { key: number; lastTs: number }>();

  const insertAll = sqlite.transaction((rows: SampleRow[]) => {
    let inserted = 0;
    const newest = new Map<number, number>();
    for (const row of rows) {
      inserted += insertSample.run(row).changes;
      if (row.ts > (newest.get(row.containerKey) ?? 0)) newest.set(row.containerKey, row.ts);
    }
    for (const [key, ts] of newest) touch.run(ts, key, ts);
    return inserted;
  });

  return {
    /** The small integer a container's samples use; registers the container on first sight. */
    containerKey(ref: ContainerRef, projectId: string, ts: number): number {
      const cached = keys.get(ref.containerId);
      if (cached) return cached.key;
      const found = findKey.get(ref.containerId);
      const entry =
        found ??
        (() => {
          const row = addContainer.get(
            ref.containerId,
            ref.nodeId,
            projectId,
            ref.environmentId,
            ref.serviceId,
            ref.deploymentId,
            ts,
          ) as { key: number };
          return { key: row.key, lastTs: ts };
        })();
      if (keys.size > 50_000) keys.clear();
      keys.set(ref.containerId, entry);
      return entry.key;
    },

    /** Stores samples in one transaction; a sample already stored (same container and ms) is ignored. */
    insert(rows: SampleRow[]): number {
      return rows.length === 0 ? 0 : insertAll(rows);
    },

    keysOf(environmentId: string, serviceId: string): number[] {
      return sqlite
        .prepare<[string, string], { key: number }>('SELECT key FROM metric_containers WHERE environment_id = ? AND service_id = ?')
        .all(environmentId, serviceId)
        .map((r) => r.key);
    },

    /** Buckets of `stepMs` over raw samples of the given containers, in [from, to). */
    rawPoints(containerKeys: number[], from: number, to: number, stepMs: number): MetricPoint[] {
      if (containerKeys.length === 0) return [];
      return rawBuckets.all({ keys: JSON.stringify(containerKeys), from, to, step: stepMs }).map(toPoint);
    },

    /** Buckets of `stepMs` (a multiple of a minute) over a service's rollups, in [from, to). */
    rollupPoints(environmentId: string, serviceId: string, from: number, to: number, stepMs: number): MetricPoint[] {
      return rollupBuckets.all({ env: environmentId, svc: serviceId, from, to, step: stepMs }).map(toPoint);
    },

    /** (Re)computes the one-minute rollups of every service for the minutes in [from, to). */
    rollup(from: number, to: number): number {
      const active = sqlite
        .prepare<[number], { key: number }>('SELECT key FROM metric_containers WHERE last_ts >= ?')
        .all(from)
        .map((r) => r.key);
      if (active.length === 0) return 0;
      const rows = rawBuckets.all({ keys: JSON.stringify(active), from, to, step: MINUTE_MS });
      sqlite.transaction(() => rows.forEach((row) => upsertRollup.run(row)))();
      return rows.length;
    },

    /** The end of the newest rollup, or null when there is none. */
    rolledUntil(): number | null {
      const row = sqlite.prepare<[], { ts: number | null }>('SELECT MAX(ts) AS ts FROM metric_rollups').get();
      return row?.ts === null || row?.ts === undefined ? null : row.ts + MINUTE_MS;
    },

    /** The oldest raw sample's time, or null. */
    oldestSample(): number | null {
      const row = sqlite
        .prepare<[], { ts: number | null }>(
          'SELECT MIN((SELECT MIN(ts) FROM metric_samples WHERE container_key = c.key)) AS ts FROM metric_containers c',
        )
        .get();
      return row?.ts ?? null;
    },

    /** Raw samples before `rawBefore`, rollups before `rollupsBefore`, containers silent since then. */
    prune(rawBefore: number, rollupsBefore: number): { samples: number; rollups: number } {
      let samples = 0;
      const deleteSamples = sqlite.prepare('DELETE FROM metric_samples WHERE container_key = ? AND ts < ?');
      for (const { key } of sqlite.prepare<[], { key: number }>('SELECT key FROM metric_containers').all()) {
        samples += deleteSamples.run(key, rawBefore).changes;
      }
      const rollups = sqlite.prepare('DELETE FROM metric_rollups WHERE ts < ?').run(rollupsBefore).changes;
      const gone = sqlite.prepare('DELETE FROM metric_containers WHERE last_ts < ? RETURNING container_id AS id').all(rollupsBefore) as {
        id: string;
      }[];
      for (const { id } of gone) keys.delete(id);
      return { samples, rollups };
    },
  };
}

function toPoint(row: BucketRow): MetricPoint {
  return {
    ts: row.ts,
    seconds: row.seconds,
    containers: row.containers,
    cpuPercent: { min: round(row.cpuMin), avg: round(row.cpuAvg), max: round(row.cpuMax) },
    memoryBytes: { min: Math.round(row.memoryMin), avg: Math.round(row.memoryAvg), max: Math.round(row.memoryMax) },
    memoryLimitBytes: row.memoryLimit === null ? null : Math.round(row.memoryLimit),
    netRxBytesPerS: Math.round(row.netRx),
    netTxBytesPerS: Math.round(row.netTx),
    blockReadBytesPerS: Math.round(row.blockRead),
    blockWriteBytesPerS: Math.round(row.blockWrite),
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

export type MetricStore = ReturnType<typeof createMetricStore>;
