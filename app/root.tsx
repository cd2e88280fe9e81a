import '@fontsource-variable/inter';
import type { LinksFunction, MetaFunction } from '@remix-run/node';
import { Links, Meta, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse, useRouteError, Link } from '@remix-run/react';
import type { ReactNode } from 'react';
import styles from './styles/app.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const meta: MetaFunction = () => [{ title: 'Containr' }];

export function Layout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const message =
    status === 404
      ? 'This page does not exist, or you do not have access to it.'
      : isRouteErrorResponse(error)
        ? String(error.data)
        : 'Something went wrong on our side. Try again in a moment.';
  return (
    <div className="auth">
      <div className="card auth-card">
        <div className="card-body stack" style={{ textAlign: 'center' }}>
          <h1>{status === 404 ? 'Not found' : 'Error'}</h1>
          <p className="muted">{message}</p>
          <div>
            <Link to="/" className="btn">
              Back to projects
            </Link>
          </div>
        </div>
      </div>
    </div>
  );
}
