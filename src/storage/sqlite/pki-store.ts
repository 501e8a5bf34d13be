import type Database from 'better-sqlite3';
import type { PkiStore } from '../types.js';
import type { PkiCertStore } from './pki-cert-store.js';
import { createPkiChangeStore } from './pki-change.js';
import { createPkiConfigTable } from './pki-config.js';
import { createPkiDocumentStore } from './pki-document-store.js';
import { createPkiIssuerStore } from './pki-issuer-store.js';
import { createPkiKeyStore } from './pki-key-store.js';
import { createPkiRevocationStore } from './pki-revocation-store.js';
import { createPkiTidyStore } from './pki-tidy-store.js';
import { createGenerationReader } from './generation.js';

/**
 * The PKI engine's storage over SQLite (migrations/sqlite/0002_pki.sql, 0003_revocation.sql), one file per group of
 * methods. They share the config table, which also holds the default issuer and default key.
 */
export function createPkiStore(db: Database.Database, certs: PkiCertStore): PkiStore {
  const config = createPkiConfigTable(db);
  const generation = createGenerationReader(db);
  return {
    configGeneration: async () => generation(),
    ...createPkiKeyStore(db, config),
    ...createPkiIssuerStore(db, config),
    ...createPkiChangeStore(db, config),
    ...createPkiDocumentStore(db, config),
    insertCert: certs.insertCert,
    getCert: certs.getCert,
    listCertSerials: certs.listCertSerials,
    ...createPkiRevocationStore(db),
    ...createPkiTidyStore(db),
  };
}
