import type Database from 'better-sqlite3';

/**
 * The config generation (migrations/sqlite/0009_config_generation.sql): triggers bump it in the
 * same transaction as any write to mounts, PKI issuers, keys, config, roles or ACL policies,
 * whichever process made it. Reading it is one indexed single-row SELECT.
 */
export function createGenerationReader(db: Database.Database): () => number {
  const select = db.prepare<[], { value: number }>('SELECT value FROM config_generation WHERE id = 1');
  return () => select.get()?.value ?? 0;
}
