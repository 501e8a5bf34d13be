/**
 * CA lifecycle over HTTP: roots of every key type, intermediates signed in another mount,
 * issuers/generate, imports, sign-self-issued, DELETE root and a cross-signed intermediate,
 * each certificate judged by openssl and node:crypto rather than by the server's own code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  certText,
  type Call,
  expectRfc5280,
  expectVerifies,
  fails,
  keyMatchesCert,
  listKeys,
  mountPki,
  ok,
  openssl,
  opensslOk,
  pemBlocks,
  rootCall,
  Scratch,
  vaultSerialOf,
  verifyChain,
  x509,
} from '../helpers/pki.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let call: Call;
let scratch: Scratch;
const now = () => Math.floor(server.clock.nowMs() / 1000);

beforeAll(async () => {
  server = await startServer();
  call = rootCall(server);
  scratch = new Scratch();
});
afterAll(async () => {
  scratch.cleanup();
  await server.close();
});

const derToPem = (b64: string): string => {
  const body = b64.match(/.{1,64}/g)!.join('\n');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
};

interface RootCase {
  name: string;
  type: 'internal' | 'exported';
  body: Record<string, unknown>;
  key: RegExp;
  signature: RegExp;
  check?: (text: string, data: Record<string, unknown>, pem: string) => void;
}

const rootCases: RootCase[] = [
  {
    name: 'ok/rsa 2048 exported, SHA-384 PSS, path length, name constraints, full subject, ttl',
    type: 'exported',
    body: {
      common_name: 'Acme Root R1',
      key_type: 'rsa',
      key_bits: 2048,
      signature_bits: 384,
      use_pss: true,
      max_path_length: 2,
      permitted_dns_domains: 'example.com,.corp.example',
      organization: 'Acme',
      ou: 'Platform',
      country: 'DE',
      locality: 'Berlin',
      province: 'Berlin',
      street_address: 'Hauptstr. 1',
      postal_code: '10115',
      serial_number: 'R1-0001',
      ttl: '87600h',
    },
    key: /Public-Key: \(2048 bit\)/,
    signature: /Signature Algorithm: rsassaPss[\s\S]*Hash Algorithm: sha384/,
    check: (text, data, pem) => {
      expect(text).toMatch(/CA:TRUE, pathlen:2/);
      expect(text).toMatch(/X509v3 Name Constraints: critical\s+Permitted:\s+DNS:example.com\s+DNS:.corp.example/);
      expect(text).toContain('Subject: C = DE, O = Acme, OU = Platform, L = Berlin, ST = Berlin, street = Hauptstr. 1, postalCode = 10115, serialNumber = R1-0001, CN = Acme Root R1');
      expect(new Date(x509(pem).validTo).getTime() / 1000).toBe(now() + 87600 * 3600);
      expect(data.private_key_type).toBe('rsa');
      expect(String(data.private_key)).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]*-----END RSA PRIVATE KEY-----$/);
    },
  },
  {
    name: 'ok/rsa 3072 internal, SHA-512, fixed not_after',
    type: 'internal',
    body: { common_name: 'Acme Root R2', key_type: 'rsa', key_bits: 3072, signature_bits: 512, not_after: '2036-01-01T00:00:00Z' },
    key: /Public-Key: \(3072 bit\)/,
    signature: /Signature Algorithm: sha512WithRSAEncryption/,
    check: (text, data) => {
      expect(text).toContain('Not After : Jan  1 00:00:00 2036 GMT');
      expect(data.expiration).toBe(Date.UTC(2036, 0, 1) / 1000);
      expect(data).not.toHaveProperty('private_key');
    },
  },
  {
    name: 'ok/rsa 4096 exported as DER',
    type: 'exported',
    body: { common_name: 'Acme Root R3', key_type: 'rsa', key_bits: 4096, format: 'der' },
    key: /Public-Key: \(4096 bit\)/,
    signature: /Signature Algorithm: sha256WithRSAEncryption/,
    check: (_text, data) => {
      // DER: base64 without armour, and the key as base64 PKCS#1.
      expect(String(data.certificate)).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(data.issuing_ca).toBe(data.certificate);
      expect(opensslOk(['rsa', '-inform', 'DER', '-noout', '-text'], Buffer.from(String(data.private_key), 'base64'))).toMatch(/Private-Key: \(4096 bit/);
    },
  },
  {
    name: 'ok/ec P-256 internal with max_path_length 0 (and its warning)',
    type: 'internal',
    body: { common_name: 'Acme Root E1', key_type: 'ec', key_bits: 256, max_path_length: 0 },
    key: /NIST CURVE: P-256/,
    signature: /Signature Algorithm: ecdsa-with-SHA256/,
    check: (text) => expect(text).toMatch(/CA:TRUE, pathlen:0/),
  },
  {
    name: 'ok/ec P-384 exported as pem_bundle',
    type: 'exported',
    body: { common_name: 'Acme Root E2', key_type: 'ec', key_bits: 384, format: 'pem_bundle' },
    key: /NIST CURVE: P-384/,
    signature: /Signature Algorithm: ecdsa-with-SHA384/,
    check: (_text, data) => {
      const bundle = String(data.certificate);
      expect(bundle.startsWith(`${String(data.private_key)}\n-----BEGIN CERTIFICATE-----`)).toBe(true);
      expect(data.private_key_type).toBe('ec');
      expect(keyMatchesCert(String(data.private_key), pemBlocks(bundle)[0]!)).toBe(true);
    },
  },
  {
    name: 'ok/ec P-521 internal with a ttl',
    type: 'internal',
    body: { common_name: 'Acme Root E3', key_type: 'ec', key_bits: 521, ttl: '8760h' },
    key: /NIST CURVE: P-521/,
    signature: /Signature Algorithm: ecdsa-with-SHA512/,
    check: (_text, data) => expect(data.expiration).toBe(now() + 8760 * 3600),
  },
  {
    name: 'ok/ed25519 exported as PKCS#8',
    type: 'exported',
    body: { common_name: 'Acme Root D1', key_type: 'ed25519', private_key_format: 'pkcs8' },
    key: /ED25519 Public-Key/,
    signature: /Signature Algorithm: ED25519/,
    check: (_text, data) => {
      expect(String(data.private_key)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      expect(data.private_key_type).toBe('ed25519');
    },
  },
];

describe('root/generate', () => {
  rootCases.forEach((c, index) => {
    it(c.name, async () => {
      const mount = `root-${index}`;
      await mountPki(server, mount);
      const res = await ok(call('POST', `${mount}/root/generate/${c.type}`, { issuer_name: `root-${index}`, key_name: `key-${index}`, ...c.body }));
      const data = res.json.data;
      const format = (c.body.format as string | undefined) ?? 'pem';
      const pem = format === 'der' ? derToPem(data.certificate) : pemBlocks(data.certificate)[0]!;

      expect(Object.keys(data).sort()).toEqual(
        ['certificate', 'expiration', 'issuer_id', 'issuer_name', 'issuing_ca', 'key_id', 'key_name', 'serial_number', ...(c.type === 'exported' ? ['private_key', 'private_key_type'] : [])].sort(),
      );
      expect(data).toMatchObject({ issuer_name: `root-${index}`, key_name: `key-${index}`, serial_number: vaultSerialOf(pem) });
      expect(data.expiration).toBe(Math.floor(new Date(x509(pem).validTo).getTime() / 1000));
      if (format === 'pem') expect(data.issuing_ca).toBe(data.certificate);
      if (c.type === 'exported') expect(keyMatchesCert(format === 'der' ? `-----BEGIN ${c.body.key_type === 'rsa' ? 'RSA ' : ''}PRIVATE KEY-----\n${String(data.private_key).match(/.{1,64}/g)!.join('\n')}\n-----END ${c.body.key_type === 'rsa' ? 'RSA ' : ''}PRIVATE KEY-----` : data.private_key, pem)).toBe(true);
      if (c.body.max_path_length === 0) expect(res.json.warnings.join(' ')).toMatch(/max_path_length/);

      const text = certText(pem);
      expect(text).toMatch(c.key);
      expect(text).toMatch(c.signature);
      expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE/);
      expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
      expect(x509(pem).ca).toBe(true);
      expect(x509(pem).checkIssued(x509(pem))).toBe(true);
      expect(x509(pem).verify(x509(pem).publicKey)).toBe(true);
      expectVerifies(scratch, { roots: [pem], leaf: pem, atSeconds: now() });
      expectRfc5280(pem);
      c.check?.(text, data, pem);

      // The issuer and key are stored under the names given.
      const issuer = await ok(call('GET', `${mount}/issuer/root-${index}`));
      expect(issuer.json.data.issuer_id).toBe(data.issuer_id);
      expect(issuer.json.data.key_id).toBe(data.key_id);
      expect(x509(issuer.json.data.certificate).fingerprint256).toBe(x509(pem).fingerprint256);
      expect((await ok(call('GET', `${mount}/key/key-${index}`))).json.data).toMatchObject({ key_id: data.key_id, key_type: c.body.key_type });
    });
  });

  it('ok/root/rotate names the new issuer "next" and does not move the default', async () => {
    await mountPki(server, 'rotate');
    const first = await ok(call('POST', 'rotate/root/generate/internal', { common_name: 'Old Root', key_type: 'ec' }));
    const next = await ok(call('POST', 'rotate/root/rotate/internal', { common_name: 'New Root', key_type: 'ec' }));
    expect(next.json.data.issuer_name).toBe('next');
    expect((await ok(call('GET', 'rotate/config/issuers'))).json.data.default).toBe(first.json.data.issuer_id);
  });
});

/** An EC root in its own mount; returns its PEM. */
async function ecRoot(mount: string, commonName: string, extra: Record<string, unknown> = {}): Promise<{ pem: string; issuerId: string }> {
  await mountPki(server, mount);
  const res = await ok(call('POST', `${mount}/root/generate/internal`, { common_name: commonName, key_type: 'ec', ttl: '87600h', ...extra }));
  return { pem: res.json.data.certificate, issuerId: res.json.data.issuer_id };
}

