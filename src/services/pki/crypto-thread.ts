/**
 * Leaf certificates' key generation, signing and key export in a worker thread. The event loop
 * is the busiest core under load (HTTP, JSON, policy, storage); moving the crypto, about a
 * third of an issuance's CPU, to a second thread lets both cores work, as Go's CAs do.
 */
import { Worker } from 'node:worker_threads';
import { CaError, type ErrorKind } from '../../core/errors.js';
import { asBuffer, type LeafJob, type LeafOutcome, type LeafSigningContext } from '../../pki/leaf-job.js';
import type { AuthorityInfo } from '../../pki/types.js';
import type { CertificateSigner } from '../../pki/sign.js';

export type CryptoThreadReply =
  | { id: number; outcome: LeafOutcome }
  | { id: number; unknownContext: true }
  | { id: number; refusal: { kind: ErrorKind; messages: string[] } }
  | { id: number; failure: string };

export interface CryptoThreadRequest {
  id: number;
  contextId: number;
  /** Sent with the first job of a context, and again whenever the thread answered unknownContext. */
  context?: LeafSigningContext;
  job: LeafJob;
}

/** The signing side of an issuance context; one object per context, reused by its requests. */
export interface LeafSigningSource {
  readonly signer: CertificateSigner;
  readonly authorityInfo: AuthorityInfo;
}

/**
 * Loads the entry from src/ (under tsx or vitest, through tsx's API, as a .ts entry does not
 * load in a plain worker) or from dist/.
 */
const bootstrap = `
const { workerData } = require('node:worker_threads');
if (workerData.viaTsx) import('tsx/esm/api').then((api) => api.tsImport(workerData.entry, workerData.entry));
else import(workerData.entry);
`;

const entry = (): { entry: string; viaTsx: boolean } => {
  const viaTsx = import.meta.url.endsWith('.ts');
  return { entry: new URL(`./crypto-thread-entry.${viaTsx ? 'ts' : 'js'}`, import.meta.url).href, viaTsx };
};

interface Pending {
  source: LeafSigningSource;
  job: LeafJob;
  resolve: (outcome: LeafOutcome) => void;
  reject: (error: Error) => void;
}

export class CryptoThread {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly contextIds = new WeakMap<LeafSigningSource, number>();
  private nextContextId = 1;
  /** Contexts the running thread was sent; it may still have dropped some (it says so). */
  private sent = new Set<number>();
  private outbox: CryptoThreadRequest[] = [];

  run(source: LeafSigningSource, job: LeafJob): Promise<LeafOutcome> {
    return new Promise((resolve, reject) => this.post({ source, job, resolve, reject }, false));
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.failAll(new CaError('unavailable', 'the crypto thread was closed'));
    await worker?.terminate();
  }

  private post(pending: Pending, resend: boolean): void {
    const worker = this.worker ?? this.start();
    let contextId = this.contextIds.get(pending.source);
    if (contextId === undefined) this.contextIds.set(pending.source, (contextId = this.nextContextId++));
    let context: LeafSigningContext | undefined;
    if (resend || !this.sent.has(contextId)) {
      context = { issuer: pending.source.signer.issuer, authorityInfo: pending.source.authorityInfo };
      this.sent.add(contextId);
    }
    const id = this.nextId++;
    if (this.pending.size === 0) worker.ref();
    this.pending.set(id, pending);
    this.outbox.push({ id, contextId, context, job: pending.job });
    if (this.outbox.length === 1) setImmediate(this.flush);
  }

  /** One message per event-loop turn: a postMessage costs more than cloning a few jobs. */
  private readonly flush = (): void => {
    const batch = this.outbox;
    this.outbox = [];
    if (batch.length > 0) this.worker?.postMessage(batch);
  };

  private start(): Worker {
    const worker = new Worker(bootstrap, { eval: true, workerData: entry() });
    worker.unref();
    worker.on('message', (replies: CryptoThreadReply[]) => {
      for (const reply of replies) this.settle(reply);
    });
    const lost = (why: string): void => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.failAll(new CaError('internal', `the crypto thread ${why}`));
    };
    worker.on('error', (error) => lost(`failed: ${error.message}`));
    worker.on('exit', (code) => lost(`exited (code ${code})`));
    this.worker = worker;
    this.sent = new Set();
    this.outbox = [];
    return worker;
  }

  private settle(reply: CryptoThreadReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('outcome' in reply) {
      pending.resolve({ ...reply.outcome, certificateDer: asBuffer(reply.outcome.certificateDer) });
    } else if ('unknownContext' in reply) {
      this.post(pending, true);
    } else if ('refusal' in reply) {
      pending.reject(new CaError(reply.refusal.kind, reply.refusal.messages));
    } else {
      pending.reject(new CaError('internal', `certificate signing failed: ${reply.failure}`));
    }
  }

  private failAll(error: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const pending of all) pending.reject(error);
  }
}
