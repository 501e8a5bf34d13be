import { describe, expect, it } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import { decodeFields } from '../../src/http/fields.js';
import { roleFieldSpecs } from '../../src/http/routes/pki/role-fields.js';
import { policyOidsOf } from '../../src/pki/policy-identifiers.js';
import { mergeRolePatch, roleFromInput, roleToResponse, roleWireDefaults, type RoleWireInput } from '../../src/pki/role.js';

const build = (values: RoleWireInput) => roleFromInput(values, new Set(Object.keys(values)));

/** What Vault returns for `vault write pki/roles/r -` with an empty body (§3). */
const vaultDefaultData = {
  allow_any_name: false,
  allow_bare_domains: false,
  allow_glob_domains: false,
  allow_ip_sans: true,
  allow_localhost: true,
  allow_subdomains: false,
  allow_token_displayname: false,
  allow_wildcard_certificates: true,
  allowed_domains: [],
  allowed_domains_template: false,
  allowed_other_sans: [],
  allowed_serial_numbers: [],
  allowed_uri_sans: [],
  allowed_uri_sans_template: false,
  allowed_user_ids: [],
  basic_constraints_valid_for_non_ca: false,
  client_flag: true,
  cn_validations: ['email', 'hostname'],
  code_signing_flag: false,
  country: [],
  email_protection_flag: false,
  enforce_hostnames: true,
  ext_key_usage: [],
  ext_key_usage_oids: [],
  generate_lease: false,
  issuer_ref: 'default',
  key_bits: 2048,
  key_type: 'rsa',
  key_usage: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'],
  locality: [],
  max_ttl: 0,
  no_store: false,
  no_store_metadata: false,
  not_after: '',
  not_before_duration: 30,
  organization: [],
  ou: [],
  policy_identifiers: [],
  postal_code: [],
  province: [],
  require_cn: true,
  server_flag: true,
  signature_bits: 256,
  street_address: [],
  ttl: 0,
  use_csr_common_name: true,
  use_csr_sans: true,
  use_pss: false,
};

function refusal(fn: () => unknown): CaError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CaError);
    expect((error as CaError).status).toBe(400);
    return error as CaError;
  }
  throw new Error('expected a refusal');
}

describe('role defaults', () => {
  it('ok/an empty write gives Vault\'s defaults', () => {
    const { role, warnings } = roleFromInput({}, new Set());
    expect(roleToResponse(role)).toEqual(vaultDefaultData);
    expect(warnings).toEqual([]);
  });

  it('ok/the field specs decode an empty body to the same role', () => {
    const decoded = decodeFields(roleFieldSpecs, {}, { name: 'web' });
    const { role } = roleFromInput(decoded.values, decoded.provided);
    expect(roleToResponse(role)).toEqual(vaultDefaultData);
    // Defaults documented in the specs are the ones role.ts applies.
    const specDefaults = Object.fromEntries(Object.entries(roleFieldSpecs).filter(([k]) => k !== 'name').map(([k, s]) => [k, (s as { default: unknown }).default]));
    expect(specDefaults).toEqual(roleWireDefaults());
  });

  it('ok/field specs accept Vault\'s weak types (everything as strings, as cert-manager and Terraform send)', () => {
    const decoded = decodeFields(
      roleFieldSpecs,
      { ttl: '72h', max_ttl: '2160h0m0s', allow_subdomains: 'true', allowed_domains: 'a.example.com, b.example.com', key_bits: '4096', not_before_duration: '1m', policy_identifiers: '1.2.3.4,1.2.3.5' },
      { name: 'web' },
    );
    const data = roleToResponse(roleFromInput(decoded.values, decoded.provided).role);
    expect(data).toMatchObject({ ttl: 259200, max_ttl: 7776000, allow_subdomains: true, allowed_domains: ['a.example.com', 'b.example.com'], key_bits: 4096, not_before_duration: 60, policy_identifiers: ['1.2.3.4', '1.2.3.5'] });
  });
});

