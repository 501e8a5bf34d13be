import { describe, expect, it } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import {
  REQUIRE_CN_MESSAGE,
  resolveLeaf,
  signVerbatimRole,
  type IssuanceContext,
  type IssueRequest,
} from '../../src/pki/issuance-policy.js';
import { roleFromInput, type Role, type RoleWireInput } from '../../src/pki/role.js';
import type { CallerIdentity, CsrRequestInfo, SubjectAltNames } from '../../src/pki/types.js';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const HOUR = 3600;
const DAY = 24 * HOUR;

const role = (values: RoleWireInput = {}): Role => roleFromInput(values, new Set(Object.keys(values))).role;
const web = role({ allowed_domains: ['example.com'], allow_subdomains: true, allow_bare_domains: true });

const request = (overrides: Partial<IssueRequest> = {}): IssueRequest => ({
  commonName: '',
  altNames: [],
  ipSans: [],
  uriSans: [],
  otherSans: [],
  ttl: 0,
  notAfter: '',
  excludeCnFromSans: false,
  userIds: [],
  serialNumber: '',
  ...overrides,
});

const ctx = (overrides: Partial<IssuanceContext> = {}): IssuanceContext => ({
  nowMs: NOW,
  mountDefaultTtl: 768 * HOUR,
  mountMaxTtl: 768 * HOUR,
  issuerNotAfterMs: NOW + 3650 * DAY * 1000,
  leafNotAfterBehavior: 'err',
  identity: null,
  mode: 'issue',
  ...overrides,
});

const noSans = (): SubjectAltNames => ({ dns: [], email: [], ip: [], uri: [], otherNames: [] });
const csr = (overrides: Partial<Omit<CsrRequestInfo, 'sans'>> & { sans?: Partial<SubjectAltNames> } = {}): CsrRequestInfo => ({
  commonName: 'www.example.com',
  keyType: 'rsa',
  keyBits: 2048,
  requestsCa: false,
  ...overrides,
  sans: { ...noSans(), ...overrides.sans },
});
const sign = (overrides: Partial<IssuanceContext> = {}) => ctx({ mode: 'sign', ...overrides });

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CaError);
    expect((error as CaError).status).toBe(400);
    return (error as CaError).message;
  }
  throw new Error('expected a refusal');
}

