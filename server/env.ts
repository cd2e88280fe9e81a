// Configuration, parsed once at start. A bad value stops the process with a
// message naming the variable.
import { resolve } from 'node:path';
import { z } from 'zod';

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  CONTAINR_DATA_DIR: z.string().min(1).default('./.containr'),
  CONTAINR_PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CONTAINR_SECURE_COOKIES: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  CONTAINR_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  CONTAINR_LOGIN_WINDOW_S: z.coerce.number().int().min(1).default(900),
  RESEND_API_KEY: z.string().min(1).optional(),
  CONTAINR_MAIL_FROM: z.string().min(3).default('Containr <containr@localhost>'),
});

export type Env = {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  dbFile: string;
  publicUrl: string | undefined;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  secureCookies: boolean;
  login: { maxFailures: number; windowMs: number };
  resendApiKey: string | undefined;
  mailFrom: string;
};

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvError';
  }
}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new EnvError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = result.data;
  const dataDir = resolve(e.CONTAINR_DATA_DIR);
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    dbFile: resolve(dataDir, 'containr.db'),
    publicUrl: e.CONTAINR_PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    // Secure cookies need https; default to them only when the public URL is https.
    secureCookies: e.CONTAINR_SECURE_COOKIES ?? e.CONTAINR_PUBLIC_URL?.startsWith('https://') ?? false,
    login: { maxFailures: e.CONTAINR_LOGIN_MAX_FAILURES, windowMs: e.CONTAINR_LOGIN_WINDOW_S * 1000 },
    resendApiKey: e.RESEND_API_KEY,
    mailFrom: e.CONTAINR_MAIL_FROM,
  };
}
