/**
 * One metric over time, drawn with visx: the average as a line over a soft area, the
 * bucket's min…max as a band when buckets hold several samples that vary, an optional limit
 * line, and a crosshair shared with the other charts of the tab (`hoverT`), with a tooltip
 * on the chart under the pointer. Colours are CSS classes over app.css's tokens, so the
 * charts follow light and dark mode.
 */
import { AxisBottom, AxisLeft } from '@visx/axis';
import { curveMonotoneX } from '@visx/curve';
import { localPoint } from '@visx/event';
import { GridRows } from '@visx/grid';
import { Group } from '@visx/group';
import { scaleLinear, scaleTime } from '@visx/scale';
import { Area, AreaClosed, Line, LinePath } from '@visx/shape';
import { TooltipWithBounds } from '@visx/tooltip';
import { useEffect, useId, useMemo, useRef, useState, type ReactNode } from 'react';
import { formatTime, withGaps, type ChartPoint, type MetricPoint } from './metrics-data';

export interface ChartSeries {
  key: string;
  label: string;
  /** `a` (accent) or `b` (second colour): see `.mc-*` in app/styles/telemetry.css. */
  tone: 'a' | 'b';
  value: (p: MetricPoint) => number;
  /** Min and max within each bucket, drawn as a band. */
  band?: (p: MetricPoint) => { min: number; max: number };
}

export interface TimeChartProps {
  title: string;
  /** What the headline value is, under the title ("of one core", "of 512 MB"). */
  caption?: ReactNode;
  series: ChartSeries[];
  points: readonly MetricPoint[];
  stepMs: number;
  from: number;
  to: number;
  yMax: number;
  format: (v: number) => string;
  limit?: { value: number; label: string } | null;
  showBand: boolean;
  hoverT: number | null;
  onHover: (t: number | null) => void;
}

const HEIGHT = 136;
const MARGIN = { top: 10, right: 14, bottom: 22, left: 58 };
const SNAP_PX = 24;