describe('issue', () => {
  it('ok/resolves a full template', () => {
    const r = role({
      allowed_domains: ['example.com'],
      allow_subdomains: true,
      allow_bare_domains: true,
      organization: ['Acme', 'Acme'],
      ou: ['Ops'],
      country: ['NL'],
      locality: ['Amsterdam'],
      province: ['NH'],
      street_address: ['Dam 1'],
      postal_code: ['1012'],
      allowed_serial_numbers: ['SN-*'],
      allowed_user_ids: ['alice'],
      policy_identifiers: ['2.23.140.1.2.1'],
      allowed_uri_sans: ['spiffe://example.com/*'],
      allowed_other_sans: ['1.3.6.1.4.1.311.20.2.3;UTF8:*'],
    });
    const leaf = resolveLeaf(
      request({
        commonName: 'www.example.com',
        altNames: ['b.example.com', 'admin@example.com', 'www.example.com', 'a@example.com', 'b.example.com'],
        ipSans: ['10.0.0.1', '::ffff:10.0.0.2'],
        uriSans: ['spiffe://example.com/web'],
        otherSans: ['1.3.6.1.4.1.311.20.2.3;UTF8:alice@example.com'],
        serialNumber: 'SN-7',
        userIds: ['alice'],
      }),
      r,
      ctx(),
    );
    expect(leaf).toEqual({
      subject: [
        { type: 'C', value: 'NL' },
        { type: 'O', value: 'Acme' },
        { type: 'OU', value: 'Ops' },
        { type: 'L', value: 'Amsterdam' },
        { type: 'ST', value: 'NH' },
        { type: 'street', value: 'Dam 1' },
        { type: 'postalCode', value: '1012' },
        { type: 'serialNumber', value: 'SN-7' },
        { type: 'CN', value: 'www.example.com' },
        { type: 'UID', value: 'alice' },
      ],
      sans: {
        dns: ['www.example.com', 'b.example.com'],
        email: ['a@example.com', 'admin@example.com'],
        ip: ['10.0.0.1', '10.0.0.2'],
        uri: ['spiffe://example.com/web'],
        otherNames: [{ oid: '1.3.6.1.4.1.311.20.2.3', value: 'alice@example.com' }],
      },
      notBeforeMs: NOW - 30_000,
      notAfterMs: NOW + 768 * HOUR * 1000,
      keyUsage: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'],
      extKeyUsageOids: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'],
      policyOids: ['2.23.140.1.2.1'],
      basicConstraintsOnLeaf: false,
      keyType: 'rsa',
      keyBits: 2048,
      warnings: [],
    });
  });

  it('fail/require_cn with Vault\'s exact text; ok/without require_cn there is no CN', () => {
    expect(refusal(() => resolveLeaf(request(), web, ctx()))).toBe(REQUIRE_CN_MESSAGE);
    expect(REQUIRE_CN_MESSAGE).toBe('the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false');
    const leaf = resolveLeaf(request({ altNames: ['a.example.com'] }), role({ allowed_domains: ['example.com'], allow_subdomains: true, require_cn: false }), ctx());
    expect(leaf.subject).toEqual([]);
    expect(leaf.sans.dns).toEqual(['a.example.com']);
  });

  it('fail/key_type any roles refuse issue with Vault\'s message', () => {
    const any = role({ key_type: 'any', allow_any_name: true });
    expect(refusal(() => resolveLeaf(request({ commonName: 'a.example.com' }), any, ctx()))).toBe('role key type "any" not allowed for issuing certificates, only signing');
  });

  it('ok/key_type any issue with a requested key type (extension), normalised like a role', () => {
    const any = role({ key_type: 'any', allow_any_name: true });
    const leaf = resolveLeaf(request({ commonName: 'a.example.com', keyType: 'ec' }), any, ctx());
    expect([leaf.keyType, leaf.keyBits]).toEqual(['ec', 256]);
    expect(refusal(() => resolveLeaf(request({ commonName: 'a.example.com', keyType: 'rsa', keyBits: 1024 }), any, ctx()))).toContain('got 1024');
    const ignored = resolveLeaf(request({ commonName: 'a.example.com', keyType: 'ec' }), web, ctx());
    expect([ignored.keyType, ignored.keyBits]).toEqual(['rsa', 2048]);
    expect(ignored.warnings[0]).toContain('key_type and key_bits are only used');
  });
});

