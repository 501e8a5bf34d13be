import type Database from 'better-sqlite3';
import type { PolicyRecord, PolicyStore } from '../types.js';
import { createGenerationReader } from './generation.js';

interface PolicyRow {
  name: string;
  policy: string;
  created_at: number;
  updated_at: number;
}

export function createPolicyStore(db: Database.Database): PolicyStore {
  const get = db.prepare<[string], PolicyRow>('SELECT * FROM acl_policies WHERE name = ?');
  const upsert = db.prepare(
    `INSERT INTO acl_policies (name, policy, created_at, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare('DELETE FROM acl_policies WHERE name = ?');
  const names = db.prepare<[], { name: string }>('SELECT name FROM acl_policies ORDER BY name');
  const generation = createGenerationReader(db);
  return {
    configGeneration: async () => generation(),
    async get(name) {
      const row = get.get(name);
      return row ? ({ name: row.name, policy: row.policy, createdAt: row.created_at, updatedAt: row.updated_at } satisfies PolicyRecord) : null;
    },
    async put(name, policy, nowMs) {
      upsert.run(name, policy, nowMs, nowMs);
    },
    async delete(name) {
      return remove.run(name).changes === 1;
    },
    async list() {
      return names.all().map((row) => row.name);
    },
  };
}
