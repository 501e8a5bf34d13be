import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/config.js';

/** What one serving process does besides answering requests. */
export interface ServeRole {
  /** Initialize the store (dev mode) when it is not. */
  initialize: boolean;
  /** Print the dev banner. */
  banner: boolean;
  /** Run the CRL and tidy schedulers. */
  schedulers: boolean;
}

interface WorkerSetup {
  type: 'mintca-setup';
  config: Config;
  kekBase64: string;
  role: ServeRole;
}

export interface PrimaryOptions {
  config: Config;
  kek: Buffer;
  cleanup: () => void;
  /** Migrates (and in dev mode initializes) the store once, before any worker opens it; the dev root token. */
  prepare: () => Promise<string | null>;
  devBanner: (apiAddr: string, rootToken: string) => string;
}

/**
 * `workers` > 1: this process only supervises. It prepares the store, forks that many server
 * processes (each with its own event loop and SQLite connection, sharing the listening socket
 * through node:cluster), hands each the resolved configuration over the IPC channel (the KEK
 * never goes into an environment or argv), and stops them all on SIGTERM/SIGINT. If a worker
 * dies, the others are stopped and the exit code is 1, so a supervisor restarts the whole set.
 */
export async function runClusterPrimary(options: PrimaryOptions): Promise<number> {
  const { config } = options;
  let rootToken: string | null;
  try {
    rootToken = await options.prepare();
  } catch (error) {
    options.cleanup();
    throw error;
  }
  const workers: Worker[] = [];
  const exited: Promise<void>[] = [];
  let stopping = false;
  let failed = false;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGTERM');
    void Promise.all(exited).then(wake);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  const listening: Promise<number>[] = [];
  for (let index = 0; index < config.workers; index++) {
    const worker = cluster.fork();
    workers.push(worker);
    const setup: WorkerSetup = {
      type: 'mintca-setup',
      config,
      kekBase64: options.kek.toString('base64'),
      role: { initialize: false, banner: false, schedulers: index === 0 },
    };
    // Asked for by the worker once it listens for it (a message sent earlier would be lost).
    worker.on('message', (message: { type?: string }) => {
      if (message?.type === 'mintca-ready') worker.send(setup);
    });
    exited.push(
      new Promise<void>((resolve) =>
        worker.once('exit', (code, signal) => {
          if (!stopping) {
            failed = true;
            process.stderr.write(`mintca: server worker ${worker.process.pid} exited (${signal ?? code}); stopping the others\n`);
            stop();
          }
          resolve();
        }),
      ),
    );
    listening.push(
      new Promise<number>((resolve, reject) => {
        worker.once('listening', (address) => resolve(address.port));
        worker.once('exit', () => reject(new Error('a server worker exited before listening')));
      }),
    );
  }
  try {
    const [port] = await Promise.all(listening);
    const host = config.listener.address.slice(0, config.listener.address.lastIndexOf(':')).replace(/^\[|\]$/g, '') || '0.0.0.0';
    const scheme = config.listener.tlsDisable ? 'http' : 'https';
    if (rootToken !== null) process.stdout.write(options.devBanner(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`, rootToken));
  } catch {
    stop();
  }
  await stopped;
  options.cleanup();
  return failed ? 1 : 0;
}

/** In a worker: waits for the primary's setup, then serves with it. */
export function runClusterWorker(serve: (setup: { config: Config; kek: Buffer; role: ServeRole }) => Promise<number>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      const setup = message as WorkerSetup;
      if (setup?.type !== 'mintca-setup') return;
      process.off('message', onMessage);
      serve({ config: setup.config, kek: Buffer.from(setup.kekBase64, 'base64'), role: setup.role }).then(resolve, reject);
    };
    process.on('message', onMessage);
    process.send?.({ type: 'mintca-ready' });
  });
}
