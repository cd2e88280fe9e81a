import { type LoaderFunctionArgs } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { orRespond, requireViewer } from '~/lib/auth.server';

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const { environment, project, role } = orRespond(() =>
    context.services.projects.environmentAccess(actor, params.environmentId ?? '', 'environment:read'),
  );
  if (project.id !== params.projectId) throw new Response('Not found', { status: 404 });
  return { environment, role };
}

export default function EnvironmentCanvas() {
  const { environment, role } = useLoaderData<typeof loader>();
  return (
    <section className="canvas-area" data-testid="canvas" aria-label={`Canvas of ${environment.name}`}>
      <div className="canvas-empty">
        <div className="card">
          <div className="card-body stack">
            <div className="empty-icon" style={{ margin: '0 auto' }}>
              ＋
            </div>
            <h2>{environment.name} is empty</h2>
            <p className="muted">
              {role === 'viewer'
                ? 'Nothing is deployed here yet.'
                : 'Services, databases and volumes you add will appear on this canvas.'}
            </p>
          </div>
        </div>
      </div>
    </section>
  );
}
