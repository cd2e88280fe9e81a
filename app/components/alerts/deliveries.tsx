/** Notifications sent for alerts: when, why, to where, and how it went (status code, attempts, error). */
import { timeAgo } from '../ui';
import type { Delivery } from './api';
import { formatTime } from './format';

const REASON: Record<Delivery['reason'], string> = { fired: 'Fired', resolved: 'Resolved', escalated: 'Escalated', test: 'Test' };

export function DeliveriesTable({ deliveries, showChannel }: { deliveries: Delivery[]; showChannel?: boolean }) {
  if (deliveries.length === 0) return <p className="al-empty-line">Nothing sent yet.</p>;
  return (
    <table className="al-deliveries" data-testid="deliveries">
      <thead>
        <tr>
          <th>Sent</th>
          <th>Reason</th>
          {showChannel ? <th>Channel</th> : null}
          <th>Status</th>
          <th>Attempts</th>
          <th>Time</th>
          <th>Detail</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((d) => (
          <tr key={d.id} data-testid="delivery" data-status={d.status}>
            <td title={formatTime(d.createdAt)}>{timeAgo(d.createdAt)}</td>
            <td>{REASON[d.reason]}</td>
            {showChannel ? <td>{d.channelName}</td> : null}
            <td>
              <span className={`al-delivery al-delivery-${d.status}`}>
                {d.status === 'succeeded' ? 'Delivered' : d.status === 'failed' ? 'Failed' : 'Pending'}
                {d.statusCode !== null ? <span className="mono"> {d.statusCode}</span> : null}
              </span>
            </td>
            <td>{d.attempts}</td>
            <td className="mono">{d.durationMs !== null ? `${d.durationMs} ms` : '—'}</td>
            <td className="al-delivery-detail">
              {d.error ? (
                <span className="al-delivery-error" title={d.error}>
                  {d.error}
                </span>
              ) : d.status === 'pending' && d.nextAttemptAt ? (
                <span className="faint">next try {formatTime(d.nextAttemptAt)}</span>
              ) : (
                <span className="faint mono" title={d.target}>
                  {d.target}
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
