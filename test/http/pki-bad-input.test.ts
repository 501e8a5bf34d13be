/**
 * Bad input: every case must be a 4xx in Vault's {"errors":[...]} naming the problem, and must
 * leave nothing behind — the issuers, keys, roles and certificates of the mounts are compared
 * before and after each call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, fails, mountPki, mountState, ok, opensslCsr, opensslOk, rootCall, Scratch } from '../helpers/pki.js';
import type { ApiResponse } from '../helpers/server.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let call: Call;
let scratch: Scratch;
const mounts = ['pki', 'ca-ops'];

/** Inputs built once in beforeAll. */
const input = {
  csr: '',
  rsaCsr: '',
  smallRsaCsr: '',
  outsideCsr: '',
  leafPem: '',
  leafKey: '',
  rootPem: '',
  encryptedKey: '',
  pssCsr: '',
  ed448Csr: '',
};

const armor = (label: string, der: Buffer) => `-----BEGIN ${label}-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

beforeAll(async () => {
  server = await startServer();
  call = rootCall(server);
  scratch = new Scratch();
  await mountPki(server, 'pki');
  await mountPki(server, 'ca-ops');
  input.rootPem = (await ok(call('POST', 'pki/root/generate/internal', { common_name: 'Strict Root', key_type: 'ec', ttl: '720h', issuer_name: 'strict' }))).json.data.certificate;
  await ok(call('POST', 'pki/roles/web', {
    allowed_domains: 'example.com',
    allow_subdomains: true,
    key_type: 'ec',
    ttl: '24h',
    max_ttl: '10000h',
    allow_ip_sans: false,
    allowed_uri_sans: 'spiffe://cluster.local/ns/*/sa/*',
    allowed_other_sans: '1.3.6.1.4.1.311.20.2.3;UTF8:*@example.com',
    allow_wildcard_certificates: false,
  }));
  await ok(call('POST', 'pki/roles/rsa', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'rsa', ttl: '24h' }));
  await ok(call('POST', 'pki/roles/any-key', { allow_any_name: true, key_type: 'any' }));
  await ok(call('POST', 'pki/keys/generate/internal', { key_type: 'ec', key_name: 'taken' }));
  await ok(call('POST', 'pki/roles/orphaned', { allow_any_name: true, key_type: 'ec', issuer_ref: 'no-such-issuer' }));
  input.csr = opensslCsr(scratch, 'ec:P-256', '/CN=ok.example.com').csr;
  input.rsaCsr = opensslCsr(scratch, 'rsa:2048', '/CN=ok.example.com').csr;
  input.smallRsaCsr = opensslCsr(scratch, 'rsa:1024', '/CN=ok.example.com').csr;
  input.outsideCsr = opensslCsr(scratch, 'ec:P-256', '/CN=ok.example.com', ['subjectAltName=DNS:ok.example.com,DNS:www.evil.org']).csr;
  const leaf = (await ok(call('POST', 'pki/issue/web', { common_name: 'leaf.example.com' }))).json.data;
  input.leafPem = leaf.certificate;
  input.leafKey = leaf.private_key;
  input.encryptedKey = opensslOk(['pkey', '-aes256', '-passout', 'pass:secret'], leaf.private_key);
  const req = (keyArgs: string[]) => opensslOk(['req', '-new', '-nodes', '-keyout', `${scratch.dir}/k${keyArgs[1]}.pem`, '-subj', '/CN=ok.example.com', ...keyArgs]);
  input.pssCsr = req(['-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048']);
  input.ed448Csr = req(['-newkey', 'ed448']);
});
afterAll(async () => {
  scratch.cleanup();
  await server.close();
});

interface BadCase {
  name: string;
  call: () => Promise<ApiResponse>;
  status?: number;
  message: RegExp;
}

const sign = (csr: unknown, extra: Record<string, unknown> = {}) => () => call('POST', 'pki/sign/web', { csr, ...extra });
const issue = (body: Record<string, unknown>, role = 'web') => () => call('POST', `pki/issue/${role}`, body);

function corruptSignature(pem: string): string {
  const der = Buffer.from(derOf(pem));
  der[der.length - 3] = der[der.length - 3]! ^ 0x01;
  return armor('CERTIFICATE REQUEST', der);
}

const cases: BadCase[] = [
  // CSRs
  { name: 'fail/garbage CSR', call: () => sign('this is not a CSR')(), message: /the CSR is neither PEM nor base64-encoded DER/ },
  { name: 'fail/empty CSR', call: () => sign('')(), message: /the CSR is empty/ },
  { name: 'fail/missing CSR', call: () => call('POST', 'pki/sign/web', { common_name: 'x.example.com' }), message: /missing required field "csr"/ },
  { name: 'fail/CSR PEM cut off before its END line', call: () => sign(input.csr.slice(0, 200))(), message: /BEGIN line without a matching END line/ },
  { name: 'fail/CSR whose DER is truncated', call: () => sign(armor('CERTIFICATE REQUEST', derOf(input.csr).subarray(0, 80)))(), message: /the CSR is malformed/ },
  { name: 'fail/CSR with base64 damage', call: () => sign(input.csr.replace(/\n([A-Za-z0-9+/]{10})/, '\n!!!!!!!!!!'))(), message: /not valid base64/ },
  { name: 'fail/a certificate given as the CSR', call: () => sign(input.leafPem)(), message: /expected a PEM CERTIFICATE REQUEST block for the CSR, but found CERTIFICATE/ },
  { name: 'fail/a private key given as the CSR', call: () => sign(input.leafKey)(), message: /expected a PEM CERTIFICATE REQUEST block for the CSR, but found EC PRIVATE KEY/ },
  { name: 'fail/CSR with a corrupted signature', call: () => sign(corruptSignature(input.csr))(), message: /the CSR signature is invalid/ },
  { name: 'fail/CSR key type does not match the role', call: () => call('POST', 'pki/sign/rsa', { csr: input.csr }), message: /role requires keys of type rsa/ },
  { name: 'fail/CSR RSA key below 2048 bits', call: () => call('POST', 'pki/sign/rsa', { csr: input.smallRsaCsr }), message: /role requires a minimum of a 2048-bit key, but CSR's key is 1024 bits/ },
  { name: 'fail/CSR with an RSASSA-PSS key (unsupported key algorithm)', call: () => call('POST', 'pki/sign-verbatim', { csr: input.pssCsr }), message: /unsupported public key algorithm RSASSA-PSS/ },
  { name: 'fail/CSR with an Ed448 key (unsupported key algorithm)', call: () => call('POST', 'pki/sign-verbatim', { csr: input.ed448Csr }), message: /unsupported public key algorithm Ed448/ },
  { name: 'fail/CSR with a SAN outside the role', call: () => sign(input.outsideCsr)(), message: /subject alternate name www.evil.org not allowed by this role/ },
  { name: 'fail/sign-verbatim with a garbage CSR', call: () => call('POST', 'pki/sign-verbatim', { csr: 'garbage' }), message: /the CSR is neither PEM nor base64-encoded DER/ },
  { name: 'fail/sign-intermediate with a garbage CSR', call: () => call('POST', 'pki/root/sign-intermediate', { csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----', common_name: 'x' }), message: /the CSR is malformed/ },

  // Names outside the role
  { name: 'fail/common name outside the role', call: issue({ common_name: 'www.evil.org' }), message: /^common name www.evil.org not allowed by this role$/ },
  { name: 'fail/alt name outside the role', call: issue({ common_name: 'ok.example.com', alt_names: 'ok2.example.com,x.evil.org' }), message: /^subject alternate name x.evil.org not allowed by this role$/ },
  { name: 'fail/email outside the role', call: issue({ common_name: 'ok.example.com', alt_names: 'me@evil.org' }), message: /^email address me@evil.org not allowed by this role$/ },
  { name: 'fail/wildcard on a role that forbids them', call: issue({ common_name: '*.example.com' }), message: /common name \*.example.com not allowed by this role/ },
  { name: 'fail/IP SANs on a role without allow_ip_sans', call: issue({ common_name: 'ok.example.com', ip_sans: '10.0.0.1' }), message: /IP Subject Alternative Names are not allowed in this role, but was provided \[10.0.0.1\]/ },
  { name: 'fail/URI SAN not matching allowed_uri_sans', call: issue({ common_name: 'ok.example.com', uri_sans: 'spiffe://other.domain/ns/a/sa/b' }), message: /URI Subject Alternative Names were provided via the API which are not valid for this role: spiffe:\/\/other.domain\/ns\/a\/sa\/b/ },
  { name: 'fail/other SAN with an OID the role does not allow', call: issue({ common_name: 'ok.example.com', other_sans: '1.2.3.4;UTF8:x' }), message: /other SAN OID 1.2.3.4 not allowed by this role/ },
  { name: 'fail/other SAN value outside the role', call: issue({ common_name: 'ok.example.com', other_sans: '1.3.6.1.4.1.311.20.2.3;UTF8:me@evil.org' }), message: /other SAN me@evil.org not allowed/ },
  { name: 'fail/malformed other SAN', call: issue({ common_name: 'ok.example.com', other_sans: 'no-semicolon' }), message: /could not parse requested other SAN/ },
  { name: 'fail/missing common name', call: issue({ alt_names: 'ok.example.com' }), message: /the common_name field is required/ },

  // Validity
  { name: 'fail/TTL past the issuer with leaf_not_after_behavior err', call: issue({ common_name: 'ok.example.com', ttl: '5000h' }), message: /cannot satisfy request, as TTL would result in notAfter of .* that is beyond the expiration of the CA certificate at/ },
  { name: 'fail/ttl together with not_after', call: issue({ common_name: 'ok.example.com', ttl: '1h', not_after: '2026-02-01T00:00:00Z' }), message: /^Either ttl or not_after should be provided. Both should not be provided in the same request.$/ },
  { name: 'fail/not_after that is not RFC 3339', call: issue({ common_name: 'ok.example.com', not_after: 'next tuesday' }), message: /parsing time "next tuesday"/ },
  { name: 'fail/ttl that is not a duration', call: issue({ common_name: 'ok.example.com', ttl: 'a while' }), message: /error converting input for field "ttl"/ },

  // References
  { name: 'fail/unknown role', call: () => call('POST', 'pki/issue/x', { common_name: 'ok.example.com' }), message: /^unknown role: x$/ },
  { name: 'fail/unknown role on sign', call: () => call('POST', 'pki/sign/x', { csr: input.csr }), message: /^unknown role: x$/ },
  { name: 'fail/unknown issuer ref in the path', call: () => call('POST', 'pki/issuer/nope/issue/web', { common_name: 'ok.example.com' }), message: /^unable to find PKI issuer for reference: nope$/ },
  { name: 'fail/unknown issuer ref in the role', call: issue({ common_name: 'ok.example.com' }, 'orphaned'), message: /unable to find PKI issuer for reference: no-such-issuer/ },
  { name: 'fail/unknown issuer_ref on sign-intermediate', call: () => call('POST', 'pki/root/sign-intermediate', { csr: input.csr, common_name: 'x', issuer_ref: 'nope' }), message: /unable to find PKI issuer for reference: nope/ },
  { name: 'fail/unknown key_ref on root/generate/existing', call: () => call('POST', 'ca-ops/root/generate/existing', { common_name: 'x', key_ref: 'nope' }), message: /unable to find PKI key for reference: nope/ },

  // Field types and formats
  { name: 'fail/alt_names given as an array', call: issue({ common_name: 'ok.example.com', alt_names: ['a.example.com'] }), message: /error converting input for field "alt_names"/ },
  { name: 'fail/issue format not pem, der or pem_bundle', call: issue({ common_name: 'ok.example.com', format: 'pkcs12' }), message: /^the "format" path parameter must be "pem", "der", or "pem_bundle"$/ },
  { name: 'fail/root/generate format not pem, der or pem_bundle', call: () => call('POST', 'ca-ops/root/generate/exported', { common_name: 'x', key_type: 'ec', format: 'jks' }), message: /the "format" path parameter must be "pem", "der", or "pem_bundle"/ },
  { name: 'fail/intermediate/generate format not pem, der or pem_bundle', call: () => call('POST', 'ca-ops/intermediate/generate/internal', { common_name: 'x', key_type: 'ec', format: 'jks' }), message: /the "format" path parameter must be/ },
  { name: 'fail/bad private_key_format', call: issue({ common_name: 'ok.example.com', private_key_format: 'pfx' }), message: /private_key_format/ },

  // CA operations
  { name: 'fail/sign-intermediate with a skid that is not whole hex bytes', call: () => call('POST', 'pki/root/sign-intermediate', { csr: input.csr, common_name: 'x', skid: 'abc' }), message: /invalid skid "abc"/ },
  { name: 'fail/root/generate ttl together with not_after', call: () => call('POST', 'ca-ops/root/generate/internal', { common_name: 'x', key_type: 'ec', ttl: '1h', not_after: '2030-01-01T00:00:00Z' }), message: /Either ttl or not_after should be provided/ },
  { name: 'fail/root/generate unknown key type', call: () => call('POST', 'ca-ops/root/generate/internal', { common_name: 'x', key_type: 'dsa' }), message: /unknown key type "dsa"/ },
  { name: 'fail/root/generate RSA below 2048 bits', call: () => call('POST', 'ca-ops/root/generate/internal', { common_name: 'x', key_type: 'rsa', key_bits: 1024 }), message: /RSA keys < 2048 bits are unsafe/ },
  { name: 'fail/root/generate unsupported EC size', call: () => call('POST', 'ca-ops/root/generate/internal', { common_name: 'x', key_type: 'ec', key_bits: 192 }), message: /unsupported bit length for EC key: 192/ },
  { name: 'fail/root/generate unknown type path segment', call: () => call('POST', 'ca-ops/root/generate/sideways', { common_name: 'x' }), message: /invalid type "sideways"/ },
  { name: 'fail/root/generate with a taken issuer name', call: () => call('POST', 'pki/root/generate/internal', { common_name: 'x', key_type: 'ec', issuer_name: 'strict' }), message: /issuer name "strict" is already in use/ },
  { name: 'fail/root/generate with the reserved name default', call: () => call('POST', 'ca-ops/root/generate/internal', { common_name: 'x', key_type: 'ec', issuer_name: 'default' }), message: /cannot be "default"/ },
  { name: 'fail/root/generate bad signature_bits', call: () => call('POST', 'ca-ops/root/generate/internal', { common_name: 'x', key_type: 'rsa', signature_bits: 160 }), message: /signature_bits/ },
  { name: 'fail/intermediate/generate ttl together with not_after (its new key is not kept)', call: () => call('POST', 'ca-ops/intermediate/generate/internal', { common_name: 'x', key_type: 'ec', ttl: '1h', not_after: '2030-01-01T00:00:00Z' }), message: /Either ttl or not_after should be provided/ },
  { name: 'fail/intermediate/generate without a common name (its new key is not kept)', call: () => call('POST', 'ca-ops/intermediate/generate/exported', { key_type: 'ec' }), message: /the common_name field is required/ },
  { name: 'fail/issue on a key_type=any role', call: () => call('POST', 'pki/issue/any-key', { common_name: 'ok.example.com' }), message: /role key type "any" not allowed for issuing certificates, only signing/ },
  { name: 'fail/keys/generate with a taken name', call: () => call('POST', 'pki/keys/generate/internal', { key_type: 'ec', key_name: 'taken' }), message: /key name "taken" is already in use/ },
  { name: 'fail/config/ca with garbage', call: () => call('POST', 'ca-ops/config/ca', { pem_bundle: 'garbage' }), message: /no data found in PEM bundle/ },
  { name: 'fail/config/ca with a truncated PEM', call: () => call('POST', 'ca-ops/config/ca', { pem_bundle: input.rootPem.slice(0, 300) }), message: /BEGIN line without a matching END line/ },
  { name: 'fail/config/ca with a damaged certificate', call: () => call('POST', 'ca-ops/config/ca', { pem_bundle: armor('CERTIFICATE', derOf(input.rootPem).subarray(0, 100)) }), message: /certificate is malformed/ },
  { name: 'fail/config/ca with a non-CA certificate', call: () => call('POST', 'ca-ops/config/ca', { pem_bundle: `${input.leafPem}\n${input.leafKey}` }), message: /is not a CA certificate/ },
  { name: 'fail/config/ca with an encrypted key', call: () => call('POST', 'ca-ops/config/ca', { pem_bundle: `${input.rootPem}\n${input.encryptedKey}` }), message: /encrypted/ },
  { name: 'fail/set-signed with garbage', call: () => call('POST', 'ca-ops/intermediate/set-signed', { certificate: 'garbage' }), message: /no data found in PEM bundle/ },
  { name: 'fail/set-signed with a leaf certificate', call: () => call('POST', 'ca-ops/intermediate/set-signed', { certificate: input.leafPem }), message: /is not a CA certificate/ },
  { name: 'fail/sign-self-issued with garbage', call: () => call('POST', 'pki/root/sign-self-issued', { certificate: 'garbage' }), message: /certificate/ },
  { name: 'fail/keys/import with a certificate instead of a key', call: () => call('POST', 'ca-ops/keys/import', { pem_bundle: input.rootPem }), message: /expected a PEM PRIVATE KEY block/ },
  { name: 'fail/keys/generate with an unknown type', call: () => call('POST', 'ca-ops/keys/generate/kms', { key_type: 'ec' }), message: /invalid type "kms"/ },
];

describe('bad input is refused and stores nothing', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const before = await Promise.all(mounts.map((m) => mountState(call, m)));
      const res = await fails(c.call(), c.status ?? 400, c.message);
      expect(res.json.errors.length).toBeGreaterThan(0);
      const after = await Promise.all(mounts.map((m) => mountState(call, m)));
      expect(after).toEqual(before);
    });
  }

  it('ok/sanity: the same inputs done right do store things', async () => {
    const before = await mountState(call, 'pki');
    await ok(call('POST', 'pki/sign/web', { csr: input.csr }));
    await ok(call('POST', 'pki/sign/rsa', { csr: input.rsaCsr }));
    const after = await mountState(call, 'pki');
    expect(after.certs.length).toBe(before.certs.length + 2);
  });
});