describe('intermediates', () => {
  it('ok/intermediate/generate -> root/sign-intermediate (other mount) -> set-signed; leaves verify root -> intermediate -> leaf', async () => {
    const root = await ecRoot('chain-root', 'Chain Root', { max_path_length: 3 });
    await mountPki(server, 'chain-int', '43800h');
    const generated = await ok(call('POST', 'chain-int/intermediate/generate/internal', { common_name: 'Chain Intermediate', key_type: 'rsa', key_bits: 2048, organization: 'Acme', key_name: 'int-key' }));
    expect(Object.keys(generated.json.data).sort()).toEqual(['csr', 'key_id', 'key_name', 'key_type']);
    const csr = generated.json.data.csr as string;
    expect(csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n[\s\S]+-----END CERTIFICATE REQUEST-----$/);
    expect(opensslOk(['req', '-verify', '-noout', '-subject'], csr)).toContain('subject=O = Acme, CN = Chain Intermediate');
    // No issuer yet, only the key.
    expect(await listKeys(call, 'chain-int/issuers')).toEqual([]);
    expect(await listKeys(call, 'chain-int/keys')).toEqual([generated.json.data.key_id]);

    const signed = await ok(call('POST', 'chain-root/root/sign-intermediate', { csr, common_name: 'Chain Intermediate', organization: 'Acme', ttl: '43800h' }));
    const intPem = signed.json.data.certificate as string;
    expect(Object.keys(signed.json.data).sort()).toEqual(['ca_chain', 'certificate', 'expiration', 'issuing_ca', 'serial_number']);
    expect(signed.json.data.issuing_ca).toBe(root.pem);
    expect(signed.json.data.ca_chain).toEqual([root.pem]);
    expect(signed.json.data.serial_number).toBe(vaultSerialOf(intPem));
    const intText = certText(intPem);
    expect(intText).toMatch(/CA:TRUE, pathlen:2/); // the root's 3, minus one
    expect(intText).toMatch(/Signature Algorithm: ecdsa-with-SHA256/);
    expectRfc5280(intPem, root.pem);
    expectVerifies(scratch, { roots: [root.pem], leaf: intPem, atSeconds: now() });

    const imported = await ok(call('POST', 'chain-int/intermediate/set-signed', { certificate: `${intPem}\n${root.pem}` }));
    expect(imported.json.data.imported_issuers).toHaveLength(2);
    const intId = Object.entries(imported.json.data.mapping as Record<string, string>).find(([, key]) => key === generated.json.data.key_id)![0];
    expect((await ok(call('GET', 'chain-int/config/issuers'))).json.data.default).toBe(intId);

    await ok(call('POST', 'chain-int/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', ttl: '24h' }));
    const leaf = await ok(call('POST', 'chain-int/issue/web', { common_name: 'www.example.com' }));
    expect(leaf.json.data.issuing_ca).toBe(intPem);
    expect(leaf.json.data.ca_chain).toEqual([intPem, root.pem]);
    expectVerifies(scratch, { roots: [root.pem], intermediates: [intPem], leaf: leaf.json.data.certificate, atSeconds: now(), purpose: 'sslserver' });
    expectRfc5280(leaf.json.data.certificate, intPem);
    // Without the intermediate the chain does not build: openssl really checks the path.
    expect(verifyChain(scratch, { roots: [root.pem], leaf: leaf.json.data.certificate, atSeconds: now() }).ok).toBe(false);
  });

  it('ok/issuers/generate/intermediate/exported (ed25519) signed through issuer/:ref/sign-intermediate, use_csr_values', async () => {
    const root = await ecRoot('gen-root', 'Gen Root', { issuer_name: 'gen' });
    await mountPki(server, 'gen-int');
    const generated = await ok(call('POST', 'gen-int/issuers/generate/intermediate/exported', {
      common_name: 'gen-int.example.com',
      key_type: 'ed25519',
      alt_names: 'alt.example.com',
      add_basic_constraints: true,
    }));
    const data = generated.json.data;
    expect(data.private_key_type).toBe('ed25519');
    expect(String(data.private_key)).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const csrText = opensslOk(['req', '-verify', '-noout', '-text'], data.csr);
    expect(csrText).toMatch(/DNS:gen-int.example.com, DNS:alt.example.com/);
    expect(csrText).toMatch(/CA:TRUE/);

    const signed = await ok(call('POST', 'gen-root/issuer/gen/sign-intermediate', { csr: data.csr, use_csr_values: true, ttl: '8760h' }));
    const pem = signed.json.data.certificate as string;
    const text = certText(pem);
    expect(text).toContain('Subject: CN = gen-int.example.com');
    expect(x509(pem).subjectAltName).toBe('DNS:gen-int.example.com, DNS:alt.example.com');
    expect(keyMatchesCert(data.private_key, pem)).toBe(true);
    expectRfc5280(pem, root.pem);
    expectVerifies(scratch, { roots: [root.pem], leaf: pem, atSeconds: now() });
  });

  it('ok/path lengths: a child never claims more than its parent allows; a pathlen:0 issuer signs no CA', async () => {
    const root = await ecRoot('plen-root', 'Plen Root', { max_path_length: 2 });
    await mountPki(server, 'plen-int');
    const csr = (await ok(call('POST', 'plen-int/intermediate/generate/internal', { common_name: 'Plen Int', key_type: 'ec' }))).json.data.csr;
    const pathLen = async (body: Record<string, unknown>) =>
      certText((await ok(call('POST', 'plen-root/root/sign-intermediate', { csr, common_name: 'Plen Int', ...body }))).json.data.certificate).match(/CA:TRUE(?:, pathlen:(\d+))?/)![1];
    expect(await pathLen({})).toBe('1');
    expect(await pathLen({ max_path_length: 5 })).toBe('1');
    expect(await pathLen({ max_path_length: 0 })).toBe('0');

    // root(2) -> int(1) -> int(0) -> leaf: a three-level chain openssl accepts.
    const int1 = (await ok(call('POST', 'plen-root/root/sign-intermediate', { csr, common_name: 'Plen Int' }))).json.data.certificate as string;
    await ok(call('POST', 'plen-int/intermediate/set-signed', { certificate: int1 }));
    await mountPki(server, 'plen-int2');
    const csr2 = (await ok(call('POST', 'plen-int2/intermediate/generate/internal', { common_name: 'Plen Int 2', key_type: 'ed25519' }))).json.data.csr;
    const int2 = (await ok(call('POST', 'plen-int/root/sign-intermediate', { csr: csr2, common_name: 'Plen Int 2', ttl: '8760h' }))).json.data.certificate as string;
    expect(certText(int2)).toMatch(/CA:TRUE, pathlen:0/);
    await ok(call('POST', 'plen-int2/intermediate/set-signed', { certificate: int2 }));
    await ok(call('POST', 'plen-int2/roles/r', { allow_any_name: true, key_type: 'ec', ttl: '1h' }));
    const leaf = (await ok(call('POST', 'plen-int2/issue/r', { common_name: 'deep.example.com' }))).json.data.certificate as string;
    expectVerifies(scratch, { roots: [root.pem], intermediates: [int1, int2], leaf, atSeconds: now() });
    expectRfc5280(int2, int1);
    expectRfc5280(leaf, int2);

    const csr3 = (await ok(call('POST', 'plen-int2/intermediate/generate/internal', { common_name: 'Too Deep', key_type: 'ec' }))).json.data.csr;
    await fails(call('POST', 'plen-int2/root/sign-intermediate', { csr: csr3, common_name: 'Too Deep' }), 400, /max path length of zero, and cannot issue further CA certificates/);
  });

  it('ok/sign-intermediate truncates an intermediate that would outlive its issuer', async () => {
    const root = await ecRoot('short-root', 'Short Root', { ttl: '100h' });
    await mountPki(server, 'short-int');
    const csr = (await ok(call('POST', 'short-int/intermediate/generate/internal', { common_name: 'Short Int', key_type: 'ec' }))).json.data.csr;
    const signed = await ok(call('POST', 'short-root/root/sign-intermediate', { csr, common_name: 'Short Int', ttl: '1000h' }));
    expect(x509(signed.json.data.certificate).validTo).toBe(x509(root.pem).validTo);
  });

  it('ok/intermediate generate formats: der CSR, pem_bundle with the key first', async () => {
    await mountPki(server, 'csr-formats');
    const der = await ok(call('POST', 'csr-formats/intermediate/generate/exported', { common_name: 'DER Int', key_type: 'ec', format: 'der' }));
    expect(opensslOk(['req', '-inform', 'DER', '-verify', '-noout', '-subject'], Buffer.from(der.json.data.csr, 'base64'))).toContain('CN = DER Int');
    expect(String(der.json.data.private_key)).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const bundle = await ok(call('POST', 'csr-formats/intermediate/generate/exported', { common_name: 'Bundle Int', key_type: 'ec', format: 'pem_bundle' }));
    expect(bundle.json.data.csr).toMatch(/^-----BEGIN EC PRIVATE KEY-----[\s\S]+-----END EC PRIVATE KEY-----\n-----BEGIN CERTIFICATE REQUEST-----[\s\S]+-----END CERTIFICATE REQUEST-----$/);
    expect(bundle.json.data.csr.startsWith(bundle.json.data.private_key)).toBe(true);
  });

  it('ok/issuers/generate/root/existing reuses a generated key', async () => {
    await mountPki(server, 'existing');
    const key = await ok(call('POST', 'existing/keys/generate/internal', { key_type: 'ec', key_bits: 384, key_name: 'pre' }));
    const root = await ok(call('POST', 'existing/issuers/generate/root/existing', { common_name: 'From Existing', key_ref: 'pre' }));
    expect(root.json.data.key_id).toBe(key.json.data.key_id);
    expect(certText(root.json.data.certificate)).toMatch(/NIST CURVE: P-384/);
    expect(await listKeys(call, 'existing/keys')).toEqual([key.json.data.key_id]);
  });
});

