/**
 * Database presets: a `database` node is a service filled in from one of these. Connection
 * URLs are written as references to the database's own variables, so they follow when a
 * password is changed, and other services can use `${{ <name>.DATABASE_URL }}`.
 *
 * Generated passwords are stored as plain variables, visible to anyone who can read the
 * canvas; the database is reachable only on the environment's private network. Users who
 * need more move the password to a secret.
 */
import type { DatabaseInit, Position } from './schema';

export type DatabasePresetId = 'postgres' | 'redis' | 'mysql';

export interface DatabasePreset {
  id: DatabasePresetId;
  label: string;
  image: string;
  port: number;
  mountPath: string;
  healthcheck: string[];
  /** Variables for a database called `name`; `password()` gives a fresh random password. */
  variables(name: string, password: () => string): Record<string, string>;
}

export const DATABASE_PRESETS: Record<DatabasePresetId, DatabasePreset> = {
  postgres: {
    id: 'postgres',
    label: 'PostgreSQL',
    image: 'postgres:16',
    port: 5432,
    mountPath: '/var/lib/postgresql/data',
    healthcheck: ['pg_isready', '-U', 'postgres'],
    variables: (name, password) => ({
      POSTGRES_USER: 'postgres',
      POSTGRES_PASSWORD: password(),
      POSTGRES_DB: 'app',
      DATABASE_URL: url('postgresql', name, 'POSTGRES_USER', 'POSTGRES_PASSWORD', 'POSTGRES_DB'),
    }),
  },
  redis: {
    id: 'redis',
    label: 'Redis',
    image: 'redis:7',
    port: 6379,
    mountPath: '/data',
    healthcheck: ['redis-cli', 'ping'],
    // No password: the image takes it only on the command line, and the network is private.
    variables: (name) => ({ REDIS_URL: `redis://${ref(name, 'HOST')}:${ref(name, 'PORT')}` }),
  },
  mysql: {
    id: 'mysql',
    label: 'MySQL',
    image: 'mysql:8',
    port: 3306,
    mountPath: '/var/lib/mysql',
    healthcheck: ['mysqladmin', 'ping', '-h', '127.0.0.1'],
    variables: (name, password) => ({
      MYSQL_ROOT_PASSWORD: password(),
      MYSQL_DATABASE: 'app',
      MYSQL_USER: 'app',
      MYSQL_PASSWORD: password(),
      DATABASE_URL: url('mysql', name, 'MYSQL_USER', 'MYSQL_PASSWORD', 'MYSQL_DATABASE'),
    }),
  },
};

/** The init for `addService`. `name` defaults to the preset id; pick a free one with `suggestName`. */
export function databaseInit(
  presetId: DatabasePresetId,
  options: { name?: string; position?: Position; password?: () => string } = {},
): DatabaseInit {
  const preset = DATABASE_PRESETS[presetId];
  const name = options.name ?? preset.id;
  return {
    kind: 'database',
    preset: preset.id,
    name,
    source: { type: 'image', image: preset.image },
    ports: [{ port: preset.port }],
    variables: preset.variables(name, options.password ?? randomPassword),
    volumes: [{ name: `${name}-data`, mountPath: preset.mountPath }],
    healthcheck: { command: preset.healthcheck },
    replicas: 1,
    ...(options.position ? { position: options.position } : {}),
  };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 characters from a URL-safe alphabet, so the password can sit in a connection URL unescaped. */
export function randomPassword(length = 32): string {
  // 248 is the largest multiple of 62 below 256: rejecting bytes above it avoids modulo bias.
  const out: string[] = [];
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length))) {
      if (byte < 248 && out.length < length) out.push(ALPHABET[byte % ALPHABET.length]);
    }
  }
  return out.join('');
}

/** A connection URL made of references to the database's own variables. */
function url(scheme: string, name: string, user: string, password: string, database: string): string {
  const r = (variable: string) => ref(name, variable);
  return `${scheme}://${r(user)}:${r(password)}@${r('HOST')}:${r('PORT')}/${r(database)}`;
}

function ref(service: string, variable: string): string {
  return `\${{ ${service}.${variable} }}`;
}
