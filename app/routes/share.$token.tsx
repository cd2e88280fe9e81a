// A share link, opened by anyone: the environment's canvas read-only, its public URLs, and
// its services' live status, logs and metrics (over /live, and history from the two routes
// that take the token). No account needed; the loader returns only the page's frame (see
// server/share/service.ts `open`), never secrets, other environments or team data.
// A dead link answers 410 (expired or revoked) or 404 (never issued), with the same page.
import { data, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { useLoaderData, useParams, type ShouldRevalidateFunction } from '@remix-run/react';
import xyflowStyles from '@xyflow/react/dist/style.css?url';
import { panelStyles } from '~/components/service-panel';
import { LinkDead, ShareView } from '~/components/share/share-view';
import shareStyles from '~/components/share/share.css?url';
import canvasStyles from '~/styles/canvas.css?url';
import deployStyles from '~/styles/deploy.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: xyflowStyles },
  { rel: 'stylesheet', href: panelStyles },
  { rel: 'stylesheet', href: canvasStyles },
  { rel: 'stylesheet', href: deployStyles },
  { rel: 'stylesheet', href: shareStyles },
];

export const meta: MetaFunction<typeof loader> = ({ data: page }) => [
  { title: page?.status === 'ok' ? `${page.page.environment.name} · ${page.page.project.name} · Shared on Containr` : 'Link expired · Containr' },
  // The token is in the URL: keep it out of Referer headers and search engines.
  { name: 'referrer', content: 'no-referrer' },
  { name: 'robots', content: 'noindex, nofollow' },
];

const PRIVATE = { 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'X-Robots-Tag': 'noindex, nofollow' };

export function loader({ params, context }: LoaderFunctionArgs) {
  // Counted and audit-logged as one open.
  const result = context.services.share.open(params.token ?? '', context.ip);
  if (result.status !== 'ok') return data({ status: result.status }, { status: result.status === 'gone' ? 410 : 404, headers: PRIVATE });
  const { page } = result;
  return data(
    {
      status: 'ok' as const,
      page: {
        link: { expiresAt: page.link.expiresAt.toISOString() },
        project: { name: page.project.name },
        environment: { ...page.environment, expiresAt: page.environment.expiresAt?.toISOString() ?? null },
        services: page.services,
      },
    },
    { headers: PRIVATE },
  );
}

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders;

// One load per visit: every load counts as an open, and the page stays current over its sockets.
export const shouldRevalidate: ShouldRevalidateFunction = () => false;

export default function SharedEnvironment() {
  const result = useLoaderData<typeof loader>();
  const { token = '' } = useParams();
  if (result.status !== 'ok') {
    return (
      <div className="auth share-dead-page">
        <LinkDead />
      </div>
    );
  }
  return <ShareView token={token} page={result.page} />;
}