describe('imports', () => {
  it('ok/config/ca imports a PEM bundle with its key; the mount then issues under it', async () => {
    await mountPki(server, 'export-src');
    const exported = await ok(call('POST', 'export-src/root/generate/exported', { common_name: 'Portable Root', key_type: 'ec' }));
    const rootPem = exported.json.data.certificate as string;
    await mountPki(server, 'import-dst');
    // Key after certificate, CRLF line ends and text around the blocks: all accepted.
    const bundle = `Portable root\r\n${rootPem.replace(/\n/g, '\r\n')}\r\n${exported.json.data.private_key}\n`;
    const imported = await ok(call('POST', 'import-dst/config/ca', { pem_bundle: bundle }));
    expect(imported.json.data.imported_issuers).toHaveLength(1);
    expect(imported.json.data.imported_keys).toHaveLength(1);
    expect(imported.json.data.mapping).toEqual({ [imported.json.data.imported_issuers[0]]: imported.json.data.imported_keys[0] });

    // The same bundle again through issuers/import/bundle: nothing new.
    const again = await ok(call('POST', 'import-dst/issuers/import/bundle', { pem_bundle: bundle }));
    expect(again.json.data).toMatchObject({ imported_issuers: null, imported_keys: null, existing_issuers: imported.json.data.imported_issuers, existing_keys: imported.json.data.imported_keys });

    await ok(call('POST', 'import-dst/roles/any', { allow_any_name: true, key_type: 'ec' }));
    const leaf = await ok(call('POST', 'import-dst/issue/any', { common_name: 'imported.example.com' }));
    expectVerifies(scratch, { roots: [rootPem], leaf: leaf.json.data.certificate, atSeconds: now() });
    expectRfc5280(leaf.json.data.certificate, rootPem);
  });

  it('fail/a bundle with a non-CA certificate is refused and nothing is stored', async () => {
    await mountPki(server, 'import-bad');
    const root = await ecRoot('import-bad-src', 'Leafy Root');
    await ok(call('POST', 'import-bad-src/roles/any', { allow_any_name: true, key_type: 'ec' }));
    const leaf = await ok(call('POST', 'import-bad-src/issue/any', { common_name: 'leaf.example.com' }));
    for (const path of ['config/ca', 'issuers/import/bundle', 'issuers/import/cert']) {
      const bundle = `${root.pem}\n${leaf.json.data.certificate}${path === 'issuers/import/cert' ? '' : `\n${leaf.json.data.private_key}`}`;
      await fails(call('POST', `import-bad/${path}`, { pem_bundle: bundle }), 400, /is not a CA certificate/);
    }
    expect(await listKeys(call, 'import-bad/issuers')).toEqual([]);
    expect(await listKeys(call, 'import-bad/keys')).toEqual([]);
  });
});

