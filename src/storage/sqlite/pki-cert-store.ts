import type Database from 'better-sqlite3';
import type { PkiCertRecord, PkiStore } from '../types.js';
import { certColumns, certFromRow, certToRow, insertSql, isConstraintError, type PkiCertRow } from './pki-rows.js';

export type PkiCertMethods = Pick<PkiStore, 'insertCert' | 'getCert' | 'listCertSerials'>;

type InsertOutcome = 'ok' | 'duplicate';

interface PendingInsert {
  row: ReturnType<typeof certToRow>;
  resolve: (outcome: InsertOutcome) => void;
  reject: (error: unknown) => void;
}

export function createPkiCertStore(db: Database.Database): PkiCertMethods {
  const insert = db.prepare(insertSql('pki_certs', certColumns));
  const bySerial = db.prepare<[string, string], PkiCertRow>('SELECT * FROM pki_certs WHERE mount_uuid = ? AND serial = ?');
  // Walks the primary key (mount_uuid, serial): no sort step however many certificates.
  const serials = db.prepare<[string], { serial: string }>('SELECT serial FROM pki_certs WHERE mount_uuid = ? ORDER BY serial');

  // A constraint failure aborts only its own statement; the rest of the batch still commits.
  const insertBatch = db.transaction((batch: PendingInsert[]): InsertOutcome[] =>
    batch.map(({ row }) => {
      try {
        insert.run(row);
        return 'ok';
      } catch (error) {
        if (isConstraintError(error, 'PRIMARYKEY')) return 'duplicate';
        throw error;
      }
    }),
  );

  /**
   * Group commit: inserts requested during one turn of the event loop share one transaction,
   * so concurrent issuances pay for one fsync (synchronous=FULL) instead of one each. Every
   * caller is answered only after the transaction holding its row has committed.
   */
  let pending: PendingInsert[] = [];
  const flush = (): void => {
    const batch = pending;
    pending = [];
    try {
      const outcomes = insertBatch.immediate(batch);
      batch.forEach((item, i) => item.resolve(outcomes[i]!));
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  };

  return {
    // The issuance hot path: the primary key decides between two racing writers.
    insertCert(mountUuid: string, cert: PkiCertRecord) {
      return new Promise<InsertOutcome>((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ row: certToRow(mountUuid, cert), resolve, reject });
      });
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
