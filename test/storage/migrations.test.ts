import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultMigrationsDir, migrate, readMigrations } from '../../src/storage/sqlite/migrate.js';
import { openSqliteStore } from '../../src/storage/sqlite/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mintca-migrate-'));
  dirs.push(dir);
  return dir;
};

describe('migrations', () => {
  it('ok/applies every migration once and records checksums', async () => {
    const dir = tempDir();
    const path = join(dir, 'm.db');
    (await Promise.resolve(openSqliteStore({ path, nowMs: 1 }))).close();
    const store = openSqliteStore({ path, nowMs: 2 });
    await store.close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version').all() as Array<{
      version: number;
      checksum: string;
      applied_at: number;
    }>;
    db.close();
    const files = readMigrations();
    expect(rows.map((r) => r.version)).toEqual(files.map((m) => m.version));
    expect(rows.map((r) => r.checksum)).toEqual(files.map((m) => m.checksum));
    expect(rows.every((r) => r.applied_at === 1)).toBe(true);
  });

  it('fail/refuses to start when an applied migration was edited', async () => {
    const dir = tempDir();
    const migrations = join(dir, 'migrations');
    cpSync(defaultMigrationsDir, migrations, { recursive: true });
    const path = join(dir, 'm.db');
    await openSqliteStore({ path, nowMs: 1, migrationsDir: migrations }).close();
    writeFileSync(join(migrations, '0001_foundation.sql'), '-- edited\nCREATE TABLE sneaky (x INTEGER);\n');
    expect(() => openSqliteStore({ path, nowMs: 2, migrationsDir: migrations })).toThrow(/0001_foundation was changed after it was applied/);
  });

  it('fail/refuses a database migrated by a newer mintca', async () => {
    const dir = tempDir();
    const path = join(dir, 'm.db');
    await openSqliteStore({ path, nowMs: 1 }).close();
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations VALUES (9999, 'future', 'x', 1)").run();
    db.close();
    expect(() => openSqliteStore({ path, nowMs: 2 })).toThrow(/newer mintca/);
  });

  it('fail/a failing migration leaves nothing half-applied', () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'm.db'));
    const good = readMigrations();
    const newest = Math.max(...good.map((m) => m.version));
    const broken = { version: newest + 1, name: 'broken', sql: 'CREATE TABLE half (x INTEGER); SELECT nonsense FROM nowhere;', checksum: 'c' };
    expect(() => migrate(db, [...good, broken], 1)).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: newest });
    db.close();
  });
});
