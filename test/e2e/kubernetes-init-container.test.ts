import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let signingKey: KeyObject;
let accessor: string;

const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });

/** A projected service-account token as the kubelet mounts it. */
async function serviceAccountJwt(namespace: string, name: string, options: { key?: KeyObject; audience?: string; expiresInS?: number } = {}): Promise<string> {
  const now = Math.floor(server.clock.nowMs() / 1000);
  return new SignJWT({
    'kubernetes.io': { namespace, serviceaccount: { name, uid: `uid-${namespace}-${name}` }, pod: { name: `${name}-7d9f`, uid: `pod-${name}` } },
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer('https://kubernetes.default.svc.cluster.local')
    .setSubject(`system:serviceaccount:${namespace}:${name}`)
    .setAudience(options.audience ?? 'mintca')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInS ?? 3600))
    .sign(options.key ?? signingKey);
}

beforeAll(async () => {
  server = await startServer();
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  signingKey = pair.privateKey;
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  expect((await root('POST', 'sys/auth/kubernetes', { type: 'kubernetes' })).status).toBe(204);
  accessor = (await root('GET', 'sys/auth')).json.data['kubernetes/'].accessor;
  expect(accessor).toMatch(/^auth_kubernetes_[0-9a-f]{8}$/);
  expect((await root('POST', 'auth/kubernetes/config', { pem_keys: [publicPem], issuer: 'https://kubernetes.default.svc.cluster.local', disable_iss_validation: false })).status).toBe(204);
  await root('POST', 'auth/kubernetes/role/services', {
    bound_service_account_names: '*',
    bound_service_account_namespaces: 'default,team-*',
    audience: 'mintca',
    token_policies: 'issue-services',
    token_ttl: '10m',
  });
  await root('PUT', 'sys/policies/acl/issue-services', { policy: 'path "pki_int/issue/services" { capabilities = ["update"] }' });

  await root('POST', 'sys/mounts/pki_int', { type: 'pki', config: { max_lease_ttl: '8760h' } });
  await root('POST', 'pki_int/root/generate/internal', { common_name: 'cluster CA', key_type: 'ec', ttl: '8760h' });
  const meta = `{{identity.entity.aliases.${accessor}.metadata`;
  await root('POST', 'pki_int/roles/services', {
    allowed_domains: `${meta}.service_account_name}}.${meta}.service_account_namespace}}.svc.cluster.local`,
    allowed_domains_template: true,
    allow_bare_domains: true,
    allowed_uri_sans: `spiffe://cluster.local/ns/${meta}.service_account_namespace}}/sa/${meta}.service_account_name}}`,
    allowed_uri_sans_template: true,
    key_type: 'ec',
    max_ttl: '24h',
  });
});
afterAll(async () => server.close());

async function login(jwt: string) {
  return api(server, 'POST', '/v1/auth/kubernetes/login', { body: { role: 'services', jwt } });
}

describe('init container: Kubernetes login, then a certificate for its own name only', () => {
  it('ok/login returns Vault\'s auth block with the service account metadata', async () => {
    const res = await login(await serviceAccountJwt('default', 'web'));
    expect(res.status, res.text).toBe(200);
    expect(res.json.auth).toMatchObject({
      policies: ['default', 'issue-services'],
      token_policies: ['default', 'issue-services'],
      lease_duration: 600,
      renewable: true,
      token_type: 'service',
      metadata: { role: 'services', service_account_name: 'web', service_account_namespace: 'default', service_account_uid: 'uid-default-web' },
    });
    expect(res.json.auth.client_token).toMatch(/^hvs\./);
    expect(res.json.auth.entity_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ok/the pod gets a certificate for its own service name and SPIFFE ID', async () => {
    const token = (await login(await serviceAccountJwt('default', 'web'))).json.auth.client_token;
    const issued = await api(server, 'POST', '/v1/pki_int/issue/services', {
      token,
      body: { common_name: 'web.default.svc.cluster.local', uri_sans: 'spiffe://cluster.local/ns/default/sa/web', ttl: '1h' },
    });
    expect(issued.status, issued.text).toBe(200);
    expect(issued.json.data.certificate).toMatch(/BEGIN CERTIFICATE/);
  });

  it('fail/the same pod is refused a certificate for another service, and another namespace', async () => {
    const token = (await login(await serviceAccountJwt('default', 'web'))).json.auth.client_token;
    for (const body of [
      { common_name: 'api.default.svc.cluster.local' },
      { common_name: 'web.team-a.svc.cluster.local' },
      { common_name: 'web.default.svc.cluster.local', uri_sans: 'spiffe://cluster.local/ns/default/sa/api' },
    ]) {
      const res = await api(server, 'POST', '/v1/pki_int/issue/services', { token, body: { ...body, ttl: '1h' } });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.errors[0]).toMatch(/not allowed by this role|not valid for this role/);
    }
    expect((await api(server, 'POST', '/v1/pki_int/issue/other', { token, body: { common_name: 'x' } })).status).toBe(403);
  });

  it('ok/a glob namespace binding admits team-a', async () => {
    const token = (await login(await serviceAccountJwt('team-a', 'api'))).json.auth.client_token;
    const res = await api(server, 'POST', '/v1/pki_int/issue/services', { token, body: { common_name: 'api.team-a.svc.cluster.local', ttl: '1h' } });
    expect(res.status, res.text).toBe(200);
  });

  const refusals: Array<[string, () => Promise<string>]> = [
    ['fail/unbound namespace', () => serviceAccountJwt('kube-system', 'web')],
    ['fail/wrong audience', () => serviceAccountJwt('default', 'web', { audience: 'other' })],
    ['fail/expired', () => serviceAccountJwt('default', 'web', { expiresInS: -3600 })],
    ['fail/signed by another key', () => serviceAccountJwt('default', 'web', { key: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey })],
    ['fail/garbage', async () => 'not.a.jwt'],
  ];
  for (const [name, make] of refusals) {
    it(name, async () => {
      const res = await login(await make());
      expect([400, 403]).toContain(res.status);
      expect(res.json.errors.length).toBeGreaterThan(0);
      expect(res.json.auth).toBeUndefined();
    });
  }

  it('fail/an unknown role is a 400', async () => {
    const res = await api(server, 'POST', '/v1/auth/kubernetes/login', { body: { role: 'nope', jwt: await serviceAccountJwt('default', 'web') } });
    expect(res.status).toBe(400);
    expect(res.json.errors[0]).toBe('invalid role name "nope"');
  });
});
