import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Operation, type RouteDef } from '../../src/http/route.js';
import { buildRouteTables } from '../../src/http/routes/index.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let routes: Array<{ prefix: string; route: RouteDef }>;

/** A concrete path for a route pattern: parameters get harmless sample values. */
function concrete(prefix: string, pattern: string): string {
  const samples: Record<string, string> = { serial: '01', ref: 'default', role: 'matrix', type: 'internal', path: 'matrix-x', request: 'MA%3D%3D', name: 'matrix' };
  const filled = pattern
    .split('/')
    .map((segment) => (segment.startsWith(':') || segment.startsWith('*') ? (samples[segment.slice(1)] ?? 'x') : segment))
    .join('/');
  return prefix === '' ? filled : `${prefix}/${filled}`;
}

const methodOf: Record<Operation, string> = { read: 'GET', list: 'GET', update: 'POST', patch: 'PATCH', delete: 'DELETE' };

function call(path: string, operation: Operation, token: string | null) {
  const url = `/v1/${path}${operation === 'list' ? '?list=true' : ''}`;
  const headers: Record<string, string> = operation === 'patch' ? { 'content-type': 'application/merge-patch+json' } : {};
  return api(server, methodOf[operation], url, { token, headers, body: operation === 'update' || operation === 'patch' ? {} : undefined });
}

/** Paths Vault's built-in default policy lets every token use. */
const defaultPolicyGrants = new Set(['auth/token/lookup-self', 'auth/token/renew-self', 'auth/token/revoke-self', 'sys/capabilities-self']);

beforeAll(async () => {
  server = await startServer();
  await api(server, 'POST', '/v1/sys/mounts/pki', { token: server.rootToken, body: { type: 'pki' } });
  for (const type of ['kubernetes', 'jwt', 'cert', 'approle']) await api(server, 'POST', `/v1/sys/auth/${type}`, { token: server.rootToken, body: { type } });
  const tables = buildRouteTables(server.deps);
  routes = [
    ...tables.system.map((route) => ({ prefix: '', route })),
    ...[...tables.engines.values()].flatMap((list) => list.map((route) => ({ prefix: 'pki', route }))),
    ...[...tables.authMethods].flatMap(([type, list]) => list.map((route) => ({ prefix: `auth/${type}`, route }))),
  ];
  await api(server, 'PUT', '/v1/sys/policies/acl/elsewhere', { token: server.rootToken, body: { policy: 'path "somewhere/else" { capabilities = ["read", "update", "list", "delete", "create", "patch", "sudo"] }' } });
});
afterAll(async () => server.close());