describe('role normalisation', () => {
  it.each([
    ['ok/rsa-0-becomes-2048-and-sha256', { key_type: 'rsa' }, 2048, 256],
    ['ok/rsa-keeps-explicit-sizes', { key_type: 'rsa', key_bits: 4096, signature_bits: 512 }, 4096, 512],
    ['ok/ec-0-becomes-p256-and-sig-0', { key_type: 'ec' }, 256, 0],
    ['ok/ec-keeps-p384-and-signature-bits', { key_type: 'ec', key_bits: 384, signature_bits: 384 }, 384, 384],
    ['ok/ed25519-is-0-0', { key_type: 'ed25519', signature_bits: 256 }, 0, 0],
    ['ok/any-is-0-0', { key_type: 'any', signature_bits: 384 }, 0, 0],
  ] as const)('%s', (_name, input, keyBits, signatureBits) => {
    const data = roleToResponse(build(input).role);
    expect(data.key_bits).toBe(keyBits);
    expect(data.signature_bits).toBe(signatureBits);
  });

  it('ok/key_usage is case-insensitive and canonical, unknown names are dropped with a warning', () => {
    const { role, warnings } = build({ key_usage: ['digitalsignature', 'CERTSIGN', 'KeyUsageCRLSign', 'DigitalSignature', 'ServerAuth'] });
    expect(role.keyUsage).toEqual(['DigitalSignature', 'CertSign', 'CRLSign']);
    expect(warnings).toEqual(['unknown key_usage "ServerAuth" was ignored']);
    expect(build({ key_usage: [] }).role.keyUsage).toEqual([]);
  });

  it('ok/ext_key_usage takes Go names in any case', () => {
    const names = ['serverauth', 'ClientAuth', 'codesigning', 'EmailProtection', 'IPSECEndSystem', 'ipsectunnel', 'IPSECUser', 'TimeStamping', 'OCSPSigning', 'any', 'MicrosoftServerGatedCrypto', 'NetscapeServerGatedCrypto', 'MicrosoftCommercialCodeSigning', 'MicrosoftKernelCodeSigning'];
    const { role, warnings } = build({ ext_key_usage: names });
    expect(role.extKeyUsage).toEqual(['ServerAuth', 'ClientAuth', 'CodeSigning', 'EmailProtection', 'IPSECEndSystem', 'IPSECTunnel', 'IPSECUser', 'TimeStamping', 'OCSPSigning', 'Any', 'MicrosoftServerGatedCrypto', 'NetscapeServerGatedCrypto', 'MicrosoftCommercialCodeSigning', 'MicrosoftKernelCodeSigning']);
    expect(warnings).toEqual([]);
    expect(build({ ext_key_usage: ['Bogus'] }).warnings).toEqual(['unknown ext_key_usage "Bogus" was ignored']);
  });

  it('ok/cn_validations are lower-cased; an empty list means the default', () => {
    expect(build({ cn_validations: ['Email'] }).role.cnValidations).toEqual(['email']);
    expect(build({ cn_validations: ['DISABLED'] }).role.cnValidations).toEqual(['disabled']);
    expect(build({ cn_validations: [] }).role.cnValidations).toEqual(['email', 'hostname']);
  });

  it('ok/policy_identifiers accept OIDs and Vault\'s JSON form, stored as Vault stores them', () => {
    const json = '[{"oid":"1.3.6.1.4.1.7.8","notice":"I am a user notice, with a comma"},{"oid":"1.3.6.1.4.1.44947.1.2.4 ","cps":"https://example.com"}]';
    const { role } = build({ policy_identifiers: [json] });
    expect(role.policyIdentifiers).toEqual([
      '{"oid":"1.3.6.1.4.1.7.8","notice":"I am a user notice, with a comma"}',
      '{"oid":"1.3.6.1.4.1.44947.1.2.4","cps":"https://example.com"}',
    ]);
    expect(policyOidsOf(role.policyIdentifiers)).toEqual(['1.3.6.1.4.1.7.8', '1.3.6.1.4.1.44947.1.2.4']);
    expect(build({ policy_identifiers: ['2.23.140.1.2.1, 2.23.140.1.2.2'] }).role.policyIdentifiers).toEqual(['2.23.140.1.2.1', '2.23.140.1.2.2']);
  });

  it('ok/no_store wins over generate_lease, with Vault\'s warnings', () => {
    const both = build({ no_store: true, generate_lease: true });
    expect(both.role.generateLease).toBe(false);
    expect(both.warnings[0]).toContain('mutually exclusive values no_store=true and generate_lease=true');
    const lease = build({ generate_lease: true });
    expect(lease.role.generateLease).toBe(true);
    expect(lease.warnings[0]).toContain('it is encouraged to disable generate_lease');
  });

  it('ok/an empty issuer_ref means default; allowed_other_sans may be a single star', () => {
    expect(build({ issuer_ref: '' }).role.issuerRef).toBe('default');
    expect(build({ allowed_other_sans: ['*'] }).role.allowedOtherSans).toEqual(['*']);
  });
});