describe('CN and alt_names into SANs', () => {
  const issue = (req: Partial<IssueRequest>, r: Role = web) => resolveLeaf(request(req), r, ctx());

  it('ok/an email CN becomes an email SAN', () => {
    const leaf = issue({ commonName: 'admin@example.com' });
    expect(leaf.sans.email).toEqual(['admin@example.com']);
    expect(leaf.sans.dns).toEqual([]);
  });

  it('ok/a CN that is not a hostname stays out of the SANs', () => {
    const free = role({ allow_any_name: true, enforce_hostnames: false });
    const leaf = issue({ commonName: 'My Device' }, free);
    expect(leaf.subject).toEqual([{ type: 'CN', value: 'My Device' }]);
    expect(leaf.sans.dns).toEqual([]);
  });

  it('ok/wildcards: *.x is copied into the SANs, other RFC 6125 shapes are not', () => {
    expect(issue({ commonName: '*.example.com' }).sans.dns).toEqual(['*.example.com']);
    expect(issue({ commonName: 'f*.example.com' }).sans.dns).toEqual([]);
  });

  it('ok/IDNA: the SAN is ASCII, the subject keeps the Unicode CN', () => {
    const leaf = issue({ commonName: 'bücher.example.com', altNames: ['münchen.example.com'] });
    expect(leaf.sans.dns).toEqual(['xn--bcher-kva.example.com', 'xn--mnchen-3ya.example.com']);
    expect(leaf.subject).toEqual([{ type: 'CN', value: 'bücher.example.com' }]);
  });

  it('fail/alt_names that IDNA cannot convert', () => {
    expect(refusal(() => issue({ commonName: 'example.com', altNames: ['xn--zz.example.com'] }))).toContain('xn--zz.example.com');
  });

  it('ok/exclude_cn_from_sans keeps the CN out but still validates it', () => {
    const leaf = issue({ commonName: 'www.example.com', excludeCnFromSans: true, altNames: ['api.example.com'] });
    expect(leaf.sans.dns).toEqual(['api.example.com']);
    expect(refusal(() => issue({ commonName: 'www.example.org', excludeCnFromSans: true }))).toBe('common name www.example.org not allowed by this role');
  });

  it('ok/alt_names: emails split out, duplicates dropped, non-hostnames silently dropped', () => {
    const free = role({ allow_any_name: true, enforce_hostnames: false });
    const leaf = issue({ commonName: 'a.example.com', altNames: ['a.example.com', 'foo_bar.example.com', 'z@example.com', 'b@example.com', 'z@example.com'] }, free);
    expect(leaf.sans.dns).toEqual(['a.example.com']);
    expect(leaf.sans.email).toEqual(['b@example.com', 'z@example.com']);
  });

  it('fail/alt_names outside the role', () => {
    expect(refusal(() => issue({ commonName: 'www.example.com', altNames: ['evil.org'] }))).toBe('subject alternate name evil.org not allowed by this role');
    expect(refusal(() => issue({ commonName: 'www.example.com', altNames: ['x@evil.org'] }))).toBe('email address x@evil.org not allowed by this role');
  });

  it('fail/subject attributes and SANs the role does not allow', () => {
    expect(refusal(() => issue({ commonName: 'www.example.com', serialNumber: 'SN-1' }))).toBe('serial_number SN-1 not allowed by this role');
    expect(refusal(() => issue({ commonName: 'www.example.com', userIds: ['bob'] }))).toBe('user_id bob is not allowed by this role');
    expect(refusal(() => issue({ commonName: 'www.example.com', ipSans: ['nope'] }))).toBe('the value "nope" is not a valid IP address');
    expect(refusal(() => issue({ commonName: 'www.example.com', uriSans: ['https://example.com'] }))).toContain('https://example.com');
    expect(refusal(() => issue({ commonName: 'www.example.com', otherSans: ['1.2.3.4;UTF8:x'] }))).toBe('other SAN OID 1.2.3.4 not allowed by this role');
  });

  it('ok/URI SANs from an identity template (SPIFFE per namespace)', () => {
    const accessor = 'auth_kubernetes_1a2b3c4d';
    const identity: CallerIdentity = {
      entityId: 'e1',
      entityName: 'pod',
      entityMetadata: {},
      aliases: { [accessor]: { id: 'a1', name: 'uid', metadata: { service_account_namespace: 'shop' } } },
    };
    const r = role({
      allow_any_name: true,
      require_cn: false,
      allowed_uri_sans: [`spiffe://cluster.local/ns/{{identity.entity.aliases.${accessor}.metadata.service_account_namespace}}/sa/*`],
      allowed_uri_sans_template: true,
    });
    const leaf = resolveLeaf(request({ uriSans: ['spiffe://cluster.local/ns/shop/sa/cart'] }), r, ctx({ identity }));
    expect(leaf.sans.uri).toEqual(['spiffe://cluster.local/ns/shop/sa/cart']);
    expect(refusal(() => resolveLeaf(request({ uriSans: ['spiffe://cluster.local/ns/bank/sa/cart'] }), r, ctx({ identity })))).toContain('spiffe://cluster.local/ns/bank/sa/cart');
  });
});

