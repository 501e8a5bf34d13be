import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import { buildCsr, parseCsr } from '../../src/pki/csr.js';
import { publicKeysEqual } from '../../src/pki/keys.js';
import { toPem } from '../../src/pki/pem.js';
import { openssl, opensslOk, tempDir } from './support.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const badRequest = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CaError);
    expect((err as CaError).kind).toBe('bad_request');
    return (err as CaError).message;
  }
  throw new Error('expected a bad request');
};

let n = 0;
/** `openssl req -new` with a fresh key; returns the CSR PEM and the key PEM. */
function opensslCsr(newkey: string[], subject: string, extra: string[] = []): { csr: string; key: string } {
  const keyFile = `${tmp.dir}/k${n++}.pem`;
  const csr = opensslOk(['req', '-new', ...newkey, '-nodes', '-keyout', keyFile, '-subj', subject, ...extra]);
  return { csr, key: opensslOk(['pkey', '-in', keyFile]) };
}

const sanExt = [
  '-addext',
  'subjectAltName=DNS:app.example.com,DNS:www.example.com,IP:10.0.0.1,IP:2001:db8::1,email:ops@example.com,URI:spiffe://cluster.local/ns/default/sa/web,otherName:1.3.6.1.4.1.311.20.2.3;UTF8:upn@example.com',
];

