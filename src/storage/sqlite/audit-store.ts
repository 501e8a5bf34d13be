import type Database from 'better-sqlite3';
import type { AuditDeviceRecord, AuditStore } from '../types.js';
import { createGenerationReader } from './generation.js';

interface Row {
  path: string;
  type: string;
  description: string;
  options: string;
  local: number;
  sealed_salt: Buffer;
  created_at: number;
}

const fromRow = (row: Row): AuditDeviceRecord => ({
  path: row.path,
  type: row.type,
  description: row.description,
  options: JSON.parse(row.options) as Record<string, string>,
  local: row.local === 1,
  sealedSalt: row.sealed_salt,
  createdAt: row.created_at,
});

export function createAuditStore(db: Database.Database): AuditStore {
  const list = db.prepare<[], Row>('SELECT * FROM audit_devices ORDER BY path');
  const insert = db.prepare(
    'INSERT OR IGNORE INTO audit_devices (path, type, description, options, local, sealed_salt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const remove = db.prepare('DELETE FROM audit_devices WHERE path = ?');
  const generation = createGenerationReader(db);
  return {
    configGeneration: async () => generation(),
    async list() {
      return list.all().map(fromRow);
    },
    async create(device) {
      const result = insert.run(
        device.path,
        device.type,
        device.description,
        JSON.stringify(device.options),
        device.local ? 1 : 0,
        device.sealedSalt,
        device.createdAt,
      );
      return result.changes === 1;
    },
    async delete(path) {
      return remove.run(path).changes === 1;
    },
  };
}
