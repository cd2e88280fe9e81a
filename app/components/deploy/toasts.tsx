/** What happened to a commit: a short note that goes away, or the problems that stopped it. */
import { useControllerValue, useDeploy } from './context';
import { CheckIcon, CrossIcon } from './icons';
import type { Toast } from './stores';

const NONE: Toast[] = [];

export function DeployToasts() {
  const controller = useDeploy();
  const toasts = useControllerValue((c) => c.toasts, NONE);
  if (!controller || toasts.length === 0) return null;
  return (
    <div className="deploy-toasts" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className={`deploy-toast is-${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'} data-testid="deploy-toast">
          <span className="deploy-toast-icon" aria-hidden>
            {toast.kind === 'error' ? <CrossIcon size={12} /> : <CheckIcon size={12} />}
          </span>
          <div className="deploy-toast-body">
            <strong>{toast.title}</strong>
            {toast.lines?.length ? (
              <ul className="deploy-toast-lines">
                {toast.lines.slice(0, 6).map((line, i) => (
                  <li key={i}>{line}</li>
                ))}
                {toast.lines.length > 6 ? <li className="faint">and {toast.lines.length - 6} more</li> : null}
              </ul>
            ) : null}
          </div>
          <button type="button" className="deploy-toast-close" aria-label="Dismiss" onClick={() => controller.toasts.dismiss(toast.id)}>
            <CrossIcon size={12} />
          </button>
        </div>
      ))}
    </div>
  );
}
