import { type LinksFunction, type LoaderFunctionArgs } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import xyflowStyles from '@xyflow/react/dist/style.css?url';
import { orRespond, requireViewer } from '~/lib/auth.server';
import { Canvas } from '~/components/canvas/canvas';
import { panelStyles } from '~/components/service-panel';
import { PreviewBanner } from '~/components/share/preview-banner';
import { ShareButton } from '~/components/share/share-button';
import canvasStyles from '~/styles/canvas.css?url';
import deployStyles from '~/styles/deploy.css?url';
// Loader-only: the Remix bundle keeps its own copy of this pure module, and it never reaches the browser.
import { can } from '../../server/auth/permissions';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: xyflowStyles },
  { rel: 'stylesheet', href: panelStyles },
  { rel: 'stylesheet', href: canvasStyles },
  { rel: 'stylesheet', href: deployStyles },
];

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { viewer, actor } = requireViewer(context, request);
  const { environment, project, role } = orRespond(() =>
    context.services.projects.environmentAccess(actor, params.environmentId ?? '', 'environment:read'),
  );
  if (project.id !== params.projectId) throw new Response('Not found', { status: 404 });
  return {
    environment: { id: environment.id, name: environment.name, kind: environment.kind, expiresAt: environment.expiresAt?.toISOString() ?? null },
    role,
    readOnly: !can(role, 'canvas:edit'),
    canShare: can(role, 'share:manage'),
    canExtend: can(role, 'environment:update'),
    user: { id: viewer.user.id, name: viewer.user.name },
  };
}

export default function EnvironmentCanvas() {
  const { environment, readOnly, user, canShare, canExtend } = useLoaderData<typeof loader>();
  return (
    <>
      {environment.kind === 'preview' && environment.expiresAt ? (
        <PreviewBanner key={environment.id} environmentId={environment.id} expiresAt={environment.expiresAt} canExtend={canExtend} />
      ) : null}
      <Canvas
        key={environment.id}
        environmentId={environment.id}
        environmentName={environment.name}
        user={user}
        readOnly={readOnly}
        headerActions={canShare ? <ShareButton environmentId={environment.id} environmentName={environment.name} /> : null}
      />
    </>
  );
}
