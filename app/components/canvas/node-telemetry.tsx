/**
 * The live strip of a deployed node card: CPU and memory sparklines of the last minutes with
 * their current values, and the newest log line. It reads its own service from the telemetry
 * store, so a sample re-renders this strip only, never the card or the graph. Its height is
 * fixed: values arriving never resize the card (React Flow would re-measure it).
 */
import { memo } from 'react';
import type { LogLine, ServiceMetrics } from '../../../sync';
import { useDeploy, useLastLogLine, useServiceSamples, useServiceStatus } from '../deploy/context';
import { bytes } from '../deploy/format';

/** The strip's height (canvas.css `.cnode-tele`): placing a new node keeps room for it. */
export const LIVE_STRIP_HEIGHT = 76;
/** What the sparklines span at most, newest sample at the right edge. */
export const SPARK_WINDOW_MS = 2 * 60_000;
/** A young series is stretched to at least this span, so the first minute is not a speck at the edge. */
const MIN_SPAN_MS = 30_000;
/** Samples further apart than this are a gap in the line (the service was down, the socket away). */
const GAP_MS = 5_000;
const SPARK_W = 100;
const SPARK_H = 18;

export function NodeTelemetry({ id }: { id: string }) {
  const controller = useDeploy();
  const status = useServiceStatus(id);
  const samples = useServiceSamples(id);
  const lastLine = useLastLogLine(id);
  if (!controller) return null;
  const hasData = samples.length > 0 || lastLine !== undefined;
  // The strip stands from the moment the service is deployed, before its first sample, so
  // data arriving never changes the card's size. (Share links get the same live data.)
  const deployed = status !== null && status !== undefined;
  if (!hasData && !deployed) return null;
  const idle = deployed && status.state !== 'running' && status.state !== 'unhealthy' && status.state !== 'deploying';
  return (
    <div className={`cnode-tele${idle ? ' is-idle' : ''}`} data-testid="node-telemetry">
      <Sparks samples={samples} />
      <LastLine line={lastLine} />
    </div>
  );
}

const Sparks = memo(function Sparks({ samples }: { samples: readonly ServiceMetrics[] }) {
  const last = samples.at(-1);
  const limit = last?.memoryLimitBytes ?? null;
  const cpu = sparkPaths(samples, (s) => s.cpuPercent, (peak) => Math.max(peak * 1.15, 5));
  // Memory as a share of the limit when there is one; otherwise scaled to its own peak.
  const memory = limit
    ? sparkPaths(samples, (s) => (s.memoryLimitBytes ? (s.memoryBytes / s.memoryLimitBytes) * 100 : 0), () => 100)
    : sparkPaths(samples, (s) => s.memoryBytes, (peak) => Math.max(peak * 1.25, 1024 * 1024));
  return (
    <div className="cnode-metrics">
      <Metric
        kind="cpu"
        label="CPU"
        value={last ? percent(last.cpuPercent) : '—'}
        title={last ? `CPU ${last.cpuPercent.toFixed(1)}% of one core, summed over ${last.containers} ${last.containers === 1 ? 'container' : 'containers'}` : 'No samples yet'}
        paths={cpu}
        points={samples.length}
      />
      <Metric
        kind="memory"
        label="MEM"
        value={last ? (limit ? `${percent((last.memoryBytes / limit) * 100)} · ${bytes(last.memoryBytes)}` : bytes(last.memoryBytes)) : '—'}
        title={last ? `Memory ${bytes(last.memoryBytes)}${limit ? ` of ${bytes(limit)}` : ' (no limit)'}` : 'No samples yet'}
        paths={memory}
        points={samples.length}
      />
    </div>
  );
});

function Metric(props: { kind: 'cpu' | 'memory'; label: string; value: string; title: string; paths: SparkPaths; points: number }) {
  return (
    <div className={`cnode-metric is-${props.kind}`} data-testid={`node-${props.kind}`} title={props.title}>
      <div className="cnode-metric-head">
        <span className="cnode-metric-label">{props.label}</span>
        <span className="cnode-metric-value" data-testid={`node-${props.kind}-value`}>
          {props.value}
        </span>
      </div>
      <svg className="cnode-spark" viewBox={`0 0 ${SPARK_W} ${SPARK_H}`} preserveAspectRatio="none" aria-hidden data-points={props.points}>
        <line className="cnode-spark-base" x1="0" x2={SPARK_W} y1={SPARK_H - 0.5} y2={SPARK_H - 0.5} />
        {props.paths.area ? <path className="cnode-spark-area" d={props.paths.area} /> : null}
        {props.paths.line ? <path className="cnode-spark-line" d={props.paths.line} data-testid={`node-${props.kind}-spark`} /> : null}
      </svg>
    </div>
  );
}

const LastLine = memo(function LastLine({ line }: { line: LogLine | undefined }) {
  if (!line) {
    return (
      <div className="cnode-log is-empty" data-testid="node-log">
        No output yet
      </div>
    );
  }
  return (
    <div className={`cnode-log is-${line.stream}`} data-testid="node-log" data-stream={line.stream} title={`${new Date(line.ts).toLocaleTimeString()} ${line.stream}\n${line.text}`}>
      <span className="cnode-log-caret" aria-hidden>
        ›
      </span>
      <span className="cnode-log-text">{line.text || ' '}</span>
    </div>
  );
});

export type SparkPaths = { line: string; area: string };

/**
 * SVG paths for one series over the last SPARK_WINDOW_MS (or since its first sample, at least
 * MIN_SPAN_MS), the newest sample at the right edge; `top` gives the value at the top of the
 * box from the window's peak.
 */
export function sparkPaths(samples: readonly ServiceMetrics[], value: (s: ServiceMetrics) => number, top: (peak: number) => number): SparkPaths {
  const newest = samples.at(-1)?.ts;
  if (newest === undefined) return { line: '', area: '' };
  let start = samples.length;
  while (start > 0 && samples[start - 1].ts >= newest - SPARK_WINDOW_MS) start--;
  const span = Math.max(MIN_SPAN_MS, newest - samples[start].ts);
  const from = newest - span;
  let peak = 0;
  for (let i = start; i < samples.length; i++) peak = Math.max(peak, value(samples[i]));
  const max = top(peak) || 1;
  const bottom = SPARK_H - 1;
  let line = '';
  let area = '';
  let runStart = -1;
  let prevTs = -Infinity;
  let prevX = 0;
  for (let i = start; i < samples.length; i++) {
    const s = samples[i];
    const x = round(((s.ts - from) / span) * SPARK_W);
    const y = round(bottom - (Math.min(value(s), max) / max) * (bottom - 1));
    const gap = s.ts - prevTs > GAP_MS;
    if (gap) {
      if (runStart >= 0) area += `L${prevX} ${bottom}Z`;
      line += `M${x} ${y}`;
      area += `M${x} ${bottom}L${x} ${y}`;
      runStart = x;
    } else {
      line += `L${x} ${y}`;
      area += `L${x} ${y}`;
    }
    prevTs = s.ts;
    prevX = x;
  }
  area += `L${prevX} ${bottom}Z`;
  // A single point draws as a short tick, so the first sample shows at once.
  if (samples.length - start === 1) line += `h-2`;
  return { line, area };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** `0.4%`, `4.2%`, `12%`, `180%` (of one core). */
export function percent(n: number): string {
  if (n < 10) return `${n.toFixed(1)}%`;
  return `${Math.round(n)}%`;
}