describe('root/sign-self-issued and DELETE root', () => {
  it('ok/re-signs a self-issued CA certificate made by openssl; it then chains to this mount\'s root', async () => {
    const root = await ecRoot('self-issued', 'Self Issued Parent');
    const keyPath = `${scratch.dir}/self.key`;
    const selfPem = opensslOk([
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-subj', '/CN=Old Root',
      '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:1', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'nameConstraints=critical,permitted;DNS:old.example.com', '-addext', 'certificatePolicies=1.3.6.1.4.1.44947.1.1.1',
    ]);
    const res = await ok(call('POST', 'self-issued/root/sign-self-issued', { certificate: selfPem }));
    expect(Object.keys(res.json.data).sort()).toEqual(['certificate', 'issuing_ca']);
    const resigned = res.json.data.certificate as string;
    expect(res.json.data.issuing_ca).toBe(root.pem);
    expect(x509(resigned).subject).toBe('CN=Old Root');
    expect(x509(resigned).issuer).toBe('CN=Self Issued Parent');
    expect(x509(resigned).publicKey.export({ type: 'spki', format: 'der' })).toEqual(x509(selfPem).publicKey.export({ type: 'spki', format: 'der' }));
    // Re-signed as it is: serial, validity, SKID, path length, name constraints and policies kept.
    expect(x509(resigned).serialNumber).toBe(x509(selfPem).serialNumber);
    expect([x509(resigned).validFrom, x509(resigned).validTo]).toEqual([x509(selfPem).validFrom, x509(selfPem).validTo]);
    const text = certText(resigned);
    expect(text).toMatch(/CA:TRUE, pathlen:1/);
    expect(text).toMatch(/X509v3 Name Constraints: critical\s+Permitted:\s+DNS:old.example.com/);
    expect(text).toMatch(/Policy: 1.3.6.1.4.1.44947.1.1.1/);
    expect(opensslOk(['x509', '-noout', '-ext', 'subjectKeyIdentifier'], resigned)).toBe(opensslOk(['x509', '-noout', '-ext', 'subjectKeyIdentifier'], selfPem));
    // Vault hands it back without storing it.
    expect(await listKeys(call, 'self-issued/certs')).not.toContain(vaultSerialOf(resigned));
    // openssl stamped its certificate with the real time; the server's root covers that too.
    expectVerifies(scratch, { roots: [root.pem], leaf: resigned, atSeconds: Math.floor(Date.now() / 1000) });
    expectRfc5280(resigned, root.pem);

    await ok(call('POST', 'self-issued/roles/any', { allow_any_name: true, key_type: 'ec' }));
    const notSelfIssued = (await ok(call('POST', 'self-issued/issue/any', { common_name: 'x.example.com' }))).json.data.certificate;
    await fails(call('POST', 'self-issued/root/sign-self-issued', { certificate: notSelfIssued }), 400, /not self-issued/);
  });

  it('ok/DELETE root removes every issuer and key (200 with Vault\'s warning); fetches then answer 204', async () => {
    await ecRoot('doomed', 'Doomed Root');
    await ok(call('POST', 'doomed/keys/generate/internal', { key_type: 'ec' }));
    const res = await ok(call('DELETE', 'doomed/root'));
    expect(res.json.data).toBeNull();
    expect(res.json.warnings.join(' ')).toMatch(/DELETE \/root deletes all keys and issuers/);
    expect(await listKeys(call, 'doomed/issuers')).toEqual([]);
    expect(await listKeys(call, 'doomed/keys')).toEqual([]);
    expect((await call('GET', 'doomed/ca')).status).toBe(204);
    expect((await ok(call('GET', 'doomed/config/issuers'))).json.data.default).toBe('');
    // A new root can be generated afterwards and becomes the default.
    const fresh = await ok(call('POST', 'doomed/root/generate/internal', { common_name: 'Phoenix', key_type: 'ec' }));
    expect((await ok(call('GET', 'doomed/config/issuers'))).json.data.default).toBe(fresh.json.data.issuer_id);
  });
});