export function TimeChart(props: TimeChartProps) {
  const { title, caption, series, points, stepMs, from, to, yMax, format, limit, showBand, hoverT, onHover } = props;
  const [box, width] = useWidth<HTMLDivElement>();
  const [pointer, setPointer] = useState<{ x: number; y: number } | null>(null);
  const gradientId = useId().replace(/:/g, '');
  const innerW = Math.max(0, width - MARGIN.left - MARGIN.right);
  const innerH = HEIGHT - MARGIN.top - MARGIN.bottom;

  const shaped = useMemo(() => withGaps(points, stepMs), [points, stepMs]);
  const x = useMemo(() => scaleTime({ domain: [from, to], range: [0, innerW] }), [from, to, innerW]);
  const y = useMemo(() => scaleLinear({ domain: [0, yMax], range: [innerH, 0], nice: false }), [yMax, innerH]);

  // Three round ticks: the axis top is already a round number (niceMax, niceBytesMax).
  const ticks = [0, yMax / 2, yMax];
  // The pointer snaps to the nearest bucket within a step or SNAP_PX, whichever is wider (a young service's line is short).
  const snapMs = innerW > 0 ? Math.max(stepMs, (SNAP_PX * (to - from)) / innerW) : stepMs;
  const hovered = hoverT === null ? null : nearest(shaped, hoverT, snapMs);
  const latest = points.length ? points[points.length - 1] : null;
  const shown = hovered ?? latest;
  const defined = (c: ChartPoint) => c.point !== null;
  const isolated = shaped.filter((c, i) => c.point && !shaped[i - 1]?.point && !shaped[i + 1]?.point);

  return (
    <section className="mc-card" data-testid="metric-chart" data-metric={series[0]?.key} data-points={points.length}
      data-samples={points.reduce((n, p) => n + p.seconds, 0)}
    >
      <header className="mc-head">
        <div className="mc-title">
          <h4>{title}</h4>
          {caption ? <span className="faint">{caption}</span> : null}
        </div>
        <div className="mc-values">
          {series.map((s) => (
            <span key={s.key} className={`mc-value mc-tone-${s.tone}`} data-testid={`metric-value-${s.key}`}>
              {series.length > 1 ? <span className="mc-swatch" aria-hidden /> : null}
              {series.length > 1 ? <span className="mc-value-label">{s.label}</span> : null}
              <strong>{shown ? format(s.value(shown)) : '—'}</strong>
            </span>
          ))}
        </div>
      </header>
      <div className="mc-plot" ref={box}>
        {width > 0 ? (
          <svg width={width} height={HEIGHT} role="img" aria-label={`${title} over time`}>
            <defs>
              {series.map((s) => (
                <linearGradient key={s.key} id={`${gradientId}-${s.key}`} x1="0" x2="0" y1="0" y2="1">
                  <stop offset="0%" className={`mc-stop mc-tone-${s.tone}`} stopOpacity={0.22} />
                  <stop offset="100%" className={`mc-stop mc-tone-${s.tone}`} stopOpacity={0} />
                </linearGradient>
              ))}
              <clipPath id={`${gradientId}-clip`}>
                <rect x={0} y={-4} width={innerW} height={innerH + 4} />
              </clipPath>
            </defs>
            <Group left={MARGIN.left} top={MARGIN.top}>
              <GridRows scale={y} width={innerW} tickValues={ticks} className="mc-grid" />
              {series.map((s) => (
                <g key={s.key} className={`mc-series mc-tone-${s.tone}`} clipPath={`url(#${gradientId}-clip)`}>
                  {series.length === 1 ? (
                    <AreaClosed<ChartPoint>
                      data={shaped}
                      x={(c) => x(c.t)}
                      y={(c) => y(c.point ? s.value(c.point) : 0)}
                      yScale={y}
                      defined={defined}
                      curve={curveMonotoneX}
                      fill={`url(#${gradientId}-${s.key})`}
                    />
                  ) : null}
                  {showBand && s.band ? (
                    <Area<ChartPoint>
                      className="mc-band"
                      data={shaped}
                      x={(c) => x(c.t)}
                      y0={(c) => y(c.point ? s.band!(c.point).min : 0)}
                      y1={(c) => y(c.point ? s.band!(c.point).max : 0)}
                      defined={defined}
                      curve={curveMonotoneX}
                    />
                  ) : null}
                  <LinePath<ChartPoint>
                    className="mc-line"
                    data-testid="chart-line"
                    data={shaped}
                    x={(c) => x(c.t)}
                    y={(c) => y(c.point ? s.value(c.point) : 0)}
                    defined={defined}
                    curve={curveMonotoneX}
                  />
                  {isolated.map((c) => (
                    <circle key={c.t} className="mc-dot" cx={x(c.t)} cy={y(s.value(c.point!))} r={2.5} />
                  ))}
                </g>
              ))}
              {limit && limit.value <= yMax ? (
                <g className="mc-limit">
                  <Line from={{ x: 0, y: y(limit.value) }} to={{ x: innerW, y: y(limit.value) }} strokeDasharray="4 3" />
                  <text x={innerW - 4} y={y(limit.value) - 4} textAnchor="end">
                    {limit.label}
                  </text>
                </g>
              ) : null}
              <AxisLeft
                scale={y}
                tickValues={ticks}
                tickFormat={(v) => format(Number(v))}
                hideAxisLine
                hideTicks
                axisClassName="mc-axis"
                tickLabelProps={{ className: 'mc-tick', textAnchor: 'end', dx: -6, dy: 3 }}
              />
              <AxisBottom
                top={innerH}
                scale={x}
                numTicks={width > 460 ? 6 : 4}
                tickFormat={(v) => formatTime(+(v as Date), to - from)}
                hideTicks
                axisClassName="mc-axis"
                axisLineClassName="mc-axis-line"
                tickLabelProps={{ className: 'mc-tick', textAnchor: 'middle', dy: 2 }}
              />
              {hovered ? (
                <g className="mc-cross" pointerEvents="none">
                  <Line from={{ x: x(hovered.ts + stepMs / 2), y: 0 }} to={{ x: x(hovered.ts + stepMs / 2), y: innerH }} />
                  {series.map((s) => (
                    <circle key={s.key} className={`mc-cross-dot mc-tone-${s.tone}`} cx={x(hovered.ts + stepMs / 2)} cy={y(s.value(hovered))} r={3.5} />
                  ))}
                </g>
              ) : null}
              <rect
                width={innerW}
                height={innerH}
                fill="transparent"
                onPointerMove={(e) => {
                  const p = localPoint(e);
                  if (!p) return;
                  setPointer(p);
                  onHover(+x.invert(p.x - MARGIN.left));
                }}
                onPointerLeave={() => {
                  setPointer(null);
                  onHover(null);
                }}
              />
            </Group>
          </svg>
        ) : (
          <div style={{ height: HEIGHT }} />
        )}
        {pointer && hovered ? (
          // Keyed afresh: it measures its bounds when mounted, and must do so at each position.
          <TooltipWithBounds key={`${pointer.x},${pointer.y}`} left={pointer.x} top={pointer.y} className="mc-tooltip" unstyled applyPositionStyle offsetLeft={14} offsetTop={-10}>
            <div className="mc-tooltip-time">
              {formatTime(hovered.ts, to - from, stepMs < 60_000)}
              {stepMs >= 60_000 ? ` – ${formatTime(hovered.ts + stepMs, to - from)}` : ''}
            </div>
            {series.map((s) => (
              <div key={s.key} className={`mc-tooltip-row mc-tone-${s.tone}`}>
                <span className="mc-swatch" aria-hidden />
                <span>{s.label}</span>
                <strong>{format(s.value(hovered))}</strong>
                {showBand && s.band && hovered.seconds > 1 ? (
                  <span className="faint">
                    {format(s.band(hovered).min)} – {format(s.band(hovered).max)}
                  </span>
                ) : null}
              </div>
            ))}
          </TooltipWithBounds>
        ) : null}
      </div>
    </section>
  );
}

/** The data point whose bucket is nearest `t`, if it is within a step of it. */
function nearest(shaped: readonly ChartPoint[], t: number, withinMs: number): MetricPoint | null {
  let best: ChartPoint | null = null;
  for (const c of shaped) {
    if (!c.point) continue;
    if (!best || Math.abs(c.t - t) < Math.abs(best.t - t)) best = c;
  }
  return best && Math.abs(best.t - t) <= withinMs ? best.point : null;
}

/** A ref and the width of what it is attached to, kept up to date. */
function useWidth<T extends HTMLElement>(): [(el: T | null) => void, number] {
  const [el, setEl] = useState<T | null>(null);
  const [width, setWidth] = useState(0);
  const frame = useRef(0);
  useEffect(() => {
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame.current);
      frame.current = requestAnimationFrame(() => setWidth(el.clientWidth));
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame.current);
    };
  }, [el]);
  return [setEl, width];
}
