import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultListener } from '../../src/config/config.js';
import { ManualClock } from '../../src/core/clock.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

/**
 * The cert auth method over a real mTLS listener. Chicken and egg: the listener's client CA is
 * mintca's own PKI root, so a first (plain HTTP) start creates the PKI, the cert roles and the
 * client certificates; the second start, on the same state, serves HTTPS with that root as
 * tls_client_ca_file.
 */
const dir = mkdtempSync(join(tmpdir(), 'mintca-cert-auth-'));
const kek = randomBytes(32);
// Real time: the openssl-made certificates are valid from now.
const clock = new ManualClock(Date.now());
let server: TestServer;
let rootToken: string;
let accessor: string;
const leaves: Record<string, { cert: string; key: string }> = {};

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/** One request over TLS, optionally presenting a client certificate (a fresh connection each time). */
function tlsCall(method: string, path: string, options: { client?: { cert: string; key: string }; body?: unknown; token?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (options.token) headers['X-Vault-Token'] = options.token;
    const req = request(
      `${server.url}/v1/${path}`,
      { method, headers, ca: readFileSync(join(dir, 'tls.crt')), cert: options.client?.cert, key: options.client?.key, agent: false },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text === '' ? null : JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

const login = (client: { cert: string; key: string } | undefined, body: unknown = {}) => tlsCall('POST', 'auth/cert/login', { client, body });

beforeAll(async () => {
  // First start: plain HTTP, to create the PKI, the trusted roles and the client certificates.
  const setup = await startServer({ dir, kek, clock });
  rootToken = setup.rootToken;
  const root = async (method: string, path: string, body?: unknown) => {
    const res = await api(setup, method, `/v1/${path}`, { token: rootToken, body });
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res;
  };
  await root('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '8760h' } });
  const caPem = (await root('POST', 'pki/root/generate/internal', { common_name: 'services root', key_type: 'ec', ttl: '8760h' })).json.data.certificate as string;
  writeFileSync(join(dir, 'client-ca.pem'), caPem);
  await root('POST', 'pki/roles/svc', { allow_any_name: true, allowed_uri_sans: '*', key_type: 'ec', max_ttl: '24h', ttl: '1h' });
  const issue = async (name: string, body: Record<string, unknown>) => {
    const data = (await root('POST', 'pki/issue/svc', body)).json.data;
    leaves[name] = { cert: data.certificate, key: data.private_key };
  };
  await issue('web', { common_name: 'svc-web.example.com' });
  await issue('spiffe', { common_name: 'api.example.com', uri_sans: 'spiffe://cluster.local/ns/prod/sa/api' });
  await issue('intruder', { common_name: 'intruder.example.com' });

  await root('POST', 'sys/auth/cert', { type: 'cert' });
  accessor = (await root('GET', 'sys/auth')).json.data['cert/'].accessor;
  await root('POST', 'auth/cert/certs/services', { certificate: caPem, allowed_common_names: 'svc-*.example.com', token_policies: 'renew-svc', token_ttl: '10m', display_name: 'svc' });
  await root('POST', 'auth/cert/certs/spiffe', { certificate: caPem, allowed_uri_sans: ['spiffe://cluster.local/ns/*/sa/*'], token_policies: 'spiffe' });
  await root('PUT', 'sys/policies/acl/renew-svc', { policy: 'path "pki/issue/svc" { capabilities = ["update"] }' });
  await setup.stop();

  // A certificate from an unrelated CA, and the listener's own certificate.
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')]);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=svc-web.example.com', '-keyout', join(dir, 'other.key'), '-out', join(dir, 'other.crt')]);
  leaves.other = { cert: readFileSync(join(dir, 'other.crt'), 'utf8'), key: readFileSync(join(dir, 'other.key'), 'utf8') };
  // The openssl certificates start at the real time of their making: bring the clock up to it.
  clock.advance(Math.max(0, Date.now() + 1000 - clock.nowMs()));

  server = await startServer({
    dir,
    kek,
    clock,
    config: {
      listener: { ...defaultListener('127.0.0.1:0'), tlsDisable: false, tlsCertFile: join(dir, 'tls.crt'), tlsKeyFile: join(dir, 'tls.key'), tlsClientCaFile: join(dir, 'client-ca.pem') },
    },
  });
}, 30_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('auth/cert over mTLS', () => {
  it('ok/roles read back, list, and config has defaults', async () => {
    expect(server.url).toMatch(/^https:/);
    const list = await tlsCall('GET', 'auth/cert/certs?list=true', { token: rootToken });
    expect(list.json.data.keys).toEqual(['services', 'spiffe']);
    const role = await tlsCall('GET', 'auth/cert/certs/services', { token: rootToken });
    expect(role.json.data).toMatchObject({ allowed_common_names: ['svc-*.example.com'], display_name: 'svc', token_policies: ['renew-svc'], token_ttl: 600 });
    expect(role.json.data.certificate).toContain('BEGIN CERTIFICATE');
    const config = await tlsCall('GET', 'auth/cert/config', { token: rootToken });
    expect(config.json.data).toEqual({ disable_binding: false, enable_identity_alias_metadata: false });
  });

  it('ok/a service renews its certificate with the one it already holds: mTLS login, then pki/issue with the token', async () => {
    const res = await login(leaves.web);
    expect(res.status).toBe(200);
    const auth = res.json.auth;
    expect(auth.policies).toEqual(['default', 'renew-svc']);
    expect(auth.lease_duration).toBe(600);
    expect(auth.metadata).toMatchObject({ cert_name: 'services', common_name: 'svc-web.example.com' });
    expect(auth.metadata.serial_number).toMatch(/^\d+$/);
    expect(auth.metadata.subject_key_id).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    expect(auth.metadata.authority_key_id).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    const self = await tlsCall('GET', 'auth/token/lookup-self', { token: auth.client_token });
    expect(self.json.data.display_name).toBe('cert-svc');
    expect(self.json.data.path).toBe('auth/cert/login');
    const renewed = await tlsCall('POST', 'pki/issue/svc', { token: auth.client_token, body: { common_name: 'svc-web.example.com' } });
    expect(renewed.status).toBe(200);
    expect(renewed.json.data.certificate).toContain('BEGIN CERTIFICATE');
    // The renewed certificate logs in too.
    const again = await login({ cert: renewed.json.data.certificate, key: renewed.json.data.private_key });
    expect(again.status).toBe(200);
    expect(again.json.auth.metadata.serial_number).not.toBe(auth.metadata.serial_number);
    expect(accessor).toMatch(/^auth_cert_/);
  });

  it('ok/without a name the first role whose constraints match wins; a URI SAN glob matches SPIFFE IDs', async () => {
    const res = await login(leaves.spiffe);
    expect(res.status).toBe(200);
    expect(res.json.auth.metadata.cert_name).toBe('spiffe');
    expect(res.json.auth.policies).toEqual(['default', 'spiffe']);
    const named = await login(leaves.spiffe, { name: 'spiffe' });
    expect(named.status).toBe(200);
  });

  it('fail/no client certificate is a 400 with Vault\'s message', async () => {
    const res = await login(undefined);
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual(['client certificate must be supplied']);
  });

  it('fail/a certificate from another CA, a CN or SAN outside the role, and the wrong named role are 403s', async () => {
    const before = server.logs.length;
    for (const [client, body] of [
      [leaves.other, {}],
      [leaves.intruder, {}],
      [leaves.spiffe, { name: 'services' }],
      [leaves.web, { name: 'missing' }],
    ] as const) {
      const res = await login(client, body);
      expect(res.status).toBe(403);
      expect(res.json.errors).toEqual(['permission denied']);
    }
    const reasons = server.logs.slice(before).filter((line) => line.includes('login refused')).map((line) => JSON.parse(line).reason as string);
    expect(reasons).toEqual([
      'invalid certificate or no client certificate supplied',
      'no chain matching all constraints could be found for this login certificate',
      'no chain matching all constraints could be found for this login certificate',
      'invalid certificate or no client certificate supplied',
    ]);
  });

  it('fail/an expired certificate is refused (injected clock)', async () => {
    clock.advance(2 * 3600 * 1000);
    try {
      const res = await login(leaves.web);
      expect(res.status).toBe(403);
      expect(server.logs.some((line) => line.includes('has expired or is not yet valid'))).toBe(true);
    } finally {
      clock.advance(-2 * 3600 * 1000);
    }
  });

  it('fail/role writes: bad certificate, unsupported required_extensions', async () => {
    const bad = await tlsCall('POST', 'auth/cert/certs/bad', { token: rootToken, body: { certificate: 'not a pem' } });
    expect(bad.status).toBe(400);
    const ext = await tlsCall('POST', 'auth/cert/certs/ext', { token: rootToken, body: { certificate: leaves.other!.cert, required_extensions: '1.2.3.4:*' } });
    expect(ext.status).toBe(400);
    expect(ext.json.errors[0]).toMatch(/required_extensions is not supported/);
    const missing = await tlsCall('POST', 'auth/cert/certs/nocert', { token: rootToken, body: { display_name: 'x' } });
    expect(missing.status).toBe(400);
  });

  it('ok/a trusted leaf logs in as itself (config written over the API); delete removes the role', async () => {
    expect((await tlsCall('POST', 'auth/cert/certs/pinned', { token: rootToken, body: { certificate: leaves.other!.cert, token_policies: 'pinned' } })).status).toBe(204);
    expect((await tlsCall('POST', 'auth/cert/config', { token: rootToken, body: { enable_identity_alias_metadata: true } })).status).toBe(204);
    const res = await login(leaves.other, { name: 'pinned' });
    expect(res.status).toBe(200);
    expect(res.json.auth.metadata.cert_name).toBe('pinned');
    expect((await tlsCall('DELETE', 'auth/cert/certs/pinned', { token: rootToken })).status).toBe(204);
    expect((await tlsCall('GET', 'auth/cert/certs/pinned', { token: rootToken })).status).toBe(404);
    expect((await login(leaves.other, { name: 'pinned' })).status).toBe(403);
  });
});
