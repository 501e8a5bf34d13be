import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap, type BootstrapResult, servicesPolicy } from '../../src/operator/bootstrap.js';
import { spawnMintca } from '../helpers/process.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let signingKey: KeyObject;
let publicPem: string;
let dir: string;
let first: BootstrapResult;

const root = (method: string, path: string, body?: unknown) => api(server, method, `/v1/${path}`, { token: server.rootToken, body });

async function serviceAccountJwt(namespace: string, name: string): Promise<string> {
  const now = Math.floor(server.clock.nowMs() / 1000);
  return new SignJWT({ 'kubernetes.io': { namespace, serviceaccount: { name, uid: `uid-${namespace}-${name}` } } })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer('https://kubernetes.default.svc.cluster.local')
    .setSubject(`system:serviceaccount:${namespace}:${name}`)
    .setAudience('mintca')
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(signingKey);
}

async function podToken(namespace: string, name: string): Promise<string> {
  const res = await api(server, 'POST', '/v1/auth/kubernetes/login', { body: { role: 'services', jwt: await serviceAccountJwt(namespace, name) } });
  expect(res.status, res.text).toBe(200);
  return res.json.auth.client_token;
}

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'mintca-bootstrap-'));
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  signingKey = pair.privateKey;
  publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  first = await bootstrap({ address: server.url, token: server.rootToken, pemKeys: [publicPem], publicUrl: 'https://mintca.example:8200' });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('operator bootstrap: first run', () => {
  it('ok/reports every step as created', () => {
    expect(first.steps.map((step) => step.status)).toEqual(Array(first.steps.length).fill('created'));
    expect(first.steps.map((step) => step.step)).toEqual([
      'root mount pki/',
      'intermediate mount pki_int/',
      'root CA in pki/',
      'intermediate CA in pki_int/ (signed by pki/)',
      'config/urls of pki/',
      'config/urls of pki_int/',
      'kubernetes auth auth/kubernetes/',
      'auth/kubernetes/config',
      'policy issue-services',
      'role pki_int/roles/services',
      'auth/kubernetes/role/services',
    ]);
  });

  it('ok/mounts pki/ and pki_int/ as pki and auth/kubernetes/ as kubernetes', async () => {
    const mounts = (await root('GET', 'sys/mounts')).json.data;
    expect(mounts['pki/'].type).toBe('pki');
    expect(mounts['pki_int/'].type).toBe('pki');
    const auths = (await root('GET', 'sys/auth')).json.data;
    expect(auths['kubernetes/'].type).toBe('kubernetes');
    expect(auths['kubernetes/'].accessor).toBe(first.kubernetesAccessor);
  });

  it('ok/the intermediate chains to the root (openssl verify) and config/urls is set', async () => {
    const rootPem = (await api(server, 'GET', '/v1/pki/ca/pem')).text;
    const intPem = (await api(server, 'GET', '/v1/pki_int/ca/pem')).text;
    expect(rootPem).toMatch(/BEGIN CERTIFICATE/);
    expect(intPem).toMatch(/BEGIN CERTIFICATE/);
    expect(intPem).not.toBe(rootPem);
    writeFileSync(join(dir, 'root.pem'), rootPem);
    writeFileSync(join(dir, 'int.pem'), intPem);
    const at = String(Math.floor(server.clock.nowMs() / 1000) + 60);
    expect(openssl(['verify', '-attime', at, '-CAfile', join(dir, 'root.pem'), join(dir, 'int.pem')])).toMatch(/: OK/);
    expect(openssl(['x509', '-in', join(dir, 'int.pem'), '-noout', '-subject'])).toMatch(/mintca intermediate CA/);
    const urls = (await root('GET', 'pki_int/config/urls')).json.data;
    expect(urls.issuing_certificates).toEqual(['https://mintca.example:8200/v1/pki_int/ca']);
    expect(urls.crl_distribution_points).toEqual(['https://mintca.example:8200/v1/pki_int/crl']);
    expect(urls.ocsp_servers).toEqual(['https://mintca.example:8200/v1/pki_int/ocsp']);
    expect((await root('GET', 'pki/config/urls')).json.data.issuing_certificates).toEqual(['https://mintca.example:8200/v1/pki/ca']);
  });

  it('ok/the services role is templated on the Kubernetes identity with server and client flags', async () => {
    const role = (await root('GET', 'pki_int/roles/services')).json.data;
    const meta = `{{identity.entity.aliases.${first.kubernetesAccessor}.metadata`;
    const sa = `${meta}.service_account_name}}`;
    const ns = `${meta}.service_account_namespace}}`;
    expect(role).toMatchObject({
      allowed_domains: [`${sa}.${ns}.svc.cluster.local`, `${sa}.${ns}.svc`, `${sa}.${ns}`],
      allowed_domains_template: true,
      allow_bare_domains: true,
      allow_subdomains: false,
      allow_glob_domains: false,
      allow_localhost: false,
      allow_ip_sans: false,
      allowed_uri_sans: [`spiffe://cluster.local/ns/${ns}/sa/${sa}`],
      allowed_uri_sans_template: true,
      server_flag: true,
      client_flag: true,
      key_type: 'ec',
    });
  });

  it('ok/the policy grants update on issue/services and sign/services of the intermediate', async () => {
    const policy = (await root('GET', 'sys/policies/acl/issue-services')).json.data.policy;
    expect(policy).toBe(servicesPolicy('pki_int'));
    expect(policy).toContain('path "pki_int/issue/services"');
    expect(policy).toContain('path "pki_int/sign/services"');
  });

  it('ok/the Kubernetes role binds every namespace to issue-services; the config holds the pem keys', async () => {
    const role = (await root('GET', 'auth/kubernetes/role/services')).json.data;
    expect(role.bound_service_account_names).toEqual(['*']);
    expect(role.bound_service_account_namespaces).toEqual(['*']);
    expect(role.token_policies).toEqual(['issue-services']);
    const config = (await root('GET', 'auth/kubernetes/config')).json.data;
    expect(config.kubernetes_host).toBe('https://kubernetes.default.svc');
    expect(config.pem_keys.map((key: string) => key.trim())).toEqual([publicPem.trim()]);
  });
});

