import type Database from 'better-sqlite3';
import type { PkiCertCursor, PkiOrphanRevocation, PkiStore } from '../types.js';
import { issuerFromRow, type PkiIssuerRow } from './pki-rows.js';

export type PkiTidyMethods = Pick<
  PkiStore,
  'deleteExpiredCerts' | 'deleteExpiredRevocations' | 'listOrphanRevocations' | 'setRevocationIssuer' | 'countCertsAndRevocations' | 'listExpiredIssuers'
>;

interface ExpiredCertRow {
  serial: string;
  not_after_ms: number;
  revoked: number;
}

interface RevocationPageRow {
  seq: number;
  serial: string;
  issuer_id: string | null;
  /** From the stored certificate, else from an issuer with that serial; null when neither exists. */
  not_after_ms: number | null;
  stored: number;
}

/** Before every real cursor: walks start here. */
const start: PkiCertCursor = { notAfterMs: Number.MIN_SAFE_INTEGER, serial: '' };

/**
 * The tidy operation's storage (migrations/sqlite/0004_tidy.sql adds the index it walks). Each
 * method examines at most `limit` rows in one statement or one IMMEDIATE transaction, so
 * issuance interleaves between batches.
 */
export function createPkiTidyStore(db: Database.Database): PkiTidyMethods {
  // A range scan of pki_certs_not_after: only expired rows are read, in cursor order.
  const expiredCerts = db.prepare<[string, number, number, string, number], ExpiredCertRow>(
    `SELECT c.serial, c.not_after_ms,
       EXISTS (SELECT 1 FROM pki_revocations r WHERE r.mount_uuid = c.mount_uuid AND r.serial = c.serial) AS revoked
     FROM pki_certs c
     WHERE c.mount_uuid = ? AND c.not_after_ms < ? AND (c.not_after_ms, c.serial) > (?, ?)
     ORDER BY c.not_after_ms, c.serial LIMIT ?`,
  );
  const deleteCert = db.prepare<[string, string]>('DELETE FROM pki_certs WHERE mount_uuid = ? AND serial = ?');
  const revocationPage = db.prepare<[string, number, number], RevocationPageRow>(
    `SELECT r.seq, r.serial, r.issuer_id,
       COALESCE(c.not_after_ms, (SELECT MAX(i.not_after_ms) FROM pki_issuers i WHERE i.mount_uuid = r.mount_uuid AND i.serial = r.serial)) AS not_after_ms,
       c.serial IS NOT NULL AS stored
     FROM pki_revocations r LEFT JOIN pki_certs c ON c.mount_uuid = r.mount_uuid AND c.serial = r.serial
     WHERE r.mount_uuid = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`,
  );
  const deleteRevocation = db.prepare<[number]>('DELETE FROM pki_revocations WHERE seq = ?');
  const issuerIds = db.prepare<[string], { id: string }>('SELECT id FROM pki_issuers WHERE mount_uuid = ?');
  // The revoked certificate: its stored row, else an issuer of the mount (a revoked intermediate).
  const certDer = db.prepare<[{ m: string; s: string }], { der: Buffer }>(
    `SELECT certificate_der AS der FROM pki_certs WHERE mount_uuid = @m AND serial = @s
     UNION ALL SELECT certificate_der FROM pki_issuers WHERE mount_uuid = @m AND serial = @s LIMIT 1`,
  );
  const setIssuer = db.prepare<[string, string, string]>('UPDATE pki_revocations SET issuer_id = ? WHERE mount_uuid = ? AND serial = ?');
  const countCerts = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM pki_certs WHERE mount_uuid = ?');
  const countRevocations = db.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM pki_revocations WHERE mount_uuid = ?');
  const expiredIssuers = db.prepare<[string, number], PkiIssuerRow>('SELECT * FROM pki_issuers WHERE mount_uuid = ? AND not_after_ms < ? ORDER BY id');

  const certBatch = db.transaction((mountUuid: string, beforeMs: number, after: PkiCertCursor, limit: number) => {
    const rows = expiredCerts.all(mountUuid, beforeMs, after.notAfterMs, after.serial, limit);
    let deleted = 0;
    for (const row of rows) {
      if (row.revoked) continue;
      deleted += deleteCert.run(mountUuid, row.serial).changes;
    }
    const last = rows.at(-1);
    return { deleted, next: rows.length === limit && last ? { notAfterMs: last.not_after_ms, serial: last.serial } : null };
  });

  const revocationBatch = db.transaction((mountUuid: string, beforeMs: number, afterSeq: number, limit: number) => {
    const rows = revocationPage.all(mountUuid, afterSeq, limit);
    let revocationsDeleted = 0;
    let certsDeleted = 0;
    const issuers = new Set<string>();
    for (const row of rows) {
      if (row.not_after_ms === null || row.not_after_ms >= beforeMs) continue;
      revocationsDeleted += deleteRevocation.run(row.seq).changes;
      if (row.stored) certsDeleted += deleteCert.run(mountUuid, row.serial).changes;
      if (row.issuer_id !== null) issuers.add(row.issuer_id);
    }
    return { revocationsDeleted, certsDeleted, issuerIds: [...issuers].sort(), nextSeq: rows.length === limit ? rows.at(-1)!.seq : null };
  });

  const orphanPage = db.transaction((mountUuid: string, afterSeq: number, limit: number) => {
    const rows = revocationPage.all(mountUuid, afterSeq, limit);
    const known = new Set(issuerIds.all(mountUuid).map((row) => row.id));
    const orphans: PkiOrphanRevocation[] = rows
      .filter((row) => row.issuer_id === null || !known.has(row.issuer_id))
      .map((row) => ({
        seq: row.seq,
        serial: row.serial,
        issuerId: row.issuer_id,
        certificateDer: certDer.get({ m: mountUuid, s: row.serial })?.der ?? null,
      }));
    return { orphans, nextSeq: rows.length === limit ? rows.at(-1)!.seq : null };
  });

  return {
    async deleteExpiredCerts(mountUuid, expiredBeforeMs, after, limit) {
      return certBatch.immediate(mountUuid, expiredBeforeMs, after ?? start, limit);
    },
    async deleteExpiredRevocations(mountUuid, expiredBeforeMs, afterSeq, limit) {
      return revocationBatch.immediate(mountUuid, expiredBeforeMs, afterSeq, limit);
    },
    async listOrphanRevocations(mountUuid, afterSeq, limit) {
      return orphanPage.deferred(mountUuid, afterSeq, limit);
    },
    async setRevocationIssuer(mountUuid, serial, issuerId) {
      return setIssuer.run(issuerId, mountUuid, serial).changes === 1;
    },
    async countCertsAndRevocations(mountUuid) {
      return { certs: countCerts.get(mountUuid)!.n, revocations: countRevocations.get(mountUuid)!.n };
    },
    async listExpiredIssuers(mountUuid, expiredBeforeMs) {
      return expiredIssuers.all(mountUuid, expiredBeforeMs).map(issuerFromRow);
    },
  };
}