describe('authorization matrix: every registered route and operation', () => {
  it('ok/walks more than 100 route operations', () => {
    expect(routes.flatMap(({ route }) => Object.keys(route.operations)).length).toBeGreaterThan(100);
  });

  it('ok/without a token only the documented unauthenticated operations answer; with a bad or non-covering token nothing else does', async () => {
    const stray = (await api(server, 'POST', '/v1/auth/token/create', { token: server.rootToken, body: { policies: ['elsewhere'] } })).json.auth.client_token as string;
    const failures: string[] = [];
    for (const { prefix, route } of routes) {
      for (const operation of Object.keys(route.operations) as Operation[]) {
        const path = concrete(prefix, route.pattern);
        const open = route.unauthenticated?.includes(operation) === true;
        const anonymous = await call(path, operation, null);
        if (open && anonymous.status === 403) failures.push(`${operation} ${path}: unauthenticated operation refused`);
        if (!open) {
          if (anonymous.status !== 403 || anonymous.json?.errors?.[0] !== 'permission denied') failures.push(`${operation} ${path}: answered ${anonymous.status} without a token`);
          const bogus = await call(path, operation, 'hvs.notarealtokennotarealtoke');
          if (bogus.status !== 403) failures.push(`${operation} ${path}: answered ${bogus.status} to a bad token`);
          const uncovered = await call(path, operation, stray);
          if (!defaultPolicyGrants.has(path) && uncovered.status !== 403) failures.push(`${operation} ${path}: answered ${uncovered.status} to a token whose policies do not cover it`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('ok/a token whose policy covers exactly the path and capability passes the ACL', async () => {
    const failures: string[] = [];
    let n = 0;
    for (const { prefix, route } of routes) {
      for (const operation of Object.keys(route.operations) as Operation[]) {
        if (route.unauthenticated?.includes(operation)) continue;
        const path = concrete(prefix, route.pattern);
        const capabilities = operation === 'update' ? ['create', 'update'] : [operation];
        const policy = `path "${path}${operation === 'list' ? '/' : ''}" { capabilities = ${JSON.stringify([...capabilities, 'sudo'])} }`;
        const name = `matrix-${n++}`;
        await api(server, 'PUT', `/v1/sys/policies/acl/${name}`, { token: server.rootToken, body: { policy } });
        const token = (await api(server, 'POST', '/v1/auth/token/create', { token: server.rootToken, body: { policies: [name] } })).json.auth.client_token as string;
        const res = await call(path, operation, token);
        if (res.status === 403) failures.push(`${operation} ${path}: refused with a covering policy (${res.text.trim()})`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('policies', () => {
  const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });

  it('ok/HCL and JSON policies round-trip and show in both APIs', async () => {
    const hcl = 'path "pki/issue/web" {\n  capabilities = ["update"]\n}\n';
    expect((await root('PUT', 'sys/policies/acl/issuer-web', { policy: hcl })).status).toBe(204);
    expect((await root('GET', 'sys/policies/acl/issuer-web')).json.data).toEqual({ name: 'issuer-web', policy: hcl });
    const json = JSON.stringify({ path: { 'pki/roles/*': { capabilities: ['read', 'list'] } } });
    expect((await root('PUT', 'sys/policy/role-reader', { rules: json })).status).toBe(204);
    expect((await root('GET', 'sys/policy/role-reader')).json.rules).toBe(json);
    const list = await api(server, 'GET', '/v1/sys/policies/acl?list=true', { token: server.rootToken });
    expect(list.json.data.keys).toEqual(expect.arrayContaining(['default', 'root', 'issuer-web', 'role-reader']));
    expect((await root('GET', 'sys/policy')).json.policies).toEqual(expect.arrayContaining(['issuer-web']));
    expect((await root('GET', 'sys/policies/acl/default')).json.data.policy).toContain('auth/token/lookup-self');
  });

  it('fail/a policy that does not parse, and writes to root, are 400s that change nothing', async () => {
    const bad = await root('PUT', 'sys/policies/acl/broken', { policy: 'path "x" { capabilities = ["read"' });
    expect(bad.status).toBe(400);
    expect(bad.json.errors[0]).toMatch(/failed to parse policy/);
    expect((await root('GET', 'sys/policies/acl/broken')).status).toBe(404);
    expect((await root('PUT', 'sys/policies/acl/bad-cap', { policy: 'path "x" { capabilities = ["fly"] }' })).status).toBe(400);
    expect((await root('PUT', 'sys/policies/acl/root', { policy: 'path "x" { capabilities = ["read"] }' })).status).toBe(400);
    expect((await root('DELETE', 'sys/policies/acl/default')).status).toBe(400);
  });

  it('ok/capabilities-self and capabilities report what a token may do', async () => {
    await root('PUT', 'sys/policies/acl/issuer-web', { policy: 'path "pki/issue/web" { capabilities = ["update"] }' });
    const token = (await root('POST', 'auth/token/create', { policies: ['issuer-web'] })).json.auth.client_token as string;
    const self = await api(server, 'POST', '/v1/sys/capabilities-self', { token, body: { paths: ['pki/issue/web', 'pki/issue/other'] } });
    expect(self.json.data).toMatchObject({ 'pki/issue/web': ['update'], 'pki/issue/other': ['deny'] });
    const other = await root('POST', 'sys/capabilities', { token, path: 'pki/issue/web' });
    expect(other.json.capabilities).toEqual(['update']);
    expect((await api(server, 'POST', '/v1/pki/issue/other', { token, body: {} })).status).toBe(403);
  });
});
