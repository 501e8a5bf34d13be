import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { PkiCertRow } from './pki-rows.js';

export type InsertOutcome = 'ok' | 'duplicate' | { error: string };

/** Commits one batch of certificate rows in one transaction, each row with its own outcome. */
export interface CertBatchCommitter {
  commit(batch: readonly PkiCertRow[]): Promise<InsertOutcome[]>;
  close(): Promise<void>;
}

// The same statement and rules in both committers: the primary key decides between racing
// writers, and a failed row aborts only its own statement, never the rest of the batch.
const insertStatement =
  'INSERT INTO pki_certs (mount_uuid, serial, issuer_id, certificate_der, not_after_ms, created_at) ' +
  'VALUES (@mount_uuid, @serial, @issuer_id, @certificate_der, @not_after_ms, @created_at)';

/** In the calling thread, on the store's own connection (in-memory databases). */
export function inThreadCommitter(db: Database.Database): CertBatchCommitter {
  const insert = db.prepare(insertStatement);
  const run = db.transaction((batch: readonly PkiCertRow[]): InsertOutcome[] =>
    batch.map((row) => {
      try {
        insert.run(row);
        return 'ok';
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'duplicate';
        return { error: (error as Error).message };
      }
    }),
  );
  return {
    commit: async (batch) => run.immediate(batch),
    close: async () => undefined,
  };
}

/**
 * The worker's source: plain JavaScript, so it runs the same from tsx, dist/ and the tests. It
 * opens its own connection with the store's pragmas (WAL, synchronous=FULL) and commits each
 * batch it is sent, so the fsync of every commit happens off the event loop.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 10000');
db.pragma('foreign_keys = ON');
db.pragma('synchronous = FULL');
const insert = db.prepare(workerData.sql);
const run = db.transaction((batch) => batch.map((row) => {
  try {
    insert.run(row);
    return 'ok';
  } catch (error) {
    if (error && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'duplicate';
    return { error: String(error && error.message) };
  }
}));
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    parentPort.postMessage({ id: message.id, outcomes: run.immediate(message.batch) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String(error && error.message) });
  }
});
`;

interface WorkerReply {
  id: number;
  outcomes?: InsertOutcome[];
  error?: string;
}

/** In a worker thread with its own connection to the database file. */
export function workerCommitter(path: string): CertBatchCommitter {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(workerSource, { eval: true, workerData: { path, driver, sql: insertStatement } });
  const waiting = new Map<number, { resolve: (o: InsertOutcome[]) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | null = null;
  const failAll = (error: Error) => {
    failure = error;
    for (const pending of waiting.values()) pending.reject(error);
    waiting.clear();
  };
  worker.on('message', (reply: WorkerReply) => {
    const pending = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    if (!pending) return;
    if (reply.outcomes) pending.resolve(reply.outcomes);
    else pending.reject(new Error(`certificate store: ${reply.error ?? 'unknown error'}`));
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', () => failAll(new Error('certificate store: the writer thread exited')));
  worker.unref();
  return {
    commit(batch) {
      if (failure) return Promise.reject(failure);
      const id = nextId++;
      return new Promise<InsertOutcome[]>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, batch });
      });
    },
    async close() {
      if (failure) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
