/**
 * Issuance over HTTP against a two-tier CA (root mount -> intermediate mount): issue for every
 * key type, sign with openssl-made CSRs, sign-verbatim, the issuer-scoped variants, response
 * shape (§4.2), SANs, EKUs, policies, storage, leases and AIA URLs — judged by openssl and
 * node:crypto.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anonCall,
  type Call,
  certText,
  expectRfc5280,
  expectVerifies,
  fails,
  keyMatchesCert,
  listKeys,
  mountPki,
  ok,
  opensslCsr,
  opensslOk,
  pemBlocks,
  rootCall,
  Scratch,
  vaultSerialOf,
  x509,
} from '../helpers/pki.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let call: Call;
let anon: Call;
let scratch: Scratch;
let rootPem: string;
let intPem: string;
const now = () => Math.floor(server.clock.nowMs() / 1000);
const at = () => now();
const domains = { allowed_domains: 'example.com', allow_subdomains: true };

beforeAll(async () => {
  server = await startServer();
  call = rootCall(server);
  anon = anonCall(server);
  scratch = new Scratch();
  await mountPki(server, 'pki');
  rootPem = (await ok(call('POST', 'pki/root/generate/internal', { common_name: 'Issue Root', key_type: 'ec', key_bits: 384, ttl: '87600h' }))).json.data.certificate;
  await mountPki(server, 'pki_int', '43800h');
  const csr = (await ok(call('POST', 'pki_int/intermediate/generate/internal', { common_name: 'Issue Intermediate', key_type: 'ec' }))).json.data.csr;
  intPem = (await ok(call('POST', 'pki/root/sign-intermediate', { csr, common_name: 'Issue Intermediate', ttl: '43800h' }))).json.data.certificate;
  await ok(call('POST', 'pki_int/intermediate/set-signed', { certificate: `${intPem}\n${rootPem}` }));
  await ok(call('POST', 'pki_int/roles/web', {
    ...domains,
    key_type: 'ec',
    max_ttl: '72h',
    allowed_uri_sans: 'spiffe://cluster.local/ns/*/sa/*',
    allowed_other_sans: '1.3.6.1.4.1.311.20.2.3;UTF8:*@example.com',
  }));
});
afterAll(async () => {
  scratch.cleanup();
  await server.close();
});

const verifyLeaf = (leaf: string, purpose?: string) =>
  expectVerifies(scratch, { roots: [rootPem], intermediates: [intPem], leaf, atSeconds: at(), ...(purpose ? { purpose } : {}) });

describe('issue', () => {
  const keyCases: Array<{ name: string; role: Record<string, unknown>; keyLabel: string; keyText: RegExp; type: string }> = [
    { name: 'ok/rsa 2048', role: { key_type: 'rsa' }, keyLabel: 'RSA PRIVATE KEY', keyText: /Public-Key: \(2048 bit\)/, type: 'rsa' },
    { name: 'ok/rsa 3072 with SHA-384 signatures from an EC issuer (hash follows the curve)', role: { key_type: 'rsa', key_bits: 3072, signature_bits: 384 }, keyLabel: 'RSA PRIVATE KEY', keyText: /Public-Key: \(3072 bit\)/, type: 'rsa' },
    { name: 'ok/ec P-256', role: { key_type: 'ec' }, keyLabel: 'EC PRIVATE KEY', keyText: /NIST CURVE: P-256/, type: 'ec' },
    { name: 'ok/ec P-384', role: { key_type: 'ec', key_bits: 384 }, keyLabel: 'EC PRIVATE KEY', keyText: /NIST CURVE: P-384/, type: 'ec' },
    { name: 'ok/ed25519', role: { key_type: 'ed25519' }, keyLabel: 'PRIVATE KEY', keyText: /ED25519 Public-Key/, type: 'ed25519' },
  ];
  keyCases.forEach((c, index) => {
    it(`${c.name}: response data exactly as Vault's, verifies root -> intermediate -> leaf`, async () => {
      await ok(call('POST', `pki_int/roles/key-${index}`, { ...domains, ttl: '24h', ...c.role }));
      const res = await ok(call('POST', `pki_int/issue/key-${index}`, { common_name: `k${index}.example.com` }));
      expect(res.json).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0, warnings: null, auth: null, wrap_info: null });
      const data = res.json.data;
      expect(Object.keys(data).sort()).toEqual(['ca_chain', 'certificate', 'expiration', 'issuing_ca', 'not_before', 'private_key', 'private_key_type', 'serial_number']);
      // PEM strings without a trailing newline; ca_chain an array, issuing CA first.
      for (const pem of [data.certificate, data.issuing_ca, ...data.ca_chain]) expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----$/);
      expect(data.issuing_ca).toBe(intPem);
      expect(data.ca_chain).toEqual([intPem, rootPem]);
      expect(data.private_key_type).toBe(c.type);
      expect(data.private_key).toMatch(new RegExp(`^-----BEGIN ${c.keyLabel}-----\\n[\\s\\S]+\\n-----END ${c.keyLabel}-----$`));
      expect(keyMatchesCert(data.private_key, data.certificate)).toBe(true);
      expect(data.serial_number).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){0,19}$/);
      expect(data.serial_number).toBe(vaultSerialOf(data.certificate));
      expect(Number.isInteger(data.expiration)).toBe(true);
      expect(data.expiration).toBe(now() + 24 * 3600);
      expect(data.expiration).toBe(new Date(x509(data.certificate).validTo).getTime() / 1000);
      expect(data.not_before).toBe(now() - 30);

      const text = certText(data.certificate);
      expect(text).toMatch(c.keyText);
      expect(text).toMatch(/Signature Algorithm: ecdsa-with-SHA256/); // the intermediate is P-256
      expect(x509(data.certificate).subject).toBe(`CN=k${index}.example.com`);
      expect(x509(data.certificate).subjectAltName).toBe(`DNS:k${index}.example.com`);
      expect(x509(data.certificate).ca).toBe(false);
      verifyLeaf(data.certificate, 'sslserver');
      verifyLeaf(data.certificate, 'sslclient');
      expectRfc5280(data.certificate, intPem);
    });
  });

  it('ok/a ttl above the role max_ttl is clamped with Vault\'s warning, not refused', async () => {
    const res = await ok(call('POST', 'pki_int/issue/web', { common_name: 'long.example.com', ttl: '100h' }));
    expect(res.json.warnings).toEqual(['TTL "100h0m0s" is longer than permitted maxTTL "72h0m0s", so maxTTL is being used']);
    expect(res.json.data.expiration).toBe(now() + 72 * 3600);
    const notAfter = await ok(call('POST', 'pki_int/issue/web', { common_name: 'fixed.example.com', not_after: '2026-01-20T00:00:00Z' }));
    expect(notAfter.json.data.expiration).toBe(Date.UTC(2026, 0, 20) / 1000);
  });

  it('ok/the CN goes into the SANs unless exclude_cn_from_sans; alt_names splits DNS names from emails', async () => {
    const withCn = await ok(call('POST', 'pki_int/issue/web', { common_name: 'cn.example.com', alt_names: 'b.example.com, ops@mail.example.com, b.example.com' }));
    expect(x509(withCn.json.data.certificate).subjectAltName).toBe('DNS:cn.example.com, DNS:b.example.com, email:ops@mail.example.com');
    const without = await ok(call('POST', 'pki_int/issue/web', { common_name: 'cn.example.com', alt_names: 'b.example.com', exclude_cn_from_sans: true }));
    expect(x509(without.json.data.certificate).subjectAltName).toBe('DNS:b.example.com');
    expect(x509(without.json.data.certificate).subject).toBe('CN=cn.example.com');
    expectRfc5280(without.json.data.certificate, intPem);
    const onlyCn = await ok(call('POST', 'pki_int/issue/web', { common_name: 'solo.example.com', exclude_cn_from_sans: 'true' }));
    expect(x509(onlyCn.json.data.certificate).subjectAltName).toBeUndefined();
  });

  it('ok/remove_roots_from_chain leaves the root out of ca_chain', async () => {
    const res = await ok(call('POST', 'pki_int/issue/web', { common_name: 'chain.example.com', remove_roots_from_chain: true }));
    expect(res.json.data.ca_chain).toEqual([intPem]);
    const fromRoot = await ok(call('POST', 'pki/roles/direct', { ...domains, key_type: 'ec' }));
    expect(fromRoot.status).toBe(200);
    const direct = await ok(call('POST', 'pki/issue/direct', { common_name: 'direct.example.com', remove_roots_from_chain: true }));
    expect(direct.json.data).not.toHaveProperty('ca_chain');
    expect((await ok(call('POST', 'pki/issue/direct', { common_name: 'direct.example.com' }))).json.data.ca_chain).toEqual([rootPem]);
  });

  it('ok/IP, URI (SPIFFE) and other SANs', async () => {
    const res = await ok(call('POST', 'pki_int/issue/web', {
      common_name: 'web.default.svc.example.com',
      ip_sans: '10.0.0.1,2001:db8::1',
      uri_sans: 'spiffe://cluster.local/ns/default/sa/web',
      other_sans: '1.3.6.1.4.1.311.20.2.3;UTF8:devops@example.com',
    }));
    const pem = res.json.data.certificate as string;
    expect(x509(pem).subjectAltName).toContain('URI:spiffe://cluster.local/ns/default/sa/web');
    const text = certText(pem);
    expect(text).toMatch(/X509v3 Subject Alternative Name: \n\s+DNS:web.default.svc.example.com, IP Address:10.0.0.1, IP Address:2001:DB8:0:0:0:0:0:1, URI:spiffe:\/\/cluster.local\/ns\/default\/sa\/web, othername: UPN::devops@example.com/);
    verifyLeaf(pem);
    expectRfc5280(pem, intPem);
  });

  it('ok/a leaf with an empty subject gets a critical SAN (require_cn=false)', async () => {
    await ok(call('POST', 'pki_int/roles/no-cn', { ...domains, key_type: 'ec', require_cn: false, allowed_uri_sans: 'spiffe://*' }));
    const res = await ok(call('POST', 'pki_int/issue/no-cn', { uri_sans: 'spiffe://cluster.local/ns/a/sa/b' }));
    const pem = res.json.data.certificate as string;
    expect(x509(pem).subject ?? '').toBe('');
    expect(certText(pem)).toMatch(/X509v3 Subject Alternative Name: critical\s+URI:spiffe:\/\/cluster.local\/ns\/a\/sa\/b/);
    expectRfc5280(pem, intPem);
    verifyLeaf(pem);
  });

  it('ok/stored certificates are readable by serial (JSON, raw DER, raw PEM) and listed; no_store ones are not', async () => {
    await ok(call('POST', 'pki_int/roles/unstored', { ...domains, key_type: 'ec', no_store: true }));
    const stored = (await ok(call('POST', 'pki_int/issue/web', { common_name: 'stored.example.com' }))).json.data;
    const unstored = (await ok(call('POST', 'pki_int/issue/unstored', { common_name: 'unstored.example.com' }))).json.data;

    const json = await anon('GET', `pki_int/cert/${stored.serial_number}`);
    expect(json.status).toBe(200);
    expect(json.json.data).toEqual({ certificate: stored.certificate, revocation_time: 0, revocation_time_rfc3339: '' });
    const upperHyphen = await anon('GET', `pki_int/cert/${stored.serial_number.replace(/:/g, '-').toUpperCase()}`);
    expect(upperHyphen.json.data.certificate).toBe(stored.certificate);
    const raw = await fetch(`${server.url}/v1/pki_int/cert/${stored.serial_number}/raw`);
    expect(raw.headers.get('content-type')).toBe('application/pkix-cert');
    expect(Buffer.from(await raw.arrayBuffer())).toEqual(x509(stored.certificate).raw);
    const rawPem = await anon('GET', `pki_int/cert/${stored.serial_number}/raw/pem`);
    expect(rawPem.headers.get('content-type')).toBe('application/pem-certificate-chain');
    expect(rawPem.text).toBe(stored.certificate);

    const serials = await listKeys(call, 'pki_int/certs');
    expect(serials).toContain(stored.serial_number);
    expect(serials).not.toContain(unstored.serial_number);
    const missing = await anon('GET', `pki_int/cert/${unstored.serial_number}`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ errors: [] });
    expect((await anon('GET', `pki_int/cert/${unstored.serial_number}/raw`)).status).toBe(204);
    expect((await anon('GET', `pki_int/cert/${unstored.serial_number}/raw/pem`)).status).toBe(204);
    verifyLeaf(unstored.certificate);
  });

  it('ok/generate_lease attaches a lease (mount/issue/role/uuid, seconds to NotAfter)', async () => {
    const role = await ok(call('POST', 'pki_int/roles/leased', { ...domains, key_type: 'ec', ttl: '2h', generate_lease: true }));
    expect(role.json.data.generate_lease).toBe(true);
    const res = await ok(call('POST', 'pki_int/issue/leased', { common_name: 'leased.example.com' }));
    expect(res.json.lease_id).toMatch(/^pki_int\/issue\/leased\/[0-9a-f-]{36}$/);
    expect(res.json.lease_duration).toBe(7200);
    expect(res.json.renewable).toBe(false);
    // The lease id is the request path plus an id, whichever path issued it.
    const { csr } = opensslCsr(scratch, 'ec:P-256', '/CN=leased-csr.example.com');
    expect((await ok(call('POST', 'pki_int/sign/leased', { csr }))).json.lease_id).toMatch(/^pki_int\/sign\/leased\/[0-9a-f-]{36}$/);
    expect((await ok(call('POST', 'pki_int/sign-verbatim/leased', { csr }))).json.lease_id).toMatch(/^pki_int\/sign-verbatim\/leased\/[0-9a-f-]{36}$/);
    expect((await ok(call('POST', 'pki_int/issuer/default/issue/leased', { common_name: 'x.example.com' }))).json.lease_id).toMatch(/^pki_int\/issuer\/default\/issue\/leased\/[0-9a-f-]{36}$/);
    const noLease = await ok(call('POST', 'pki_int/roles/leased-unstored', { ...domains, key_type: 'ec', generate_lease: true, no_store: true }));
    expect(noLease.json.data).toMatchObject({ generate_lease: false, no_store: true });
    expect((await ok(call('POST', 'pki_int/issue/leased-unstored', { common_name: 'x.example.com' }))).json.lease_id).toBe('');
  });

  const ekuCases: Array<[string, Record<string, unknown>, string[], RegExp | null]> = [
    ['ok/EKU server and client by default', {}, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'], /TLS Web Server Authentication, TLS Web Client Authentication/],
    ['ok/EKU server only', { client_flag: false }, ['1.3.6.1.5.5.7.3.1'], /Extended Key Usage: \n\s+TLS Web Server Authentication\n/],
    ['ok/EKU client only', { server_flag: false }, ['1.3.6.1.5.5.7.3.2'], /Extended Key Usage: \n\s+TLS Web Client Authentication\n/],
    ['ok/EKU code signing and email protection', { server_flag: false, client_flag: false, code_signing_flag: true, email_protection_flag: true }, ['1.3.6.1.5.5.7.3.3', '1.3.6.1.5.5.7.3.4'], /Code Signing, E-mail Protection/],
    ['ok/EKU names and OIDs are added to the flags', { client_flag: false, ext_key_usage: 'TimeStamping', ext_key_usage_oids: '1.3.6.1.4.1.311.10.3.4' }, ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.8', '1.3.6.1.4.1.311.10.3.4'], /Time Stamping/],
    ['ok/no EKU at all', { server_flag: false, client_flag: false }, [], null],
  ];
  ekuCases.forEach(([name, flags, oids, text], index) => {
    it(name, async () => {
      await ok(call('POST', `pki_int/roles/eku-${index}`, { ...domains, key_type: 'ec', ...flags }));
      const pem = (await ok(call('POST', `pki_int/issue/eku-${index}`, { common_name: 'eku.example.com' }))).json.data.certificate as string;
      const usages = x509(pem).keyUsage ?? [];
      expect([...usages].sort()).toEqual([...oids].sort());
      if (text) expect(certText(pem)).toMatch(text);
      else expect(certText(pem)).not.toMatch(/Extended Key Usage/);
      expect(certText(pem)).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment, Key Agreement/);
      expectRfc5280(pem, intPem);
    });
  });

  it('ok/policy identifiers, plain OIDs and a qualified policy', async () => {
    await ok(call('POST', 'pki_int/roles/policies', {
      ...domains,
      key_type: 'ec',
      policy_identifiers: ['2.23.140.1.2.1', '{"oid":"1.3.6.1.4.1.44947.1.1.1","cps":"https://pki.example.com/cps","notice":"test notice"}'],
    }));
    const pem = (await ok(call('POST', 'pki_int/issue/policies', { common_name: 'policy.example.com' }))).json.data.certificate as string;
    const text = certText(pem);
    expect(text).toMatch(/X509v3 Certificate Policies: \n\s+Policy: 2.23.140.1.2.1\n\s+Policy: 1.3.6.1.4.1.44947.1.1.1/);
    expectRfc5280(pem, intPem);
    verifyLeaf(pem);
  });

  it('ok/format der (base64 DER everywhere) and pem_bundle (key, certificate, chain)', async () => {
    const der = (await ok(call('POST', 'pki_int/issue/web', { common_name: 'der.example.com', format: 'der' }))).json.data;
    for (const field of [der.certificate, der.issuing_ca, ...der.ca_chain, der.private_key]) expect(field).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(opensslOk(['x509', '-inform', 'DER', '-noout', '-subject'], Buffer.from(der.certificate, 'base64'))).toContain('CN = der.example.com');
    expect(Buffer.from(der.issuing_ca, 'base64')).toEqual(x509(intPem).raw);
    expect(opensslOk(['ec', '-inform', 'DER', '-noout', '-text'], Buffer.from(der.private_key, 'base64'))).toMatch(/NIST CURVE: P-256/);

    const bundle = (await ok(call('POST', 'pki_int/issue/web', { common_name: 'bundle.example.com', format: 'pem_bundle' }))).json.data;
    const blocks = pemBlocks(bundle.certificate);
    expect(bundle.certificate.startsWith(`${bundle.private_key}\n-----BEGIN CERTIFICATE-----`)).toBe(true);
    expect(blocks.slice(1)).toEqual([intPem, rootPem]);
    expect(x509(blocks[0]!).subject).toBe('CN=bundle.example.com');
    expect(keyMatchesCert(bundle.private_key, blocks[0]!)).toBe(true);
    verifyLeaf(blocks[0]!);
  });

  it('ok/private_key_format pkcs8', async () => {
    const res = await ok(call('POST', 'pki_int/issue/web', { common_name: 'p8.example.com', private_key_format: 'pkcs8' }));
    expect(res.json.data.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(keyMatchesCert(res.json.data.private_key, res.json.data.certificate)).toBe(true);
  });
});

describe('sign', () => {
  const csrCases: Array<{ name: string; key: Parameters<typeof opensslCsr>[1]; role: Record<string, unknown> }> = [
    { name: 'ok/an openssl rsa:2048 CSR on an rsa role', key: 'rsa:2048', role: { key_type: 'rsa' } },
    { name: 'ok/an openssl P-384 CSR on an ec role', key: 'ec:P-384', role: { key_type: 'ec', key_bits: 256 } },
    { name: 'ok/an openssl ed25519 CSR on an ed25519 role', key: 'ed25519', role: { key_type: 'ed25519' } },
    { name: 'ok/an openssl P-256 CSR on a key_type=any role', key: 'ec:P-256', role: { key_type: 'any' } },
  ];
  csrCases.forEach((c, index) => {
    it(`${c.name}: CN and SANs from the CSR, other subject fields ignored`, async () => {
      await ok(call('POST', `pki_int/roles/sign-${index}`, { ...domains, ttl: '12h', ...c.role }));
      const { csr, key } = opensslCsr(scratch, c.key, `/O=Ignored Org/CN=svc${index}.example.com`, [`subjectAltName=DNS:svc${index}.example.com,DNS:alt${index}.example.com`]);
      const res = await ok(call('POST', `pki_int/sign/sign-${index}`, { csr }));
      const data = res.json.data;
      expect(Object.keys(data).sort()).toEqual(['ca_chain', 'certificate', 'expiration', 'issuing_ca', 'not_before', 'serial_number']);
      expect(x509(data.certificate).subject).toBe(`CN=svc${index}.example.com`);
      expect(x509(data.certificate).subjectAltName).toBe(`DNS:svc${index}.example.com, DNS:alt${index}.example.com`);
      expect(keyMatchesCert(key, data.certificate)).toBe(true);
      expect(data.expiration).toBe(now() + 12 * 3600);
      verifyLeaf(data.certificate);
      expectRfc5280(data.certificate, intPem);
    });
  });

  it('ok/a common_name next to a CSR is ignored with Vault\'s warning; use_csr_common_name=false takes it', async () => {
    await ok(call('POST', 'pki_int/roles/sign-cn', { ...domains, key_type: 'ec' }));
    const { csr } = opensslCsr(scratch, 'ec:P-256', '/CN=from-csr.example.com');
    const res = await ok(call('POST', 'pki_int/sign/sign-cn', { csr, common_name: 'from-request.example.com' }));
    expect(res.json.warnings).toEqual(['the common_name field was provided but the role is set with "use_csr_common_name" set to true']);
    expect(x509(res.json.data.certificate).subject).toBe('CN=from-csr.example.com');

    await ok(call('POST', 'pki_int/roles/sign-cn', { ...domains, key_type: 'ec', use_csr_common_name: false, use_csr_sans: false }));
    const own = await ok(call('POST', 'pki_int/sign/sign-cn', { csr, common_name: 'from-request.example.com', alt_names: 'extra.example.com' }));
    expect(x509(own.json.data.certificate).subject).toBe('CN=from-request.example.com');
    expect(x509(own.json.data.certificate).subjectAltName).toBe('DNS:from-request.example.com, DNS:extra.example.com');
  });

  it('ok/sign-verbatim keeps the CSR subject and key usage, does not backdate, uses the mount default TTL', async () => {
    const { csr } = opensslCsr(scratch, 'ec:P-256', '/C=DE/O=Acme/OU=Payments/CN=anything goes', ['subjectAltName=DNS:verbatim.other.org,IP:192.0.2.7', 'keyUsage=critical,digitalSignature']);
    const res = await ok(call('POST', 'pki_int/sign-verbatim', { csr, ext_key_usage: 'ClientAuth' }));
    const pem = res.json.data.certificate as string;
    expect(x509(pem).subject).toBe('C=DE\nO=Acme\nOU=Payments\nCN=anything goes');
    expect(x509(pem).subjectAltName).toBe('DNS:verbatim.other.org, IP Address:192.0.2.7');
    const text = certText(pem);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(x509(pem).keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(res.json.data.not_before).toBe(now());
    expect(res.json.data.expiration).toBe(now() + 768 * 3600);
    expect(res.json.data.issuing_ca).toBe(intPem);
    verifyLeaf(pem, 'sslclient');
    expectRfc5280(pem, intPem);
  });

  it('ok/sign-verbatim/:role applies the role\'s TTL, backdating and no_store', async () => {
    await ok(call('POST', 'pki_int/roles/verbatim', { key_type: 'rsa', ttl: '1h', not_before_duration: '5m', no_store: true, allowed_domains: 'nothing.invalid' }));
    const { csr } = opensslCsr(scratch, 'ec:P-256', '/CN=verbatim.elsewhere.net');
    const res = await ok(call('POST', 'pki_int/sign-verbatim/verbatim', { csr }));
    expect(res.json.data.expiration).toBe(now() + 3600);
    expect(res.json.data.not_before).toBe(now() - 300);
    expect((await anon('GET', `pki_int/cert/${res.json.data.serial_number}`)).status).toBe(404);
    verifyLeaf(res.json.data.certificate);
  });

  it('fail/sign-verbatim refuses a CA CSR', async () => {
    const { csr } = opensslCsr(scratch, 'ec:P-256', '/CN=Sneaky CA', ['basicConstraints=critical,CA:TRUE']);
    await fails(call('POST', 'pki_int/sign-verbatim', { csr }), 400, /CA/);
  });
});

describe('issuer-scoped issuance', () => {
  let altPem: string;
  beforeAll(async () => {
    altPem = (await ok(call('POST', 'pki_int/issuers/generate/root/internal', { common_name: 'Alternate Root', key_type: 'ed25519', issuer_name: 'alt-root' }))).json.data.certificate;
  });

  it('ok/issuer/:ref/issue/:role, sign/:role, sign-verbatim and sign-verbatim/:role use the path issuer, not the default', async () => {
    const { csr } = opensslCsr(scratch, 'ec:P-256', '/CN=scoped.example.com');
    const calls: Array<[string, Record<string, unknown>]> = [
      ['pki_int/issuer/alt-root/issue/web', { common_name: 'scoped.example.com' }],
      ['pki_int/issuer/alt-root/sign/web', { csr }],
      ['pki_int/issuer/alt-root/sign-verbatim', { csr }],
      ['pki_int/issuer/alt-root/sign-verbatim/web', { csr }],
    ];
    for (const [path, body] of calls) {
      const data = (await ok(call('POST', path, body))).json.data;
      expect(data.issuing_ca, path).toBe(altPem);
      expect(data.ca_chain, path).toEqual([altPem]);
      expect(certText(data.certificate), path).toMatch(/Signature Algorithm: ED25519/);
      expectVerifies(scratch, { roots: [altPem], leaf: data.certificate, atSeconds: at() });
      expectRfc5280(data.certificate, altPem, path);
    }
    // The default is untouched.
    expect((await ok(call('POST', 'pki_int/issue/web', { common_name: 'default.example.com' }))).json.data.issuing_ca).toBe(intPem);
  });

  it('ok/a role\'s issuer_ref picks the issuer for issue and sign', async () => {
    await ok(call('POST', 'pki_int/roles/on-alt', { ...domains, key_type: 'ec', issuer_ref: 'alt-root' }));
    expect((await ok(call('POST', 'pki_int/issue/on-alt', { common_name: 'alt.example.com' }))).json.data.issuing_ca).toBe(altPem);
  });
});

describe('AIA, CRL distribution points and OCSP URLs', () => {
  it('ok/config/urls appear in issued certificates', async () => {
    await mountPki(server, 'urls');
    const root = (await ok(call('POST', 'urls/root/generate/internal', { common_name: 'URL Root', key_type: 'ec' }))).json.data.certificate;
    const urls = await ok(call('POST', 'urls/config/urls', {
      issuing_certificates: 'http://pki.example.com/v1/urls/ca',
      crl_distribution_points: 'http://pki.example.com/v1/urls/crl',
      ocsp_servers: 'http://ocsp.example.com',
    }));
    expect(urls.json.data).toEqual({
      issuing_certificates: ['http://pki.example.com/v1/urls/ca'],
      crl_distribution_points: ['http://pki.example.com/v1/urls/crl'],
      delta_crl_distribution_points: [],
      ocsp_servers: ['http://ocsp.example.com'],
      enable_templating: false,
    });
    expect((await ok(call('GET', 'urls/config/urls'))).json.data).toEqual(urls.json.data);
    await ok(call('POST', 'urls/roles/r', { ...domains, key_type: 'ec' }));
    const pem = (await ok(call('POST', 'urls/issue/r', { common_name: 'aia.example.com' }))).json.data.certificate;
    const text = certText(pem);
    expect(text).toMatch(/Authority Information Access: \n\s+OCSP - URI:http:\/\/ocsp.example.com\n\s+CA Issuers - URI:http:\/\/pki.example.com\/v1\/urls\/ca/);
    expect(text).toMatch(/X509v3 CRL Distribution Points: \n\s+Full Name:\n\s+URI:http:\/\/pki.example.com\/v1\/urls\/crl/);
    expectRfc5280(pem, root);
  });

  it('ok/templated URLs render {{issuer_id}} and {{cluster_path}} once config/cluster is set', async () => {
    await mountPki(server, 'tmpl');
    const root = (await ok(call('POST', 'tmpl/root/generate/internal', { common_name: 'Template Root', key_type: 'ec' }))).json.data;
    await ok(call('POST', 'tmpl/roles/r', { ...domains, key_type: 'ec' }));
    await ok(call('POST', 'tmpl/config/urls', {
      issuing_certificates: '{{cluster_aia_path}}/issuer/{{issuer_id}}/der',
      crl_distribution_points: '{{cluster_path}}/issuer/{{issuer_id}}/crl/der',
      ocsp_servers: '{{cluster_path}}/ocsp',
      enable_templating: true,
    }));
    await fails(call('POST', 'tmpl/issue/r', { common_name: 'early.example.com' }), 400, /config\/cluster/);

    await ok(call('POST', 'tmpl/config/cluster', { path: 'https://pki.example.com:8200/v1/tmpl', aia_path: 'http://aia.example.com/v1/tmpl' }));
    expect((await ok(call('GET', 'tmpl/config/cluster'))).json.data).toEqual({ path: 'https://pki.example.com:8200/v1/tmpl', aia_path: 'http://aia.example.com/v1/tmpl' });
    const pem = (await ok(call('POST', 'tmpl/issue/r', { common_name: 'templated.example.com' }))).json.data.certificate;
    const text = certText(pem);
    expect(text).toContain(`CA Issuers - URI:http://aia.example.com/v1/tmpl/issuer/${root.issuer_id}/der`);
    expect(text).toContain('OCSP - URI:https://pki.example.com:8200/v1/tmpl/ocsp');
    expect(text).toContain(`URI:https://pki.example.com:8200/v1/tmpl/issuer/${root.issuer_id}/crl/der`);
    expect(text).not.toContain('{{');
  });

  it('ok/an issuer\'s own URLs win over config/urls', async () => {
    await mountPki(server, 'own-urls');
    const root = (await ok(call('POST', 'own-urls/root/generate/internal', { common_name: 'Own URLs', key_type: 'ec', issuer_name: 'own' }))).json.data;
    await ok(call('POST', 'own-urls/config/urls', { issuing_certificates: 'http://mount.example.com/ca' }));
    await ok(call('PATCH', 'own-urls/issuer/own', { issuing_certificates: 'http://issuer.example.com/ca', enable_aia_url_templating: false }, { 'Content-Type': 'application/merge-patch+json' }));
    await ok(call('POST', 'own-urls/roles/r', { ...domains, key_type: 'ec' }));
    const text = certText((await ok(call('POST', 'own-urls/issue/r', { common_name: 'x.example.com' }))).json.data.certificate);
    expect(text).toContain('CA Issuers - URI:http://issuer.example.com/ca');
    expect(text).not.toContain('mount.example.com');
    expect(root.issuer_id).toBeTruthy();
  });
});
