/**
 * Roles over HTTP: the full role with Vault's defaults and integer-second durations, POST
 * replacing, PATCH merging, LIST (verb and ?list=true, with Vault's empty-list 404), DELETE.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Call, fails, mountPki, ok, rootCall } from '../helpers/pki.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
let server: TestServer;
let call: Call;
const mergePatch = { 'Content-Type': 'application/merge-patch+json' };

beforeAll(async () => {
  server = await startServer();
  call = rootCall(server);
  await mountPki(server, 'pki');
});
afterAll(async () => server.close());

/** A role written with no fields, as Vault reads it back. */
const vaultDefaults = {
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

describe('roles', () => {
  it('ok/POST with no fields returns the whole role with Vault\'s defaults (keys sorted like Go\'s encoder)', async () => {
    const res = await ok(call('POST', 'pki/roles/plain', {}));
    expect(res.json.data).toEqual(vaultDefaults);
    expect(Object.keys(res.json.data)).toEqual(Object.keys(vaultDefaults).sort());
    // No issuer yet: Vault warns that issuer_ref does not resolve.
    expect(res.json.warnings.join(' ')).toMatch(/Issuing Certificate was set to default but no issuing certificate configured/);
    expect((await ok(call('GET', 'pki/roles/plain'))).json.data).toEqual(vaultDefaults);
  });

  it('ok/durations come back as integer seconds; loose input types are accepted', async () => {
    const res = await ok(call('POST', 'pki/roles/typed', {
      ttl: '72h',
      max_ttl: '2160h0m0s',
      not_before_duration: 60,
      allowed_domains: 'example.com, example.org',
      allow_subdomains: 'true',
      key_type: 'ec',
      key_bits: '384',
      key_usage: 'digitalsignature',
      ext_key_usage: ['TimeStamping'],
      organization: 'Acme',
    }));
    expect(res.json.data).toMatchObject({
      ttl: 259200,
      max_ttl: 7776000,
      not_before_duration: 60,
      allowed_domains: ['example.com', 'example.org'],
      allow_subdomains: true,
      key_type: 'ec',
      key_bits: 384,
      signature_bits: 0,
      key_usage: ['DigitalSignature'],
      ext_key_usage: ['TimeStamping'],
      organization: ['Acme'],
    });
    const read = await ok(call('GET', 'pki/roles/typed'));
    expect(read.json.data).toEqual(res.json.data);
    expect(typeof read.json.data.ttl).toBe('number');
  });

  const keyCases: Array<[string, Record<string, unknown>, { key_bits: number; signature_bits: number }]> = [
    ['ok/key normalisation rsa', { key_type: 'rsa' }, { key_bits: 2048, signature_bits: 256 }],
    ['ok/key normalisation rsa 4096 sha512', { key_type: 'rsa', key_bits: 4096, signature_bits: 512 }, { key_bits: 4096, signature_bits: 512 }],
    ['ok/key normalisation ec', { key_type: 'ec' }, { key_bits: 256, signature_bits: 0 }],
    ['ok/key normalisation ed25519', { key_type: 'ed25519', key_bits: 0 }, { key_bits: 0, signature_bits: 0 }],
    ['ok/key normalisation any', { key_type: 'any' }, { key_bits: 0, signature_bits: 0 }],
  ];
  for (const [name, body, expected] of keyCases) {
    it(name, async () => {
      expect((await ok(call('POST', 'pki/roles/keys', body))).json.data).toMatchObject(expected);
    });
  }

  it('ok/POST replaces the whole role: omitted fields return to their defaults', async () => {
    await ok(call('POST', 'pki/roles/replace', { allowed_domains: 'example.com', allow_subdomains: true, ttl: '1h', server_flag: false }));
    const replaced = await ok(call('POST', 'pki/roles/replace', { ttl: '2h' }));
    expect(replaced.json.data).toEqual({ ...vaultDefaults, ttl: 7200 });
  });

  it('ok/PATCH merges only the given fields; 415 without the merge-patch content type', async () => {
    await ok(call('POST', 'pki/roles/patched', { allowed_domains: 'example.com', allow_subdomains: true, ttl: '1h', max_ttl: '24h' }));
    await fails(api(server, 'PATCH', '/v1/pki/roles/patched', { token: server.rootToken, body: { ttl: '2h' } }), 415);
    expect((await ok(call('GET', 'pki/roles/patched'))).json.data.ttl).toBe(3600);

    const patched = await ok(call('PATCH', 'pki/roles/patched', { ttl: '2h', organization: ['Acme'] }, mergePatch));
    expect(patched.json.data).toEqual({
      ...vaultDefaults,
      allowed_domains: ['example.com'],
      allow_subdomains: true,
      ttl: 7200,
      max_ttl: 86400,
      organization: ['Acme'],
    });
    expect((await ok(call('GET', 'pki/roles/patched'))).json.data).toEqual(patched.json.data);
    // The merged role is validated as a whole.
    await fails(call('PATCH', 'pki/roles/patched', { ttl: '48h' }, mergePatch), 400, /"ttl" value must be less than "max_ttl" value/);
    await fails(call('PATCH', 'pki/roles/absent', { ttl: '1h' }, mergePatch), 404);
  });

  it('ok/LIST roles with the LIST verb (curl) and ?list=true; an empty list is 404 {"errors":[]}', async () => {
    await mountPki(server, 'listing');
    const empty = await call('LIST', 'listing/roles');
    expect(empty.status).toBe(404);
    expect(empty.json).toEqual({ errors: [] });
    expect((await call('GET', 'listing/roles?list=true')).status).toBe(404);

    for (const name of ['web', 'api', 'db.internal']) await ok(call('POST', `listing/roles/${name}`, { allow_any_name: true }));
    const { stdout } = await run('curl', ['-sS', '-X', 'LIST', '-H', `X-Vault-Token: ${server.rootToken}`, `${server.url}/v1/listing/roles`]);
    const viaVerb = JSON.parse(stdout);
    expect(viaVerb.data).toEqual({ keys: ['api', 'db.internal', 'web'] });
    const viaQuery = await ok(call('GET', 'listing/roles?list=true'));
    expect(viaQuery.json.data).toEqual(viaVerb.data);
    await fails(api(server, 'LIST', '/v1/listing/roles'), 403, /^permission denied$/);
  });

  it('ok/DELETE is 204 and idempotent; GET of a missing role is 404 {"errors":[]}', async () => {
    await ok(call('POST', 'pki/roles/short-lived', { allow_any_name: true }));
    const deleted = await call('DELETE', 'pki/roles/short-lived');
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect((await call('DELETE', 'pki/roles/short-lived')).status).toBe(204);
    const missing = await call('GET', 'pki/roles/short-lived');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ errors: [] });
  });

  const badRoles: Array<[string, Record<string, unknown>, RegExp]> = [
    ['fail/ttl above max_ttl', { ttl: '2h', max_ttl: '1h' }, /"ttl" value must be less than "max_ttl" value/],
    ['fail/unknown key type', { key_type: 'dsa' }, /key type/],
    ['fail/rsa key bits below 2048', { key_type: 'rsa', key_bits: 1024 }, /1024/],
    ['fail/bad ec key bits', { key_type: 'ec', key_bits: 255 }, /255/],
    ['fail/bad signature bits', { key_type: 'rsa', signature_bits: 128 }, /signature_bits|128/],
    ['fail/cn_validations mixing disabled', { cn_validations: 'disabled,email' }, /cn_validations/],
    ['fail/not_after in the wrong format', { not_after: '2030-01-01' }, /not_after/],
    ['fail/bad EKU OID', { ext_key_usage_oids: 'not-an-oid' }, /could not be parsed as a valid oid/],
    ['fail/ttl not a duration', { ttl: 'forever' }, /field "ttl"/],
    ['fail/boolean not a boolean', { allow_any_name: 'perhaps' }, /field "allow_any_name"/],
  ];
  for (const [name, body, message] of badRoles) {
    it(name, async () => {
      await fails(call('POST', 'pki/roles/bad-role', body), 400, message);
      expect((await call('GET', 'pki/roles/bad-role')).status).toBe(404);
    });
  }

  it('fail/role names Vault would refuse', async () => {
    await fails(call('POST', 'pki/roles/-leading-dash', {}), 400, /invalid role name/);
    await fails(call('POST', 'pki/roles/trailing.', {}), 400, /invalid role name/);
  });
});
