/**
 * Differential guard of the issuance fast path (cached issuer contexts, the signer's memoized
 * constant parts, group commit): over a thousand certificates from randomized roles, mount URLs and
 * requests, issued over HTTP and concurrently, each judged against what the request asked for by
 * three independent readers: @peculiar/x509's parser, @peculiar/x509's own generator given the
 * same inputs (every TBS field and extension compared), and openssl (`x509 -text` and `verify`,
 * batched per run).
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import '../helpers/reflect-shim.js';
import * as px from '@peculiar/x509';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, mountPki, ok, opensslCsr, rootCall, Scratch } from '../helpers/pki.js';
import { startServer, type TestServer } from '../helpers/server.js';

px.cryptoProvider.set(webcrypto as unknown as Parameters<typeof px.cryptoProvider.set>[0]);

const keyUsageFlags: Record<string, number> = {
  DigitalSignature: px.KeyUsageFlags.digitalSignature,
  ContentCommitment: px.KeyUsageFlags.nonRepudiation,
  KeyEncipherment: px.KeyUsageFlags.keyEncipherment,
  DataEncipherment: px.KeyUsageFlags.dataEncipherment,
  KeyAgreement: px.KeyUsageFlags.keyAgreement,
};
const ekuNames = { TimeStamping: '1.3.6.1.5.5.7.3.8', OCSPSigning: '1.3.6.1.5.5.7.3.9' } as const;
const ekuText: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'TLS Web Server Authentication',
  '1.3.6.1.5.5.7.3.2': 'TLS Web Client Authentication',
  '1.3.6.1.5.5.7.3.3': 'Code Signing',
  '1.3.6.1.5.5.7.3.4': 'E-mail Protection',
  '1.3.6.1.5.5.7.3.8': 'Time Stamping',
  '1.3.6.1.5.5.7.3.9': 'OCSP Signing',
};

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,10}[A-Za-z0-9]$/);
const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((p) => p.map((n) => n.toString(16)).join(':'));

const roleArb = fc.record({
  key: fc.constantFrom({ key_type: 'ec', key_bits: 256 }, { key_type: 'ec', key_bits: 384 }, { key_type: 'ed25519', key_bits: 0 }),
  key_usage: fc.subarray(Object.keys(keyUsageFlags)),
  server_flag: fc.boolean(),
  client_flag: fc.boolean(),
  code_signing_flag: fc.boolean(),
  email_protection_flag: fc.boolean(),
  ext_key_usage: fc.subarray(Object.keys(ekuNames)),
  basic_constraints_valid_for_non_ca: fc.boolean(),
  policy_identifiers: fc.subarray(['1.2.3.4', '2.16.840.1.101.2.1', '1.3.6.1.4.1.99999.7']),
  organization: fc.option(word, { nil: undefined }),
  ou: fc.option(word, { nil: undefined }),
  country: fc.option(fc.constantFrom('US', 'DE', 'FR'), { nil: undefined }),
  not_before_duration: fc.integer({ min: 1, max: 3600 }),
});
type RoleInput = typeof roleArb extends fc.Arbitrary<infer T> ? T : never;

/**
 * A run's roles: a base role and variants differing from it in one field each, so that a cache
 * keyed on too little (one role's encoded extensions reused for another) shows as a mismatch.
 */
const roleFields: (keyof RoleInput)[] = [
  'key', 'key_usage', 'server_flag', 'client_flag', 'code_signing_flag', 'email_protection_flag', 'ext_key_usage',
  'basic_constraints_valid_for_non_ca', 'policy_identifiers', 'organization', 'ou', 'country', 'not_before_duration',
];
const rolesArb = fc
  .tuple(roleArb, fc.array(fc.tuple(roleArb, fc.constantFrom(...roleFields)), { minLength: 1, maxLength: 2 }))
  .map(([base, variants]) => [base, ...variants.map(([other, field]) => ({ ...base, [field]: other[field] }))]);

const urlsArb = fc.record({
  issuing_certificates: fc.subarray(['http://ca.example.com/v1/pki/ca', 'http://backup.example.com/ca.der']),
  ocsp_servers: fc.subarray(['http://ocsp.example.com']),
  crl_distribution_points: fc.subarray(['http://crl.example.com/v1/pki/crl', 'ldap://crl.example.com/cn=ca']),
});
type UrlsInput = typeof urlsArb extends fc.Arbitrary<infer T> ? T : never;