describe('validity (§4.3)', () => {
  const issue = (req: Partial<IssueRequest>, r: Role = web, c: Partial<IssuanceContext> = {}) =>
    resolveLeaf(request({ commonName: 'www.example.com', ...req }), r, ctx(c));

  it('ok/ttl above the role max_ttl is clamped with Vault\'s warning', () => {
    const r = role({ allowed_domains: ['example.com'], allow_subdomains: true, max_ttl: 720 * HOUR });
    const leaf = issue({ ttl: 1000 * HOUR }, r);
    expect(leaf.notAfterMs).toBe(NOW + 720 * HOUR * 1000);
    expect(leaf.warnings).toEqual(['TTL "1000h0m0s" is longer than permitted maxTTL "720h0m0s", so maxTTL is being used']);
  });

  it('ok/without a role max_ttl the mount max applies', () => {
    const leaf = issue({ ttl: 800 * HOUR });
    expect(leaf.notAfterMs).toBe(NOW + 768 * HOUR * 1000);
    expect(leaf.warnings).toEqual(['TTL "800h0m0s" is longer than permitted maxTTL "768h0m0s", so maxTTL is being used']);
  });

  it('ok/request ttl, then role ttl, then mount default', () => {
    const r = role({ allowed_domains: ['example.com'], allow_subdomains: true, ttl: 2 * HOUR });
    expect(issue({ ttl: 60 }, r).notAfterMs).toBe(NOW + 60_000);
    expect(issue({}, r).notAfterMs).toBe(NOW + 2 * HOUR * 1000);
    expect(issue({}, web, { mountDefaultTtl: 5 * HOUR }).notAfterMs).toBe(NOW + 5 * HOUR * 1000);
  });

  it('ok/not_after is used as given, beyond max_ttl too', () => {
    const leaf = issue({ notAfter: '2025-12-31T00:00:00Z' });
    expect(leaf.notAfterMs).toBe(Date.UTC(2025, 11, 31));
    expect(leaf.warnings).toEqual([]);
    expect(issue({ notAfter: '2025-06-01T02:00:00+02:00' }).notAfterMs).toBe(Date.UTC(2025, 5, 1));
  });

  it('ok/9999-12-31T23:59:59Z is accepted when the issuer permits it', () => {
    expect(issue({ notAfter: '9999-12-31T23:59:59Z' }, web, { leafNotAfterBehavior: 'permit' }).notAfterMs).toBe(253402300799000);
  });

  it('fail/ttl together with not_after', () => {
    expect(refusal(() => issue({ ttl: 60, notAfter: '2025-12-31T00:00:00Z' }))).toBe('Either ttl or not_after should be provided. Both should not be provided in the same request.');
  });

  it('ok/role not_after wins over the request; fail/request ttl against a role not_after', () => {
    const r = role({ allowed_domains: ['example.com'], allow_subdomains: true, not_after: '2026-01-01T00:00:00Z' });
    expect(issue({ notAfter: '2025-03-01T00:00:00Z' }, r).notAfterMs).toBe(Date.UTC(2026, 0, 1));
    expect(refusal(() => issue({ ttl: 60 }, r))).toContain('Either ttl or not_after');
  });

  it('fail/not_after that is not RFC 3339 names the value', () => {
    expect(refusal(() => issue({ notAfter: '2025-13-01T00:00:00Z' }))).toContain('"2025-13-01T00:00:00Z"');
    expect(refusal(() => issue({ notAfter: 'tomorrow' }))).toContain('"tomorrow"');
  });

  it('fail/issuer NotAfter with err: Vault\'s exact text', () => {
    const issuerNotAfterMs = NOW + 10 * DAY * 1000;
    expect(refusal(() => issue({ ttl: 20 * DAY }, web, { issuerNotAfterMs }))).toBe(
      'cannot satisfy request, as TTL would result in notAfter of 2025-02-04T12:00:00Z that is beyond the expiration of the CA certificate at 2025-01-25T12:00:00Z',
    );
    expect(refusal(() => issue({ ttl: 20 * DAY }, web, { nowMs: NOW + 250, issuerNotAfterMs }))).toContain('notAfter of 2025-02-04T12:00:00.25Z');
  });

  it('ok/issuer NotAfter with truncate clamps, with permit exceeds', () => {
    const issuerNotAfterMs = NOW + 10 * DAY * 1000;
    expect(issue({ ttl: 20 * DAY }, web, { issuerNotAfterMs, leafNotAfterBehavior: 'truncate' }).notAfterMs).toBe(issuerNotAfterMs);
    expect(issue({ ttl: 20 * DAY }, web, { issuerNotAfterMs, leafNotAfterBehavior: 'permit' }).notAfterMs).toBe(NOW + 20 * DAY * 1000);
    expect(issue({ ttl: 5 * DAY }, web, { issuerNotAfterMs }).notAfterMs).toBe(NOW + 5 * DAY * 1000);
  });

  it('fail/truncating to an issuer that already expired', () => {
    expect(refusal(() => issue({}, web, { issuerNotAfterMs: NOW - DAY * 1000, leafNotAfterBehavior: 'truncate' }))).toContain("is later than the certificate's Not After");
  });

  it('ok/not_before_duration backdates NotBefore', () => {
    expect(issue({}).notBeforeMs).toBe(NOW - 30_000);
    const r0 = role({ allowed_domains: ['example.com'], allow_subdomains: true, not_before_duration: 0 });
    expect(issue({}, r0).notBeforeMs).toBe(NOW);
    const r2 = role({ allowed_domains: ['example.com'], allow_subdomains: true, not_before_duration: 120 });
    expect(issue({}, r2).notBeforeMs).toBe(NOW - 120_000);
  });
});

