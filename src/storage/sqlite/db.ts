import Database from 'better-sqlite3';

/** WAL for concurrent readers, a busy timeout so a second process waits instead of failing. */
export function openDatabase(path: string): Database.Database {
  // The busy timeout comes first: switching to WAL needs a lock another process may hold.
  const db = new Database(path, { timeout: 10_000 });
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = FULL');
  return db;
}

export const toBool = (value: unknown): boolean => value === 1 || value === 1n;
export const fromBool = (value: boolean): number => (value ? 1 : 0);
