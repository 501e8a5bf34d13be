import { spawnSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultListener } from '../../src/config/config.js';
import { api, startServer, type TestServer } from '../helpers/server.js';
import { expectMatchingPair, RealClock, runOnce } from './fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'mintca-agent-cert-'));
const kek = randomBytes(32);
const clock = new RealClock();
let server: TestServer;
let rootToken: string;
const out = join(dir, 'out');

beforeAll(async () => {
  const setup = await startServer({ dir, kek, clock });
  rootToken = setup.rootToken;
  const root = (method: string, path: string, body?: unknown) => api(setup, method, `/v1/${path}`, { token: rootToken, body });
  await root('POST', 'sys/mounts/pki', { type: 'pki', config: { max_lease_ttl: '8760h' } });
  const caPem = (await root('POST', 'pki/root/generate/internal', { common_name: 'services root', key_type: 'ec', ttl: '8760h' })).json.data.certificate as string;
  writeFileSync(join(dir, 'client-ca.pem'), caPem);
  await root('POST', 'pki/roles/svc', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '24h', ttl: '1h' });
  await root('POST', 'sys/auth/cert', { type: 'cert' });
  await root('POST', 'auth/cert/certs/services', { certificate: caPem, allowed_common_names: 'svc-*.example.com', token_policies: 'renew-svc', token_ttl: '10m' });
  await root('PUT', 'sys/policies/acl/renew-svc', { policy: 'path "pki/issue/svc" { capabilities = ["update"] }' });
  // The bootstrap certificate, written by the agent itself over plain HTTP with the root token.
  const first = await runOnce([`-address=${setup.url}`, '-role=svc', '-common-name=svc-web.example.com', `-out-dir=${out}`], { VAULT_TOKEN: rootToken });
  expect(first.code, first.output).toBe(0);
  await setup.stop();
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')]);
  expect(made.status).toBe(0);
  server = await startServer({
    dir,
    kek,
    clock,
    config: { listener: { ...defaultListener('127.0.0.1:0'), tlsDisable: false, tlsCertFile: join(dir, 'tls.crt'), tlsKeyFile: join(dir, 'tls.key'), tlsClientCaFile: join(dir, 'client-ca.pem') } },
  });
}, 30_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('mintca agent -auth=cert over HTTPS', () => {
  it('ok/renews with the certificate it already holds, trusting the listener through -ca-cert', async () => {
    const before = new X509Certificate(readFileSync(join(out, 'tls.crt'))).serialNumber;
    const res = await runOnce([`-address=${server.url}`, `-ca-cert=${join(dir, 'tls.crt')}`, '-auth=cert', '-role=svc', '-common-name=svc-web.example.com', `-out-dir=${out}`]);
    expect(res.code, res.output).toBe(0);
    expect(res.output).toMatch(/logged in/);
    const after = expectMatchingPair(out);
    expect(after.serialNumber).not.toBe(before);
  });

  it('fail/without -ca-cert the self-signed listener is refused', async () => {
    const res = await runOnce([`-address=${server.url}`, '-auth=cert', '-role=svc', '-common-name=svc-web.example.com', `-out-dir=${out}`]);
    expect(res.code).toBe(1);
    expect(res.output).toMatch(/Error: cannot reach mintca at https:.*self-signed certificate/);
  });
});
