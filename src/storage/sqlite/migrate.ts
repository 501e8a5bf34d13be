import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

/** The same relative path from src/ (tsx) and dist/ (built) to the package root. */
export const defaultMigrationsDir = fileURLToPath(new URL('../../../migrations/sqlite/', import.meta.url));

const fileNamePattern = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function readMigrations(dir: string = defaultMigrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = fileNamePattern.exec(file);
      if (!match) throw new Error(`migration file name "${file}" must look like 0001_name.sql`);
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      return { version: Number(match[1]), name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/**
 * Applies pending migrations, each in an IMMEDIATE transaction so that two processes
 * starting on one file serialize. Refuses to start if an applied migration changed.
 */
export function migrate(db: Database.Database, migrations: Migration[], nowMs: number): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = db.prepare('SELECT version, name, checksum FROM schema_migrations WHERE version = ?');
  const record = db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)');
  const known = new Set(migrations.map((m) => m.version));
  const newest = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  if (newest.v !== null && !known.has(newest.v)) {
    throw new Error(`the database was migrated by a newer mintca (schema version ${newest.v}); refusing to start`);
  }
  for (const migration of migrations) {
    db.transaction(() => {
      const row = applied.get(migration.version) as { name: string; checksum: string } | undefined;
      if (row) {
        if (row.checksum !== migration.checksum) {
          throw new Error(
            `migration ${String(migration.version).padStart(4, '0')}_${migration.name} was changed after it was applied ` +
              `(checksum ${row.checksum.slice(0, 12)}… recorded, ${migration.checksum.slice(0, 12)}… on disk); refusing to start`,
          );
        }
        return;
      }
      db.exec(migration.sql);
      record.run(migration.version, migration.name, migration.checksum, nowMs);
    }).immediate();
  }
}
