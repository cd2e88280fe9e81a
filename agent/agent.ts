// One node agent: connects to a Containr server's /agent namespace, says hello,
// sends heartbeats and its inventory, and executes the tasks it is given. The
// command-line entry (index.ts) and the server's built-in local agent both use this.
import Docker from 'dockerode';
import {
  AGENT_CONNECT_ERRORS,
  AGENT_TOKEN_PREFIX,
  taskSchema,
  type Ack,
  type Hello,
  type Inventory,
  type TaskProgress,
  type Welcome,
} from '../sync/events';
import { Builds, type BuildOptions } from './build';
import { openConnection, type Backoff, type Connection } from './connection';
import { engineInfo, type EngineInfo } from './docker';
import { silentLogger, type AgentLogger } from './log';
import { ManagedInventory, watchManaged } from './observe';
import { readState, writeState } from './state';
import { startStreams, type Streams, type StreamsOptions } from './streams';
import { TaskRunner } from './tasks';

export const AGENT_VERSION = '0.1.0';

export type AgentOptions = {
  server: string;
  /** A join token (one use) or a node token. */
  token: string;
  name: string;
  /** Where the node identity is kept after joining; null keeps it in memory only. */
  stateDir: string | null;
  docker?: Docker;
  logger?: AgentLogger;
  heartbeatMs?: number;
  inventoryMs?: number;
  backoff?: Backoff;
  /** Log, stats and event streams: tuning (tests, benchmarks), or false for none. */
  streams?: Partial<StreamsOptions> | false;
  /** Builds from git: limits and work directory, or false for an agent that does not build. */
  builds?: Partial<BuildOptions> | false;
  /** The server refused us for good (a used, revoked or expired token): the agent has stopped. */
  onFatal?: (reason: string) => void;
};

export type Agent = {
  /** The node id the server gave us; null until the first welcome. */
  readonly nodeId: string | null;
  /** Connected and greeted: heartbeats and inventory are flowing. */
  readonly ready: boolean;
  /** The log, stats and event streams, once the node id is known. */
  readonly streams: Streams | null;
  close(): Promise<void>;
};

const HELLO_TIMEOUT_MS = 10_000;
const INVENTORY_DEBOUNCE_MS = 150;