describe('role refusals', () => {
  it.each([
    ['fail/unknown-key-type', { key_type: 'dsa' }, 'unknown key type dsa'],
    ['fail/rsa-too-small', { key_bits: 1024 }, 'RSA keys < 2048 bits are unsafe and not supported: got 1024'],
    ['fail/rsa-odd-size', { key_bits: 2049 }, 'unsupported bit length for RSA key: 2049'],
    ['fail/ec-odd-size', { key_type: 'ec', key_bits: 2048 }, 'unsupported bit length for EC key: 2048'],
    ['fail/rsa-signature-bits', { signature_bits: 128 }, 'unsupported hash signature algorithm: 128'],
    ['fail/ttl-above-max_ttl', { ttl: 7200, max_ttl: 3600 }, '"ttl" value must be less than "max_ttl" value'],
    ['fail/ext_key_usage_oids', { ext_key_usage_oids: ['1.3.6.1.5.5.7.3.1', 'server-auth'] }, '"server-auth" could not be parsed as a valid oid for an extended key usage'],
    ['fail/policy-oid', { policy_identifiers: ['1.2.3,not.an.oid'] }, '"not.an.oid" could not be parsed as a valid oid for a policy identifier'],
    ['fail/policy-json-without-oid', { policy_identifiers: ['[{"cps":"https://example.com"}]'] }, 'could not be parsed as a valid oid for a policy identifier'],
    ['fail/policy-bad-json', { policy_identifiers: ['[{"oid":'] }, '[{"oid":'],
    ['fail/not_after-format', { not_after: '2030-01-01' }, 'invalid not_after "2030-01-01"'],
    ['fail/not_after-impossible-date', { not_after: '2030-02-30T00:00:00Z' }, '2030-02-30T00:00:00Z'],
    ['fail/not_after-offset', { not_after: '2030-01-01T00:00:00+02:00' }, '2030-01-01T00:00:00+02:00'],
    ['fail/cn_validations-unknown', { cn_validations: ['email', 'ip'] }, 'cn_validations value incorrect: unknown type: `ip`'],
    ['fail/cn_validations-duplicate', { cn_validations: ['email', 'EMAIL'] }, 'cn_validations value incorrect: `email` specified multiple times'],
    ['fail/cn_validations-disabled-with-others', { cn_validations: ['disabled', 'hostname'] }, 'cannot specify `disabled` along with `email` or `hostname`'],
    ['fail/allowed_other_sans', { allowed_other_sans: ['1.2.3.4:UTF8:x'] }, 'error parsing allowed_other_sans: expected a semicolon in other SAN "1.2.3.4:UTF8:x"'],
    ['fail/allowed_other_sans-type', { allowed_other_sans: ['1.2.3.4;IA5:x'] }, 'only utf8 other SANs are supported'],
  ] as const)('%s', (_name, input, message) => {
    expect(refusal(() => build(input as RoleWireInput)).message).toContain(message);
  });

  it('ok/ttl equal to max_ttl, or any ttl with max_ttl 0, is fine', () => {
    expect(build({ ttl: 3600, max_ttl: 3600 }).role.ttl).toBe(3600);
    expect(build({ ttl: 999999 }).role.ttl).toBe(999999);
  });
});

