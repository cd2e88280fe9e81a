// Public addresses of deployed services: http://<service>-<environment>.<project-slug>.<domain>[:port]

export type HostParts = { label: string; slug: string };

export function serviceLabel(service: string, environment: string): string {
  return `${service}-${environment}`;
}

export function serviceHost(service: string, environment: string, slug: string, domain: string): string {
  return `${serviceLabel(service, environment)}.${slug}.${domain}`;
}

/** The label and project slug of a Host header under `domain`, or null for any other host. */
export function parseHost(header: string | undefined, domain: string): HostParts | null {
  if (!header) return null;
  const host = header.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${domain.toLowerCase()}`;
  if (!host.endsWith(suffix)) return null;
  const parts = host.slice(0, -suffix.length).split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
  return { label: parts[0], slug: parts[1] };
}
