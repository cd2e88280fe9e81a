/**
 * The service panel's Metrics tab: CPU, memory, network and disk over 15 minutes to 30 days.
 * History comes from the API at a step per range (raw samples for the short ranges, one-minute
 * rollups for the long ones); the canvas's live samples are bucketed the same way and laid
 * over the newest buckets, so every range moves as samples arrive.
 */
import { useEffect, useMemo, useState } from 'react';
import { describeError } from '../deploy/api';
import { useDeploy, useServiceSamples, useServiceStatus } from '../deploy/context';
import {
  formatBytes,
  formatPercent,
  formatRate,
  hasSpread,
  mergePoints,
  niceBytesMax,
  niceMax,
  RANGES,
  rangeOf,
  refreshEvery,
  type MetricPoint,
  type MetricsHistory,
  type RangeKey,
} from './metrics-data';
import { telemetryApi } from './telemetry-api';
import { ChartIcon } from './telemetry-icons';
import { TimeChart, type ChartSeries } from './time-chart';

type Load = { state: 'loading' } | { state: 'ready'; history: MetricsHistory } | { state: 'error'; message: string };

const cpu: ChartSeries = { key: 'cpu', label: 'CPU', tone: 'a', value: (p) => p.cpuPercent.avg, band: (p) => p.cpuPercent };
const memory: ChartSeries = { key: 'memory', label: 'Memory', tone: 'a', value: (p) => p.memoryBytes.avg, band: (p) => p.memoryBytes };
const network: ChartSeries[] = [
  { key: 'rx', label: 'In', tone: 'a', value: (p) => p.netRxBytesPerS },
  { key: 'tx', label: 'Out', tone: 'b', value: (p) => p.netTxBytesPerS },
];
const disk: ChartSeries[] = [
  { key: 'read', label: 'Read', tone: 'a', value: (p) => p.blockReadBytesPerS },
  { key: 'write', label: 'Write', tone: 'b', value: (p) => p.blockWriteBytesPerS },
];