describe('key usage and EKU composition', () => {
  it('ok/flags, then ext_key_usage, then ext_key_usage_oids, without duplicates', () => {
    const r = role({
      allow_any_name: true,
      server_flag: false,
      client_flag: false,
      code_signing_flag: true,
      email_protection_flag: true,
      ext_key_usage: ['TimeStamping', 'CodeSigning', 'MicrosoftKernelCodeSigning'],
      ext_key_usage_oids: ['1.2.3.4', '1.3.6.1.5.5.7.3.8'],
      key_usage: ['DigitalSignature'],
      basic_constraints_valid_for_non_ca: true,
    });
    const leaf = resolveLeaf(request({ commonName: 'signer.example.com' }), r, ctx());
    expect(leaf.extKeyUsageOids).toEqual(['1.3.6.1.5.5.7.3.3', '1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.8', '1.3.6.1.4.1.311.61.1.1', '1.2.3.4']);
    expect(leaf.keyUsage).toEqual(['DigitalSignature']);
    expect(leaf.basicConstraintsOnLeaf).toBe(true);
  });

  it('ok/server and client flags default on, so ext_key_usage only adds', () => {
    const r = role({ allow_any_name: true, ext_key_usage: ['ServerAuth', 'OCSPSigning'] });
    expect(resolveLeaf(request({ commonName: 'a.example.com' }), r, ctx()).extKeyUsageOids).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.9']);
  });

  it('ok/qualified policy identifiers contribute their OIDs', () => {
    const r = role({ allow_any_name: true, policy_identifiers: ['[{"oid":"1.2.3.4","cps":"https://example.com/cps"},{"oid":"1.2.3.5"}]'] });
    expect(resolveLeaf(request({ commonName: 'a.example.com' }), r, ctx()).policyOids).toEqual(['1.2.3.4', '1.2.3.5']);
  });
});

