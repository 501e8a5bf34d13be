import type Database from 'better-sqlite3';
import type { PkiStore } from '../types.js';
import type { PkiConfigTable } from './pki-config.js';
import { isConstraintError, keyFromRow, type PkiKeyRow } from './pki-rows.js';

export type PkiKeyMethods = Pick<PkiStore, 'listKeys' | 'getKey' | 'findKeyByName' | 'findKeyByPublicKey' | 'renameKey' | 'deleteKey'>;

export function createPkiKeyStore(db: Database.Database, config: PkiConfigTable): PkiKeyMethods {
  const list = db.prepare<[string], PkiKeyRow>('SELECT * FROM pki_keys WHERE mount_uuid = ? ORDER BY id');
  const byId = db.prepare<[string, string], PkiKeyRow>('SELECT * FROM pki_keys WHERE mount_uuid = ? AND id = ?');
  const byName = db.prepare<[string, string], PkiKeyRow>("SELECT * FROM pki_keys WHERE mount_uuid = ? AND name = ? AND name <> ''");
  const byPublicKey = db.prepare<[string, Buffer], PkiKeyRow>('SELECT * FROM pki_keys WHERE mount_uuid = ? AND public_key_der = ?');
  const rename = db.prepare('UPDATE pki_keys SET name = ? WHERE mount_uuid = ? AND id = ?');
  const exists = db.prepare<[string, string], { n: number }>('SELECT 1 AS n FROM pki_keys WHERE mount_uuid = ? AND id = ?');
  const usedBy = db.prepare<[string, string], { n: number }>('SELECT 1 AS n FROM pki_issuers WHERE mount_uuid = ? AND key_id = ? LIMIT 1');
  const remove = db.prepare('DELETE FROM pki_keys WHERE mount_uuid = ? AND id = ?');

  // The in-use check, the delete and the default-key update see one snapshot: no issuer can be
  // linked to the key in between. The foreign key from pki_issuers backs the check up.
  const deleteKey = db.transaction((mountUuid: string, id: string): 'ok' | 'missing' | 'in_use' => {
    if (!exists.get(mountUuid, id)) return 'missing';
    if (usedBy.get(mountUuid, id)) return 'in_use';
    remove.run(mountUuid, id);
    config.clearDefault(mountUuid, 'keys', new Set([id]));
    return 'ok';
  });

  return {
    async listKeys(mountUuid) {
      return list.all(mountUuid).map(keyFromRow);
    },
    async getKey(mountUuid, id) {
      const row = byId.get(mountUuid, id);
      return row ? keyFromRow(row) : null;
    },
    async findKeyByName(mountUuid, name) {
      const row = byName.get(mountUuid, name);
      return row ? keyFromRow(row) : null;
    },
    async findKeyByPublicKey(mountUuid, publicKeyDer) {
      const row = byPublicKey.get(mountUuid, publicKeyDer);
      return row ? keyFromRow(row) : null;
    },
    async renameKey(mountUuid, id, name) {
      try {
        return rename.run(name, mountUuid, id).changes === 1 ? 'ok' : 'missing';
      } catch (error) {
        if (isConstraintError(error, 'UNIQUE')) return 'name_taken';
        throw error;
      }
    },
    async deleteKey(mountUuid, id) {
      return deleteKey.immediate(mountUuid, id);
    },
  };
}
