/**
 * Issuers and keys as records over HTTP: listing (unauthenticated), references by default / id /
 * name, read, POST / PATCH / DELETE, the raw issuer fetches, default switching, key generation,
 * import, rename and delete, and leaf_not_after_behavior as issuance sees it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anonCall,
  type Call,
  expectRfc5280,
  expectVerifies,
  fails,
  keyMatchesCert,
  listKeys,
  mountPki,
  ok,
  opensslOk,
  rootCall,
  Scratch,
  vaultSerialOf,
  x509,
} from '../helpers/pki.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let call: Call;
let anon: Call;
let scratch: Scratch;
const now = () => Math.floor(server.clock.nowMs() / 1000);
const mergePatch = { 'Content-Type': 'application/merge-patch+json' };

interface Root {
  id: string;
  keyId: string;
  pem: string;
}
let first: Root;
let second: Root;

beforeAll(async () => {
  server = await startServer();
  call = rootCall(server);
  anon = anonCall(server);
  scratch = new Scratch();
  await mountPki(server, 'pki');
  const a = await ok(call('POST', 'pki/root/generate/internal', { common_name: 'First Root', key_type: 'ec', issuer_name: 'first' }));
  const b = await ok(call('POST', 'pki/issuers/generate/root/internal', { common_name: 'Second Root', key_type: 'ed25519' }));
  first = { id: a.json.data.issuer_id, keyId: a.json.data.key_id, pem: a.json.data.certificate };
  second = { id: b.json.data.issuer_id, keyId: b.json.data.key_id, pem: b.json.data.certificate };
  await ok(call('POST', 'pki/roles/any', { allow_any_name: true, key_type: 'ec', ttl: '1h' }));
});
afterAll(async () => {
  scratch.cleanup();
  await server.close();
});

describe('issuers', () => {
  it('ok/LIST issuers needs no token and carries key_info (name, default flag, serial, key)', async () => {
    for (const res of [await anon('LIST', 'pki/issuers'), await anon('GET', 'pki/issuers?list=true')]) {
      expect(res.status, res.text).toBe(200);
      expect(res.json.data.keys.sort()).toEqual([first.id, second.id].sort());
      expect(res.json.data.key_info[first.id]).toEqual({ issuer_name: 'first', is_default: true, serial_number: vaultSerialOf(first.pem), key_id: first.keyId });
      expect(res.json.data.key_info[second.id]).toEqual({ issuer_name: '', is_default: false, serial_number: vaultSerialOf(second.pem), key_id: second.keyId });
    }
    // The serial agrees with openssl's own reading.
    const opensslSerial = opensslOk(['x509', '-noout', '-serial'], first.pem).trim().replace('serial=', '');
    expect(BigInt(`0x${vaultSerialOf(first.pem).replace(/:/g, '')}`)).toBe(BigInt(`0x${opensslSerial}`));
  });

  it('ok/issuer/:ref resolves default, id and name to the same issuer; the full read needs a token', async () => {
    const reads = await Promise.all(['default', first.id, 'first'].map((ref) => ok(call('GET', `pki/issuer/${ref}`))));
    for (const res of reads) expect(res.json.data).toEqual(reads[0]!.json.data);
    expect(reads[0]!.json.data).toMatchObject({
      issuer_id: first.id,
      issuer_name: 'first',
      key_id: first.keyId,
      certificate: `${first.pem}\n`,
      ca_chain: [`${first.pem}\n`],
      manual_chain: null,
      leaf_not_after_behavior: 'err',
      usage: 'crl-signing,issuing-certificates,ocsp-signing,read-only',
      revocation_signature_algorithm: '',
      revoked: false,
      issuing_certificates: [],
      crl_distribution_points: [],
      ocsp_servers: [],
      enable_aia_url_templating: false,
    });
    await fails(anon('GET', `pki/issuer/${first.id}`), 403, /^permission denied$/);
    await fails(call('GET', 'pki/issuer/no-such-issuer'), 400, /unable to find PKI issuer for reference: no-such-issuer/);
  });

  it('ok/issuer/:ref/{json,pem,der}: unauthenticated, Vault\'s content types, stored PEM keeps its newline', async () => {
    const json = await anon('GET', `pki/issuer/first/json`);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(json.json.data).toEqual({ issuer_id: first.id, issuer_name: 'first', certificate: `${first.pem}\n`, ca_chain: [`${first.pem}\n`] });

    const pem = await anon('GET', `pki/issuer/${first.id}/pem`);
    expect(pem.status).toBe(200);
    expect(pem.headers.get('content-type')).toBe('application/pem-certificate-chain');
    expect(pem.text).toBe(`${first.pem}\n`);

    const der = await fetch(`${server.url}/v1/pki/issuer/default/der`);
    expect(der.status).toBe(200);
    expect(der.headers.get('content-type')).toBe('application/pkix-cert');
    expect(Buffer.from(await der.arrayBuffer())).toEqual(x509(first.pem).raw);
  });

  it('ok/PATCH merges with the merge-patch content type; 415 without it changes nothing', async () => {
    await fails(api(server, 'PATCH', `/v1/pki/issuer/${second.id}`, { token: server.rootToken, body: { issuer_name: 'nope' } }), 415);
    expect((await ok(call('GET', `pki/issuer/${second.id}`))).json.data.issuer_name).toBe('');

    const patched = await ok(call('PATCH', `pki/issuer/${second.id}`, { issuer_name: 'second', leaf_not_after_behavior: 'truncate' }, mergePatch));
    expect(patched.json.data).toMatchObject({ issuer_id: second.id, issuer_name: 'second', leaf_not_after_behavior: 'truncate', usage: 'crl-signing,issuing-certificates,ocsp-signing,read-only' });
    const onlyUrls = await ok(call('PATCH', `pki/issuer/second`, { issuing_certificates: ['http://aia.example.com/second.der'] }, mergePatch));
    expect(onlyUrls.json.data).toMatchObject({ issuer_name: 'second', leaf_not_after_behavior: 'truncate', issuing_certificates: ['http://aia.example.com/second.der'] });
  });

  it('ok/POST replaces the issuer\'s settings: omitted fields go back to their defaults', async () => {
    const posted = await ok(call('POST', `pki/issuer/${second.id}`, { issuer_name: 'second', usage: 'read-only,issuing-certificates' }));
    expect(posted.json.data).toMatchObject({ issuer_name: 'second', leaf_not_after_behavior: 'err', usage: 'issuing-certificates,read-only', issuing_certificates: [] });
    const renamedAway = await ok(call('POST', `pki/issuer/${second.id}`, {}));
    expect(renamedAway.json.data).toMatchObject({ issuer_name: '', usage: 'crl-signing,issuing-certificates,ocsp-signing,read-only' });
  });

  it('ok/renaming an issuer warns about roles still using the old name', async () => {
    await mountPki(server, 'rename');
    await ok(call('POST', 'rename/root/generate/internal', { common_name: 'Renamed', key_type: 'ec', issuer_name: 'old-name' }));
    await ok(call('POST', 'rename/roles/a', { allow_any_name: true, issuer_ref: 'old-name' }));
    await ok(call('POST', 'rename/roles/b', { allow_any_name: true, issuer_ref: 'old-name' }));
    const renamed = await ok(call('PATCH', 'rename/issuer/old-name', { issuer_name: 'new-name' }, mergePatch));
    expect(renamed.json.warnings).toEqual(['2 roles reference old-name']);
    await fails(call('POST', 'rename/issue/a', { common_name: 'x.example.com' }), 400, /unable to find PKI issuer for reference: old-name/);
    const quiet = await ok(call('PATCH', 'rename/issuer/new-name', { leaf_not_after_behavior: 'truncate' }, mergePatch));
    expect(quiet.json.warnings).toBeNull();
  });

  it('fail/issuer updates refuse bad values and taken names', async () => {
    await fails(call('PATCH', `pki/issuer/${second.id}`, { issuer_name: 'first' }, mergePatch), 400, /already in use/);
    await fails(call('PATCH', `pki/issuer/${second.id}`, { leaf_not_after_behavior: 'sometimes' }, mergePatch), 400, /leaf_not_after_behavior/);
    await fails(call('PATCH', `pki/issuer/${second.id}`, { usage: 'signing-everything' }, mergePatch), 400, /usage/);
    await fails(call('PATCH', `pki/issuer/${second.id}`, { issuer_name: 'default' }, mergePatch), 400, /default/);
  });

  it('ok/an issuer without issuing-certificates usage cannot issue', async () => {
    await ok(call('PATCH', `pki/issuer/${second.id}`, { usage: 'read-only,crl-signing' }, mergePatch));
    await fails(call('POST', `pki/issuer/${second.id}/issue/any`, { common_name: 'x.example.com' }), 400, /not allowed to issue certificates/);
    await ok(call('PATCH', `pki/issuer/${second.id}`, { usage: 'read-only,issuing-certificates,crl-signing,ocsp-signing' }, mergePatch));
    await ok(call('POST', `pki/issuer/${second.id}/issue/any`, { common_name: 'x.example.com' }));
  });

  it('ok/config/issuers switches the default; issuance then uses the new default', async () => {
    const before = await ok(call('POST', 'pki/issue/any', { common_name: 'before.example.com' }));
    expect(before.json.data.issuing_ca).toBe(first.pem);
    const set = await ok(call('POST', 'pki/config/issuers', { default: second.id }));
    expect(set.json.data).toEqual({ default: second.id, default_follows_latest_issuer: false });
    const after = await ok(call('POST', 'pki/issue/any', { common_name: 'after.example.com' }));
    expect(after.json.data.issuing_ca).toBe(second.pem);
    expect(x509(after.json.data.certificate).checkIssued(x509(second.pem))).toBe(true);
    expectRfc5280(after.json.data.certificate, second.pem);
    expect((await anon('GET', 'pki/ca/pem')).text).toBe(second.pem);
    const listed = await anon('LIST', 'pki/issuers');
    expect(listed.json.data.key_info[second.id].is_default).toBe(true);
    expect(listed.json.data.key_info[first.id].is_default).toBe(false);
    // Back by name.
    await ok(call('POST', 'pki/config/issuers', { default: 'first' }));
    expect((await ok(call('GET', 'pki/config/issuers'))).json.data.default).toBe(first.id);
    await fails(call('POST', 'pki/config/issuers', { default: 'missing' }), 400, /unable to find PKI issuer/);
  });

  it('ok/default_follows_latest_issuer makes each new root the default', async () => {
    await mountPki(server, 'follow');
    const a = await ok(call('POST', 'follow/root/generate/internal', { common_name: 'A', key_type: 'ec' }));
    await ok(call('POST', 'follow/config/issuers', { default_follows_latest_issuer: true }));
    const b = await ok(call('POST', 'follow/root/generate/internal', { common_name: 'B', key_type: 'ec' }));
    expect(a.json.data.issuer_id).not.toBe(b.json.data.issuer_id);
    expect((await ok(call('GET', 'follow/config/issuers'))).json.data).toEqual({ default: b.json.data.issuer_id, default_follows_latest_issuer: true });
  });

  it('ok/DELETE issuer: 200, data null, warnings for the default and referencing roles; idempotent; the key stays', async () => {
    await mountPki(server, 'del');
    const doomed = await ok(call('POST', 'del/root/generate/internal', { common_name: 'Doomed', key_type: 'ec', issuer_name: 'doomed' }));
    await ok(call('POST', 'del/roles/uses-it', { allow_any_name: true, issuer_ref: 'doomed' }));
    const res = await ok(call('DELETE', 'del/issuer/doomed'));
    expect(res.json.data).toBeNull();
    const warnings = (res.json.warnings as string[]).join('\n');
    expect(warnings).toMatch(/this was configured as the default issuer/);
    expect(warnings).toMatch(/1 roles reference doomed/);
    expect(await listKeys(call, 'del/issuers')).toEqual([]);
    expect(await listKeys(call, 'del/keys')).toEqual([doomed.json.data.key_id]);
    expect((await ok(call('GET', 'del/config/issuers'))).json.data.default).toBe('');

    for (const ref of ['doomed', doomed.json.data.issuer_id, 'never-existed']) {
      const again = await ok(call('DELETE', `del/issuer/${ref}`));
      expect(again.json).toMatchObject({ data: null, warnings: null });
    }
    // With its issuer gone, the key can be deleted (it was the default key, hence a warning).
    const keyGone = await ok(call('DELETE', `del/key/${doomed.json.data.key_id}`));
    expect(keyGone.json.warnings.join(' ')).toMatch(/this was configured as the default key/);
  });
});

describe('keys', () => {
  it('ok/keys/generate internal and exported, key/:ref by id and name, LIST keys with key_info', async () => {
    await mountPki(server, 'keys');
    const internal = await ok(call('POST', 'keys/keys/generate/internal', { key_type: 'rsa', key_bits: 3072, key_name: 'inside' }));
    expect(internal.json.data).toEqual({ key_id: expect.any(String), key_name: 'inside', key_type: 'rsa' });
    expect((await ok(call('GET', 'keys/key/inside'))).json.data.key_bits).toBe(3072);
    const exported = await ok(call('POST', 'keys/keys/generate/exported', { key_type: 'ec', key_bits: 384, key_name: 'outside' }));
    expect(exported.json.data).toMatchObject({ key_name: 'outside', key_type: 'ec' });
    expect(opensslOk(['ec', '-noout', '-text'], exported.json.data.private_key)).toMatch(/NIST CURVE: P-384/);

    expect((await ok(call('GET', 'keys/key/inside'))).json.data.key_id).toBe(internal.json.data.key_id);
    expect((await ok(call('GET', `keys/key/${exported.json.data.key_id}`))).json.data.key_name).toBe('outside');
    // The first key became the default.
    expect((await ok(call('GET', 'keys/key/default'))).json.data.key_id).toBe(internal.json.data.key_id);

    const list = await ok(call('LIST', 'keys/keys'));
    expect(list.json.data.keys.sort()).toEqual([internal.json.data.key_id, exported.json.data.key_id].sort());
    expect(list.json.data.key_info[internal.json.data.key_id]).toMatchObject({ key_name: 'inside', is_default: true });
    expect(list.json.data.key_info[exported.json.data.key_id]).toMatchObject({ key_name: 'outside', is_default: false });
    await fails(anon('LIST', 'keys/keys'), 403);
  });

  it('ok/keys/import takes an openssl key; a root generated with it matches; importing twice is deduplicated', async () => {
    await mountPki(server, 'imported-key');
    const keyPem = opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const imported = await ok(call('POST', 'imported-key/keys/import', { pem_bundle: keyPem, key_name: 'mine' }));
    expect(imported.json.data).toMatchObject({ key_name: 'mine', key_type: 'ec' });
    const again = await ok(call('POST', 'imported-key/keys/import', { pem_bundle: keyPem }));
    expect(again.json.data.key_id).toBe(imported.json.data.key_id);
    expect(await listKeys(call, 'imported-key/keys')).toEqual([imported.json.data.key_id]);

    const root = await ok(call('POST', 'imported-key/root/generate/existing', { common_name: 'Own Key Root', key_ref: 'mine' }));
    expect(keyMatchesCert(keyPem, root.json.data.certificate)).toBe(true);
    await fails(call('POST', 'imported-key/keys/import', { pem_bundle: 'not a key' }), 400, /private key/);
  });

  it('ok/a key imported after its certificate is linked to the key-less issuer, which can then issue', async () => {
    await mountPki(server, 'key-later-src');
    const source = await ok(call('POST', 'key-later-src/root/generate/exported', { common_name: 'Key Later', key_type: 'rsa' }));
    await mountPki(server, 'key-later');
    const certOnly = await ok(call('POST', 'key-later/issuers/import/cert', { pem_bundle: source.json.data.certificate }));
    const issuerId = certOnly.json.data.imported_issuers[0] as string;
    expect(certOnly.json.data.mapping).toEqual({ [issuerId]: '' });
    expect(certOnly.json.warnings.join(' ')).toMatch(/cannot sign until a matching key is imported/);
    await ok(call('POST', 'key-later/roles/r', { allow_any_name: true, key_type: 'ec', ttl: '1h' }));
    await fails(call('POST', 'key-later/issue/r', { common_name: 'x.example.com' }), 400, /no private key/);

    const key = await ok(call('POST', 'key-later/keys/import', { pem_bundle: source.json.data.private_key, key_name: 'late' }));
    expect((await ok(call('GET', `key-later/issuer/${issuerId}`))).json.data.key_id).toBe(key.json.data.key_id);
    const leaf = await ok(call('POST', 'key-later/issue/r', { common_name: 'x.example.com' }));
    expectVerifies(scratch, { roots: [source.json.data.certificate], leaf: leaf.json.data.certificate, atSeconds: now() });
  });

  it('ok/key rename and delete; delete is refused while an issuer uses the key', async () => {
    await mountPki(server, 'key-life');
    const root = await ok(call('POST', 'key-life/root/generate/internal', { common_name: 'Keyed', key_type: 'ec', key_name: 'in-use' }));
    const spare = await ok(call('POST', 'key-life/keys/generate/internal', { key_type: 'ed25519', key_name: 'spare' }));

    const renamed = await ok(call('POST', 'key-life/key/in-use', { key_name: 'renamed' }));
    expect(renamed.json.data).toMatchObject({ key_id: root.json.data.key_id, key_name: 'renamed' });
    await fails(call('GET', 'key-life/key/in-use'), 400, /unable to find PKI key/);
    await fails(call('POST', 'key-life/key/spare', { key_name: 'renamed' }), 400, /already in use/);

    await fails(call('DELETE', 'key-life/key/renamed'), 400, new RegExp(`^Failed to Delete Key.  Key in Use by Issuer: ${root.json.data.issuer_id}$`));
    expect(await listKeys(call, 'key-life/keys')).toHaveLength(2);
    const deleted = await call('DELETE', 'key-life/key/spare');
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(await listKeys(call, 'key-life/keys')).toEqual([root.json.data.key_id]);
    expect(spare.json.data.key_id).not.toBe(root.json.data.key_id);
    // Unknown references delete as if they existed, as Vault does.
    for (const ref of ['spare', spare.json.data.key_id, 'never-existed']) expect((await call('DELETE', `key-life/key/${ref}`)).status).toBe(204);
  });

  it('ok/config/keys reads and switches the default key', async () => {
    await mountPki(server, 'key-default');
    const a = await ok(call('POST', 'key-default/keys/generate/internal', { key_type: 'ec', key_name: 'a' }));
    const b = await ok(call('POST', 'key-default/keys/generate/internal', { key_type: 'ec', key_name: 'b' }));
    expect((await ok(call('GET', 'key-default/config/keys'))).json.data).toEqual({ default: a.json.data.key_id });
    expect((await ok(call('POST', 'key-default/config/keys', { default: 'b' }))).json.data).toEqual({ default: b.json.data.key_id });
    // root/generate/existing with the default key_ref now uses b.
    const root = await ok(call('POST', 'key-default/root/generate/existing', { common_name: 'Default Key Root' }));
    expect(root.json.data.key_id).toBe(b.json.data.key_id);
    await fails(call('POST', 'key-default/config/keys', { default: 'zzz' }), 400, /unable to find PKI key/);

    // Deleting the default key (a; b is in use by the root) warns, so it is a 200.
    await ok(call('POST', 'key-default/config/keys', { default: 'a' }));
    const deleted = await ok(call('DELETE', 'key-default/key/a'));
    expect(deleted.json.data).toBeNull();
    expect(deleted.json.warnings).toEqual([
      `Deleted key ${a.json.data.key_id} (via key_ref a); this was configured as the default key. Operations without an explicit key will not work until a new default is configured.`,
    ]);
    expect((await ok(call('GET', 'key-default/config/keys'))).json.data).toEqual({ default: '' });
  });
});

describe('leaf_not_after_behavior', () => {
  it('ok/err refuses, truncate clamps, permit allows a leaf past the issuer', async () => {
    await mountPki(server, 'na');
    const root = await ok(call('POST', 'na/root/generate/internal', { common_name: 'Short Lived', key_type: 'ec', ttl: '48h', issuer_name: 'short' }));
    const caNotAfter = root.json.data.expiration as number;
    await ok(call('POST', 'na/roles/long', { allow_any_name: true, key_type: 'ec', max_ttl: '1000h' }));

    await fails(
      call('POST', 'na/issue/long', { common_name: 'x.example.com', ttl: '100h' }),
      400,
      /cannot satisfy request, as TTL would result in notAfter of .* that is beyond the expiration of the CA certificate at/,
    );
    await ok(call('PATCH', 'na/issuer/short', { leaf_not_after_behavior: 'truncate' }, mergePatch));
    const truncated = await ok(call('POST', 'na/issue/long', { common_name: 'x.example.com', ttl: '100h' }));
    expect(truncated.json.data.expiration).toBe(caNotAfter);
    expect(x509(truncated.json.data.certificate).validTo).toBe(x509(root.json.data.certificate).validTo);

    await ok(call('PATCH', 'na/issuer/short', { leaf_not_after_behavior: 'permit' }, mergePatch));
    const permitted = await ok(call('POST', 'na/issue/long', { common_name: 'x.example.com', ttl: '100h' }));
    expect(permitted.json.data.expiration).toBe(now() + 100 * 3600);
    // A leaf within the CA's lifetime is untouched by any behaviour.
    await ok(call('PATCH', 'na/issuer/short', { leaf_not_after_behavior: 'err' }, mergePatch));
    expect((await ok(call('POST', 'na/issue/long', { common_name: 'x.example.com', ttl: '10h' }))).json.data.expiration).toBe(now() + 10 * 3600);
  });
});
