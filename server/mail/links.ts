// Absolute links for mail. The base is CONTAINR_PUBLIC_URL, or the address the
// server listens on; never the request's Host header, which a client chooses
// (a reset link pointing at an attacker's host would leak the token).
import type { Env } from '../env';

export function createLinks(env: Pick<Env, 'publicUrl' | 'port'>) {
  let base = (env.publicUrl ?? `http://localhost:${env.port}`).replace(/\/+$/, '');
  const to = (path: string) => `${base}${path}`;
  return {
    /** Called once the server listens, when no public URL is configured (port 0 in tests). */
    setListening(url: string) {
      if (!env.publicUrl) base = url.replace(/\/+$/, '');
    },
    base: () => base,
    invite: (token: string) => to(`/invite/${token}`),
    verify: (token: string) => to(`/verify/${token}`),
    reset: (token: string) => to(`/reset/${token}`),
    resetRequest: () => to('/reset'),
    login: () => to('/login'),
  };
}

export type Links = ReturnType<typeof createLinks>;