const requestArb = fc.record({
  cn: label,
  alt_names: fc.uniqueArray(label, { maxLength: 3 }),
  ip_sans: fc.uniqueArray(fc.oneof(ipv4, ipv6), { maxLength: 2 }),
  uri_sans: fc.uniqueArray(label.map((l) => `spiffe://example.com/ns/${l}`), { maxLength: 2 }),
  exclude_cn_from_sans: fc.boolean(),
  ttl: fc.integer({ min: 60, max: 48 * 3600 }),
  csr: fc.nat(10),
  // Which of the run's roles: several roles share the mount's URLs and the signer's caches.
  role: fc.nat(2),
});
type RequestInput = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

const hex = (b: ArrayBuffer | Buffer): string => Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b).toString('hex');
const asBuffer = (b: ArrayBuffer): Buffer => Buffer.from(new Uint8Array(b));

let server: TestServer;
let call: Call;
let scratch: Scratch;
let rootPem: string;
let root: px.X509Certificate;
let throwawaySigner: webcrypto.CryptoKeyPair;
const csrs: Array<{ csr: string; spki: Buffer }> = [];
let roleCounter = 0;
let total = 0;

beforeAll(async () => {
  server = await startServer();
  call = rootCall(server);
  scratch = new Scratch();
  await mountPki(server, 'pki');
  rootPem = (await ok(call('POST', 'pki/root/generate/internal', { common_name: 'Differential Root', key_type: 'ec', ttl: '87600h' }))).json.data
    .certificate;
  root = new px.X509Certificate(rootPem);
  throwawaySigner = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  // CSRs made by openssl, for the sign/ path: their key is what the certificate must carry.
  for (const kind of ['rsa:2048', 'ec:P-256', 'ec:P-384', 'ed25519'] as const) {
    const { csr } = opensslCsr(scratch, kind, '/CN=ignored.example.com');
    const spki = new px.Pkcs10CertificateRequest(csr).publicKey.rawData;
    csrs.push({ csr, spki: asBuffer(spki) });
  }
});
afterAll(async () => {
  scratch.cleanup();
  await server.close();
});

interface Expected {
  serial: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  dns: string[];
  ips: string[];
  uris: string[];
  keyUsage: number;
  eku: string[];
  basicConstraints: boolean;
  policies: string[];
  role: RoleInput;
  urls: UrlsInput;
}

function subjectOf(role: RoleInput, cn: string): string {
  const parts: string[] = [];
  if (role.country) parts.push(`C=${role.country}`);
  if (role.organization) parts.push(`O=${role.organization}`);
  if (role.ou) parts.push(`OU=${role.ou}`);
  parts.push(`CN=${cn}`);
  return parts.join(', ');
}

function ekuOf(role: RoleInput): string[] {
  const out: string[] = [];
  if (role.server_flag) out.push('1.3.6.1.5.5.7.3.1');
  if (role.client_flag) out.push('1.3.6.1.5.5.7.3.2');
  if (role.code_signing_flag) out.push('1.3.6.1.5.5.7.3.3');
  if (role.email_protection_flag) out.push('1.3.6.1.5.5.7.3.4');
  for (const name of role.ext_key_usage) out.push(ekuNames[name as keyof typeof ekuNames]);
  return [...new Set(out)];
}

/** The certificate @peculiar/x509's generator makes from the same inputs (signed by a throwaway key). */
async function generated(e: Expected): Promise<px.X509Certificate> {
  const extensions: px.Extension[] = [
    await px.SubjectKeyIdentifierExtension.create(new Uint8Array(e.spki)),
    new px.AuthorityKeyIdentifierExtension(root.getExtension(px.SubjectKeyIdentifierExtension)!.keyId),
  ];
  if (e.basicConstraints) extensions.push(new px.BasicConstraintsExtension(false, undefined, true));
  if (e.keyUsage !== 0) extensions.push(new px.KeyUsagesExtension(e.keyUsage, true));
  if (e.eku.length > 0) extensions.push(new px.ExtendedKeyUsageExtension(e.eku));
  const names: px.JsonGeneralNames = [
    ...e.dns.map((value) => ({ type: 'dns' as const, value })),
    ...e.ips.map((value) => ({ type: 'ip' as const, value })),
    ...e.uris.map((value) => ({ type: 'url' as const, value })),
  ];
  if (names.length > 0) extensions.push(new px.SubjectAlternativeNameExtension(names));
  if (e.policies.length > 0) extensions.push(new px.CertificatePolicyExtension(e.policies));
  const { ocsp_servers: ocsp, issuing_certificates: caIssuers, crl_distribution_points: crls } = e.urls;
  if (ocsp.length + caIssuers.length > 0) extensions.push(new px.AuthorityInfoAccessExtension({ ocsp, caIssuers }));
  if (crls.length > 0) extensions.push(new px.CRLDistributionPointsExtension(crls));
  return px.X509CertificateGenerator.create({
    serialNumber: e.serial,
    subject: e.subject,
    issuer: root.subject,
    notBefore: e.notBefore,
    notAfter: e.notAfter,
    publicKey: new Uint8Array(e.spki),
    signingKey: throwawaySigner.privateKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions,
  });
}