export function MetricsTab({ serviceId }: { serviceId: string }) {
  const controller = useDeploy();
  const environmentId = controller?.environmentId ?? '';
  const [rangeKey, setRangeKey] = useState<RangeKey>('15m');
  const range = rangeOf(rangeKey);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [hoverT, setHoverT] = useState<number | null>(null);
  const live = useServiceSamples(serviceId);
  const status = useServiceStatus(serviceId);
  const [clock, setClock] = useState(() => Date.now());

  useEffect(() => {
    if (!environmentId) return;
    const abort = new AbortController();
    setLoad({ state: 'loading' });
    const fetchHistory = () => {
      const to = Date.now();
      telemetryApi
        .metrics(serviceId, { environmentId, from: to - range.ms, to, stepMs: range.stepMs, signal: abort.signal })
        .then((history) => setLoad({ state: 'ready', history }))
        .catch((error: unknown) => {
          if (!abort.signal.aborted) setLoad({ state: 'error', message: describeError(error) });
        });
    };
    fetchHistory();
    const timer = setInterval(fetchHistory, refreshEvery(range));
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [environmentId, serviceId, range]);

  // The window slides with the live samples; without any, a slow tick keeps it current.
  useEffect(() => {
    const timer = setInterval(() => setClock(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  const newest = live.length ? live[live.length - 1].ts : 0;
  const to = Math.max(clock, newest, load.state === 'ready' ? load.history.to : 0);
  const from = to - range.ms;
  const stepMs = load.state === 'ready' ? load.history.stepS * 1000 : range.stepMs;
  const history = load.state === 'ready' ? load.history.points : EMPTY;
  const points = useMemo(() => mergePoints(history, live, { from, to, stepMs }), [history, live, from, to, stepMs]);
  const rolled = load.state === 'ready' && load.history.resolution === '1m';

  return (
    <div className="mt-tab" data-testid="metrics-tab">
      <div className="mt-toolbar">
        <div className="lg-seg" role="radiogroup" aria-label="Time range">
          {RANGES.map((r) => (
            <button key={r.key} type="button" role="radio" aria-checked={r.key === rangeKey} className="lg-seg-btn" onClick={() => setRangeKey(r.key)}>
              {r.label}
            </button>
          ))}
        </div>
        <span className="spacer" />
        <span className="mt-resolution faint" data-testid="metrics-resolution">
          {load.state === 'ready' ? `${rolled ? '1-minute rollups' : 'Per-second samples'} · ${stepLabel(stepMs)} buckets` : ''}
        </span>
        {live.length && newest > Date.now() - 10_000 ? (
          <span className="lg-state is-live" title="New samples arrive every second">
            <span className="lg-live-dot" aria-hidden />
            Live
          </span>
        ) : null}
      </div>

      {load.state === 'error' ? (
        <div className="alert" role="alert">
          {load.message}
        </div>
      ) : points.length === 0 ? (
        load.state === 'loading' ? (
          <div className="mt-grid" aria-busy>
            {[0, 1, 2, 3].map((i) => (
              <div key={i} className="mc-card mc-skeleton" />
            ))}
          </div>
        ) : (
          <div className="mt-empty empty" data-testid="metrics-empty">
            <span className="empty-icon" aria-hidden>
              <ChartIcon size={20} />
            </span>
            {status === null ? (
              <>
                <strong>No samples yet — deploy the service</strong>
                <p className="muted">Once its containers run, their CPU, memory, network and disk are sampled every second and kept for 30 days.</p>
              </>
            ) : status?.state === 'running' || status?.state === 'unhealthy' ? (
              <>
                <strong>No samples in the last {range.label} yet</strong>
                <p className="muted">The first ones arrive within seconds of a container starting.</p>
              </>
            ) : (
              <>
                <strong>No samples in the last {range.label}</strong>
                <p className="muted">No container of this service ran in this time. Pick a longer range to see older ones.</p>
              </>
            )}
          </div>
        )
      ) : (
        <Charts points={points} stepMs={stepMs} from={from} to={to} rolled={rolled} hoverT={hoverT} onHover={setHoverT} />
      )}
    </div>
  );
}

const EMPTY: MetricPoint[] = [];

function Charts({
  points,
  stepMs,
  from,
  to,
  rolled,
  hoverT,
  onHover,
}: {
  points: MetricPoint[];
  stepMs: number;
  from: number;
  to: number;
  rolled: boolean;
  hoverT: number | null;
  onHover: (t: number | null) => void;
}) {
  const common = { points, stepMs, from, to, hoverT, onHover };
  const max = (pick: (p: MetricPoint) => number) => points.reduce((m, p) => Math.max(m, pick(p)), 0);
  const cpuBand = hasSpread(points, (p) => p.cpuPercent);
  const memoryBand = hasSpread(points, (p) => p.memoryBytes);
  const cpuMax = max((p) => (cpuBand ? p.cpuPercent.max : p.cpuPercent.avg));
  const memoryMax = max((p) => (memoryBand ? p.memoryBytes.max : p.memoryBytes.avg));
  const limit = [...points].reverse().find((p) => p.memoryLimitBytes !== null)?.memoryLimitBytes ?? null;
  // The limit line only when usage comes near it; otherwise it would flatten the usage.
  const showLimit = limit !== null && memoryMax >= limit * 0.4;
  const netMax = max((p) => Math.max(p.netRxBytesPerS, p.netTxBytesPerS));
  const diskMax = max((p) => Math.max(p.blockReadBytesPerS, p.blockWriteBytesPerS));
  const containers = points[points.length - 1]?.containers ?? 0;
  return (
    <>
      <div className="mt-grid">
        <TimeChart
          {...common}
          title="CPU"
          caption={containers > 1 ? `% of one core, ${containers} containers` : '% of one core'}
          series={[cpu]}
          yMax={niceMax(cpuMax, 1)}
          format={formatPercent}
          showBand={cpuBand}
        />
        <TimeChart
          {...common}
          title="Memory"
          caption={limit !== null ? `limit ${formatBytes(limit)}` : 'no limit'}
          series={[memory]}
          yMax={niceBytesMax(showLimit ? Math.max(memoryMax, limit) : memoryMax, 1024 ** 2)}
          format={formatBytes}
          limit={showLimit ? { value: limit, label: `limit ${formatBytes(limit)}` } : null}
          showBand={memoryBand}
        />
        <TimeChart {...common} title="Network" caption="per second" series={network} yMax={niceBytesMax(netMax)} format={formatRate} showBand={false} />
        <TimeChart {...common} title="Disk" caption="per second" series={disk} yMax={niceBytesMax(diskMax)} format={formatRate} showBand={false} />
      </div>
      {cpuBand || memoryBand ? (
        <p className="mt-legend faint">
          <span className="mt-legend-band" aria-hidden /> The band is each bucket’s min to max{rolled ? ' (from one-minute rollups)' : ''}; the line is its average.
        </p>
      ) : null}
    </>
  );
}

function stepLabel(ms: number): string {
  if (ms < 60_000) return `${ms / 1000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  return `${ms / 3_600_000} h`;
}
