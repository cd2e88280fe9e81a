import { redirect, type LoaderFunctionArgs } from '@remix-run/node';
import { orRespond, requireViewer } from '~/lib/auth.server';

export function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = requireViewer(context, request);
  const { project, environments } = orRespond(() => context.services.projects.get(actor, params.projectId ?? ''));
  const first = environments.find((e) => e.name === 'production') ?? environments[0];
  return redirect(first ? `/projects/${project.id}/env/${first.id}` : `/projects/${project.id}/settings`);
}