const extensionMap = (cert: px.X509Certificate) => new Map(cert.extensions.map((x) => [x.type, { critical: x.critical, value: hex(x.value) }]));

async function judge(pem: string, e: Expected): Promise<void> {
  const cert = new px.X509Certificate(pem);
  const where = `${e.subject} ${JSON.stringify(e.role)}`;
  // Parsed fields against the request.
  expect(cert.serialNumber.replace(/^(00)+/, ''), where).toBe(e.serial.replace(/^(00)+/, ''));
  expect(cert.subject, where).toBe(e.subject);
  expect(cert.issuer, where).toBe(root.subject);
  expect(cert.notBefore.getTime(), where).toBe(e.notBefore.getTime());
  expect(cert.notAfter.getTime(), where).toBe(e.notAfter.getTime());
  expect(hex(cert.publicKey.rawData), where).toBe(hex(e.spki));
  expect(cert.getExtension(px.KeyUsagesExtension)?.usages ?? 0, where).toBe(e.keyUsage);
  expect(cert.getExtension(px.ExtendedKeyUsageExtension)?.usages ?? [], where).toEqual(e.eku);
  const sanItems = cert.getExtension(px.SubjectAlternativeNameExtension)?.names.items ?? [];
  expect(sanItems.filter((n) => n.type === 'dns').map((n) => n.value), where).toEqual(e.dns);
  expect(sanItems.filter((n) => n.type === 'url').map((n) => n.value), where).toEqual(e.uris);
  expect(sanItems.filter((n) => n.type === 'ip').length, where).toBe(e.ips.length);

  // Every TBS field and every extension (OID, criticality, DER value) as the generic generator makes them.
  const reference = await generated(e);
  expect(cert.serialNumber, where).toBe(reference.serialNumber);
  expect(cert.subject, where).toBe(reference.subject);
  expect(cert.issuer, where).toBe(reference.issuer);
  expect(cert.notBefore.getTime(), where).toBe(reference.notBefore.getTime());
  expect(cert.notAfter.getTime(), where).toBe(reference.notAfter.getTime());
  expect(hex(cert.publicKey.rawData), where).toBe(hex(reference.publicKey.rawData));
  expect(extensionMap(cert), where).toEqual(extensionMap(reference));
}

interface OpensslBatchItem {
  pem: string;
  e: Expected;
}

/** One `openssl verify` and one `openssl x509 -text` pass (through PKCS#7) for a whole run. */
function judgeWithOpenssl(items: OpensslBatchItem[], run: number): void {
  const files = items.map(({ pem }, i) => {
    const path = join(scratch.dir, `run${run}-${i}.pem`);
    writeFileSync(path, pem);
    return path;
  });
  const at = String(Math.floor(server.clock.nowMs() / 1000));
  const verify = spawnSync('openssl', ['verify', '-x509_strict', '-attime', at, '-CAfile', scratch.file(rootPem), ...files]);
  const verified = verify.stdout.toString();
  for (const file of files) expect(verified, verify.stderr.toString()).toContain(`${file}: OK`);

  const p7 = spawnSync('openssl', ['crl2pkcs7', '-nocrl', ...files.flatMap((f) => ['-certfile', f])]);
  const text = spawnSync('openssl', ['pkcs7', '-print_certs', '-text', '-noout'], { input: p7.stdout }).stdout.toString();
  const blocks = text.split(/^Certificate:$/m).slice(1);
  expect(blocks.length).toBe(items.length);
  blocks.forEach((block, i) => {
    const { e } = items[i]!;
    const where = `${e.subject} ${JSON.stringify(e.role)}`;
    expect(block, where).toContain(`Subject: ${e.subject}\n`);
    for (const dns of e.dns) expect(block, where).toContain(`DNS:${dns}`);
    for (const uri of e.uris) expect(block, where).toContain(`URI:${uri}`);
    expect(block.includes('X509v3 Key Usage: critical'), where).toBe(e.keyUsage !== 0);
    expect(block.includes('X509v3 Basic Constraints: critical'), where).toBe(e.basicConstraints);
    for (const oid of e.eku) expect(block, where).toContain(ekuText[oid]!);
    for (const policy of e.policies) expect(block, where).toContain(`Policy: ${policy}`);
    for (const url of e.urls.ocsp_servers) expect(block, where).toContain(`OCSP - URI:${url}`);
    for (const url of e.urls.issuing_certificates) expect(block, where).toContain(`CA Issuers - URI:${url}`);
    for (const url of e.urls.crl_distribution_points) expect(block, where).toContain(`URI:${url}`);
  });
}