describe('sign', () => {
  it('ok/takes CN and SANs from the CSR and warns about ignored request fields', () => {
    const c = csr({ commonName: 'www.example.com', sans: { dns: ['api.example.com'], ip: ['10.0.0.1'], email: ['ops@example.com'] } });
    const signed = resolveLeaf(request({ commonName: 'other.example.com', altNames: ['alt.example.com'], ipSans: ['10.9.9.9'], csr: c }), web, sign());
    expect(signed.subject).toEqual([{ type: 'CN', value: 'www.example.com' }]);
    expect(signed.sans).toEqual({ dns: ['api.example.com', 'www.example.com'], email: ['ops@example.com'], ip: ['10.0.0.1'], uri: [], otherNames: [] });
    expect(signed.warnings).toEqual([
      'the common_name field was provided but the role is set with "use_csr_common_name" set to true',
      'the alt_names field was provided but the role is set with "use_csr_sans" set to true',
    ]);
    expect([signed.keyType, signed.keyBits]).toEqual(['rsa', 2048]);
  });

  it('fail/sign without a CSR', () => {
    expect(refusal(() => resolveLeaf(request({ commonName: 'www.example.com' }), web, sign()))).toBe('"csr" is empty');
  });

  it('ok/falls back to the request CN when the CSR has none', () => {
    const leaf = resolveLeaf(request({ commonName: 'www.example.com', csr: csr({ commonName: '' }) }), web, sign());
    expect(leaf.subject).toEqual([{ type: 'CN', value: 'www.example.com' }]);
    expect(refusal(() => resolveLeaf(request({ csr: csr({ commonName: '' }) }), web, sign()))).toBe(REQUIRE_CN_MESSAGE);
  });

  it('ok/use_csr_common_name=false and use_csr_sans=false take the request\'s values', () => {
    const r = role({ allowed_domains: ['example.com'], allow_subdomains: true, use_csr_common_name: false, use_csr_sans: false });
    const c = csr({ commonName: 'csr.example.com', sans: { dns: ['csr-alt.example.com'] } });
    const leaf = resolveLeaf(request({ commonName: 'req.example.com', altNames: ['req-alt.example.com'], ipSans: ['10.0.0.5'], csr: c }), r, sign());
    expect(leaf.subject).toEqual([{ type: 'CN', value: 'req.example.com' }]);
    expect(leaf.sans.dns).toEqual(['req.example.com', 'req-alt.example.com']);
    expect(leaf.sans.ip).toEqual(['10.0.0.5']);
    expect(leaf.warnings).toEqual([]);
  });

  it('ok/exclude_cn_from_sans applies to the CSR CN (cert-manager always sends it)', () => {
    const leaf = resolveLeaf(request({ excludeCnFromSans: true, csr: csr({ sans: { dns: ['www.example.com', 'api.example.com'] } }) }), web, sign());
    expect(leaf.sans.dns).toEqual(['www.example.com', 'api.example.com']);
    const bare = resolveLeaf(request({ excludeCnFromSans: true, csr: csr({ sans: {} }) }), web, sign());
    expect(bare.sans.dns).toEqual([]);
  });

  it('fail/CSR names, IPs and URIs the role does not allow', () => {
    expect(refusal(() => resolveLeaf(request({ csr: csr({ sans: { dns: ['evil.org'] } }) }), web, sign()))).toBe('subject alternate name evil.org not allowed by this role');
    expect(refusal(() => resolveLeaf(request({ csr: csr({ commonName: 'evil.org' }) }), web, sign()))).toBe('common name evil.org not allowed by this role');
    const noIp = role({ allowed_domains: ['example.com'], allow_subdomains: true, allow_ip_sans: false });
    expect(refusal(() => resolveLeaf(request({ csr: csr({ sans: { ip: ['10.0.0.1'] } }) }), noIp, sign()))).toContain('provided some via CSR: [10.0.0.1]');
    expect(refusal(() => resolveLeaf(request({ csr: csr({ sans: { uri: ['spiffe://x/y'] } }) }), web, sign()))).toContain('were provided via CSR: [spiffe://x/y]');
    expect(refusal(() => resolveLeaf(request({ csr: csr({ sans: { otherNames: [{ oid: '1.2.3.4', value: 'x' }] } }) }), web, sign()))).toBe('other SAN OID 1.2.3.4 not allowed by this role');
  });

  it('ok/a CSR asking for CA:true gets a leaf and a warning', () => {
    const leaf = resolveLeaf(request({ csr: csr({ requestsCa: true }) }), web, sign());
    expect(leaf.warnings.join(' ')).toContain('CA:true');
    expect(leaf.basicConstraintsOnLeaf).toBe(false);
  });
});

