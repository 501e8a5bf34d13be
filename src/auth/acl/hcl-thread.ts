/**
 * HCL to plain JSON in a worker thread. @cdktn/hcl2json starts a Go runtime compiled to
 * WebAssembly that holds ~100 MB for as long as its thread lives, so it lives in a thread that
 * is started on demand and terminated after a short idle period, which returns that memory.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CaError } from '../../core/errors.js';

/** What the thread answers: the document, or the parser's error message. */
type Reply = { id: number; document: unknown } | { id: number; error: string };

/**
 * The thread's code, evaluated rather than loaded from a file: one source that runs the same
 * from src/ under tsx or vitest (a .ts worker entry does not load there) and from dist/.
 * It imports the parser by the URL the main thread resolved.
 */
const threadSource = `
const { parentPort, workerData } = require('node:worker_threads');
const parser = import(workerData.parserUrl);
parentPort.on('message', async ({ id, fileName, text }) => {
  try {
    parentPort.postMessage({ id, document: await (await parser).parse(fileName, text) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
`;

export interface HclThreadSettings {
  /** The thread is terminated after this long without a parse. */
  idleMs: number;
  /** A parse (the thread's start included) that takes longer fails, and the thread is replaced; read as each parse is sent. */
  timeoutMs: number;
  /** Passed to the Worker; read at each start. */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
}

interface Job {
  fileName: string;
  text: string;
  resolve: (document: unknown) => void;
  /** The parser's own error message (a policy problem), or a thread failure. */
  reject: (error: { parseError: string } | CaError) => void;
}

const threadFailure = (message: string): CaError => new CaError('unavailable', `failed to parse policy: the HCL parser thread ${message}`);

/** One parse at a time, the rest queued: a parse takes milliseconds, and a timeout then covers only its own. */
export class HclThread {
  private worker: Worker | null = null;
  private readonly queue: Job[] = [];
  private current: { id: number; job: Job; timer: NodeJS.Timeout } | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  private readonly parserUrl = pathToFileURL(createRequire(import.meta.url).resolve('@cdktn/hcl2json')).href;

  constructor(readonly settings: HclThreadSettings) {}

  /** The running thread's id; null when none runs. */
  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  /** Resolves with hcl2json's document; rejects with `{ parseError }` for bad HCL, a CaError when the thread fails. */
  parse(fileName: string, text: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ fileName, text, resolve, reject });
      this.pump();
    });
  }

  /** Stops the thread now (pending parses fail). */
  async close(): Promise<void> {
    const worker = this.worker;
    const current = this.dropThread();
    for (const job of [...(current ? [current] : []), ...this.queue.splice(0)]) job.reject(threadFailure('was closed'));
    await worker?.terminate();
  }

  private pump(): void {
    if (this.current) return;
    const job = this.queue.shift();
    if (!job) {
      this.armIdle();
      return;
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const worker = this.worker ?? this.start();
    // Held while a parse is in flight, so an awaiting script does not exit under it; unref'd when idle.
    worker.ref();
    const id = this.nextId++;
    const { timeoutMs } = this.settings;
    const timer = setTimeout(() => this.fail(worker, `did not answer within ${timeoutMs} ms`), timeoutMs);
    this.current = { id, job, timer };
    worker.postMessage({ id, fileName: job.fileName, text: job.text });
  }

  private start(): Worker {
    const worker = new Worker(threadSource, {
      eval: true,
      workerData: { parserUrl: this.parserUrl },
      resourceLimits: this.settings.resourceLimits,
    });
    worker.unref();
    worker.on('message', (reply: Reply) => this.settle(worker, reply));
    worker.on('error', (error) => this.fail(worker, `failed: ${error.message}`));
    worker.on('exit', (code) => this.fail(worker, `exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private settle(worker: Worker, reply: Reply): void {
    const current = this.current;
    if (worker !== this.worker || !current || current.id !== reply.id) return;
    clearTimeout(current.timer);
    this.current = null;
    worker.unref();
    if ('error' in reply) current.job.reject({ parseError: reply.error });
    else current.job.resolve(reply.document);
    this.pump();
  }

  /** The thread crashed, exited or hung: its parse fails, and the next parse starts a new thread. */
  private fail(worker: Worker, reason: string): void {
    if (worker !== this.worker) return;
    const current = this.dropThread();
    void worker.terminate();
    current?.reject(threadFailure(reason));
    this.pump();
  }

  /** Forgets the thread and its timers; the job it was running, if any. */
  private dropThread(): Job | null {
    if (this.current) clearTimeout(this.current.timer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const job = this.current?.job ?? null;
    this.current = null;
    this.idleTimer = null;
    this.worker = null;
    return job;
  }

  private armIdle(): void {
    if (!this.worker || this.idleTimer) return;
    const worker = this.worker;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.worker !== worker || this.current) return;
      this.worker = null;
      void worker.terminate();
    }, this.settings.idleMs);
    this.idleTimer.unref();
  }
}
