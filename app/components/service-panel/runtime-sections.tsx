/** How a service runs: its command, replicas and limits, and its health check. */
import type { Healthcheck, RunnableNode } from '../../../sync';
import { joinCommand, splitCommand } from './command';
import { numberText, optionalNumber, Section, TextField } from './fields';
import { usePanel } from './panel-context';

/** A command typed as one line, stored as `string[]`; `undefined` when the line is empty. */
function commandCommit(current: string[] | undefined, apply: (args: string[] | undefined) => void) {
  return (text: string) => {
    const split = splitCommand(text);
    if (!split.ok) return split.error;
    const args = split.args.length ? split.args : undefined;
    if (joinCommand(args ?? []) !== joinCommand(current ?? [])) apply(args);
  };
}

export function CommandSection({ node }: { node: RunnableNode }) {
  const { update, issues } = usePanel();
  return (
    <Section title="Start command">
      <TextField
        label="Command"
        name="sp-command"
        className="input mono"
        placeholder="The image's default"
        spellCheck={false}
        value={joinCommand(node.command ?? [])}
        onCommit={commandCommit(node.command, (command) => update({ command }))}
        issue={issues.at('command')}
        hint="Runs without a shell. Quote arguments that contain spaces."
      />
    </Section>
  );
}

export function DeploySection({ node }: { node: RunnableNode }) {
  const { update, issues } = usePanel();
  const resources = node.resources ?? {};
  const setResource = (field: 'cpu' | 'memoryMb') =>
    optionalNumber((n) => {
      const next = withField(resources, field, n);
      update({ resources: Object.keys(next).length ? next : undefined });
    });
  return (
    <Section title="Resources">
      <div className={node.kind === 'service' ? 'sp-grid-3' : 'sp-grid-2'}>
        {node.kind === 'service' ? (
          <TextField
            label="Replicas"
            name="sp-replicas"
            inputMode="numeric"
            value={String(node.replicas)}
            // An empty field means the default, one replica.
            onCommit={optionalNumber((replicas) => update({ replicas }))}
            issue={issues.at('replicas')}
          />
        ) : null}
        <TextField
          label="CPU (cores)"
          name="sp-cpu"
          inputMode="decimal"
          placeholder="No limit"
          value={numberText(resources.cpu)}
          onCommit={setResource('cpu')}
          issue={issues.at('resources.cpu')}
        />
        <TextField
          label="Memory (MB)"
          name="sp-memory"
          inputMode="numeric"
          placeholder="No limit"
          value={numberText(resources.memoryMb)}
          onCommit={setResource('memoryMb')}
          issue={issues.at('resources.memoryMb')}
        />
      </div>
    </Section>
  );
}

export function HealthcheckSection({ node }: { node: RunnableNode }) {
  const { update, issues } = usePanel();
  const check: Healthcheck = node.healthcheck ?? {};
  const set = <K extends keyof Healthcheck & string>(field: K, value: Healthcheck[K] | undefined) => {
    const next = withField(check, field, value);
    update({ healthcheck: Object.keys(next).length ? next : undefined });
  };
  return (
    <Section
      title="Health check"
      hint="An HTTP path or a command. With one, a new version replaces the old without downtime."
    >
      <div className="sp-grid-2">
        <TextField
          label="HTTP path"
          name="sp-hc-path"
          className="input mono"
          placeholder="/healthz"
          value={check.path ?? ''}
          onCommit={(t) => set('path', t.trim() || undefined)}
          issue={issues.at('healthcheck.path')}
        />
        <TextField
          label="Port"
          name="sp-hc-port"
          className="input mono"
          inputMode="numeric"
          placeholder={node.ports[0] ? String(node.ports[0].port) : ''}
          value={numberText(check.port)}
          onCommit={optionalNumber((n) => set('port', n))}
          issue={issues.at('healthcheck.port')}
        />
      </div>
      <TextField
        label="Command"
        name="sp-hc-command"
        className="input mono"
        spellCheck={false}
        value={joinCommand(check.command ?? [])}
        onCommit={commandCommit(check.command, (command) => set('command', command))}
        issue={issues.at('healthcheck.command')}
      />
      <TextField
        label="Interval (seconds)"
        name="sp-hc-interval"
        inputMode="decimal"
        placeholder="10"
        value={numberText(check.intervalS)}
        onCommit={optionalNumber((n) => set('intervalS', n))}
        issue={issues.at('healthcheck.intervalS')}
      />
    </Section>
  );
}

/** A copy of `object` with `field` set, or removed when `value` is undefined; other fields are kept. */
function withField<T extends object>(object: T, field: string, value: unknown): T {
  const next: Record<string, unknown> = { ...(object as Record<string, unknown>) };
  if (value === undefined) delete next[field];
  else next[field] = value;
  return next as T;
}
