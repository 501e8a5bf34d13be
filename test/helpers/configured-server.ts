import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MintcaProcess, spawnMintca } from './process.js';

/** A state directory for `mintca server -config`: KEK, config, SQLite file; processes killed on cleanup. */
export interface ServerDir {
  dir: string;
  dbPath: string;
  /** Writes a config listening on 127.0.0.1:0 over the shared database; returns its path. */
  config(name?: string): string;
  /** Starts a server process and waits until it listens. */
  start(configFile?: string): Promise<RunningServer>;
  /** Everything every started process printed (its log lines). */
  output(): string;
  cleanup(): void;
}

export interface RunningServer {
  proc: MintcaProcess;
  url: string;
}

export function serverDir(prefix: string): ServerDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dbPath = join(dir, 'mintca.db');
  const processes: MintcaProcess[] = [];
  writeFileSync(join(dir, 'kek'), randomBytes(32).toString('base64'), { mode: 0o600 });
  const config = (name = 'config') => {
    const file = join(dir, `${name}.json`);
    writeFileSync(
      file,
      JSON.stringify({ storage: { sqlite: { path: dbPath } }, listener: { tcp: { address: '127.0.0.1:0', tls_disable: true } }, kek_file: join(dir, 'kek'), log_level: 'warn' }),
    );
    return file;
  };
  return {
    dir,
    dbPath,
    config,
    async start(configFile = config()) {
      const proc = spawnMintca(['server', `-config=${configFile}`, '-log-level=info']);
      processes.push(proc);
      const [, url] = await proc.waitFor(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/);
      return { proc, url: url! };
    },
    output: () => processes.map((proc) => proc.output()).join('\n'),
    cleanup() {
      for (const proc of processes) if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CallResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** One Vault API call; a connection cut by a killed server rejects. */
export async function call(url: string, token: string | null, method: string, path: string, body?: unknown): Promise<CallResult> {
  const headers: Record<string, string> = token ? { 'X-Vault-Token': token } : {};
  const res = await fetch(`${url}/v1/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** Initializes a fresh store through sys/init and returns the root token. */
export async function initialize(url: string): Promise<string> {
  const init = await fetch(`${url}/v1/sys/init`, { method: 'PUT', body: '{}' });
  return ((await init.json()) as { root_token: string }).root_token;
}
