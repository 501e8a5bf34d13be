import type Database from 'better-sqlite3';
import type { PkiConfigName, PkiStore } from '../types.js';
import type { PkiConfigTable } from './pki-config.js';

export type PkiDocumentMethods = Pick<PkiStore, 'getConfig' | 'setConfig' | 'getRole' | 'putRole' | 'deleteRole' | 'listRoles'>;

/** Config documents and roles: JSON the store does not interpret. */
export function createPkiDocumentStore(db: Database.Database, config: PkiConfigTable): PkiDocumentMethods {
  const getRole = db.prepare<[string, string], { role: string }>('SELECT role FROM pki_roles WHERE mount_uuid = ? AND name = ?');
  const putRole = db.prepare(
    `INSERT INTO pki_roles (mount_uuid, name, role) VALUES (?, ?, ?)
     ON CONFLICT (mount_uuid, name) DO UPDATE SET role = excluded.role`,
  );
  const deleteRole = db.prepare('DELETE FROM pki_roles WHERE mount_uuid = ? AND name = ?');
  const listRoles = db.prepare<[string], { name: string }>('SELECT name FROM pki_roles WHERE mount_uuid = ? ORDER BY name');

  return {
    async getConfig<T>(mountUuid: string, name: PkiConfigName) {
      return config.get(mountUuid, name) as T | null;
    },
    async setConfig(mountUuid, name, value) {
      config.set(mountUuid, name, value);
    },
    async getRole(mountUuid, name) {
      const row = getRole.get(mountUuid, name);
      return row ? (JSON.parse(row.role) as unknown) : null;
    },
    async putRole(mountUuid, name, role) {
      const json = JSON.stringify(role);
      if (json === undefined) throw new TypeError(`role "${name}" is not representable as JSON`);
      putRole.run(mountUuid, name, json);
    },
    async deleteRole(mountUuid, name) {
      return deleteRole.run(mountUuid, name).changes === 1;
    },
    async listRoles(mountUuid) {
      return listRoles.all(mountUuid).map((row) => row.name);
    },
  };
}
