import type Database from 'better-sqlite3';
import type { PkiChange, PkiChangeResult, PkiStore } from '../types.js';
import type { PkiConfigTable } from './pki-config.js';
import {
  certColumns,
  certificateHash,
  certToRow,
  insertSql,
  issuerColumns,
  issuerToRow,
  keyColumns,
  keyToRow,
} from './pki-rows.js';

/**
 * applyChange: keys, then issuers, then certificates, then the default pointers, all in one
 * IMMEDIATE transaction. Records already stored (same public key, same certificate, same serial)
 * are not stored again; references to them inside the change are rewritten to the stored ids.
 */
export function createPkiChangeStore(db: Database.Database, config: PkiConfigTable): Pick<PkiStore, 'applyChange'> {
  const keyByPublicKey = db.prepare<[string, Buffer], { id: string }>('SELECT id FROM pki_keys WHERE mount_uuid = ? AND public_key_der = ?');
  const insertKey = db.prepare(insertSql('pki_keys', keyColumns));
  const issuerByCertificate = db.prepare<[string, Buffer], { id: string; key_id: string | null }>(
    'SELECT id, key_id FROM pki_issuers WHERE mount_uuid = ? AND certificate_sha256 = ?',
  );
  const insertIssuer = db.prepare(insertSql('pki_issuers', issuerColumns));
  const linkIssuerKey = db.prepare('UPDATE pki_issuers SET key_id = ? WHERE mount_uuid = ? AND id = ? AND key_id IS NULL');
  const insertCert = db.prepare(insertSql('pki_certs', certColumns, ' ON CONFLICT (mount_uuid, serial) DO NOTHING'));

  const apply = db.transaction((mountUuid: string, change: PkiChange): PkiChangeResult => {
    const result: PkiChangeResult = { insertedKeys: [], existingKeys: [], insertedIssuers: [], existingIssuers: [], issuerKeys: {} };

    // Id in the change -> id stored in the mount (differs when the record already existed).
    const keyIds = new Map<string, string>();
    for (const key of change.keys) {
      const existing = keyByPublicKey.get(mountUuid, key.publicKeyDer);
      if (existing) {
        keyIds.set(key.id, existing.id);
        if (!result.existingKeys.includes(existing.id)) result.existingKeys.push(existing.id);
        continue;
      }
      insertKey.run(keyToRow(mountUuid, key));
      keyIds.set(key.id, key.id);
      result.insertedKeys.push(key.id);
    }

    const issuerIds = new Map<string, string>();
    for (const issuer of change.issuers) {
      const keyId = issuer.keyId === null ? null : (keyIds.get(issuer.keyId) ?? issuer.keyId);
      const existing = issuerByCertificate.get(mountUuid, certificateHash(issuer.certificateDer));
      if (existing) {
        // A certificate imported before its key: the change brings the key, so link them now.
        let storedKeyId = existing.key_id;
        if (storedKeyId === null && keyId !== null) {
          linkIssuerKey.run(keyId, mountUuid, existing.id);
          storedKeyId = keyId;
        }
        issuerIds.set(issuer.id, existing.id);
        if (!result.existingIssuers.includes(existing.id)) result.existingIssuers.push(existing.id);
        result.issuerKeys[existing.id] = storedKeyId;
        continue;
      }
      insertIssuer.run(issuerToRow(mountUuid, { ...issuer, keyId }));
      issuerIds.set(issuer.id, issuer.id);
      result.insertedIssuers.push(issuer.id);
      result.issuerKeys[issuer.id] = keyId;
    }

    // A CA certificate imported again keeps its first row.
    for (const cert of change.certs) {
      const issuerId = cert.issuerId === null ? null : (issuerIds.get(cert.issuerId) ?? cert.issuerId);
      insertCert.run(certToRow(mountUuid, { ...cert, issuerId }));
    }

    const firstIssuer = change.issuers[0];
    if (firstIssuer) config.pointDefault(mountUuid, 'issuers', issuerIds.get(firstIssuer.id)!, change.defaultIssuer);
    const firstKey = change.keys[0];
    if (firstKey) config.pointDefault(mountUuid, 'keys', keyIds.get(firstKey.id)!, change.defaultKey);
    return result;
  });

  return {
    async applyChange(mountUuid, change) {
      return apply.immediate(mountUuid, change);
    },
  };
}
