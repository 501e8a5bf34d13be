import type Database from 'better-sqlite3';
import type { PkiIssuerRecord, PkiStore } from '../types.js';
import { fromBool } from './db.js';
import type { PkiConfigTable } from './pki-config.js';
import { isConstraintError, issuerFromRow, type PkiIssuerRow } from './pki-rows.js';

export type PkiIssuerMethods = Pick<
  PkiStore,
  'listIssuers' | 'getIssuer' | 'findIssuerByName' | 'updateIssuer' | 'deleteIssuer' | 'deleteAllIssuersAndKeys'
>;

export function createPkiIssuerStore(db: Database.Database, config: PkiConfigTable): PkiIssuerMethods {
  const list = db.prepare<[string], PkiIssuerRow>('SELECT * FROM pki_issuers WHERE mount_uuid = ? ORDER BY id');
  const byId = db.prepare<[string, string], PkiIssuerRow>('SELECT * FROM pki_issuers WHERE mount_uuid = ? AND id = ?');
  const byName = db.prepare<[string, string], PkiIssuerRow>(
    "SELECT * FROM pki_issuers WHERE mount_uuid = ? AND name = ? AND name <> ''",
  );
  // Only the mutable fields; the certificate, its key and everything derived from it stay.
  const update = db.prepare(
    `UPDATE pki_issuers SET name = @name, key_id = @key_id, leaf_not_after_behavior = @leaf_not_after_behavior, usage = @usage,
       manual_chain = @manual_chain, revocation_signature_algorithm = @revocation_signature_algorithm, urls = @urls,
       revoked = @revoked, revocation_time_ms = @revocation_time_ms
     WHERE mount_uuid = @mount_uuid AND id = @id`,
  );
  const remove = db.prepare('DELETE FROM pki_issuers WHERE mount_uuid = ? AND id = ?');
  const removeAllIssuers = db.prepare('DELETE FROM pki_issuers WHERE mount_uuid = ?');
  const removeAllKeys = db.prepare('DELETE FROM pki_keys WHERE mount_uuid = ?');

  const deleteIssuer = db.transaction((mountUuid: string, id: string): boolean => {
    if (remove.run(mountUuid, id).changes === 0) return false;
    config.clearDefault(mountUuid, 'issuers', new Set([id]));
    return true;
  });
  const deleteAll = db.transaction((mountUuid: string): void => {
    removeAllIssuers.run(mountUuid);
    removeAllKeys.run(mountUuid);
    config.clearDefault(mountUuid, 'issuers', null);
    config.clearDefault(mountUuid, 'keys', null);
  });

  return {
    async listIssuers(mountUuid) {
      return list.all(mountUuid).map(issuerFromRow);
    },
    async getIssuer(mountUuid, id) {
      const row = byId.get(mountUuid, id);
      return row ? issuerFromRow(row) : null;
    },
    async findIssuerByName(mountUuid, name) {
      const row = byName.get(mountUuid, name);
      return row ? issuerFromRow(row) : null;
    },
    async updateIssuer(mountUuid: string, issuer: PkiIssuerRecord) {
      try {
        const result = update.run({
          mount_uuid: mountUuid,
          id: issuer.id,
          name: issuer.name,
          key_id: issuer.keyId,
          leaf_not_after_behavior: issuer.leafNotAfterBehavior,
          usage: JSON.stringify(issuer.usage),
          manual_chain: JSON.stringify(issuer.manualChain),
          revocation_signature_algorithm: issuer.revocationSignatureAlgorithm,
          urls: JSON.stringify(issuer.urls),
          revoked: fromBool(issuer.revoked),
          revocation_time_ms: issuer.revocationTimeMs,
        });
        return result.changes === 1 ? 'ok' : 'missing';
      } catch (error) {
        if (isConstraintError(error, 'UNIQUE')) return 'name_taken';
        throw error;
      }
    },
    async deleteIssuer(mountUuid, id) {
      return deleteIssuer.immediate(mountUuid, id);
    },
    async deleteAllIssuersAndKeys(mountUuid) {
      deleteAll.immediate(mountUuid);
    },
  };
}
