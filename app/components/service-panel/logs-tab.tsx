/**
 * The service panel's Logs tab: the stored history of what the query asks for, then the live
 * tail from the canvas's telemetry store (no socket of its own), merged by line id. Search,
 * stream and deployment filters and a time jump ask the history API again; live lines are
 * held to the same question in the browser. Live batches are coalesced to one render per
 * animation frame, and the view keeps the newest 5,000 lines (storage keeps them all).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { LogLine } from '../../../sync';
import { deployApi, describeError, type Deployment } from '../deploy/api';
import { useDeploy, useServiceStatus } from '../deploy/context';
import { dateTime, TRIGGER_LABEL } from '../deploy/format';
import { LogBuffer, VIEW_CAPACITY } from './log-buffer';
import {
  EMPTY_QUERY,
  fromLocalInput,
  logFileName,
  logFileText,
  matchesLine,
  searchTerms,
  TIME_PRESETS,
  toLocalInput,
  type LogQuery,
  type LogStream,
} from './log-query';
import { EventList } from '../deploy/event-list';
import { useServiceDeploymentEvents } from './deployment-events';
import { saveTextFile } from '../save-file';
import { LogView } from './log-view';
import { allLogLines, telemetryApi } from './telemetry-api';
import { ArrowDownIcon, ClockIcon, DownloadIcon, PauseIcon, SearchIcon } from './telemetry-icons';

/** Lines asked for when the view opens or the query changes (Load older brings more). */
const FIRST_PAGE = 1_000;
const OLDER_PAGE = 1_000;
/** A download's most lines (the newest ones of the query). */
const DOWNLOAD_MAX = 100_000;
const SEARCH_DEBOUNCE_MS = 300;

const STREAMS: { value: LogStream | null; label: string }[] = [
  { value: null, label: 'All' },
  { value: 'stdout', label: 'stdout' },
  { value: 'stderr', label: 'stderr' },
  { value: 'system', label: 'system' },
];

type Load = { state: 'loading' } | { state: 'ready' } | { state: 'error'; message: string };

export interface LogsTabProps {
  serviceId: string;
  serviceName: string;
  /** The deployment whose lines to show (null: every deployment's); the Deployments tab sets it. */
  deploymentId: string | null;
  onDeploymentChange: (deploymentId: string | null) => void;
}

