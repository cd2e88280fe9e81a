import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { MigrationError, openDb } from './client';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'containr-db-'));
  dirs.push(dir);
  return join(dir, 'test.db');
};

it('creates the schema in WAL mode with foreign keys on', () => {
  const db = openDb(tempFile());
  expect(db.$client.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(db.$client.pragma('foreign_keys', { simple: true })).toBe(1);
  const tables = db.$client
    .prepare("select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\' and name != 'sqlite_sequence'")
    .all()
    .map((r) => (r as { name: string }).name);
  expect(tables).toEqual(
    expect.arrayContaining(['users', 'sessions', 'api_tokens', 'teams', 'team_members', 'projects', 'environments', 'audit_log']),
  );
  db.$client.close();
});

it('is idempotent: opening an up-to-date database applies nothing twice', () => {
  const file = tempFile();
  openDb(file).$client.close();
  const db = openDb(file);
  const applied = db.$client.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number };
  expect(applied.n).toBeGreaterThan(0);
  db.$client.close();
});

it('stops with a MigrationError when a migration cannot apply', () => {
  const file = tempFile();
  // A table in the way of the first migration makes it fail.
  const raw = new Database(file);
  raw.exec('create table users (oops text)');
  raw.close();
  expect(() => openDb(file)).toThrow(MigrationError);
});
