// Wires the domain services together. Everything is passed in, nothing is a
// module-level singleton, so tests build their own with a temp database.
import type { Db } from '../db/client';
import { createAudit, type Actor } from './audit/service';
import { createLucia } from './auth/lucia';
import { createAuth, type Viewer } from './auth/service';
import { LoginThrottle } from './auth/throttle';
import { createTokens } from './auth/tokens';
import { systemClock, type Clock } from './clock';
import type { Env } from './env';
import { createProjects } from './projects/service';
import { createTeams } from './teams/service';

export function createServices({ db, env, clock = systemClock }: { db: Db; env: Env; clock?: Clock }) {
  const audit = createAudit(db, clock);
  const teams = createTeams(db, clock);
  const tokens = createTokens(db, audit, clock);
  const lucia = createLucia(db, env.secureCookies);
  const throttle = new LoginThrottle(env.login.maxFailures, env.login.windowMs, clock);
  const auth = createAuth({ db, lucia, throttle, tokens, teams, audit, clock });
  const projects = createProjects(db, audit, teams, clock);
  return { db, env, clock, audit, teams, tokens, auth, projects };
}

export type Services = ReturnType<typeof createServices>;

export function actorOf(viewer: Viewer): Actor {
  return { userId: viewer.user.id, email: viewer.user.email, ip: viewer.ip };
}
