// The key that encrypts secrets at rest: CONTAINR_SECRET_KEY (base64 of 32
// bytes) when set, else a key file generated on first start in the data dir.
// Losing the key loses every secret value, so the file is never replaced.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const KEY_BYTES = 32;
export const KEY_FILE = 'secret.key';

export type SecretKey = {
  key: Buffer;
  /** A fingerprint stored beside each value: tells "wrong key" apart from "tampered". */
  id: string;
};

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

export function decodeKey(base64: string, source: string): Buffer {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretKeyError(`${source} must be the base64 encoding of ${KEY_BYTES} random bytes (got ${key.length} bytes)`);
  }
  return key;
}

export function loadSecretKey(opts: { fromEnv?: Buffer; dataDir: string }): SecretKey {
  const key = opts.fromEnv ?? readOrCreateKeyFile(join(opts.dataDir, KEY_FILE));
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 16) };
}

function readOrCreateKeyFile(file: string): Buffer {
  try {
    // 'wx' fails when the file exists, so two processes starting together keep one key.
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // The umask cannot widen an explicit mode, but a copied-in file may be too open.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return decodeKey(readFileSync(file, 'utf8'), file);
}