describe('operator bootstrap: a pod after bootstrap', () => {
  it('ok/logs in and gets a certificate for its own names and SPIFFE ID, verifying up to the root', async () => {
    const token = await podToken('shop', 'web');
    const res = await api(server, 'POST', '/v1/pki_int/issue/services', {
      token,
      body: { common_name: 'web.shop.svc.cluster.local', alt_names: 'web.shop.svc,web.shop', uri_sans: 'spiffe://cluster.local/ns/shop/sa/web', ttl: '1h' },
    });
    expect(res.status, res.text).toBe(200);
    writeFileSync(join(dir, 'leaf.pem'), res.json.data.certificate);
    writeFileSync(join(dir, 'chain.pem'), (res.json.data.ca_chain as string[]).join('\n'));
    const at = String(Math.floor(server.clock.nowMs() / 1000) + 60);
    expect(openssl(['verify', '-attime', at, '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, 'int.pem'), join(dir, 'leaf.pem')])).toMatch(/: OK/);
    const text = openssl(['x509', '-in', join(dir, 'leaf.pem'), '-noout', '-ext', 'extendedKeyUsage,subjectAltName']);
    expect(text).toContain('TLS Web Server Authentication');
    expect(text).toContain('TLS Web Client Authentication');
    expect(text).toContain('URI:spiffe://cluster.local/ns/shop/sa/web');
  });

  it('fail/is refused another service, another namespace, another SPIFFE ID and other paths', async () => {
    const token = await podToken('shop', 'web');
    for (const body of [
      { common_name: 'api.shop.svc.cluster.local' },
      { common_name: 'web.billing.svc.cluster.local' },
      { common_name: 'x.web.shop.svc.cluster.local' },
      { common_name: 'localhost' },
      { common_name: 'web.shop.svc.cluster.local', uri_sans: 'spiffe://cluster.local/ns/shop/sa/api' },
    ]) {
      const res = await api(server, 'POST', '/v1/pki_int/issue/services', { token, body: { ...body, ttl: '1h' } });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await api(server, 'POST', '/v1/pki/issue/services', { token, body: { common_name: 'web.shop.svc.cluster.local' } })).status).toBe(403);
    expect((await api(server, 'POST', '/v1/pki_int/roles/services', { token, body: { allow_any_name: true } })).status).toBe(403);
  });

  it('ok/sign/services accepts an EC CSR for the pod\'s own name', async () => {
    const token = await podToken('shop', 'web');
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'leaf.key')]);
    const csr = openssl(['req', '-new', '-key', join(dir, 'leaf.key'), '-subj', '/CN=web.shop.svc.cluster.local']);
    const res = await api(server, 'POST', '/v1/pki_int/sign/services', { token, body: { csr, ttl: '1h' } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.data.certificate).toMatch(/BEGIN CERTIFICATE/);
  });
});

