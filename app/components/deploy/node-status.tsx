/** The live part of a node card: its state, replicas and public URL. Each reads its own service only. */
import { useDeploy, useServiceStatus } from './context';
import { SERVICE_STATE_HINT, SERVICE_STATE_LABEL, shortUrl } from './format';
import { ExternalIcon } from './icons';

export function NodeStatus({ id, runnable }: { id: string; runnable: boolean }) {
  const status = useServiceStatus(id);
  const live = useDeploy() !== null;
  // Volumes do not run; a card outside a DeployProvider knows nothing about deployments.
  if (!runnable || !live) return <div className="cnode-status" data-testid="node-status" />;
  if (status === undefined) {
    return (
      <div className="cnode-status" data-testid="node-status" data-state="unknown">
        <span className="status-dot" aria-hidden />
        <span className="faint">…</span>
      </div>
    );
  }
  if (status === null) {
    return (
      <div className="cnode-status" data-testid="node-status" data-state="none" title="Not in the last deployed commit">
        <span className="status-dot" aria-hidden />
        Not deployed
      </div>
    );
  }
  const { state, replicas, nodes } = status;
  const where = nodes.length ? ` · on ${nodes.join(', ')}` : '';
  return (
    <div
      className={`cnode-status is-${state}`}
      data-testid="node-status"
      data-state={state}
      title={`${SERVICE_STATE_HINT[state]}${where}`}
      role="status"
    >
      <span className={`status-dot status-${state}`} aria-hidden />
      <span className="cnode-state">{SERVICE_STATE_LABEL[state]}</span>
      {replicas.desired > 0 ? (
        <span className="cnode-replicas" data-testid="node-replicas" title={`${replicas.running} of ${replicas.desired} replicas ready`}>
          {replicas.running}/{replicas.desired}
        </span>
      ) : null}
    </div>
  );
}

/** The service's public address, once it has one. */
export function NodeUrl({ id }: { id: string }) {
  const status = useServiceStatus(id);
  if (!status?.url) return null;
  const up = status.state === 'running' || status.state === 'unhealthy';
  return (
    <a
      className={`cnode-url nodrag${up ? '' : ' is-down'}`}
      href={status.url}
      target="_blank"
      rel="noopener noreferrer"
      data-testid="node-url"
      title={up ? `Open ${status.url}` : `${status.url} (not serving yet)`}
      onClick={(e) => e.stopPropagation()}
      onDoubleClick={(e) => e.stopPropagation()}
    >
      <ExternalIcon size={11} />
      <span className="cnode-url-text">{shortUrl(status.url)}</span>
    </a>
  );
}