describe('role PATCH', () => {
  const existing = build({ allowed_domains: ['example.com'], allow_subdomains: true, ttl: 3600, max_ttl: 7200, key_usage: ['DigitalSignature'], organization: ['Acme'] }).role;

  it('ok/only given fields change', () => {
    const { role } = mergeRolePatch(existing, { allow_bare_domains: true, ttl: 60 });
    expect(role).toEqual({ ...existing, allowBareDomains: true, ttl: 60 });
  });

  it('ok/provided decides what counts as given (decoded PATCH bodies carry defaults for the rest)', () => {
    const decoded = decodeFields(roleFieldSpecs, { organization: 'Beta' }, { name: 'web' });
    const { role } = mergeRolePatch(existing, decoded.values, decoded.provided);
    expect(role).toEqual({ ...existing, organization: ['Beta'] });
  });

  it('ok/an empty patch is a no-op', () => {
    expect(mergeRolePatch(existing, {}).role).toEqual(existing);
  });

  it('fail/patched values are validated against the rest of the role', () => {
    expect(refusal(() => mergeRolePatch(existing, { ttl: 9000 })).message).toBe('"ttl" value must be less than "max_ttl" value');
    // Like Vault, key_bits carries over: switching an RSA role to ec needs key_bits too.
    expect(refusal(() => mergeRolePatch(existing, { key_type: 'ec' })).message).toBe('unsupported bit length for EC key: 2048');
    expect(mergeRolePatch(existing, { key_type: 'ec', key_bits: 0 }).role.keyBits).toBe(256);
  });

  it('ok/patching no_store onto a leased role drops the lease with a warning', () => {
    const leased = build({ generate_lease: true }).role;
    const { role, warnings } = mergeRolePatch(leased, { no_store: true });
    expect(role.generateLease).toBe(false);
    expect(warnings[0]).toContain('no_store=true takes priority');
  });

  it('ok/keeps qualified policy identifiers intact', () => {
    const qualified = build({ policy_identifiers: ['[{"oid":"1.2.3.4","notice":"a, b"}]'] }).role;
    expect(mergeRolePatch(qualified, { ttl: 5 }).role.policyIdentifiers).toEqual(qualified.policyIdentifiers);
  });
});

describe('role read response', () => {
  it('ok/durations are integer seconds and keys are sorted like Go\'s JSON map encoding', () => {
    const data = roleToResponse(build({ ttl: 21600, max_ttl: 86400, not_before_duration: 45 }).role);
    expect(data.ttl).toBe(21600);
    expect(data.max_ttl).toBe(86400);
    expect(data.not_before_duration).toBe(45);
    const keys = Object.keys(data);
    expect(keys).toEqual([...keys].sort());
  });

  it('ok/generate_lease is always present, max_path_length only on legacy roles that carry one', () => {
    const role = build({}).role;
    expect(roleToResponse(role)).toHaveProperty('generate_lease', false);
    expect(roleToResponse(role)).not.toHaveProperty('max_path_length');
    expect(roleToResponse({ ...role, maxPathLength: 2 })).toHaveProperty('max_path_length', 2);
  });

  it('ok/the response is a copy', () => {
    const role = build({ allowed_domains: ['example.com'] }).role;
    (roleToResponse(role).allowed_domains as string[]).push('evil.com');
    expect(role.allowedDomains).toEqual(['example.com']);
  });
});