describe('operator bootstrap: second run', () => {
  it('ok/changes nothing and reports every step as already present', async () => {
    const snapshot = async () => ({
      rootIssuers: (await api(server, 'LIST', '/v1/pki/issuers')).json.data.keys,
      intIssuers: (await api(server, 'LIST', '/v1/pki_int/issuers')).json.data.keys,
      rootKeys: (await root('LIST', 'pki/keys')).json.data.keys,
      intKeys: (await root('LIST', 'pki_int/keys')).json.data.keys,
      role: (await root('GET', 'pki_int/roles/services')).json.data,
      authRole: (await root('GET', 'auth/kubernetes/role/services')).json.data,
      authConfig: (await root('GET', 'auth/kubernetes/config')).json.data,
      policy: (await root('GET', 'sys/policies/acl/issue-services')).json.data,
      urls: [(await root('GET', 'pki/config/urls')).json.data, (await root('GET', 'pki_int/config/urls')).json.data],
      mounts: Object.keys((await root('GET', 'sys/mounts')).json.data).sort(),
      auths: (await root('GET', 'sys/auth')).json.data,
    });
    const before = await snapshot();
    const second = await bootstrap({ address: server.url, token: server.rootToken, pemKeys: [publicPem], publicUrl: 'https://other.example' });
    expect(second.steps.map((step) => step.step)).toEqual(first.steps.map((step) => step.step));
    expect(second.steps.every((step) => step.status === 'present')).toBe(true);
    expect(second.kubernetesAccessor).toBe(first.kubernetesAccessor);
    const after = await snapshot();
    expect(after).toEqual(before);
    expect(before.rootIssuers).toHaveLength(1);
  });

  it('fail/refuses a bad token and a mount of another type', async () => {
    await expect(bootstrap({ address: server.url, token: 'hvs.nope' })).rejects.toThrow(/403/);
    expect((await root('POST', 'sys/auth/other', { type: 'approle' })).status).toBe(204);
    await expect(bootstrap({ address: server.url, token: server.rootToken, kubernetesMount: 'other' })).rejects.toThrow(/not kubernetes/);
  });
});

describe('mintca operator (CLI)', () => {
  it('ok/-help lists bootstrap; bootstrap -help lists its flags', async () => {
    const help = spawnMintca(['operator', '-help']);
    expect(await help.exited).toBe(0);
    expect(help.output()).toContain('bootstrap');
    const flags = spawnMintca(['operator', 'bootstrap', '-help']);
    expect(await flags.exited).toBe(0);
    for (const flag of ['-address', '-token', '-root-mount', '-int-mount', '-domain', '-kubernetes-mount', '-kubernetes-host', '-pem-keys-file', '-public-url']) {
      expect(flags.output()).toContain(flag);
    }
  });

  it('ok/bootstrap with VAULT_ADDR/VAULT_TOKEN on other mounts, then again: already present', async () => {
    const env = { VAULT_ADDR: server.url, VAULT_TOKEN: server.rootToken };
    const pemFile = join(dir, 'sa.pub');
    writeFileSync(pemFile, publicPem);
    const args = ['operator', 'bootstrap', '-root-mount=team/root', '-int-mount', 'team/int', '-kubernetes-mount=k8s-b', `-pem-keys-file=${pemFile}`];
    const run1 = spawnMintca(args, env);
    expect(await run1.exited, run1.output()).toBe(0);
    expect(run1.output()).toMatch(/created\s+role team\/int\/roles\/services/);
    expect(run1.output()).toMatch(/Done: \d+ created/);
    const run2 = spawnMintca(args, env);
    expect(await run2.exited, run2.output()).toBe(0);
    expect(run2.output()).not.toMatch(/^created/m);
    expect(run2.output()).toContain('Nothing to do');
    // The existing issue-services policy (for pki_int) was left alone.
    expect((await root('GET', 'sys/policies/acl/issue-services')).json.data.policy).toBe(servicesPolicy('pki_int'));
  });

  it('fail/unknown flag and missing address exit 1 with a message', async () => {
    const bad = spawnMintca(['operator', 'bootstrap', '-nope=1']);
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('flag provided but not defined: -nope');
    const noAddr = spawnMintca(['operator', 'bootstrap'], { VAULT_ADDR: '', VAULT_TOKEN: '' });
    expect(await noAddr.exited).toBe(1);
    expect(noAddr.output()).toContain('an address is required');
  });
});
