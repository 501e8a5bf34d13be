import type Database from 'better-sqlite3';
import type { PkiCertRecord, PkiStore } from '../types.js';
import type { CertBatchCommitter, InsertOutcome } from './cert-writer.js';
import { certFromRow, certToRow, type PkiCertRow } from './pki-rows.js';

export type PkiCertMethods = Pick<PkiStore, 'insertCert' | 'getCert' | 'listCertSerials'>;

interface PendingInsert {
  row: PkiCertRow;
  resolve: (outcome: 'ok' | 'duplicate') => void;
  reject: (error: unknown) => void;
}

export interface PkiCertStore extends PkiCertMethods {
  /** Waits for queued inserts, then stops the committer. */
  close(): Promise<void>;
}

export function createPkiCertStore(db: Database.Database, committer: CertBatchCommitter): PkiCertStore {
  const bySerial = db.prepare<[string, string], PkiCertRow>('SELECT * FROM pki_certs WHERE mount_uuid = ? AND serial = ?');
  // Walks the primary key (mount_uuid, serial): no sort step however many certificates.
  const serials = db.prepare<[string], { serial: string }>('SELECT serial FROM pki_certs WHERE mount_uuid = ? ORDER BY serial');

  /**
   * Group commit: one batch is being committed at a time; inserts requested meanwhile wait and
   * go together in the next transaction, so concurrent issuances share one fsync
   * (synchronous=FULL) instead of paying one each. Every caller is answered only after the
   * transaction holding its row has committed.
   */
  let queued: PendingInsert[] = [];
  let inFlight: Promise<void> | null = null;

  const settle = (batch: PendingInsert[], outcomes: InsertOutcome[]) => {
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome === 'ok' || outcome === 'duplicate') item.resolve(outcome);
      else item.reject(new Error(`certificate insert failed: ${outcome?.error ?? 'no outcome'}`));
    });
  };

  const drain = async (): Promise<void> => {
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      try {
        settle(batch, await committer.commit(batch.map((item) => item.row)));
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    inFlight = null;
  };

  return {
    insertCert(mountUuid: string, cert: PkiCertRecord) {
      return new Promise<'ok' | 'duplicate'>((resolve, reject) => {
        queued.push({ row: certToRow(mountUuid, cert), resolve, reject });
        // Started on the next turn, so the requests of this turn share the first batch too.
        inFlight ??= new Promise<void>((started) => setImmediate(started)).then(drain);
      });
    },
    async getCert(mountUuid, serial) {
      const row = bySerial.get(mountUuid, serial);
      return row ? certFromRow(row) : null;
    },
    async listCertSerials(mountUuid) {
      return serials.all(mountUuid).map((row) => row.serial);
    },
    async close() {
      await inFlight;
      await committer.close();
    },
  };
}