describe('cross-signing', () => {
  it('ok/a cross-signed intermediate: leaves verify against either root', async () => {
    const rootA = await ecRoot('x-root-a', 'Root A');
    await mountPki(server, 'x-root-b');
    const rootB = (await ok(call('POST', 'x-root-b/root/generate/internal', { common_name: 'Root B', key_type: 'rsa', key_bits: 2048, ttl: '87600h' }))).json.data.certificate as string;

    await mountPki(server, 'x-int');
    const generated = (await ok(call('POST', 'x-int/intermediate/generate/internal', { common_name: 'Shared Intermediate', key_type: 'ec' }))).json.data;
    const byA = (await ok(call('POST', 'x-root-a/root/sign-intermediate', { csr: generated.csr, common_name: 'Shared Intermediate', ttl: '8760h' }))).json.data.certificate as string;
    const setA = await ok(call('POST', 'x-int/intermediate/set-signed', { certificate: byA }));
    const intAId = setA.json.data.imported_issuers[0] as string;

    // cross-sign: a CSR for the existing key, signed by the other root keeping the SKID.
    const cross = await ok(call('POST', 'x-int/intermediate/cross-sign', { common_name: 'Shared Intermediate', key_ref: generated.key_id }));
    expect(cross.json.data.key_id).toBe(generated.key_id);
    const csrKey = opensslOk(['req', '-noout', '-pubkey'], cross.json.data.csr);
    expect(csrKey).toBe(opensslOk(['x509', '-noout', '-pubkey'], byA));
    const skid = opensslOk(['x509', '-noout', '-ext', 'subjectKeyIdentifier'], byA).split('\n')[1]!.trim();
    const byB = (await ok(call('POST', 'x-root-b/root/sign-intermediate', { csr: cross.json.data.csr, use_csr_values: true, skid, ttl: '8760h' }))).json.data.certificate as string;
    expect(opensslOk(['x509', '-noout', '-ext', 'subjectKeyIdentifier'], byB)).toContain(skid);
    expect(x509(byB).subject).toBe(x509(byA).subject);
    expectRfc5280(byB, rootB);

    const setB = await ok(call('POST', 'x-int/intermediate/set-signed', { certificate: byB }));
    const intBId = setB.json.data.imported_issuers[0] as string;
    expect(setB.json.data.mapping).toEqual({ [intBId]: generated.key_id });
    const issuers = await ok(call('LIST', 'x-int/issuers'));
    expect(issuers.json.data.keys.sort()).toEqual([intAId, intBId].sort());
    expect(issuers.json.data.key_info[intBId]).toMatchObject({ key_id: generated.key_id, is_default: false });

    await ok(call('POST', 'x-int/roles/web', { allowed_domains: 'example.com', allow_subdomains: true, key_type: 'ec', ttl: '24h' }));
    const viaDefault = (await ok(call('POST', 'x-int/issue/web', { common_name: 'a.example.com' }))).json.data;
    const viaCross = (await ok(call('POST', `x-int/issuer/${intBId}/issue/web`, { common_name: 'b.example.com' }))).json.data;
    expect(viaDefault.ca_chain).toEqual([byA]);
    expect(viaCross.ca_chain).toEqual([byB]);
    for (const leaf of [viaDefault.certificate as string, viaCross.certificate as string]) {
      expectVerifies(scratch, { roots: [rootA.pem], intermediates: [byA], leaf, atSeconds: now() });
      expectVerifies(scratch, { roots: [rootB], intermediates: [byB], leaf, atSeconds: now() });
      // Each root alone with the other root's intermediate does not verify.
      expect(verifyChain(scratch, { roots: [rootB], intermediates: [byA], leaf, atSeconds: now() }).ok).toBe(false);
    }

    // With root B imported, the cross-signed issuer's chain reaches it.
    await ok(call('POST', 'x-int/issuers/import/cert', { pem_bundle: rootB }));
    const chained = (await ok(call('POST', `x-int/issuer/${intBId}/issue/web`, { common_name: 'c.example.com' }))).json.data;
    expect(chained.ca_chain).toEqual([byB, rootB]);
    expectVerifies(scratch, { roots: [chained.ca_chain[1]], intermediates: [chained.ca_chain[0]], leaf: chained.certificate, atSeconds: now() });
  });
});

describe('openssl sanity', () => {
  it('ok/openssl refuses a tampered certificate (the judge is not a rubber stamp)', async () => {
    const root = await ecRoot('tamper', 'Tamper Root');
    const der = x509(root.pem).raw;
    const tampered = Buffer.from(der);
    tampered[tampered.length - 10] = tampered[tampered.length - 10]! ^ 0xff;
    const pem = `-----BEGIN CERTIFICATE-----\n${tampered.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
    const result = openssl(['verify', '-x509_strict', '-attime', String(now()), '-CAfile', scratch.file(root.pem), scratch.file(pem)]);
    expect(result.status).not.toBe(0);
  });
});