describe('CSR key checks (§4.4)', () => {
  const signWith = (r: Role, c: Partial<CsrRequestInfo>) => resolveLeaf(request({ csr: csr(c) }), r, sign());
  const withKey = (values: RoleWireInput) => role({ allowed_domains: ['example.com'], allow_subdomains: true, ...values });

  it.each([
    ['fail/type-mismatch-rsa', {}, { keyType: 'ec', keyBits: 256 }, 'role requires keys of type rsa'],
    ['fail/type-mismatch-ec', { key_type: 'ec' }, { keyType: 'rsa', keyBits: 2048 }, 'role requires keys of type ec'],
    ['fail/type-mismatch-ed25519', { key_type: 'ed25519' }, { keyType: 'ec', keyBits: 256 }, 'role requires keys of type ed25519'],
    ['fail/rsa-smaller-than-role', { key_bits: 4096 }, { keyType: 'rsa', keyBits: 2048 }, "role requires a minimum of a 4096-bit key, but CSR's key is 2048 bits"],
    ['fail/ec-smaller-than-role', { key_type: 'ec', key_bits: 384 }, { keyType: 'ec', keyBits: 256 }, "role requires a minimum of a 384-bit key, but CSR's key is 256 bits"],
    ['fail/rsa-1024-on-rsa-role', {}, { keyType: 'rsa', keyBits: 1024 }, "role requires a minimum of a 2048-bit key, but CSR's key is 1024 bits"],
    ['fail/any-rsa-below-2048', { key_type: 'any' }, { keyType: 'rsa', keyBits: 1024 }, 'RSA keys < 2048 bits are unsafe and not supported'],
  ] as const)('%s', (_name, values, key, message) => {
    expect(refusal(() => signWith(withKey(values), key))).toBe(message);
  });

  it.each([
    ['ok/rsa-larger-than-role', {}, { keyType: 'rsa', keyBits: 4096 }],
    ['ok/ec-larger-than-role', { key_type: 'ec' }, { keyType: 'ec', keyBits: 521 }],
    ['ok/ed25519-role', { key_type: 'ed25519' }, { keyType: 'ed25519', keyBits: 0 }],
    ['ok/any-rsa-2048', { key_type: 'any' }, { keyType: 'rsa', keyBits: 2048 }],
    ['ok/any-ec-p224', { key_type: 'any' }, { keyType: 'ec', keyBits: 224 }],
    ['ok/any-ed25519', { key_type: 'any' }, { keyType: 'ed25519', keyBits: 0 }],
  ] as const)('%s', (_name, values, key) => {
    const leaf = signWith(withKey(values), key);
    expect([leaf.keyType, leaf.keyBits]).toEqual([key.keyType, key.keyBits]);
  });
});