async function writeRoles(role: RoleInput, name: string): Promise<void> {
  const { key, organization, ou, country, ...fields } = role;
  const common = {
    ...fields,
    organization: organization ?? '',
    ou: ou ?? '',
    country: country ?? '',
    allowed_domains: 'example.com',
    allow_subdomains: true,
    allow_ip_sans: true,
    allowed_uri_sans: 'spiffe://example.com/*',
    max_ttl: '72h',
  };
  await ok(call('POST', `pki/roles/${name}`, { ...common, ...key }));
  // sign/ takes the CSR's key, of any type; key_type only decides what issue/ generates.
  const signRole = `${name}-any`;
  await ok(call('POST', `pki/roles/${signRole}`, { ...common, key_type: 'any', use_csr_common_name: false, use_csr_sans: false }));
}

async function issueRun(urls: UrlsInput, roles: RoleInput[], requests: RequestInput[]): Promise<void> {
  const run = roleCounter++;
  await ok(call('POST', 'pki/config/urls', urls));
  for (const [i, role] of roles.entries()) await writeRoles(role, `r${run}-${i}`);

  const nowMs = server.clock.nowMs();
  const items = await Promise.all(
    requests.map(async (r): Promise<OpensslBatchItem> => {
      const cn = `${r.cn}.example.com`;
      const body = {
        common_name: cn,
        alt_names: r.alt_names.map((l) => `${l}.example.com`).join(','),
        ip_sans: r.ip_sans.join(','),
        uri_sans: r.uri_sans.join(','),
        exclude_cn_from_sans: r.exclude_cn_from_sans,
        ttl: r.ttl,
      };
      const role = roles[r.role % roles.length]!;
      const name = `r${run}-${r.role % roles.length}`;
      const csr = r.csr < csrs.length ? csrs[r.csr]! : null;
      const res = await ok(call('POST', csr ? `pki/sign/${name}-any` : `pki/issue/${name}`, csr ? { ...body, csr: csr.csr } : body));
      const data = res.json.data;
      const spki = csr
        ? csr.spki
        : createPublicKey(data.private_key as string).export({ type: 'spki', format: 'der' });
      const dns = [...new Set([...(r.exclude_cn_from_sans ? [] : [cn]), ...r.alt_names.map((l) => `${l}.example.com`)])];
      const e: Expected = {
        serial: (data.serial_number as string).replace(/:/g, ''),
        subject: subjectOf(role, cn),
        notBefore: new Date(Math.floor((nowMs - role.not_before_duration * 1000) / 1000) * 1000),
        notAfter: new Date(Math.floor((nowMs + r.ttl * 1000) / 1000) * 1000),
        spki,
        dns,
        ips: r.ip_sans,
        uris: r.uri_sans,
        keyUsage: role.key_usage.reduce((mask, u) => mask | keyUsageFlags[u]!, 0),
        eku: ekuOf(role),
        basicConstraints: role.basic_constraints_valid_for_non_ca,
        policies: role.policy_identifiers,
        role,
        urls,
      };
      await judge(data.certificate as string, e);
      return { pem: data.certificate as string, e };
    }),
  );
  judgeWithOpenssl(items, run);
  total += items.length;
}

describe('issuance differential', () => {
  it('ok/1,000+ randomized certificates match the request, @peculiar/x509 generator output and openssl', async () => {
    await fc.assert(
      fc.asyncProperty(urlsArb, rolesArb, fc.array(requestArb, { minLength: 30, maxLength: 50 }), async (urls, roles, requests) => {
        await issueRun(urls, roles, requests);
      }),
      { numRuns: 25, seed: Number(process.env.DIFF_SEED ?? 20261207), endOnFailure: true },
    );
    expect(total).toBeGreaterThanOrEqual(900);
  }, 120_000);
});
