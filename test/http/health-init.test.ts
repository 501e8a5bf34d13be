import { afterEach, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
afterEach(async () => server?.close());

describe('sys/health', () => {
  it('ok/answers unauthenticated with Vault fields', async () => {
    server = await startServer();
    const res = await api(server, 'GET', '/v1/sys/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.json).toMatchObject({
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(server.clock.nowMs() / 1000),
      cluster_name: 'mintca',
    });
    expect(res.json.cluster_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json.version).toMatch(/^1\.\d+\.\d+/);
  });

  it('ok/honours activecode and answers HEAD without a body', async () => {
    server = await startServer();
    expect((await api(server, 'GET', '/v1/sys/health?activecode=299')).status).toBe(299);
    const head = await api(server, 'HEAD', '/v1/sys/health');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
  });

  it('fail/a status code out of range is a 400', async () => {
    server = await startServer();
    const res = await api(server, 'GET', '/v1/sys/health?activecode=42');
    expect(res.status).toBe(400);
    expect(res.json.errors[0]).toMatch(/status codes/);
  });

  it('ok/uninitialized answers 501 (or uninitcode)', async () => {
    server = await startServer({ initialize: false });
    const res = await api(server, 'GET', '/v1/sys/health');
    expect(res.status).toBe(501);
    expect(res.json.initialized).toBe(false);
    expect((await api(server, 'GET', '/v1/sys/health?uninitcode=200')).status).toBe(200);
  });
});

describe('sys/init', () => {
  it('ok/a fresh store is uninitialized: 503 elsewhere, root token once, then usable', async () => {
    server = await startServer({ initialize: false });
    expect((await api(server, 'GET', '/v1/sys/init')).json).toEqual({ initialized: false });
    const blocked = await api(server, 'GET', '/v1/sys/mounts', { token: 'anything' });
    expect(blocked.status).toBe(503);
    expect(blocked.json).toEqual({ errors: ['Vault is not initialized'] });
    const seal = await api(server, 'GET', '/v1/sys/seal-status');
    expect(seal.json).toMatchObject({ initialized: false, sealed: false, type: 'shamir' });

    const init = await api(server, 'PUT', '/v1/sys/init', { body: { secret_shares: 1, secret_threshold: 1 } });
    expect(init.status).toBe(200);
    expect(init.json.root_token).toMatch(/^hvs\.[A-Za-z0-9]{24}$/);
    expect(init.json.keys).toEqual([]);

    const again = await api(server, 'PUT', '/v1/sys/init', { body: {} });
    expect(again.status).toBe(400);
    expect(again.json.errors).toEqual(['Vault is already initialized']);

    expect((await api(server, 'GET', '/v1/sys/init')).json).toEqual({ initialized: true });
    const self = await api(server, 'GET', '/v1/auth/token/lookup-self', { token: init.json.root_token });
    expect(self.status).toBe(200);
    expect(self.json.data.policies).toEqual(['root']);
    expect(self.json.data.expire_time).toBeNull();
  });
});
