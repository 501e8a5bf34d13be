import type { Store } from '../types.js';
import { openDatabase } from './db.js';
import { migrate, readMigrations } from './migrate.js';
import { createAuditStore } from './audit-store.js';
import { createAppRoleStore } from './approle-store.js';
import { createAuthStore } from './auth-store.js';
import { createMountStore } from './mount-store.js';
import { inThreadCommitter, workerCommitter } from './cert-writer.js';
import { createPkiCertStore } from './pki-cert-store.js';
import { createPkiStore } from './pki-store.js';
import { createPolicyStore } from './policy-store.js';
import { createQuotaStore } from './quota-store.js';
import { createSystemStore } from './system-store.js';
import { createTokenStore } from './token-store.js';

export interface SqliteStoreOptions {
  path: string;
  nowMs: number;
  migrationsDir?: string;
}

export function openSqliteStore(options: SqliteStoreOptions): Store {
  const db = openDatabase(options.path);
  try {
    migrate(db, readMigrations(options.migrationsDir), options.nowMs);
  } catch (error) {
    db.close();
    throw error;
  }
  // A file database gets its certificate inserts committed (and fsynced) in a worker thread.
  const committer = options.path === ':memory:' || options.path === '' ? inThreadCommitter(db) : workerCommitter(options.path);
  const certs = createPkiCertStore(db, committer);
  return {
    system: createSystemStore(db),
    audit: createAuditStore(db),
    policies: createPolicyStore(db),
    auth: createAuthStore(db),
    appRoles: createAppRoleStore(db),
    mounts: createMountStore(db),
    tokens: createTokenStore(db),
    pki: createPkiStore(db, certs),
    quotas: createQuotaStore(db),
    async close() {
      await certs.close();
      db.close();
    },
  };
}