describe('parseCsr with CSRs made by openssl req', () => {
  test('ok/rsa 2048 with a SAN extensionRequest', () => {
    const { csr, key } = opensslCsr(['-newkey', 'rsa:2048'], '/C=US/O=Acme Inc/OU=Web/CN=app.example.com/emailAddress=ops@example.com', sanExt);
    const parsed = parseCsr(csr);
    expect(parsed.info).toEqual({
      commonName: 'app.example.com',
      sans: {
        dns: ['app.example.com', 'www.example.com'],
        email: ['ops@example.com'],
        ip: ['10.0.0.1', '2001:db8::1'],
        uri: ['spiffe://cluster.local/ns/default/sa/web'],
        otherNames: [{ oid: '1.3.6.1.4.1.311.20.2.3', value: 'upn@example.com' }],
      },
      keyType: 'rsa',
      keyBits: 2048,
      requestsCa: false,
    });
    expect(parsed.subject).toEqual([
      { type: 'C', value: 'US' },
      { type: 'O', value: 'Acme Inc' },
      { type: 'OU', value: 'Web' },
      { type: 'CN', value: 'app.example.com' },
    ]);
    expect(parsed.otherSubjectAttributes).toEqual([{ oid: '1.2.840.113549.1.9.1', value: 'ops@example.com' }]);
    expect(parsed.requestsCa).toBe(false);
    expect(parsed.keyUsage).toBeNull();
    expect(publicKeysEqual(parsed.publicKey, createPrivateKey(key))).toBe(true);
    // The exact subject bytes, as openssl wrote them.
    expect(opensslOk(['asn1parse', '-inform', 'DER'], parsed.subjectDer)).toContain(':Acme Inc');
  });

  test('ok/ec P-256, P-384, P-521 and P-224 report their curve size', () => {
    for (const [curve, bits] of [['P-256', 256], ['P-384', 384], ['P-521', 521], ['P-224', 224]] as const) {
      const { csr } = opensslCsr(['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${curve}`], `/CN=${curve}.example.com`);
      expect(parseCsr(csr).info).toMatchObject({ keyType: 'ec', keyBits: bits, commonName: `${curve}.example.com` });
    }
  });

  test('ok/EC keys equal the key openssl wrote (points imported directly); fail/a point off the curve, compressed points still read', () => {
    for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
      const { csr, key } = opensslCsr(['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${curve}`], `/CN=${curve}.example.com`);
      const parsed = parseCsr(csr);
      expect(publicKeysEqual(parsed.publicKey, createPrivateKey(key))).toBe(true);
      const der = Buffer.from(csr.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
      // The last byte of the point's y coordinate: the point leaves the curve.
      const spki = createPublicKey(createPrivateKey(key)).export({ type: 'spki', format: 'der' });
      const at = der.indexOf(spki) + spki.length - 1;
      const bad = Buffer.from(der);
      bad[at] = bad[at]! ^ 1;
      expect(badRequest(() => parseCsr(bad))).toMatch(/could not be parsed|signature is invalid/);
    }
    // A compressed point (02/03 prefix) takes OpenSSL's own decoder.
    const keyFile = `${tmp.dir}/compressed.pem`;
    opensslOk(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${tmp.dir}/plain.pem`]);
    opensslOk(['ec', '-in', `${tmp.dir}/plain.pem`, '-conv_form', 'compressed', '-out', keyFile]);
    const compressed = opensslOk(['req', '-new', '-key', keyFile, '-subj', '/CN=c.example.com']);
    expect(opensslOk(['req', '-noout', '-text'], compressed)).toMatch(/pub:\s+0[23]:/);
    expect(publicKeysEqual(parseCsr(compressed).publicKey, createPrivateKey(opensslOk(['pkey', '-in', keyFile])))).toBe(true);
  });

  test('ok/ed25519, CA request with key usage, DER input and the NEW CERTIFICATE REQUEST label', () => {
    const { csr } = opensslCsr(['-newkey', 'ed25519'], '/CN=Sub CA', [
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:1',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'extendedKeyUsage=serverAuth,1.2.3.4',
    ]);
    const parsed = parseCsr(csr);
    expect(parsed.info).toMatchObject({ keyType: 'ed25519', keyBits: 0, requestsCa: true, commonName: 'Sub CA' });
    expect(parsed.keyUsage).toEqual(['CertSign', 'CRLSign']);
    expect(parsed.extKeyUsageOids).toEqual(['1.3.6.1.5.5.7.3.1', '1.2.3.4']);
    expect(parsed.extensions.map((e) => [e.oid, e.critical])).toEqual([
      ['2.5.29.19', true],
      ['2.5.29.15', true],
      ['2.5.29.37', false],
    ]);
    const derFile = `${tmp.dir}/ca.der`;
    opensslOk(['req', '-in', tmp.write('ca.csr', csr), '-outform', 'DER', '-out', derFile]);
    const der = readFileSync(derFile);
    expect(parseCsr(der).der.equals(der)).toBe(true);
    expect(parseCsr(der).info.commonName).toBe('Sub CA');
    expect(parseCsr(der.toString('base64')).info.commonName).toBe('Sub CA');
    expect(parseCsr(csr.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST')).info.requestsCa).toBe(true);
  });

  test('ok/RSA CSR signed with RSASSA-PSS', () => {
    const { csr } = opensslCsr(['-newkey', 'rsa:2048'], '/CN=pss.example.com', ['-sha384', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:48']);
    expect(opensslOk(['req', '-noout', '-text'], csr)).toContain('rsassaPss');
    expect(parseCsr(csr).info).toMatchObject({ keyType: 'rsa', commonName: 'pss.example.com' });
  });
});

describe('parseCsr refusals', () => {
  const { csr } = opensslCsr(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=victim.example.com', sanExt);
  const der = parseCsr(csr).der;

  test('fail/a corrupted signature byte', () => {
    const bad = Buffer.from(der);
    bad[bad.length - 3] = bad[bad.length - 3]! ^ 0x40;
    expect(badRequest(() => parseCsr(toPem(bad, 'CERTIFICATE REQUEST')))).toMatch(/the CSR (signature is invalid|is malformed)/);
  });

  test('fail/a changed byte in the signed request (CN) breaks the signature', () => {
    const bad = Buffer.from(der);
    const at = bad.indexOf(Buffer.from('victim'));
    bad[at] = 'V'.charCodeAt(0);
    expect(badRequest(() => parseCsr(bad))).toBe('the CSR signature is invalid');
  });

  test('fail/a CSR carrying a key that did not sign it', () => {
    const info = parseCsr(csr);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
    // Two P-256 SPKIs have the same length, so the structure stays valid; only the signature breaks.
    const at = info.der.indexOf(Buffer.from('3059301306072a8648ce3d0201', 'hex'));
    expect(at).toBeGreaterThan(0);
    const swapped = Buffer.from(info.der);
    swapped.set(other, at);
    expect(badRequest(() => parseCsr(swapped))).toBe('the CSR signature is invalid');
  });

  test('fail/truncated DER', () => {
    expect(badRequest(() => parseCsr(der.subarray(0, der.length - 10)))).toMatch(/^the CSR is malformed: /);
    expect(badRequest(() => parseCsr(toPem(der.subarray(0, 40), 'CERTIFICATE REQUEST')))).toMatch(/^the CSR is malformed: /);
    expect(badRequest(() => parseCsr(Buffer.concat([der, Buffer.from([0])])))).toMatch(/unexpected bytes after the end/);
  });

  test('fail/garbage and empty input', () => {
    expect(badRequest(() => parseCsr('this is not a CSR'))).toBe('the CSR is neither PEM nor base64-encoded DER');
    expect(badRequest(() => parseCsr(''))).toBe('the CSR is empty');
    expect(badRequest(() => parseCsr('-----BEGIN CERTIFICATE REQUEST-----\n%%%%\n-----END CERTIFICATE REQUEST-----'))).toMatch(/not valid base64/);
    expect(badRequest(() => parseCsr(Buffer.from([0x30, 0x80, 0x00, 0x00])))).toMatch(/indefinite length/);
  });

  test('fail/the PEM of a certificate instead of a CSR', () => {
    const keyFile = tmp.write('cert.key', opensslOk(['genpkey', '-algorithm', 'ED25519']));
    const cert = opensslOk(['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=not a csr']);
    expect(badRequest(() => parseCsr(cert))).toBe('expected a PEM CERTIFICATE REQUEST block for the CSR, but found CERTIFICATE');
    const certDer = Buffer.from(cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(badRequest(() => parseCsr(certDer))).toMatch(/^the CSR is malformed: /);
  });

  test('fail/unsupported key algorithms: RSASSA-PSS keys, DSA, secp256k1', () => {
    const pss = opensslCsr(['-newkey', 'rsa-pss', '-pkeyopt', 'rsa_keygen_bits:2048'], '/CN=pss-key');
    expect(badRequest(() => parseCsr(pss.csr))).toBe('the CSR uses an unsupported public key algorithm RSASSA-PSS (1.2.840.113549.1.1.10)');
    const params = tmp.write('dsa-params.pem', opensslOk(['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:1024']));
    const dsa = opensslCsr(['-newkey', `param:${params}`], '/CN=dsa');
    expect(badRequest(() => parseCsr(dsa.csr))).toBe('the CSR uses an unsupported public key algorithm DSA (1.2.840.10040.4.1)');
    const k1 = opensslCsr(['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1'], '/CN=k1');
    expect(badRequest(() => parseCsr(k1.csr))).toBe('the CSR uses an unsupported EC curve (1.3.132.0.10)');
  });
});

describe('buildCsr', () => {
  const keys: Record<string, KeyObject> = {
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
    ed25519: generateKeyPairSync('ed25519').privateKey,
  };

  test.each(Object.keys(keys))('ok/%s: openssl req -verify accepts it and sees the requested extensions', (name) => {
    const der = buildCsr({
      subject: [
        { type: 'O', value: 'Grüne Äpfel AG' },
        { type: 'CN', value: 'Intermediate CA' },
      ],
      privateKey: keys[name]!,
      sans: { dns: ['ca.example.com'], email: [], ip: ['192.0.2.1'], uri: ['spiffe://cluster.local'], otherNames: [] },
      basicConstraints: { isCa: true, maxPathLength: -1 },
      keyUsage: ['CertSign', 'CRLSign'],
    });
    const file = tmp.write(`built-${name}.csr`, toPem(der, 'CERTIFICATE REQUEST'));
    const r = openssl(['req', '-in', file, '-verify', '-noout', '-text', '-nameopt', 'utf8,sep_comma_plus_space']);
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/verify OK/);
    expect(r.stdout).toContain('Subject: O=Grüne Äpfel AG, CN=Intermediate CA');
    expect(r.stdout).toMatch(/X509v3 Subject Alternative Name: \n\s+DNS:ca\.example\.com, IP Address:192\.0\.2\.1, URI:spiffe:\/\/cluster\.local\n/);
    expect(r.stdout).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
    expect(r.stdout).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n/);

    const parsed = parseCsr(der);
    expect(parsed.info).toMatchObject({ commonName: 'Intermediate CA', requestsCa: true });
    expect(publicKeysEqual(parsed.publicKey, keys[name]!)).toBe(true);
  });

  test('ok/no extensions: an empty attribute set; RSA-PSS with SHA-512 signature', () => {
    const der = buildCsr({ subject: [{ type: 'CN', value: 'plain' }], privateKey: keys.rsa!, usePss: true, signatureBits: 512 });
    const file = tmp.write('plain.csr', toPem(der, 'CERTIFICATE REQUEST'));
    const r = openssl(['req', '-in', file, '-verify', '-noout', '-text']);
    expect(r.stdout + r.stderr).toMatch(/verify OK/);
    expect(opensslOk(['asn1parse', '-in', file])).toMatch(/l= +0 cons: cont \[ 0 \]/);
    expect(r.stdout).toMatch(/rsassaPss[\s\S]*Hash Algorithm: sha512/);
    expect(parseCsr(der).extensions).toEqual([]);
  });

  test('fail/a public key that does not belong to the private key', () => {
    expect(() =>
      buildCsr({ subject: [], privateKey: keys.rsa!, publicKey: generateKeyPairSync('ed25519').publicKey }),
    ).toThrow(/does not belong/);
  });
});
