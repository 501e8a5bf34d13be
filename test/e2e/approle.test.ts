import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let accessor: string;

const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });
const login = (body: Record<string, unknown>) => api(server, 'POST', '/v1/auth/approle/login', { body });
const list = (path: string) => api(server, 'GET', `/v1/${path}?list=true`, { token: server.rootToken });

async function roleId(role: string): Promise<string> {
  const res = await root('GET', `auth/approle/role/${role}/role-id`);
  expect(res.status, res.text).toBe(200);
  return res.json.data.role_id as string;
}

async function secretId(role: string, body: Record<string, unknown> = {}) {
  const res = await root('POST', `auth/approle/role/${role}/secret-id`, body);
  expect(res.status, res.text).toBe(200);
  return res.json.data as { secret_id: string; secret_id_accessor: string; secret_id_ttl: number; secret_id_num_uses: number };
}

function expectRefused(res: { status: number; json: { errors?: string[]; auth?: unknown } }) {
  expect(res.status).toBe(400);
  expect(res.json.errors).toEqual(['invalid role or secret ID']);
  expect(res.json.auth).toBeUndefined();
}

beforeAll(async () => {
  server = await startServer();
  expect((await root('POST', 'sys/auth/approle', { type: 'approle' })).status).toBe(204);
  accessor = (await root('GET', 'sys/auth')).json.data['approle/'].accessor;
  await root('PUT', 'sys/policies/acl/issue-web', { policy: 'path "pki/issue/web" { capabilities = ["update"] }' });
  await root('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '8760h' } });
  await root('POST', 'pki/root/generate/internal', { common_name: 'AppRole test CA', key_type: 'ec', ttl: '8760h' });
  await root('POST', 'pki/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '24h' });
});
afterAll(async () => server.close());

describe('AppRole: role, role ID, secret ID, login, certificate', () => {
  it('ok/the full flow: a role, its IDs, a login with metadata, and a certificate under the role\'s policy', async () => {
    const write = await root('POST', 'auth/approle/role/web', {
      token_policies: 'issue-web',
      token_ttl: '20m',
      token_max_ttl: '30m',
      secret_id_ttl: '10m',
      secret_id_num_uses: 40,
    });
    expect(write.status, write.text).toBe(204);
    const read = await root('GET', 'auth/approle/role/web');
    expect(read.json.data).toEqual({
      bind_secret_id: true,
      local_secret_ids: false,
      secret_id_bound_cidrs: [],
      secret_id_num_uses: 40,
      secret_id_ttl: 600,
      token_bound_cidrs: [],
      token_explicit_max_ttl: 0,
      token_max_ttl: 1800,
      token_no_default_policy: false,
      token_num_uses: 0,
      token_period: 0,
      token_policies: ['issue-web'],
      token_ttl: 1200,
      token_type: 'default',
    });
    expect((await list('auth/approle/role')).json.data.keys).toEqual(['web']);

    const id = await roleId('web');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const secret = await secretId('web', { metadata: JSON.stringify({ app: 'frontend' }) });
    expect(secret).toMatchObject({ secret_id_ttl: 600, secret_id_num_uses: 40 });
    expect(secret.secret_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await list('auth/approle/role/web/secret-id')).json.data.keys).toContain(secret.secret_id_accessor);

    const res = await login({ role_id: id, secret_id: secret.secret_id });
    expect(res.status, res.text).toBe(200);
    expect(res.json.auth).toMatchObject({
      policies: ['default', 'issue-web'],
      token_policies: ['default', 'issue-web'],
      metadata: { role_name: 'web', app: 'frontend' },
      lease_duration: 1200,
      renewable: true,
      token_type: 'service',
    });
    expect(res.json.auth.entity_id).toMatch(/^[0-9a-f-]{36}$/);
    const token = res.json.auth.client_token as string;
    const self = await api(server, 'GET', '/v1/auth/token/lookup-self', { token });
    expect(self.json.data).toMatchObject({ display_name: 'approle', path: 'auth/approle/login', meta: { role_name: 'web', app: 'frontend' } });

    const issued = await api(server, 'POST', '/v1/pki/issue/web', { token, body: { common_name: 'app.example.com', ttl: '1h' } });
    expect(issued.status, issued.text).toBe(200);
    expect(issued.json.data.certificate).toMatch(/BEGIN CERTIFICATE/);
    expect((await api(server, 'POST', '/v1/pki/issue/other', { token, body: { common_name: 'x.example.com' } })).status).toBe(403);

    const lookup = await root('POST', 'auth/approle/role/web/secret-id/lookup', { secret_id: secret.secret_id });
    expect(lookup.json.data).toMatchObject({ secret_id_accessor: secret.secret_id_accessor, secret_id_num_uses: 39, secret_id_ttl: 600, metadata: { app: 'frontend' } });
    expect(lookup.json.data.secret_id).toBeUndefined();
    const byAccessor = await root('POST', 'auth/approle/role/web/secret-id-accessor/lookup', { secret_id_accessor: secret.secret_id_accessor });
    expect(byAccessor.json.data.secret_id_num_uses).toBe(39);
  });

  it('ok/a custom role ID and a custom secret ID log in; the old role ID no longer does', async () => {
    await root('POST', 'auth/approle/role/custom', { token_policies: 'issue-web' });
    const old = await roleId('custom');
    expect((await root('POST', 'auth/approle/role/custom/role-id', { role_id: 'my-role-id' })).status).toBe(204);
    expect(await roleId('custom')).toBe('my-role-id');
    const custom = await root('POST', 'auth/approle/role/custom/custom-secret-id', { secret_id: 'my-secret-id' });
    expect(custom.status, custom.text).toBe(200);
    expect(custom.json.data.secret_id).toBe('my-secret-id');
    expect((await root('POST', 'auth/approle/role/custom/custom-secret-id', { secret_id: 'my-secret-id' })).status).toBe(400);
    expect((await login({ role_id: 'my-role-id', secret_id: 'my-secret-id' })).status).toBe(200);
    expectRefused(await login({ role_id: old, secret_id: 'my-secret-id' }));
    // A role ID belongs to one role only.
    await root('POST', 'auth/approle/role/other', { token_policies: 'issue-web' });
    const taken = await root('POST', 'auth/approle/role/other/role-id', { role_id: 'my-role-id' });
    expect(taken.status).toBe(400);
  });

  it('fail/wrong secret ID, unknown role ID, secret ID of another role: all the same 400', async () => {
    const id = await roleId('web');
    const otherSecret = (await secretId('other')).secret_id;
    expectRefused(await login({ role_id: id, secret_id: 'not-the-secret' }));
    expectRefused(await login({ role_id: 'no-such-role-id', secret_id: (await secretId('web')).secret_id }));
    expectRefused(await login({ role_id: id, secret_id: otherSecret }));
    expect((await login({ secret_id: otherSecret })).json.errors).toEqual(['missing role_id']);
    expect(server.logs.some((line) => line.includes('login refused'))).toBe(true);
  });

  it('fail/a secret ID with num_uses is spent after its uses, then gone', async () => {
    await root('POST', 'auth/approle/role/twice', { token_policies: 'issue-web', secret_id_num_uses: 5 });
    const id = await roleId('twice');
    expect((await root('POST', 'auth/approle/role/twice/secret-id', { num_uses: 9 })).status).toBe(400);
    const secret = await secretId('twice', { num_uses: 2 });
    expect(secret.secret_id_num_uses).toBe(2);
    expect((await login({ role_id: id, secret_id: secret.secret_id })).status).toBe(200);
    expect((await login({ role_id: id, secret_id: secret.secret_id })).status).toBe(200);
    expectRefused(await login({ role_id: id, secret_id: secret.secret_id }));
    expect((await list('auth/approle/role/twice/secret-id')).status).toBe(404);
    expect((await root('POST', 'auth/approle/role/twice/secret-id-accessor/lookup', { secret_id_accessor: secret.secret_id_accessor })).status).toBe(404);
  });

  it('fail/concurrent logins cannot spend a single-use secret ID twice', async () => {
    const id = await roleId('twice');
    const secret = await secretId('twice', { num_uses: 1 });
    const results = await Promise.all(Array.from({ length: 8 }, () => login({ role_id: id, secret_id: secret.secret_id })));
    expect(results.filter((res) => res.status === 200)).toHaveLength(1);
  });

  it('fail/a secret ID expires after its TTL (ManualClock)', async () => {
    await root('POST', 'auth/approle/role/short', { token_policies: 'issue-web', secret_id_ttl: '10m' });
    const id = await roleId('short');
    const secret = await secretId('short', { ttl: '5m' });
    expect(secret.secret_id_ttl).toBe(300);
    const lookup = await root('POST', 'auth/approle/role/short/secret-id/lookup', { secret_id: secret.secret_id });
    expect(Date.parse(lookup.json.data.expiration_time) - Date.parse(lookup.json.data.creation_time)).toBe(300_000);
    server.clock.advance(299_000);
    expect((await login({ role_id: id, secret_id: secret.secret_id })).status).toBe(200);
    server.clock.advance(2_000);
    expectRefused(await login({ role_id: id, secret_id: secret.secret_id }));
    expect((await root('POST', 'auth/approle/role/short/secret-id/lookup', { secret_id: secret.secret_id })).status).toBe(204);
    expect((await root('POST', 'auth/approle/role/short/secret-id', { ttl: '1h' })).status).toBe(400);
  });

  it('fail/CIDR bindings on the role and on the secret ID refuse other sources', async () => {
    await root('POST', 'auth/approle/role/fenced', { token_policies: 'issue-web', secret_id_bound_cidrs: '10.0.0.0/8' });
    const id = await roleId('fenced');
    const fenced = await secretId('fenced', { cidr_list: '10.1.0.0/16' });
    const res = await login({ role_id: id, secret_id: fenced.secret_id });
    expect(res.status).toBe(400);
    expect(res.json.errors[0]).toMatch(/unauthorized (through|by) CIDR restrictions/);
    expect(res.json.auth).toBeUndefined();
    expect((await root('POST', 'auth/approle/role/fenced/secret-id', { cidr_list: '192.168.0.0/16' })).status).toBe(400);
    // The refused attempt did not spend a use.
    const lookup = await root('POST', 'auth/approle/role/fenced/secret-id/lookup', { secret_id: fenced.secret_id });
    expect(lookup.json.data.cidr_list).toEqual(['10.1.0.0/16']);

    await root('POST', 'auth/approle/role/local', { token_policies: 'issue-web' });
    const local = await secretId('local', { cidr_list: '127.0.0.0/8' });
    expect((await login({ role_id: await roleId('local'), secret_id: local.secret_id })).status).toBe(200);
    const away = await secretId('local', { cidr_list: '10.0.0.0/8' });
    expect((await login({ role_id: await roleId('local'), secret_id: away.secret_id })).status).toBe(400);
  });

  it('ok/bind_secret_id=false needs a CIDR constraint and then logs in with the role ID alone', async () => {
    expect((await root('POST', 'auth/approle/role/open', { bind_secret_id: false })).status).toBe(400);
    expect((await root('POST', 'auth/approle/role/open', { bind_secret_id: false, secret_id_bound_cidrs: '127.0.0.1/32', token_policies: 'issue-web' })).status).toBe(204);
    const res = await login({ role_id: await roleId('open') });
    expect(res.status, res.text).toBe(200);
    expect(res.json.auth.metadata).toEqual({ role_name: 'open' });
  });

  it('ok/destroy by secret ID and by accessor; deleting the role drops its secret IDs', async () => {
    const id = await roleId('web');
    const a = await secretId('web');
    const b = await secretId('web');
    expect((await root('POST', 'auth/approle/role/web/secret-id/destroy', { secret_id: a.secret_id })).status).toBe(204);
    expectRefused(await login({ role_id: id, secret_id: a.secret_id }));
    expect((await root('POST', 'auth/approle/role/web/secret-id-accessor/destroy', { secret_id_accessor: b.secret_id_accessor })).status).toBe(204);
    expectRefused(await login({ role_id: id, secret_id: b.secret_id }));
    expect((await list('auth/approle/role/web/secret-id')).json.data?.keys ?? []).not.toContain(b.secret_id_accessor);

    await root('POST', 'auth/approle/role/doomed', { token_policies: 'issue-web' });
    const doomedId = await roleId('doomed');
    const c = await secretId('doomed');
    expect((await root('DELETE', 'auth/approle/role/doomed')).status).toBe(204);
    expect((await root('GET', 'auth/approle/role/doomed')).status).toBe(404);
    expectRefused(await login({ role_id: doomedId, secret_id: c.secret_id }));
    await root('POST', 'auth/approle/role/doomed', { token_policies: 'issue-web', role_id: doomedId });
    expectRefused(await login({ role_id: doomedId, secret_id: c.secret_id }));
  });

  it('ok/tokens get an identity: the alias is the role ID under the mount accessor', async () => {
    await root('POST', 'auth/approle/role/ident', { token_policies: 'issue-web' });
    const id = await roleId('ident');
    const one = await login({ role_id: id, secret_id: (await secretId('ident')).secret_id });
    const two = await login({ role_id: id, secret_id: (await secretId('ident')).secret_id });
    expect(one.json.auth.entity_id).toBe(two.json.auth.entity_id);
    expect(accessor).toMatch(/^auth_approle_[0-9a-f]{8}$/);
    const record = await server.deps.services.tokens.lookupByToken(one.json.auth.client_token);
    expect(record?.identity?.aliases[accessor]?.name).toBe(id);
  });

  it('ok/the SQLite files (and the server log) hold no secret ID in clear', async () => {
    const secrets = [(await secretId('web')).secret_id, 'my-secret-id'];
    await root('POST', 'auth/approle/role/custom/custom-secret-id', { secret_id: 'another-custom-secret' });
    secrets.push('another-custom-secret');
    const files = readdirSync(server.dir).filter((name) => name.startsWith('mintca.db'));
    const contents = Buffer.concat(files.map((name) => readFileSync(join(server.dir, name))));
    // Control: the role ID is stored in clear, so the scan does see the stored documents.
    expect(contents.includes(Buffer.from(await roleId('web')))).toBe(true);
    for (const secret of secrets) expect(contents.includes(Buffer.from(secret)), secret).toBe(false);
    for (const secret of secrets) expect(server.logs.join('\n')).not.toContain(secret);
  });
});
