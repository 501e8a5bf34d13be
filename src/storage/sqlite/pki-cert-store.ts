import type Database from 'better-sqlite3';
import type { PkiStore } from '../types.js';
import { certColumns, certFromRow, certToRow, insertSql, isConstraintError, type PkiCertRow } from './pki-rows.js';

export type PkiCertMethods = Pick<PkiStore, 'insertCert' | 'getCert' | 'listCertSerials'>;

export function createPkiCertStore(db: Database.Database): PkiCertMethods {
  const insert = db.prepare(insertSql('pki_certs', certColumns));
  const bySerial = db.prepare<[string, string], PkiCertRow>('SELECT * FROM pki_certs WHERE mount_uuid = ? AND serial = ?');
  // Walks the primary key (mount_uuid, serial): no sort step however many certificates.
  const serials = db.prepare<[string], { serial: string }>('SELECT serial FROM pki_certs WHERE mount_uuid = ? ORDER BY serial');

  return {
    // The issuance hot path: one statement, the primary key decides between two racing writers.
    async insertCert(mountUuid, cert) {
      try {
        insert.run(certToRow(mountUuid, cert));
        return 'ok';
      } catch (error) {
        if (isConstraintError(error, 'PRIMARYKEY')) return 'duplicate';
        throw error;
      }
    },
    async getCert(mountUuid, serial) {
      const row = bySerial.get(mountUuid, serial);
      return row ? certFromRow(row) : null;
    },
    async listCertSerials(mountUuid) {
      return serials.all(mountUuid).map((row) => row.serial);
    },
  };
}
