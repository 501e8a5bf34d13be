import type Database from 'better-sqlite3';
import type { PkiRevocationRecord, PkiStore, StoredCrl } from '../types.js';
import { fromBool, toBool } from './db.js';

export type PkiRevocationMethods = Pick<
  PkiStore,
  | 'revokeCert'
  | 'getRevocation'
  | 'listRevokedSerials'
  | 'listRevocations'
  | 'countRevocations'
  | 'latestRevocationSeq'
  | 'getCrl'
  | 'nextCrlNumber'
  | 'saveCrl'
>;

interface RevocationRow {
  seq: number;
  serial: string;
  issuer_id: string | null;
  revoked_at_ms: number;
  reason: number | null;
}

interface CrlRow {
  issuer_id: string;
  delta: number;
  crl_number: number;
  base_number: number | null;
  der: Buffer;
  this_update_ms: number;
  next_update_ms: number;
  covers_seq: number;
}

const revocationFromRow = (row: RevocationRow): PkiRevocationRecord => ({
  serial: row.serial,
  issuerId: row.issuer_id,
  revokedAtMs: row.revoked_at_ms,
  reason: row.reason,
  seq: row.seq,
});

const crlFromRow = (row: CrlRow): StoredCrl => ({
  issuerId: row.issuer_id,
  delta: toBool(row.delta),
  number: row.crl_number,
  baseNumber: row.base_number,
  der: row.der,
  thisUpdateMs: row.this_update_ms,
  nextUpdateMs: row.next_update_ms,
  coversSeq: row.covers_seq,
});

export function createPkiRevocationStore(db: Database.Database): PkiRevocationMethods {
  const insertRevocation = db.prepare(
    `INSERT INTO pki_revocations (mount_uuid, serial, issuer_id, revoked_at_ms, reason) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (mount_uuid, serial) DO NOTHING`,
  );
  const bySerial = db.prepare<[string, string], RevocationRow>(
    'SELECT seq, serial, issuer_id, revoked_at_ms, reason FROM pki_revocations WHERE mount_uuid = ? AND serial = ?',
  );
  const serials = db.prepare<[string], { serial: string }>('SELECT serial FROM pki_revocations WHERE mount_uuid = ? ORDER BY serial');
  const forIssuer = db.prepare<[string, string, number], RevocationRow>(
    `SELECT seq, serial, issuer_id, revoked_at_ms, reason FROM pki_revocations
     WHERE mount_uuid = ? AND issuer_id = ? AND seq > ? ORDER BY seq`,
  );
  const countForIssuer = db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM pki_revocations WHERE mount_uuid = ? AND issuer_id = ?');
  const latestSeq = db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM pki_revocations WHERE mount_uuid = ?');
  const crl = db.prepare<[string, string, number], CrlRow>('SELECT * FROM pki_crls WHERE mount_uuid = ? AND issuer_id = ? AND delta = ?');
  const bumpNumber = db.prepare<[string, string], { last_number: number }>(
    `INSERT INTO pki_crl_numbers (mount_uuid, issuer_id, last_number) VALUES (?, ?, 1)
     ON CONFLICT (mount_uuid, issuer_id) DO UPDATE SET last_number = last_number + 1 RETURNING last_number`,
  );
  const upsertCrl = db.prepare(
    `INSERT INTO pki_crls (mount_uuid, issuer_id, delta, crl_number, base_number, der, this_update_ms, next_update_ms, covers_seq)
     VALUES (@mount_uuid, @issuer_id, @delta, @crl_number, @base_number, @der, @this_update_ms, @next_update_ms, @covers_seq)
     ON CONFLICT (mount_uuid, issuer_id, delta) DO UPDATE SET
       crl_number = excluded.crl_number, base_number = excluded.base_number, der = excluded.der,
       this_update_ms = excluded.this_update_ms, next_update_ms = excluded.next_update_ms, covers_seq = excluded.covers_seq
     WHERE excluded.crl_number > pki_crls.crl_number`,
  );

  const revoke = db.transaction((mountUuid: string, revocation: Omit<PkiRevocationRecord, 'seq'>) => {
    const created = insertRevocation.run(mountUuid, revocation.serial, revocation.issuerId, revocation.revokedAtMs, revocation.reason).changes === 1;
    return { record: revocationFromRow(bySerial.get(mountUuid, revocation.serial)!), created };
  });

  return {
    async revokeCert(mountUuid, revocation) {
      return revoke.immediate(mountUuid, revocation);
    },
    async getRevocation(mountUuid, serial) {
      const row = bySerial.get(mountUuid, serial);
      return row ? revocationFromRow(row) : null;
    },
    async listRevokedSerials(mountUuid) {
      return serials.all(mountUuid).map((row) => row.serial);
    },
    async listRevocations(mountUuid, issuerId, afterSeq = 0) {
      return forIssuer.all(mountUuid, issuerId, afterSeq).map(revocationFromRow);
    },
    async countRevocations(mountUuid, issuerId) {
      return countForIssuer.get(mountUuid, issuerId)!.n;
    },
    async latestRevocationSeq(mountUuid) {
      return latestSeq.get(mountUuid)?.seq ?? 0;
    },
    async getCrl(mountUuid, issuerId, delta) {
      const row = crl.get(mountUuid, issuerId, fromBool(delta));
      return row ? crlFromRow(row) : null;
    },
    async nextCrlNumber(mountUuid, issuerId) {
      return bumpNumber.get(mountUuid, issuerId)!.last_number;
    },
    async saveCrl(mountUuid, stored) {
      upsertCrl.run({
        mount_uuid: mountUuid,
        issuer_id: stored.issuerId,
        delta: fromBool(stored.delta),
        crl_number: stored.number,
        base_number: stored.baseNumber,
        der: stored.der,
        this_update_ms: stored.thisUpdateMs,
        next_update_ms: stored.nextUpdateMs,
        covers_seq: stored.coversSeq,
      });
    },
  };
}
