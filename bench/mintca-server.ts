import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnBuiltMintca } from '../test/helpers/process.js';
import { removeDir, stop, tempDir, track } from './cleanup.js';

export interface MintcaServer {
  url: string;
  token: string;
  pid: number;
  call(method: string, path: string, body?: unknown): Promise<{ data: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/**
 * mintca as users run it: `mintca server -config=...` over a SQLite file with a key-encryption-key
 * file and `workers` processes, initialized over HTTP with `sys/init`. Killed and its directory removed when the bench exits.
 */
export async function startMintca(workers = 1): Promise<MintcaServer> {
  const dir = tempDir('server');
  writeFileSync(join(dir, 'kek'), randomBytes(32).toString('base64'), { mode: 0o600 });
  const config = { storage: { sqlite: { path: join(dir, 'mintca.db') } }, listener: { tcp: { address: '127.0.0.1:0', tls_disable: true } }, kek_file: join(dir, 'kek'), workers };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  // info only for the start-up line with the bound address: request logging is off at every level.
  const proc = spawnBuiltMintca(['server', `-config=${join(dir, 'config.json')}`, '-log-level=info']);
  track(proc.child);
  const [, url] = await proc.waitFor(/"address":"(http:\/\/127\.0\.0\.1:\d+)"/);
  const init = await fetch(`${url}/v1/sys/init`, { method: 'PUT', body: '{}' });
  const token = ((await init.json()) as { root_token: string }).root_token;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}/v1/${path}`, {
      method,
      headers: { 'X-Vault-Token': token, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text === '' ? { data: {} } : JSON.parse(text)) as { data: Record<string, unknown> };
  };
  return {
    url: url!,
    token,
    pid: proc.child.pid!,
    call,
    stop: async () => {
      await stop(proc.child);
      removeDir(dir);
    },
  };
}
