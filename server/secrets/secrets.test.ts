import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decrypt, DecryptError, encrypt } from './crypto';
import { KEY_FILE, loadSecretKey, SecretKeyError } from './key';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'containr-secrets-'));
  dirs.push(dir);
  return dir;
};

describe('secret key', () => {
  it('generates a key file readable by its owner only, and reuses it', () => {
    const dataDir = tempDir();
    const first = loadSecretKey({ dataDir });
    expect(first.key).toHaveLength(32);
    expect(statSync(join(dataDir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(loadSecretKey({ dataDir })).toEqual(first);
  });

  it('prefers CONTAINR_SECRET_KEY and tells keys apart by fingerprint', () => {
    const dataDir = tempDir();
    const fromEnv = randomBytes(32);
    const key = loadSecretKey({ fromEnv, dataDir });
    expect(key.key.equals(fromEnv)).toBe(true);
    expect(key.id).not.toBe(loadSecretKey({ dataDir }).id);
  });

  it('refuses a key file that is not 32 bytes, and tightens a too-open one', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, KEY_FILE), 'c2hvcnQ=\n', { mode: 0o644 });
    expect(() => loadSecretKey({ dataDir })).toThrow(SecretKeyError);
    expect(statSync(join(dataDir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, KEY_FILE), 'utf8')).toBe('c2hvcnQ=\n');
  });
});

describe('AES-256-GCM', () => {
  const key = randomBytes(32);

  it('round-trips, with a fresh IV each time', () => {
    const a = encrypt(key, 'hunter2', 'env1/PASSWORD');
    const b = encrypt(key, 'hunter2', 'env1/PASSWORD');
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from('hunter2'))).toBe(false);
    expect(decrypt(key, a, 'env1/PASSWORD')).toBe('hunter2');
  });

  it('refuses a value moved to another environment or name, a tampered one, and the wrong key', () => {
    const sealed = encrypt(key, 'hunter2', 'env1/PASSWORD');
    expect(() => decrypt(key, sealed, 'env2/PASSWORD')).toThrow(DecryptError);
    expect(() => decrypt(key, sealed, 'env1/OTHER')).toThrow(DecryptError);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => decrypt(key, tampered, 'env1/PASSWORD')).toThrow(DecryptError);
    expect(() => decrypt(randomBytes(32), sealed, 'env1/PASSWORD')).toThrow(DecryptError);
  });
});
