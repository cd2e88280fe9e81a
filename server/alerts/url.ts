// Webhook targets may be any http(s) URL except this Containr server itself:
// its own port on a local address (or its public URL) would let a webhook
// call the server's internal endpoints with the server's own network position.
// Other ports on localhost stay allowed (self-hosters' receivers, tests).
// Link-local addresses are refused on every port: cloud metadata services
// (169.254.169.254 and the like) answer there with the machine's credentials.
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

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:1.2.3.4`, or `::ffff:102:304` as URLs write it), else null. */
function mappedIpv4(h: string): string | null {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (!hex) return null;
  const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Link-local: 169.254.0.0/16 and fe80::/10 (where cloud metadata endpoints live). */
export function isLinkLocal(host: string): boolean {
  const h = stripBrackets(host.toLowerCase()).replace(/\.$/, '');
  const v4 = mappedIpv4(h) ?? h;
  return /^169\.254\.\d+\.\d+$/.test(v4) || /^fe[89ab][0-9a-f]:/.test(h);
}

/** Loopback, unspecified, `localhost` names, and this machine's own names and interface addresses. */
export function isLocalHost(host: string, extra: readonly string[] = []): boolean {
  const h = stripBrackets(host.toLowerCase()).replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127\.\d+\.\d+\.\d+$/.test(h) || h === '0.0.0.0') return true;
  if (h === '::1' || h === '::' || h === '0:0:0:0:0:0:0:1' || h === '0:0:0:0:0:0:0:0') return true;
  const mapped = mappedIpv4(h);
  if (mapped) return isLocalHost(mapped, extra);
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
  if (isLinkLocal(url.hostname)) return 'a webhook cannot point at a link-local address (169.254.0.0/16, fe80::/10: cloud metadata services)';
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

/**
 * The same check after resolving the name, just before a request: a name that
 * resolves to this server, or to a link-local address, is refused too.
 */
export async function resolvedUrlProblem(
  raw: string,
  own: OwnAddress,
  resolve: (host: string) => Promise<{ address: string }[]> = (host) => lookup(host, { all: true }),
): Promise<string | null> {
  const syntactic = webhookUrlProblem(raw, own);
  if (syntactic) return syntactic;
  const url = new URL(raw);
  const host = stripBrackets(url.hostname);
  let addresses: { address: string }[];
  try {
    addresses = await resolve(host);
  } catch {
    // Unresolvable: the request will fail on its own, and be retried.
    return null;
  }
  if (addresses.some((a) => isLinkLocal(a.address))) return 'the webhook host resolves to a link-local address (cloud metadata services)';
  if (defaultPort(url) === own.port && addresses.some((a) => isLocalHost(a.address))) return 'the webhook host resolves to this Containr server';
  return null;
}
