import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

/** WAL for concurrent readers, a busy timeout so a second process waits instead of failing. */
export function openDatabase(path: string): Database.Database {
  createPrivately(path);
  // The busy timeout comes first: switching to WAL needs a lock another process may hold.
  const db = new Database(path, { timeout: 10_000 });
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = FULL');
  return db;
}

/**
 * A new database file is created with mode 0600 (SQLite gives its WAL and shared memory the
 * same mode): it holds sealed keys and token hashes, which only the server should read.
 */
function createPrivately(path: string): void {
  if (path === ':memory:' || path === '') return;
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

export const toBool = (value: unknown): boolean => value === 1 || value === 1n;
export const fromBool = (value: boolean): number => (value ? 1 : 0);
