import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function server(): Promise<TestServer> {
  const s = await startServer();
  servers.push(s);
  return s;
}

const root = (s: TestServer) => ({ token: s.rootToken });
const quota = (s: TestServer, name: string, body: Record<string, unknown>) => api(s, 'POST', `/v1/sys/quotas/rate-limit/${name}`, { ...root(s), body });
const statuses = async (count: number, call: () => Promise<{ status: number }>): Promise<number[]> => {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await call()).status);
  return out;
};

describe('sys/quotas/rate-limit', () => {
  it('ok/create, read, list, update and delete a quota as Vault does', async () => {
    const s = await server();
    expect((await api(s, 'GET', '/v1/sys/quotas/rate-limit?list=true', root(s))).status).toBe(404);
    expect((await quota(s, 'global', { rate: 897.3, interval: '2m', block_interval: '5m' })).status).toBe(204);
    const read = await api(s, 'GET', '/v1/sys/quotas/rate-limit/global', root(s));
    expect(read.status).toBe(200);
    expect(read.json.data).toEqual({
      name: 'global', type: 'rate-limit', path: '', role: '', rate: 897.3, interval: 120, block_interval: 300,
      group_by: 'ip', secondary_rate: 0, inheritable: false,
    });
    await api(s, 'POST', '/v1/sys/mounts/pki_int', { ...root(s), body: { type: 'pki' } });
    expect((await quota(s, 'issue', { path: 'pki_int', rate: 5 })).status).toBe(204);
    expect((await api(s, 'GET', '/v1/sys/quotas/rate-limit/issue', root(s))).json.data).toMatchObject({ path: 'pki_int/', interval: 1 });
    expect((await quota(s, 'issue', { path: 'pki_int/issue/services' })).status).toBe(204);
    expect((await api(s, 'GET', '/v1/sys/quotas/rate-limit/issue', root(s))).json.data).toMatchObject({ path: 'pki_int/issue/services', rate: 5 });
    const list = await api(s, 'LIST', '/v1/sys/quotas/rate-limit', root(s));
    expect(list.json.data.keys).toEqual(['global', 'issue']);
    expect((await api(s, 'DELETE', '/v1/sys/quotas/rate-limit/global', root(s))).status).toBe(204);
    expect((await api(s, 'GET', '/v1/sys/quotas/rate-limit/global', root(s))).status).toBe(404);
  });

  it('fail/bad quotas are 400s in Vault\'s envelope and change nothing', async () => {
    const s = await server();
    await api(s, 'POST', '/v1/sys/mounts/pki', { ...root(s), body: { type: 'pki' } });
    await api(s, 'POST', '/v1/sys/auth/approle', { ...root(s), body: { type: 'approle' } });
    expect((await quota(s, 'taken', { path: 'pki/', rate: 1 })).status).toBe(204);
    const cases: Array<[string, Record<string, unknown>]> = [
      ['no rate', { path: '' }],
      ['zero rate', { rate: 0 }],
      ['negative rate', { rate: -1 }],
      ['rate not a number', { rate: 'fast' }],
      ['bad interval', { rate: 1, interval: 'soon' }],
      ['unknown group_by', { rate: 1, group_by: 'moon' }],
      ['secondary_rate with ip', { rate: 1, secondary_rate: 2 }],
      ['unmounted path', { rate: 1, path: 'nowhere/issue/x' }],
      ['glob inside the path', { rate: 1, path: 'pki/*/x' }],
      ['dot segment', { rate: 1, path: 'pki/../sys' }],
      ['role on a secret mount', { rate: 1, path: 'pki/', role: 'web' }],
      ['role below an auth mount', { rate: 1, path: 'auth/approle/login', role: 'web' }],
      ['same path as another quota', { rate: 2, path: 'pki' }],
    ];
    for (const [label, body] of cases) {
      const res = await quota(s, 'bad', body);
      expect(res.status, label).toBe(400);
      expect(res.json.errors, label).toHaveLength(1);
    }
    expect((await api(s, 'LIST', '/v1/sys/quotas/rate-limit', root(s))).json.data.keys).toEqual(['taken']);
  });

  it('ok/a spent quota answers 429 with Vault\'s error and Retry-After, and refills after the interval', async () => {
    const s = await server();
    await quota(s, 'global', { rate: 3, interval: '1m' });
    const calls = await statuses(4, () => api(s, 'GET', '/v1/sys/mounts', root(s)));
    expect(calls).toEqual([200, 200, 200, 429]);
    const refused = await api(s, 'GET', '/v1/sys/mounts', root(s));
    expect(refused.status).toBe(429);
    expect(refused.json).toEqual({ errors: ['request path "sys/mounts": rate limit quota exceeded'] });
    expect(refused.headers.get('content-type')).toBe('application/json');
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(refused.headers.get('x-ratelimit-limit')).toBeNull();
    // Exempt by default: health and the quota API itself, so a bad quota can be removed.
    expect((await api(s, 'GET', '/v1/sys/health')).status).toBe(200);
    expect((await api(s, 'GET', '/v1/sys/quotas/rate-limit/global', root(s))).status).toBe(200);
    s.clock.advance(30_000);
    expect((await api(s, 'GET', '/v1/sys/mounts', root(s))).headers.get('retry-after')).toBe('30');
    s.clock.advance(30_000);
    expect(await statuses(4, () => api(s, 'GET', '/v1/sys/mounts', root(s)))).toEqual([200, 200, 200, 429]);
  });

  it('ok/block_interval refuses a caller over the rate for the whole block', async () => {
    const s = await server();
    await quota(s, 'global', { rate: 1, interval: '1s', block_interval: '30s' });
    expect(await statuses(2, () => api(s, 'GET', '/v1/sys/mounts', root(s)))).toEqual([200, 429]);
    s.clock.advance(2000);
    const blocked = await api(s, 'GET', '/v1/sys/mounts', root(s));
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('28');
    s.clock.advance(28_000);
    expect((await api(s, 'GET', '/v1/sys/mounts', root(s))).status).toBe(200);
  });

  it('ok/the most specific quota applies: exact path, then longest prefix, then mount, then global', async () => {
    const s = await server();
    await api(s, 'POST', '/v1/sys/mounts/pki', { ...root(s), body: { type: 'pki' } });
    await quota(s, 'exact', { path: 'pki/roles/a', rate: 1, interval: '1h' });
    await quota(s, 'prefix', { path: 'pki/roles/*', rate: 2, interval: '1h' });
    await quota(s, 'mount', { path: 'pki/', rate: 3, interval: '1h' });
    await quota(s, 'global', { rate: 4, interval: '1h' });
    expect(await statuses(2, () => api(s, 'GET', '/v1/pki/roles/a', root(s)))).toEqual([404, 429]);
    expect(await statuses(3, () => api(s, 'GET', '/v1/pki/roles/b', root(s)))).toEqual([404, 404, 429]);
    expect(await statuses(4, () => api(s, 'GET', '/v1/pki/config/urls', root(s)))).toEqual([200, 200, 200, 429]);
    expect(await statuses(3, () => api(s, 'GET', '/v1/sys/mounts', root(s)))).toEqual([200, 200, 200]);
    // Paths no route serves count against the quota that covers them.
    expect(await statuses(3, () => api(s, 'GET', '/v1/nowhere/at/all', root(s)))).toEqual([404, 429, 429]);
    expect((await api(s, 'GET', '/v1/pki/no/such/route', root(s))).status).toBe(429); // the spent mount quota
  });

  it('ok/group_by token gives every token its own bucket; ip shares one per address', async () => {
    const s = await server();
    const tokenA = (await api(s, 'POST', '/v1/auth/token/create', { ...root(s), body: { policies: ['default'] } })).json.auth.client_token;
    const tokenB = (await api(s, 'POST', '/v1/auth/token/create', { ...root(s), body: { policies: ['default'] } })).json.auth.client_token;
    await api(s, 'POST', '/v1/sys/quotas/config', { ...root(s), body: { rate_limit_exempt_paths: [] } });
    await quota(s, 'per-token', { path: 'auth/token/', rate: 2, interval: '1h', group_by: 'token', secondary_rate: 1 });
    const self = (token: string | null) => () => api(s, 'GET', '/v1/auth/token/lookup-self', { token });
    expect(await statuses(3, self(tokenA))).toEqual([200, 200, 429]);
    expect(await statuses(3, self(tokenB))).toEqual([200, 200, 429]);
    // Without a valid token: the caller's address, at the secondary rate.
    expect(await statuses(2, self('hvs.notarealtokennotarealtoke'))).toEqual([403, 429]);
    await quota(s, 'per-token', { group_by: 'ip', secondary_rate: 0 });
    expect(await statuses(3, self(tokenA))).toEqual([200, 200, 429]);
    expect((await self(tokenB)()).status).toBe(429);
  });

  it('ok/group_by entity_then_none: logins of one identity share a bucket, tokens without an entity the secondary one', async () => {
    const s = await server();
    await api(s, 'POST', '/v1/sys/auth/approle', { ...root(s), body: { type: 'approle' } });
    await api(s, 'POST', '/v1/auth/approle/role/app', { ...root(s), body: { token_policies: 'default' } });
    const roleId = (await api(s, 'GET', '/v1/auth/approle/role/app/role-id', root(s))).json.data.role_id;
    const logins: string[] = [];
    for (let i = 0; i < 2; i++) {
      const secretId = (await api(s, 'POST', '/v1/auth/approle/role/app/secret-id', root(s))).json.data.secret_id;
      logins.push((await api(s, 'POST', '/v1/auth/approle/login', { body: { role_id: roleId, secret_id: secretId } })).json.auth.client_token);
    }
    await quota(s, 'per-entity', { path: 'auth/token/lookup-self', rate: 2, interval: '1h', group_by: 'entity_then_none', secondary_rate: 1 });
    const self = (token: string) => api(s, 'GET', '/v1/auth/token/lookup-self', { token });
    expect([(await self(logins[0]!)).status, (await self(logins[1]!)).status, (await self(logins[0]!)).status]).toEqual([200, 200, 429]);
    expect(await statuses(2, () => self(s.rootToken))).toEqual([200, 429]);
  });

  it('ok/a role quota counts only the logins of that AppRole role and wins over the mount quota', async () => {
    const s = await server();
    await api(s, 'POST', '/v1/sys/auth/approle', { ...root(s), body: { type: 'approle' } });
    const creds: Record<string, { role_id: string; secret_id: string }> = {};
    for (const role of ['slow', 'fast']) {
      await api(s, 'POST', `/v1/auth/approle/role/${role}`, { ...root(s), body: { secret_id_num_uses: 0 } });
      const roleId = (await api(s, 'GET', `/v1/auth/approle/role/${role}/role-id`, root(s))).json.data.role_id;
      const secretId = (await api(s, 'POST', `/v1/auth/approle/role/${role}/secret-id`, root(s))).json.data.secret_id;
      creds[role] = { role_id: roleId, secret_id: secretId };
    }
    await quota(s, 'slow-logins', { path: 'auth/approle/', role: 'slow', rate: 1, interval: '1h' });
    await quota(s, 'approle', { path: 'auth/approle', rate: 3, interval: '1h' });
    const login = (role: string) => () => api(s, 'POST', '/v1/auth/approle/login', { body: creds[role] });
    expect(await statuses(2, login('slow'))).toEqual([200, 429]);
    expect(await statuses(4, login('fast'))).toEqual([200, 200, 200, 429]);
  });

  it('ok/sys/quotas/config: response headers, exempt paths, audit of refused requests; all kept across a restart', async () => {
    const s = await server();
    const defaults = (await api(s, 'GET', '/v1/sys/quotas/config', root(s))).json.data;
    expect(defaults).toMatchObject({ enable_rate_limit_response_headers: false, enable_rate_limit_audit_logging: false });
    expect(defaults.rate_limit_exempt_paths).toEqual(expect.arrayContaining(['sys/health', 'sys/seal-status', 'sys/quotas/*']));
    await api(s, 'POST', '/v1/sys/audit/file', { ...root(s), body: { type: 'file', options: { file_path: `${s.dir}/audit.log` } } });
    const refusalsAudited = () => readFileSync(`${s.dir}/audit.log`, 'utf8').split('\n').filter((line) => line.includes('rate limit quota exceeded')).length;
    // Off by default: refused requests do not reach the audit log.
    await quota(s, 'probe', { path: 'sys/mounts', rate: 1, interval: '1h' });
    expect(await statuses(2, () => api(s, 'GET', '/v1/sys/mounts', root(s)))).toEqual([200, 429]);
    expect(refusalsAudited()).toBe(0);
    await api(s, 'DELETE', '/v1/sys/quotas/rate-limit/probe', root(s));
    const set = await api(s, 'POST', '/v1/sys/quotas/config', {
      ...root(s),
      body: { enable_rate_limit_response_headers: true, enable_rate_limit_audit_logging: true, rate_limit_exempt_paths: ['sys/quotas/*', 'sys/policies/acl/*'] },
    });
    expect(set.status).toBe(204);
    await quota(s, 'global', { rate: 2, interval: '10s' });
    const first = await api(s, 'GET', '/v1/sys/mounts', root(s));
    expect([first.headers.get('x-ratelimit-limit'), first.headers.get('x-ratelimit-remaining'), first.headers.get('x-ratelimit-reset')]).toEqual(['2', '1', '10']);
    const denied = await api(s, 'GET', '/v1/sys/mounts', { token: 'hvs.notarealtokennotarealtoke' });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('x-ratelimit-remaining')).toBe('0');
    const refused = await api(s, 'GET', '/v1/sys/mounts', root(s));
    expect(refused.status).toBe(429);
    expect([refused.headers.get('x-ratelimit-remaining'), refused.headers.get('retry-after')]).toEqual(['0', '10']);
    expect((await api(s, 'GET', '/v1/sys/policies/acl/default', root(s))).status).toBe(200);
    expect((await api(s, 'GET', '/v1/sys/health')).status).toBe(429);
    expect(refusalsAudited()).toBeGreaterThan(0);

    await s.stop();
    const again = await startServer({ dir: s.dir, kek: s.kek });
    servers.push(again);
    expect((await api(again, 'GET', '/v1/sys/quotas/rate-limit/global', root(s))).json.data).toMatchObject({ rate: 2, interval: 10 });
    expect((await api(again, 'GET', '/v1/sys/quotas/config', root(s))).json.data).toEqual({
      enable_rate_limit_response_headers: true, enable_rate_limit_audit_logging: true, rate_limit_exempt_paths: ['sys/quotas/*', 'sys/policies/acl/*'],
    });
    expect(await statuses(3, () => api(again, 'GET', '/v1/sys/mounts', root(s)))).toEqual([200, 200, 429]);
  });

  it('fail/the quota API needs sudo', async () => {
    const s = await server();
    await api(s, 'PUT', '/v1/sys/policies/acl/quota-no-sudo', { ...root(s), body: { policy: 'path "sys/quotas/*" { capabilities = ["create", "read", "update", "delete", "list"] }' } });
    const token = (await api(s, 'POST', '/v1/auth/token/create', { ...root(s), body: { policies: ['quota-no-sudo'] } })).json.auth.client_token;
    expect((await api(s, 'POST', '/v1/sys/quotas/rate-limit/x', { token, body: { rate: 1 } })).status).toBe(403);
    expect((await api(s, 'GET', '/v1/sys/quotas/config', { token })).status).toBe(403);
    expect((await api(s, 'LIST', '/v1/sys/quotas/rate-limit', { token })).status).toBe(403);
  });
});