export function startAgent(options: AgentOptions): Agent {
  const docker = options.docker ?? new Docker();
  const logger = options.logger ?? silentLogger;
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  const inventoryMs = options.inventoryMs ?? 30_000;
  const stop = new AbortController();
  const builds = options.builds === false ? undefined : new Builds(docker, options.builds);

  const isJoinToken = options.token.startsWith(`${AGENT_TOKEN_PREFIX.join}_`);
  const stored = isJoinToken && options.stateDir ? readState(options.stateDir) : null;
  // A join token works once: after joining, the stored node token is ours.
  let token = stored && stored.server === options.server ? stored.token : options.token;
  let nodeId: string | null = null;
  let greeted = false;
  let closed = false;
  let runner: TaskRunner | null = null;
  let watcher: { close(): void } | null = null;
  let inventory: ManagedInventory | null = null;
  let streams: Streams | null = null;
  let engine: EngineInfo | null = null;
  let helloAttempt = 0;
  let inventoryTimer: NodeJS.Timeout | null = null;
  let inventoryRunning = false;
  let inventoryAgain = false;

  const connection: Connection = openConnection(
    options.server,
    {
      token: () => token,
      onWelcome,
      onTask,
      onRefused(reason) {
        if (reason === 'NOT_AUTHENTICATED' && token !== options.token && isJoinToken) {
          logger.warn({}, 'the stored node token was refused; joining again with the join token');
          token = options.token;
          return 'retry';
        }
        if ((AGENT_CONNECT_ERRORS as readonly string[]).includes(reason)) {
          fatal(reason);
          return 'stop';
        }
        return 'retry';
      },
      onDisconnect() {
        greeted = false;
      },
    },
    logger,
    options.backoff
  );

  // Telemetry (a stats batch a second while containers run) tells the server the same; a heartbeat fills the silences.
  const heartbeat = setInterval(() => {
    if (greeted && Date.now() - connection.lastSentAt >= heartbeatMs) connection.send('heartbeat', { ts: Date.now() });
  }, heartbeatMs);
  const periodicInventory = setInterval(() => {
    scheduleInventory();
    streams?.refresh(); // belt and braces: engine events may be missed
  }, inventoryMs);

  function onWelcome(welcome: Welcome) {
    if (welcome.nodeToken) {
      token = welcome.nodeToken;
      if (options.stateDir) writeState(options.stateDir, { server: options.server, nodeId: welcome.nodeId, token });
      logger.info({ nodeId: welcome.nodeId }, 'joined; the node token is stored for next time');
    }
    if (welcome.nodeId !== nodeId) {
      nodeId = welcome.nodeId;
      watcher?.close();
      void streams?.close();
      const id = nodeId;
      runner = new TaskRunner({ docker, nodeId: id, signal: stop.signal, builds }, sendProgress, logger);
      const s = options.streams === false ? null : openStreams(id, options.streams);
      streams = s;
      const observed = new ManagedInventory(docker, id);
      inventory = observed;
      watcher = watchManaged(
        docker,
        id,
        (event) => {
          observed.forget(event?.Actor.ID); // without an event, some may have been missed
          scheduleInventory();
          s?.onEngineEvent(event);
        },
        logger
      );
    }
    void greet(++helloAttempt);
  }

  /** hello (after reading the engine, retrying while it does not answer), then the inventory. */
  async function greet(attempt: number) {
    for (let failures = 0; !closed && connection.connected && attempt === helloAttempt; failures++) {
      try {
        engine ??= await engineInfo(docker);
        const hello: Hello = { nodeId: nodeId as string, name: options.name, ...engine, agentVersion: AGENT_VERSION };
        const ack = (await connection.request('hello', hello, HELLO_TIMEOUT_MS)) as Ack;
        if (attempt !== helloAttempt) return;
        if (!ack.ok) return logger.error({ reason: ack.reason }, 'the server refused our hello');
        greeted = true;
        connection.send('heartbeat', { ts: Date.now() });
        scheduleInventory(0);
        streams?.kick();
        return;
      } catch (error) {
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'hello failed (is the Docker engine up?); retrying'
        );
        await new Promise((r) => setTimeout(r, Math.min(30_000, 1_000 * 2 ** Math.min(failures, 5))));
      }
    }
  }

  function onTask(payload: unknown, ack: (ack: Ack) => void) {
    const task = taskSchema.safeParse(payload);
    if (!task.success || !runner) {
      logger.error({ issues: task.error?.issues }, 'refused a malformed task');
      return ack({ ok: false, reason: 'INVALID_MESSAGE' });
    }
    ack({ ok: true });
    void runner.run(task.data).then((result) => {
      // If this does not reach the server, the server re-sends the task and gets the remembered result.
      connection.send('task:result', result);
      inventory?.forget();
      scheduleInventory();
    });
  }

  function openStreams(id: string, tuning: Partial<StreamsOptions> | undefined): Streams {
    return startStreams({
      docker,
      nodeId: id,
      stateDir: options.stateDir,
      logger,
      options: tuning,
      transport: {
        ready: () => greeted && connection.connected,
        request: (event, payload, timeoutMs) => connection.request(event, payload, timeoutMs),
      },
    });
  }

  function sendProgress(id: string, message: string) {
    const progress: TaskProgress = { id, message, ts: Date.now() };
    connection.send('task:progress', progress);
  }

  /** Coalesces bursts of engine events into one inventory; never two listings at once. */
  function scheduleInventory(delay = INVENTORY_DEBOUNCE_MS) {
    if (closed || inventoryTimer) return;
    inventoryTimer = setTimeout(() => {
      inventoryTimer = null;
      void sendInventory();
    }, delay);
  }

  async function sendInventory() {
    if (inventoryRunning) return void (inventoryAgain = true);
    if (!greeted || !inventory) return;
    inventoryRunning = true;
    try {
      const message: Inventory = { containers: await inventory.list() };
      if (greeted) connection.send('inventory', message);
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'cannot list containers');
    } finally {
      inventoryRunning = false;
      if (inventoryAgain) {
        inventoryAgain = false;
        scheduleInventory();
      }
    }
  }

  function fatal(reason: string) {
    logger.error({ reason }, 'the server refused this agent for good');
    void close();
    options.onFatal?.(reason);
  }

  async function close() {
    if (closed) return;
    closed = true;
    greeted = false;
    stop.abort();
    clearInterval(heartbeat);
    clearInterval(periodicInventory);
    if (inventoryTimer) clearTimeout(inventoryTimer);
    watcher?.close();
    await streams?.close();
    connection.close();
  }

  return {
    get nodeId() {
      return nodeId;
    },
    get ready() {
      return greeted;
    },
    get streams() {
      return streams;
    },
    close,
  };
}
