import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { baseConfig, type Config, defaultListener } from '../../src/config/config.js';
import { type Clock, ManualClock } from '../../src/core/clock.js';
import type { HttpFetch } from '../../src/auth/jwt/index.js';
import { createDeps, type Deps, redactedLogPaths } from '../../src/deps.js';

export interface TestServer {
  url: string;
  port: number;
  rootToken: string;
  deps: Deps;
  app: ReturnType<typeof buildApp>;
  clock: ManualClock;
  dir: string;
  dbPath: string;
  kek: Buffer;
  /** Every log line the server wrote. */
  logs: string[];
  stop(): Promise<void>;
  /** Stops and removes the state directory. */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Reuse a state directory (restart tests). */
  dir?: string;
  kek?: Buffer;
  initialize?: boolean;
  rootTokenId?: string;
  clock?: ManualClock;
  config?: Partial<Config>;
  /** Outbound HTTP of the auth methods (default: the real one). */
  fetch?: HttpFetch;
}

export const fixedStart = Date.UTC(2026, 0, 15, 12, 0, 0);

function captureLogger(lines: string[]) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return pino({ level: 'info', redact: { paths: redactedLogPaths, censor: '[redacted]' } }, sink);
}

/** A real mintca over a temp SQLite file, listening on a random loopback port. */
export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'mintca-test-'));
  const kek = options.kek ?? randomBytes(32);
  const clock = options.clock ?? new ManualClock(fixedStart);
  const logs: string[] = [];
  const config = baseConfig({
    storagePath: join(dir, 'mintca.db'),
    listener: defaultListener('127.0.0.1:0'),
    ...options.config,
  });
  const deps = await createDeps(config, { kek, clock: clock as Clock, logger: captureLogger(logs), fetch: options.fetch });
  const app = buildApp(deps);
  let rootToken = '';
  if (options.initialize !== false && !(await deps.services.system.initState())) {
    rootToken = (await deps.services.system.initialize(options.rootTokenId ?? null)).rootToken;
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const scheme = config.listener.tlsDisable ? 'http' : 'https';
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
    await deps.store.close();
  };
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    rootToken,
    deps,
    app,
    clock,
    dir,
    dbPath: config.storagePath,
    kek,
    logs,
    stop,
    close: async () => {
      await stop();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** One HTTP request with Vault's conventions: body as JSON unless a string is given. */
export async function api(
  server: { url: string },
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['X-Vault-Token'] = options.token;
  let body: string | undefined;
  if (options.body !== undefined) body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const response = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, text, json };
}