describe('sign-verbatim', () => {
  const verbatim = (overrides: Partial<IssuanceContext> = {}) => ctx({ mode: 'sign-verbatim', ...overrides });

  it('ok/the implicit role without a role: anything goes, no backdating, no EKU flags', () => {
    const r = signVerbatimRole(null);
    expect(r).toMatchObject({
      allowAnyName: true,
      allowLocalhost: true,
      allowIpSans: true,
      allowWildcardCertificates: true,
      enforceHostnames: false,
      keyType: 'any',
      useCsrCommonName: true,
      useCsrSans: true,
      allowedOtherSans: ['*'],
      allowedSerialNumbers: ['*'],
      allowedUriSans: ['*'],
      allowedUserIds: ['*'],
      cnValidations: ['disabled'],
      requireCn: false,
      serverFlag: false,
      clientFlag: false,
      keyUsage: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'],
      extKeyUsage: [],
      notBeforeDuration: 0,
      generateLease: false,
      issuerRef: 'default',
      ttl: 0,
      maxTtl: 0,
    });
  });

  it('ok/only ttl, max_ttl, generate_lease, no_store, issuer_ref, not_before_duration and basic constraints come from a named role', () => {
    const named = role({ allowed_domains: ['example.com'], ttl: HOUR, max_ttl: 2 * HOUR, generate_lease: true, issuer_ref: 'int-2025', not_before_duration: 45, basic_constraints_valid_for_non_ca: true, server_flag: true, key_type: 'ec' });
    const r = signVerbatimRole(named, { extKeyUsage: ['clientauth'], keyUsage: ['digitalsignature'], signatureBits: 384, usePss: true });
    expect(r).toMatchObject({ ttl: HOUR, maxTtl: 2 * HOUR, generateLease: true, issuerRef: 'int-2025', notBeforeDuration: 45, basicConstraintsValidForNonCa: true, allowAnyName: true, keyType: 'any', serverFlag: false, extKeyUsage: ['ClientAuth'], keyUsage: ['DigitalSignature'], signatureBits: 384, usePss: true });
    expect(signVerbatimRole(named, { basicConstraintsValidForNonCa: false }).basicConstraintsValidForNonCa).toBe(false);
    expect(refusal(() => signVerbatimRole(null, { extKeyUsageOids: ['bogus'] }))).toContain('"bogus"');
  });

  it('ok/CN and SANs exactly as in the CSR', () => {
    const c = csr({ commonName: 'Printer 7 (lobby)', keyType: 'ed25519', keyBits: 0, sans: { dns: ['printer7.corp.internal'], ip: ['192.0.2.7'], uri: ['urn:uuid:1234'], email: ['it@corp.internal'] } });
    const leaf = resolveLeaf(request({ csr: c }), signVerbatimRole(null), verbatim());
    expect(leaf.subject).toEqual([{ type: 'CN', value: 'Printer 7 (lobby)' }]);
    expect(leaf.sans).toEqual({ dns: ['printer7.corp.internal'], email: ['it@corp.internal'], ip: ['192.0.2.7'], uri: ['urn:uuid:1234'], otherNames: [] });
    expect(leaf.notBeforeMs).toBe(NOW);
    expect(leaf.extKeyUsageOids).toEqual([]);
    expect(leaf.keyUsage).toEqual(['DigitalSignature', 'KeyAgreement', 'KeyEncipherment']);
    expect([leaf.keyType, leaf.keyBits]).toEqual(['ed25519', 0]);
  });

  it('ok/copies the CSR subject, key usage and EKU when the caller knows them', () => {
    const subject = [{ type: 'O' as const, value: 'Corp' }, { type: 'CN' as const, value: 'x' }];
    const leaf = resolveLeaf(
      request({ csr: csr({ commonName: 'x' }), csrVerbatim: { subject, keyUsage: ['KeyEncipherment'], extKeyUsageOids: ['1.3.6.1.5.5.7.3.1'] } }),
      signVerbatimRole(null, { extKeyUsage: ['ClientAuth'] }),
      verbatim(),
    );
    expect(leaf.subject).toEqual(subject);
    expect(leaf.keyUsage).toEqual(['KeyEncipherment']);
    expect(leaf.extKeyUsageOids).toEqual(['1.3.6.1.5.5.7.3.1']);
  });

  it('ok/request EKU and the named role\'s TTLs apply', () => {
    const named = role({ ttl: HOUR, max_ttl: 2 * HOUR });
    const leaf = resolveLeaf(request({ csr: csr(), ttl: 3 * HOUR }), signVerbatimRole(named, { extKeyUsage: ['ServerAuth'] }), verbatim());
    expect(leaf.extKeyUsageOids).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.notAfterMs).toBe(NOW + 2 * HOUR * 1000);
    expect(leaf.warnings).toEqual(['TTL "3h0m0s" is longer than permitted maxTTL "2h0m0s", so maxTTL is being used']);
  });

  it('fail/still refuses CA requests and weak RSA keys', () => {
    expect(refusal(() => resolveLeaf(request({ csr: csr({ requestsCa: true }) }), signVerbatimRole(null), verbatim()))).toContain('CA:true');
    expect(refusal(() => resolveLeaf(request({ csr: csr({ keyBits: 1024 }) }), signVerbatimRole(null), verbatim()))).toBe('RSA keys < 2048 bits are unsafe and not supported');
  });
});

describe('edges', () => {
  it('fail/a TTL past year 9999 is a 400, not a crash', () => {
    const huge = role({ allow_any_name: true, max_ttl: 100_000_000 * HOUR });
    expect(refusal(() => resolveLeaf(request({ commonName: 'a.example.com', ttl: 90_000_000 * HOUR }), huge, ctx({ leafNotAfterBehavior: 'permit' })))).toContain('later than 9999-12-31T23:59:59Z');
    expect(refusal(() => resolveLeaf(request({ commonName: 'a.example.com', ttl: 2 ** 52 }), role({ allow_any_name: true }), ctx({ mountMaxTtl: 2 ** 52 })))).toContain('cannot satisfy request');
  });

  it('ok/issue ignores a CSR passed by mistake', () => {
    const leaf = resolveLeaf(request({ commonName: 'www.example.com', csr: csr({ commonName: 'evil.org', keyType: 'ec', keyBits: 256 }) }), web, ctx());
    expect(leaf.subject).toEqual([{ type: 'CN', value: 'www.example.com' }]);
    expect(leaf.keyType).toBe('rsa');
  });
});
