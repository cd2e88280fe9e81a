/** The line a canvas node shows while an alert of its service is open: red firing, amber once acknowledged. */
import type { NodeAlert } from './store';
import { BellIcon, CheckIcon } from './icons';

export function NodeAlertLine({ alert }: { alert: NodeAlert }) {
  const acknowledged = alert.state === 'acknowledged';
  return (
    <div
      className="cnode-alert"
      data-testid="node-alert"
      data-state={alert.state}
      data-severity={alert.severity}
      title={`${acknowledged ? 'Acknowledged' : 'Firing'}: ${alert.title}${alert.more ? ` (+${alert.more} more open)` : ''}`}
    >
      {acknowledged ? <CheckIcon size={12} /> : <BellIcon size={12} />}
      <span className="cnode-alert-title">{alert.title}</span>
      {alert.more ? <span className="cnode-alert-more">+{alert.more}</span> : null}
    </div>
  );
}
