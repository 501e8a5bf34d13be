import type Database from 'better-sqlite3';
import type { AuthStore } from '../types.js';

export function createAuthStore(db: Database.Database): AuthStore {
  const getConfig = db.prepare<[string, string], { value: string }>('SELECT value FROM auth_config WHERE mount_uuid = ? AND name = ?');
  const setConfig = db.prepare(
    'INSERT INTO auth_config (mount_uuid, name, value) VALUES (?, ?, ?) ON CONFLICT (mount_uuid, name) DO UPDATE SET value = excluded.value',
  );
  const getRole = db.prepare<[string, string], { role: string }>('SELECT role FROM auth_roles WHERE mount_uuid = ? AND name = ?');
  const putRole = db.prepare(
    'INSERT INTO auth_roles (mount_uuid, name, role) VALUES (?, ?, ?) ON CONFLICT (mount_uuid, name) DO UPDATE SET role = excluded.role',
  );
  const deleteRole = db.prepare('DELETE FROM auth_roles WHERE mount_uuid = ? AND name = ?');
  const listRoles = db.prepare<[string], { name: string }>('SELECT name FROM auth_roles WHERE mount_uuid = ? ORDER BY name');
  return {
    async getConfig<T>(mountUuid: string, name: string) {
      const row = getConfig.get(mountUuid, name);
      return row ? (JSON.parse(row.value) as T) : null;
    },
    async setConfig(mountUuid, name, value) {
      setConfig.run(mountUuid, name, JSON.stringify(value));
    },
    async getRole<T>(mountUuid: string, name: string) {
      const row = getRole.get(mountUuid, name);
      return row ? (JSON.parse(row.role) as T) : null;
    },
    async putRole(mountUuid, name, role) {
      putRole.run(mountUuid, name, JSON.stringify(role));
    },
    async deleteRole(mountUuid, name) {
      return deleteRole.run(mountUuid, name).changes === 1;
    },
    async listRoles(mountUuid) {
      return listRoles.all(mountUuid).map((row) => row.name);
    },
  };
}
