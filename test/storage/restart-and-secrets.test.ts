import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startServer } from '../helpers/server.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mintca-restart-'));
  dirs.push(dir);
  return dir;
}

/** Every byte of the database, its WAL and shared memory. */
function databaseBytes(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).filter((f) => f.startsWith('mintca.db')).map((f) => readFileSync(join(dir, f))));
}

describe('restart on the same SQLite file', () => {
  it('ok/keeps mounts, tunes and tokens', async () => {
    const dir = stateDir();
    const kek = randomBytes(32);
    const first = await startServer({ dir, kek });
    await api(first, 'POST', '/v1/sys/mounts/pki_int', { token: first.rootToken, body: { type: 'pki', description: 'intermediate' } });
    await api(first, 'POST', '/v1/sys/mounts/pki_int/tune', { token: first.rootToken, body: { max_lease_ttl: '43800h' } });
    const child = (await api(first, 'POST', '/v1/auth/token/create', { token: first.rootToken, body: { policies: ['web'], ttl: '2h' } })).json.auth;
    await first.stop();

    const second = await startServer({ dir, kek });
    try {
      const mounts = await api(second, 'GET', '/v1/sys/mounts', { token: first.rootToken });
      expect(mounts.json.data['pki_int/']).toMatchObject({ type: 'pki', description: 'intermediate', config: { max_lease_ttl: 43800 * 3600 } });
      const self = await api(second, 'GET', '/v1/auth/token/lookup-self', { token: child.client_token });
      expect(self.status).toBe(200);
      expect(self.json.data).toMatchObject({ accessor: child.accessor, policies: ['default', 'web'], ttl: 7200 });
      expect((await api(second, 'GET', '/v1/sys/init')).json.initialized).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('fail/refuses to start with a different key-encryption key', async () => {
    const dir = stateDir();
    const first = await startServer({ dir });
    await first.stop();
    await expect(startServer({ dir, kek: randomBytes(32) })).rejects.toThrow(/key-encryption key does not match/);
  });
});

describe('secrets at rest', () => {
  it('ok/the database holds no token and no key-encryption key in clear', async () => {
    const dir = stateDir();
    const server = await startServer({ dir });
    const created: string[] = [server.rootToken];
    for (let i = 0; i < 5; i++) {
      created.push((await api(server, 'POST', '/v1/auth/token/create', { token: server.rootToken, body: { policies: ['p'] } })).json.auth.client_token);
    }
    const bytes = databaseBytes(dir);
    expect(bytes.length).toBeGreaterThan(4096);
    for (const token of created) {
      expect(bytes.includes(Buffer.from(token)), 'token in clear').toBe(false);
      expect(bytes.includes(Buffer.from(token.slice(4))), 'token body in clear').toBe(false);
    }
    expect(bytes.includes(server.kek)).toBe(false);
    expect(bytes.includes(Buffer.from(server.kek.toString('base64')))).toBe(false);
    await server.stop();
  });

  it('ok/no token reaches a log line', async () => {
    const dir = stateDir();
    const server = await startServer({ dir });
    const child = (await api(server, 'POST', '/v1/auth/token/create', { token: server.rootToken, body: { policies: ['p'] } })).json.auth;
    await api(server, 'POST', '/v1/auth/token/lookup', { token: server.rootToken, body: { token: child.client_token } });
    await api(server, 'GET', `/v1/auth/token/lookup-self?token=${child.client_token}`, { headers: { Authorization: `Bearer ${child.client_token}` } });
    await api(server, 'POST', '/v1/auth/token/revoke', { token: server.rootToken, body: { token: child.client_token } });
    await server.stop();
    const logs = server.logs.join('\n');
    expect(server.logs.filter((line) => line.includes('"msg":"request"')).length).toBe(4);
    expect(logs).toContain(child.accessor);
    for (const secret of [server.rootToken, child.client_token]) expect(logs).not.toContain(secret);
  });
});
