import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { IssuerUrls, LeafNotAfterBehavior, PkiCertRecord, PkiIssuerRecord, PkiKeyRecord } from '../types.js';
import { fromBool, toBool } from './db.js';

/** Row shapes of migrations/sqlite/0002_pki.sql and their mappers, shared by the PKI store files. */

export interface PkiKeyRow {
  mount_uuid: string;
  id: string;
  name: string;
  key_type: PkiKeyRecord['keyType'];
  key_bits: number;
  public_key_der: Buffer;
  sealed_private_key: Buffer;
  created_at: number;
}

export interface PkiIssuerRow {
  mount_uuid: string;
  id: string;
  name: string;
  key_id: string | null;
  certificate_der: Buffer;
  certificate_sha256: Buffer;
  serial: string;
  subject_der: Buffer;
  issuer_der: Buffer;
  subject_key_id: Buffer;
  authority_key_id: Buffer | null;
  not_before_ms: number;
  not_after_ms: number;
  leaf_not_after_behavior: LeafNotAfterBehavior;
  usage: string;
  manual_chain: string;
  revocation_signature_algorithm: string;
  urls: string;
  revoked: number;
  revocation_time_ms: number | null;
  created_at: number;
}

export interface PkiCertRow {
  mount_uuid: string;
  serial: string;
  issuer_id: string | null;
  certificate_der: Buffer;
  not_after_ms: number;
  created_at: number;
}

export const keyFromRow = (row: PkiKeyRow): PkiKeyRecord => ({
  id: row.id,
  name: row.name,
  keyType: row.key_type,
  keyBits: row.key_bits,
  publicKeyDer: row.public_key_der,
  sealedPrivateKey: row.sealed_private_key,
  createdAt: row.created_at,
});

export const keyToRow = (mountUuid: string, key: PkiKeyRecord): PkiKeyRow => ({
  mount_uuid: mountUuid,
  id: key.id,
  name: key.name,
  key_type: key.keyType,
  key_bits: key.keyBits,
  public_key_der: key.publicKeyDer,
  sealed_private_key: key.sealedPrivateKey,
  created_at: key.createdAt,
});

export const issuerFromRow = (row: PkiIssuerRow): PkiIssuerRecord => ({
  id: row.id,
  name: row.name,
  keyId: row.key_id,
  certificateDer: row.certificate_der,
  serial: row.serial,
  subjectDer: row.subject_der,
  issuerDer: row.issuer_der,
  subjectKeyId: row.subject_key_id,
  authorityKeyId: row.authority_key_id,
  notBeforeMs: row.not_before_ms,
  notAfterMs: row.not_after_ms,
  leafNotAfterBehavior: row.leaf_not_after_behavior,
  usage: JSON.parse(row.usage) as string[],
  manualChain: JSON.parse(row.manual_chain) as string[],
  revocationSignatureAlgorithm: row.revocation_signature_algorithm,
  urls: JSON.parse(row.urls) as IssuerUrls,
  revoked: toBool(row.revoked),
  revocationTimeMs: row.revocation_time_ms,
  createdAt: row.created_at,
});

export const issuerToRow = (mountUuid: string, issuer: PkiIssuerRecord): PkiIssuerRow => ({
  mount_uuid: mountUuid,
  id: issuer.id,
  name: issuer.name,
  key_id: issuer.keyId,
  certificate_der: issuer.certificateDer,
  certificate_sha256: certificateHash(issuer.certificateDer),
  serial: issuer.serial,
  subject_der: issuer.subjectDer,
  issuer_der: issuer.issuerDer,
  subject_key_id: issuer.subjectKeyId,
  authority_key_id: issuer.authorityKeyId,
  not_before_ms: issuer.notBeforeMs,
  not_after_ms: issuer.notAfterMs,
  leaf_not_after_behavior: issuer.leafNotAfterBehavior,
  usage: JSON.stringify(issuer.usage),
  manual_chain: JSON.stringify(issuer.manualChain),
  revocation_signature_algorithm: issuer.revocationSignatureAlgorithm,
  urls: JSON.stringify(issuer.urls),
  revoked: fromBool(issuer.revoked),
  revocation_time_ms: issuer.revocationTimeMs,
  created_at: issuer.createdAt,
});

export const certFromRow = (row: PkiCertRow): PkiCertRecord => ({
  serial: row.serial,
  issuerId: row.issuer_id,
  certificateDer: row.certificate_der,
  notAfterMs: row.not_after_ms,
  createdAt: row.created_at,
});

export const certToRow = (mountUuid: string, cert: PkiCertRecord): PkiCertRow => ({
  mount_uuid: mountUuid,
  serial: cert.serial,
  issuer_id: cert.issuerId,
  certificate_der: cert.certificateDer,
  not_after_ms: cert.notAfterMs,
  created_at: cert.createdAt,
});

/** What the unique index on issuers is built over: an issuer certificate is stored once per mount. */
export const certificateHash = (der: Buffer): Buffer => createHash('sha256').update(der).digest();

/** Columns of an INSERT from a row object, with named parameters (`@column`). */
export function insertSql(table: string, columns: readonly string[], suffix = ''): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})${suffix}`;
}

export const keyColumns = ['mount_uuid', 'id', 'name', 'key_type', 'key_bits', 'public_key_der', 'sealed_private_key', 'created_at'] as const;
export const issuerColumns = [
  'mount_uuid', 'id', 'name', 'key_id', 'certificate_der', 'certificate_sha256', 'serial', 'subject_der', 'issuer_der',
  'subject_key_id', 'authority_key_id', 'not_before_ms', 'not_after_ms', 'leaf_not_after_behavior', 'usage', 'manual_chain',
  'revocation_signature_algorithm', 'urls', 'revoked', 'revocation_time_ms', 'created_at',
] as const;
export const certColumns = ['mount_uuid', 'serial', 'issuer_id', 'certificate_der', 'not_after_ms', 'created_at'] as const;

/** True when `error` is SQLite's constraint failure of this kind, e.g. 'UNIQUE' or 'PRIMARYKEY'. */
export function isConstraintError(error: unknown, kind: 'UNIQUE' | 'PRIMARYKEY' | 'FOREIGNKEY'): boolean {
  return error instanceof Database.SqliteError && error.code === `SQLITE_CONSTRAINT_${kind}`;
}
