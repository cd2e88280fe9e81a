// Webhook targets may be any http(s) URL except this Containr server itself:
// its own port on a local address (or its public URL) would let a webhook
// call the server's internal endpoints with the server's own network position.
// Other ports on localhost stay allowed (self-hosters' receivers, tests).
import { lookup } from 'node:dns/promises';
import { hostname, networkInterfaces } from 'node:os';

export type OwnAddress = {
  /** The port the server listens on. */
  port: number;
  /** The address it listens on (HOST): 0.0.0.0 or :: means every local address. */
  host: string;
  /** CONTAINR_PUBLIC_URL, when set. */
  publicUrl?: string;
};

const defaultPort = (url: URL) => (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Loopback, unspecified, `localhost` names, and this machine's own names and interface addresses. */
export function isLocalHost(host: string, extra: readonly string[] = []): boolean {
  const h = stripBrackets(host.toLowerCase()).replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(h) || h === '0.0.0.0') return true;
  if (h === '::1' || h === '::' || h === '0:0:0:0:0:0:0:1' || h === '0:0:0:0:0:0:0:0') return true;
  const mapped = /^::ffff:(.+)$/.exec(h);
  if (mapped) return isLocalHost(mapped[1], extra);
  if (h === hostname().toLowerCase()) return true;
  if (extra.map((e) => e.toLowerCase()).includes(h)) return true;
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) if (nic.address.toLowerCase() === h) return true;
  }
  return false;
}

/** Why `raw` may not be a webhook target, or null when it may. Syntax only: no DNS. */
export function webhookUrlProblem(raw: string, own: OwnAddress): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'use an http:// or https:// URL';
  if (url.username || url.password) return 'leave credentials out of the URL (the request is signed instead)';
  if (own.publicUrl) {
    try {
      if (new URL(own.publicUrl).origin === url.origin) return 'a webhook cannot point at this Containr server';
    } catch {
      // An invalid public URL is the environment's problem, reported at start.
    }
  }
  const listensEverywhere = own.host === '0.0.0.0' || own.host === '::' || own.host === '';
  const hostIsOurs = isLocalHost(url.hostname, listensEverywhere ? [] : [own.host]);
  if (hostIsOurs && defaultPort(url) === own.port) return 'a webhook cannot point at this Containr server (its own address and port)';
  return null;
}

/** The same check after resolving the name, just before a request: a name that resolves to this server is refused too. */
export async function resolvedUrlProblem(raw: string, own: OwnAddress): Promise<string | null> {
  const syntactic = webhookUrlProblem(raw, own);
  if (syntactic) return syntactic;
  const url = new URL(raw);
  if (defaultPort(url) !== own.port) return null;
  const host = stripBrackets(url.hostname);
  let addresses: { address: string }[];
  try {
    addresses = await lookup(host, { all: true });
  } catch {
    // Unresolvable: the request will fail on its own, and be retried.
    return null;
  }
  if (addresses.some((a) => isLocalHost(a.address))) return 'the webhook host resolves to this Containr server';
  return null;
}
