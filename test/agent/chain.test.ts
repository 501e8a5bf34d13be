import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/server.js';
import { type AgentFixture, agentServer, runOnce } from './fixture.js';

let fx: AgentFixture;
let work: string;
let token: string;

const certs = (file: string) => (readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem));

beforeAll(async () => {
  fx = await agentServer();
  work = mkdtempSync(join(tmpdir(), 'mintca-agent-chain-'));
  const root = (method: string, path: string, body?: unknown) => api(fx.server, method, `/v1/${path}`, { token: fx.server.rootToken, body });
  // pki_int: an intermediate signed by the fixture's root, with the same role.
  expect((await root('POST', 'sys/mounts/pki_int', { type: 'pki' })).status).toBe(204);
  const csr = await root('POST', 'pki_int/intermediate/generate/internal', { common_name: 'Agent Test Intermediate', key_type: 'ec' });
  const signed = await root('POST', 'pki/root/sign-intermediate', { csr: csr.json.data.csr, ttl: '8760h' });
  expect(signed.status, signed.text).toBe(200);
  expect((await root('POST', 'pki_int/intermediate/set-signed', { certificate: signed.json.data.certificate })).status).toBeLessThan(300);
  expect((await root('POST', 'pki_int/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', max_ttl: '24h' })).status).toBeLessThan(300);
  await root('PUT', 'sys/policies/acl/web-int', { policy: 'path "pki_int/issue/web" { capabilities = ["update"] }' });
  token = (await root('POST', 'auth/token/create', { policies: ['web-int'], ttl: '1h' })).json.auth.client_token;
  writeFileSync(join(work, 'root.pem'), await (await fetch(`${fx.server.url}/v1/pki/ca/pem`)).text());
});
afterAll(async () => {
  await fx.server.close();
  rmSync(work, { recursive: true, force: true });
});

const args = (out: string) => [`-address=${fx.server.url}`, '-mount=pki_int', '-role=web', '-common-name=web.example.com', `-out-dir=${out}`];

describe('mintca agent -cert-with-chain (the Kubernetes TLS-secret layout)', () => {
  it('ok/tls.crt holds the leaf then the intermediate, never the root; it verifies from the root alone', async () => {
    const out = join(work, 'chain');
    const res = await runOnce([...args(out), '-cert-with-chain'], { VAULT_TOKEN: token });
    expect(res.code, res.output).toBe(0);
    const [leaf, intermediate, ...rest] = certs(join(out, 'tls.crt'));
    expect(rest).toEqual([]);
    expect(leaf!.subject).toContain('CN=web.example.com');
    expect(intermediate!.subject).toContain('CN=Agent Test Intermediate');
    expect(leaf!.checkIssued(intermediate!)).toBe(true);
    // A client trusting only the root accepts what a server sends from tls.crt.
    const verified = execFileSync('openssl', ['verify', '-CAfile', join(work, 'root.pem'), '-untrusted', join(out, 'tls.crt'), join(out, 'tls.crt')], { encoding: 'utf8' });
    expect(verified).toMatch(/: OK/);
  });

  it('ok/without it tls.crt is the leaf alone and ca.crt the chain', async () => {
    const out = join(work, 'leaf');
    const res = await runOnce(args(out), { VAULT_TOKEN: token });
    expect(res.code, res.output).toBe(0);
    expect(certs(join(out, 'tls.crt')).map((c) => c.subject)).toEqual([expect.stringContaining('CN=web.example.com')]);
    expect(certs(join(out, 'ca.crt'))[0]!.subject).toContain('CN=Agent Test Intermediate');
  });

  it('fail/a non-boolean value is refused', async () => {
    const res = await runOnce([...args(join(work, 'bad')), '-cert-with-chain=yes'], { VAULT_TOKEN: token });
    expect(res.code).toBe(1);
    expect(res.output).toMatch(/Error: -cert-with-chain must be true or false, got "yes"/);
  });
});