export function LogsTab({ serviceId, serviceName, deploymentId, onDeploymentChange }: LogsTabProps) {
  const controller = useDeploy();
  const environmentId = controller?.environmentId ?? '';
  const shared = Boolean(controller?.shareToken);
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [stream, setStream] = useState<LogStream | null>(null);
  const [until, setUntil] = useState<number | null>(null);
  const query = useMemo<LogQuery>(() => ({ ...EMPTY_QUERY, q, stream, deploymentId, until }), [q, stream, deploymentId, until]);
  const terms = useMemo(() => searchTerms(q), [q]);

  const buffer = useRef(new LogBuffer(VIEW_CAPACITY)).current;
  const [version, setVersion] = useState(0);
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [older, setOlder] = useState<{ cursor: string | null; loading: boolean }>({ cursor: null, loading: false });
  const [follow, setFollow] = useState(true);
  const [unseen, setUnseen] = useState(0);
  const [skipped, setSkipped] = useState(0);
  const followRef = useRef(follow);
  followRef.current = follow;

  useEffect(() => {
    const timer = setTimeout(() => setQ(search.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [search]);

  // History of the query, then its live tail. Starts over whenever the question changes.
  useEffect(() => {
    if (!controller) return;
    const abort = new AbortController();
    let loaded = false;
    let pending: LogLine[] = [];
    let pendingSkipped = 0;
    let frame = 0;
    buffer.reset();
    setVersion((v) => v + 1);
    setLoad({ state: 'loading' });
    setOlder({ cursor: null, loading: false });
    setUnseen(0);
    setSkipped(0);
    setFollow(true);

    const flush = () => {
      frame = 0;
      if (!loaded) return;
      const { added } = buffer.append(pending);
      pending = [];
      if (pendingSkipped) setSkipped((s) => s + pendingSkipped);
      pendingSkipped = 0;
      if (added === 0) return;
      if (!followRef.current) setUnseen((n) => n + added);
      setVersion((v) => v + 1);
    };
    // Live lines only for the live tail: a time jump shows history up to its instant.
    const unsubscribe =
      query.until === null
        ? controller.telemetry.onLogs(serviceId, (lines, lost) => {
            for (const line of lines) if (matchesLine(line, query, terms)) pending.push(line);
            pendingSkipped += lost;
            if (!frame) frame = requestAnimationFrame(flush);
          })
        : () => {};

    telemetryApi
      .logs(serviceId, query, { environmentId, limit: FIRST_PAGE, signal: abort.signal })
      .then((history) => {
        buffer.reset(history.lines);
        loaded = true;
        setOlder({ cursor: history.hasMore ? history.cursor : null, loading: false });
        setLoad({ state: 'ready' });
        flush();
        setVersion((v) => v + 1);
      })
      .catch((error: unknown) => {
        if (!abort.signal.aborted) setLoad({ state: 'error', message: describeError(error) });
      });
    return () => {
      abort.abort();
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [controller, environmentId, serviceId, query, terms, buffer]);

  const loadOlder = async () => {
    if (!older.cursor || older.loading) return;
    setOlder((o) => ({ ...o, loading: true }));
    try {
      const page = await telemetryApi.logs(serviceId, query, { environmentId, limit: OLDER_PAGE, cursor: older.cursor });
      const taken = buffer.prepend(page.lines);
      const more = page.hasMore || taken < page.lines.length;
      setOlder({ cursor: more && taken === page.lines.length ? page.cursor : null, loading: false });
      setVersion((v) => v + 1);
    } catch (error) {
      setLoad({ state: 'error', message: describeError(error) });
      setOlder((o) => ({ ...o, loading: false }));
    }
  };

  const onFollowChange = useCallback((next: boolean) => {
    setFollow(next);
    if (next) setUnseen(0);
  }, []);

  const status = useServiceStatus(serviceId);
  const neverDeployed = status === null;
  const filtered = q !== '' || stream !== null || deploymentId !== null;
  const atViewLimit = buffer.size >= VIEW_CAPACITY;

  return (
    <div className="lg-tab" data-testid="logs-tab">
      <div className="lg-toolbar">
        <label className="lg-search">
          <SearchIcon size={14} />
          <input
            className="input"
            type="search"
            placeholder="Search logs"
            aria-label="Search logs"
            value={search}
            spellCheck={false}
            onChange={(e) => setSearch(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape' && search) {
                e.preventDefault(); // clears the search, not the panel
                e.stopPropagation();
                setSearch('');
              }
              if (e.key === 'Enter') setQ(search.trim());
            }}
          />
          {search.trim() !== q ? <span className="deploy-spinner lg-search-spin" aria-hidden /> : null}
          {search ? (
            <button type="button" className="lg-search-clear" aria-label="Clear search" onClick={() => setSearch('')}>
              ×
            </button>
          ) : null}
        </label>
        <div className="lg-seg" role="radiogroup" aria-label="Stream">
          {STREAMS.map((s) => (
            <button
              key={s.label}
              type="button"
              role="radio"
              aria-checked={stream === s.value}
              className={`lg-seg-btn${s.value ? ` lg-seg-${s.value}` : ''}`}
              onClick={() => setStream(s.value)}
            >
              {s.label}
            </button>
          ))}
        </div>
      </div>
      <div className="lg-toolbar lg-toolbar-2">
        {/* A share link's guest reads lines, not the team's deployments. */}
        {shared ? null : <DeploymentSelect environmentId={environmentId} value={deploymentId} onChange={onDeploymentChange} />}
        <TimeJump until={until} onChange={setUntil} />
        <span className="spacer" />
        {until === null ? (
          <button
            type="button"
            className={`btn btn-sm lg-follow${follow ? ' is-on' : ''}`}
            aria-pressed={follow}
            data-testid="logs-follow"
            onClick={() => onFollowChange(!follow)}
            title={follow ? 'Stop following: new lines keep arriving below' : 'Jump to the newest line and follow'}
          >
            {follow ? <PauseIcon size={13} /> : <ArrowDownIcon size={13} />}
            {follow ? 'Pause' : 'Follow'}
          </button>
        ) : null}
        <DownloadButton serviceId={serviceId} serviceName={serviceName} environmentId={environmentId} query={query} />
      </div>

      {until !== null ? (
        <div className="lg-banner" role="status">
          <ClockIcon size={13} />
          <span>
            Lines up to <strong>{new Date(until).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })}</strong>. The live tail is off.
          </span>
          <span className="spacer" />
          <button type="button" className="btn btn-sm" onClick={() => setUntil(null)}>
            Back to live
          </button>
        </div>
      ) : null}

      {deploymentId && !shared ? <DeploymentSteps deploymentId={deploymentId} serviceId={serviceId} /> : null}

      <div className="lg-body">
        <LogView
          buffer={buffer}
          version={version}
          terms={terms}
          follow={follow}
          onFollowChange={onFollowChange}
          header={
            load.state === 'ready' && buffer.size > 0 && (older.cursor || atViewLimit) ? (
              <div className="lg-older">
                {older.cursor && !atViewLimit ? (
                  <button type="button" className="btn btn-sm btn-ghost" disabled={older.loading} onClick={() => void loadOlder()}>
                    {older.loading ? 'Loading…' : 'Load older lines'}
                  </button>
                ) : (
                  <span className="faint">The view holds the newest {VIEW_CAPACITY.toLocaleString('en')} lines. Jump back in time or download for older ones.</span>
                )}
              </div>
            ) : null
          }
          empty={
            <div className="lg-empty" data-testid="logs-empty">
              {load.state === 'loading' ? (
                <span className="faint">Loading logs…</span>
              ) : load.state === 'error' ? (
                <span className="field-error">{load.message}</span>
              ) : q ? (
                <span className="muted">No lines match “{q}”{stream ? ` in ${stream}` : ''}.</span>
              ) : filtered ? (
                <span className="muted">No lines for these filters yet.</span>
              ) : until !== null ? (
                <span className="muted">Nothing was logged before this time.</span>
              ) : neverDeployed ? (
                <>
                  <strong>No logs yet</strong>
                  <span className="muted">Deploy the service: what its containers print shows here as it happens.</span>
                </>
              ) : (
                <>
                  <strong>Waiting for output</strong>
                  <span className="muted">Lines appear here as soon as the service prints them.</span>
                </>
              )}
            </div>
          }
        />
        {!follow && unseen > 0 ? (
          <button type="button" className="lg-unseen" data-testid="logs-unseen" onClick={() => onFollowChange(true)}>
            <ArrowDownIcon size={13} />
            {unseen.toLocaleString('en')} new {unseen === 1 ? 'line' : 'lines'}
          </button>
        ) : null}
      </div>

      <footer className="lg-footer">
        {until !== null ? (
          <span className="lg-state">History</span>
        ) : follow ? (
          <span className="lg-state is-live">
            <span className="lg-live-dot" aria-hidden />
            Live
          </span>
        ) : (
          <span className="lg-state is-paused">Paused</span>
        )}
        <span className="faint" data-testid="logs-count">
          {buffer.size.toLocaleString('en')} {buffer.size === 1 ? 'line' : 'lines'}
          {buffer.droppedTotal > 0 ? ` · ${buffer.droppedTotal.toLocaleString('en')} older left the view (stored)` : ''}
        </span>
        {skipped > 0 ? (
          <span className="faint" title="Lines came faster than the live tail sends them. They are stored: search, jump back or download to see them.">
            · {skipped.toLocaleString('en')} not streamed live
          </span>
        ) : null}
      </footer>
    </div>
  );
}

/** The chosen deployment's build and deploy steps for this service, above its lines; folded away on request. */
function DeploymentSteps({ deploymentId, serviceId }: { deploymentId: string; serviceId: string }) {
  const { events, mine, active, error } = useServiceDeploymentEvents(deploymentId, serviceId);
  const lines = events?.filter((e) => e.type === 'build.log').length ?? 0;
  return (
    <details className="lg-steps" open data-testid="logs-deploy-steps">
      <summary>
        Build and deploy steps
        {events ? <span className="faint"> · {events.length - lines} steps{lines ? `, ${lines} build log lines` : ''}</span> : null}
      </summary>
      {error ? (
        <p className="field-error">{error}</p>
      ) : events === null ? (
        <p className="faint dep-events-empty">Loading…</p>
      ) : mine ? (
        <EventList events={events} active={active} follow />
      ) : (
        <p className="faint dep-events-empty">This deployment had nothing to do for this service.</p>
      )}
    </details>
  );
}

function DeploymentSelect({ environmentId, value, onChange }: { environmentId: string; value: string | null; onChange: (id: string | null) => void }) {
  const [deployments, setDeployments] = useState<Deployment[]>([]);
  useEffect(() => {
    if (!environmentId) return;
    let live = true;
    deployApi
      .deployments(environmentId, 30)
      .then((r) => live && setDeployments(r.deployments))
      .catch(() => {
        // The selector then offers "All deployments" only; the logs themselves still load.
      });
    return () => {
      live = false;
    };
  }, [environmentId]);
  const known = value === null || deployments.some((d) => d.id === value);
  return (
    <select className="input lg-select" aria-label="Deployment" value={value ?? ''} onChange={(e) => onChange(e.target.value || null)} data-testid="logs-deployment">
      <option value="">All deployments</option>
      {known ? null : <option value={value ?? ''}>Deployment {value?.slice(0, 8)}</option>}
      {deployments.map((d) => (
        <option key={d.id} value={d.id}>
          #{d.commitNumber ?? '?'} {TRIGGER_LABEL[d.trigger]} · {dateTime(d.createdAt)}
        </option>
      ))}
    </select>
  );
}

function TimeJump({ until, onChange }: { until: number | null; onChange: (until: number | null) => void }) {
  const [custom, setCustom] = useState(false);
  const [text, setText] = useState('');
  if (custom) {
    const value = fromLocalInput(text);
    return (
      <form
        className="lg-jump"
        onSubmit={(e) => {
          e.preventDefault();
          if (value === null) return;
          onChange(value);
          setCustom(false);
        }}
      >
        <input className="input lg-datetime" type="datetime-local" aria-label="Show lines up to" value={text} max={toLocalInput(Date.now())} onChange={(e) => setText(e.target.value)} autoFocus />
        <button type="submit" className="btn btn-sm" disabled={value === null}>
          Go
        </button>
        <button type="button" className="btn btn-sm btn-ghost" onClick={() => setCustom(false)}>
          Cancel
        </button>
      </form>
    );
  }
  return (
    <select
      className="input lg-select"
      aria-label="Time"
      data-testid="logs-time"
      value={until === null ? 'live' : 'at'}
      onChange={(e) => {
        const choice = e.target.value;
        if (choice === 'live') onChange(null);
        else if (choice === 'custom') {
          setText(toLocalInput(until ?? Date.now() - 15 * 60_000));
          setCustom(true);
        } else if (choice !== 'at') onChange(Date.now() - Number(choice));
      }}
    >
      <option value="live">Live tail</option>
      {until !== null ? <option value="at">Until {new Date(until).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}</option> : null}
      {TIME_PRESETS.map((p) => (
        <option key={p.label} value={p.agoMs}>
          Until {p.label}
        </option>
      ))}
      <option value="custom">Pick a time…</option>
    </select>
  );
}

function DownloadButton({ serviceId, serviceName, environmentId, query }: { serviceId: string; serviceName: string; environmentId: string; query: LogQuery }) {
  const [state, setState] = useState<{ busy: boolean; note: string | null }>({ busy: false, note: null });
  const download = async () => {
    setState({ busy: true, note: null });
    try {
      const { lines, truncated } = await allLogLines(serviceId, query, { environmentId, max: DOWNLOAD_MAX });
      saveTextFile(logFileName(serviceName), logFileText(lines));
      setState({ busy: false, note: truncated ? `The newest ${DOWNLOAD_MAX.toLocaleString('en')} lines` : `${lines.length.toLocaleString('en')} lines` });
    } catch (error) {
      setState({ busy: false, note: describeError(error) });
    }
  };
  return (
    <button
      type="button"
      className="btn btn-sm"
      data-testid="logs-download"
      disabled={state.busy}
      title={state.note ?? 'Download the lines of this view’s search and filters as a .log file'}
      onClick={() => void download()}
    >
      {state.busy ? <span className="deploy-spinner" aria-hidden /> : <DownloadIcon size={13} />}
      Download
    </button>
  );
}
