import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => server.close());

const root = (method: string, path: string, body?: unknown) => api(server, method, path, { token: server.rootToken, body });
const withToken = (token: string, method: string, path: string, body?: unknown) => api(server, method, path, { token, body });
const create = async (body: unknown = {}, token = server.rootToken) => {
  const res = await withToken(token, 'POST', '/v1/auth/token/create', body);
  expect(res.status, res.text).toBe(200);
  return res.json.auth as { client_token: string; accessor: string; policies: string[]; lease_duration: number };
};

describe('auth/token', () => {
  it('ok/create returns Vault\'s auth block and lookup-self shows the token', async () => {
    const res = await root('POST', '/v1/auth/token/create', {
      policies: ['web', 'ops'],
      ttl: '1h',
      display_name: 'Web App',
      meta: { team: 'payments' },
      num_uses: 0,
      renewable: 'true',
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0, data: null, wrap_info: null, warnings: null });
    const auth = res.json.auth;
    expect(auth).toMatchObject({
      policies: ['default', 'ops', 'web'],
      token_policies: ['default', 'ops', 'web'],
      metadata: { team: 'payments' },
      lease_duration: 3600,
      renewable: true,
      entity_id: '',
      token_type: 'service',
      orphan: false,
      num_uses: 0,
    });
    expect(auth.client_token).toMatch(/^hvs\.[A-Za-z0-9]{24}$/);

    const self = await withToken(auth.client_token, 'GET', '/v1/auth/token/lookup-self');
    expect(self.status).toBe(200);
    expect(self.json.data).toMatchObject({
      accessor: auth.accessor,
      id: auth.client_token,
      display_name: 'token-web-app',
      ttl: 3600,
      creation_ttl: 3600,
      path: 'auth/token/create',
      policies: ['default', 'ops', 'web'],
      meta: { team: 'payments' },
      expire_time: '2026-01-15T13:00:00Z',
      issue_time: '2026-01-15T12:00:00Z',
    });
    const bearer = await api(server, 'GET', '/v1/auth/token/lookup-self', { headers: { Authorization: `Bearer ${auth.client_token}` } });
    expect(bearer.json.data.accessor).toBe(auth.accessor);
  });

  it('ok/lookup by token and by accessor (which hides the id)', async () => {
    const child = await create({ policies: 'a' });
    const byToken = await root('POST', '/v1/auth/token/lookup', { token: child.client_token });
    expect(byToken.json.data.id).toBe(child.client_token);
    const byAccessor = await root('POST', '/v1/auth/token/lookup-accessor', { accessor: child.accessor });
    expect(byAccessor.json.data).toMatchObject({ id: '', accessor: child.accessor, policies: ['a', 'default'] });
    expect((await root('POST', '/v1/auth/token/lookup', { token: 'hvs.nope' })).status).toBe(403);
    expect((await root('POST', '/v1/auth/token/lookup-accessor', { accessor: 'nope' })).json.errors).toEqual(['invalid accessor']);
  });

  it('ok/tokens expire with the clock and renew within their max TTL', async () => {
    const token = await create({ ttl: '30m', explicit_max_ttl: '2h' });
    server.clock.advance(20 * 60 * 1000);
    const renewed = await withToken(token.client_token, 'POST', '/v1/auth/token/renew-self', { increment: '1h' });
    expect(renewed.status).toBe(200);
    expect(renewed.json.auth.lease_duration).toBe(3600);
    server.clock.advance(50 * 60 * 1000);
    const capped = await root('POST', '/v1/auth/token/renew', { token: token.client_token, increment: 7200 });
    expect(capped.json.auth.lease_duration).toBe(50 * 60);
    expect(capped.json.warnings[0]).toMatch(/capped/);
    server.clock.advance(51 * 60 * 1000);
    const expired = await withToken(token.client_token, 'GET', '/v1/auth/token/lookup-self');
    expect(expired.status).toBe(403);
    expect(expired.json).toEqual({ errors: ['permission denied'] });
  });

  it('ok/default TTL is 768h and the root policy alone makes a non-expiring token', async () => {
    const plain = await create({ policies: ['x'] });
    expect(plain.lease_duration).toBe(768 * 3600);
    const rootChild = await create({});
    expect(rootChild.policies).toEqual(['root']);
    expect(rootChild.lease_duration).toBe(0);
  });

  it('ok/revoking a parent revokes its children; revoke-orphan keeps them', async () => {
    const parent = await create({ policies: ['root'], ttl: '1h' });
    const child = await create({ policies: ['a'] }, parent.client_token);
    expect((await withToken(child.client_token, 'POST', '/v1/auth/token/create', {})).status).toBe(403);
    expect((await root('POST', '/v1/auth/token/revoke', { token: parent.client_token })).status).toBe(204);
    expect((await withToken(child.client_token, 'GET', '/v1/auth/token/lookup-self')).status).toBe(403);

    const parent2 = await create({ policies: ['root'], ttl: '1h' });
    const child2 = await create({ policies: ['b'] }, parent2.client_token);
    expect((await root('POST', '/v1/auth/token/revoke-orphan', { token: parent2.client_token })).status).toBe(204);
    const orphaned = await withToken(child2.client_token, 'GET', '/v1/auth/token/lookup-self');
    expect(orphaned.status).toBe(200);
    expect(orphaned.json.data.orphan).toBe(true);
  });

  it('ok/revoke-self, revoke-accessor, create-orphan and accessors list', async () => {
    const a = await create({ policies: ['a'] });
    expect((await withToken(a.client_token, 'POST', '/v1/auth/token/revoke-self')).status).toBe(204);
    expect((await withToken(a.client_token, 'GET', '/v1/auth/token/lookup-self')).status).toBe(403);

    const b = await create({ policies: ['b'] });
    expect((await root('POST', '/v1/auth/token/revoke-accessor', { accessor: b.accessor })).status).toBe(204);
    expect((await withToken(b.client_token, 'GET', '/v1/auth/token/lookup-self')).status).toBe(403);

    const orphan = await root('POST', '/v1/auth/token/create-orphan', { policies: ['c'] });
    expect(orphan.json.auth.orphan).toBe(true);

    const list = await root('GET', '/v1/auth/token/accessors?list=true');
    expect(list.status).toBe(200);
    expect(list.json.data.keys).toContain(orphan.json.auth.accessor);
    expect(list.json.data.keys).not.toContain(b.accessor);
  });

  it('ok/num_uses limits the token and it is gone after its last use', async () => {
    const limited = await create({ policies: ['a'], num_uses: 2 });
    expect((await withToken(limited.client_token, 'GET', '/v1/auth/token/lookup-self')).json.data.num_uses).toBe(2);
    expect((await withToken(limited.client_token, 'GET', '/v1/auth/token/lookup-self')).status).toBe(200);
    expect((await withToken(limited.client_token, 'GET', '/v1/auth/token/lookup-self')).status).toBe(403);
  });

  it('fail/a non-root token may only use its own token paths', async () => {
    const plain = await create({ policies: ['a'] });
    for (const [method, path] of [
      ['GET', '/v1/sys/mounts'],
      ['POST', '/v1/auth/token/create'],
      ['POST', '/v1/auth/token/lookup'],
      ['GET', '/v1/auth/token/accessors?list=true'],
      ['POST', '/v1/sys/mounts/pki'],
    ] as const) {
      const res = await withToken(plain.client_token, method, path, method === 'POST' ? { type: 'pki' } : undefined);
      expect(res.status, path).toBe(403);
      expect(res.json).toEqual({ errors: ['permission denied'] });
    }
    expect((await withToken(plain.client_token, 'POST', '/v1/auth/token/renew-self', {})).status).toBe(200);
  });

  it('fail/create refuses malformed fields', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ttl: 'forever' }, /error converting input for field "ttl"/],
      [{ num_uses: -1 }, /negative/],
      [{ type: 'batch' }, /only service tokens/],
      [{ renewable: 'maybe' }, /field "renewable"/],
    ];
    for (const [body, message] of cases) {
      const res = await root('POST', '/v1/auth/token/create', body);
      expect(res.status).toBe(400);
      expect(res.json.errors.join(' ')).toMatch(message);
    }
  });
});
