import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import { parseCertificate, parseCertificateDer, parseCertificates } from '../../src/pki/cert-info.js';
import { publicKeysEqual } from '../../src/pki/keys.js';
import { toPem } from '../../src/pki/pem.js';
import { createSigner } from '../../src/pki/sign.js';
import { makeRoot, opensslOk, template, tempDir } from './support.js';

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

const keyPem = opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']);
const keyFile = tmp.write('ca.key', keyPem);

describe('certificates made by openssl', () => {
  const pem = opensslOk([
    'req', '-x509', '-new', '-key', keyFile, '-days', '10', '-set_serial', '0x00ff01',
    '-subj', '/C=US/O=Example Org/CN=Example CA',
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:2',
    '-addext', 'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
    '-addext', 'extendedKeyUsage=serverAuth,clientAuth',
    '-addext', 'subjectAltName=DNS:ca.example.com,IP:192.0.2.7,IP:2001:db8::7,email:ca@example.com,URI:https://ca.example.com/',
  ]);
  const info = parseCertificate(pem);
  const file = tmp.write('ca.pem', pem);

  test('ok/fields agree with openssl and Node', () => {
    const x = new X509Certificate(pem);
    expect(info.version).toBe(3);
    expect(info.serial.toString('hex')).toBe('ff01');
    expect(info.serialNumber).toBe('ff:01');
    expect(opensslOk(['x509', '-in', file, '-noout', '-serial'])).toBe('serial=FF01\n');
    expect(info.notBeforeMs).toBe(Date.parse(x.validFrom));
    expect(info.notAfterMs).toBe(Date.parse(x.validTo));
    expect(info.notAfterMs - info.notBeforeMs).toBe(10 * 86_400_000);
    expect(info.commonName).toBe('Example CA');
    expect(info.subject).toEqual([
      { type: 'C', value: 'US' },
      { type: 'O', value: 'Example Org' },
      { type: 'CN', value: 'Example CA' },
    ]);
    expect(info.isCa).toBe(true);
    expect(info.pathLen).toBe(2);
    expect(info.keyUsage).toEqual(['DigitalSignature', 'CertSign', 'CRLSign']);
    expect(info.extKeyUsageOids).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(info.sans).toEqual({
      dns: ['ca.example.com'],
      email: ['ca@example.com'],
      ip: ['192.0.2.7', '2001:db8::7'],
      uri: ['https://ca.example.com/'],
      otherNames: [],
    });
    expect(info.selfIssued).toBe(true);
    expect(publicKeysEqual(info.publicKey, createPrivateKey(keyPem))).toBe(true);
    expect(info.der.equals(x.raw)).toBe(true);
  });

  test('ok/key identifiers match what openssl prints', () => {
    const skid = opensslOk(['x509', '-in', file, '-noout', '-ext', 'subjectKeyIdentifier']).split('\n')[1]!.trim();
    const akid = opensslOk(['x509', '-in', file, '-noout', '-ext', 'authorityKeyIdentifier']).split('\n')[1]!.trim();
    const colons = (b: Buffer | null) => b!.toString('hex').toUpperCase().match(/../g)!.join(':');
    expect(colons(info.subjectKeyId)).toBe(skid);
    expect(akid).toContain(colons(info.authorityKeyId));
  });

  test('ok/signature verification', () => {
    expect(info.verifySignedBy(info.publicKey)).toBe(true);
    expect(info.verifySignedBy(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey)).toBe(false);
    expect(info.verifySignedBy(generateKeyPairSync('ed25519').publicKey)).toBe(false);
  });

  test('ok/a leaf signed by this CA links by exact issuer bytes, AKID and signature', () => {
    const leaf = parseCertificateDer(
      createSigner({
        subjectDer: info.subjectDer,
        subjectKeyId: info.subjectKeyId!,
        privateKey: createPrivateKey(keyPem),
        signatureBits: 0,
        usePss: false,
      }).sign(template(generateKeyPairSync('ed25519').publicKey)),
    );
    expect(leaf.issuerDer.equals(info.subjectDer)).toBe(true);
    expect(leaf.authorityKeyId!.equals(info.subjectKeyId!)).toBe(true);
    expect(leaf.selfIssued).toBe(false);
    expect(leaf.isCa).toBe(false);
    expect(leaf.pathLen).toBe(-1);
    expect(leaf.verifySignedBy(info.publicKey)).toBe(true);
  });
});

describe('less common encodings', () => {
  test('ok/PrintableString and multi-valued RDNs are read and kept byte for byte', () => {
    const config = tmp.write('printable.cnf', '[req]\ndistinguished_name = dn\nstring_mask = default\nprompt = no\n[dn]\nCN = printable name\n');
    const pem = opensslOk(['req', '-x509', '-new', '-key', keyFile, '-config', config, '-days', '1']);
    const info = parseCertificate(pem);
    expect(info.commonName).toBe('printable name');
    expect(info.subjectDer.includes(Buffer.from([0x13, 14]))).toBe(true);
    expect(opensslOk(['asn1parse', '-inform', 'DER'], info.subjectDer)).toContain('PRINTABLESTRING   :printable name');

    const multi = parseCertificate(opensslOk(['req', '-x509', '-new', '-key', keyFile, '-multivalue-rdn', '-subj', '/O=Org+CN=multi/OU=unit', '-days', '1']));
    expect(multi.subject.map((a) => a.type).sort()).toEqual(['CN', 'O', 'OU']);
    expect(multi.commonName).toBe('multi');
  });

  test('ok/a version 1 certificate without extensions', () => {
    const csr = opensslOk(['req', '-new', '-key', keyFile, '-subj', '/CN=v1']);
    const pem = opensslOk(['x509', '-req', '-key', keyFile, '-days', '1'], csr);
    const info = parseCertificate(pem);
    expect(info.version).toBe(1);
    expect(info.extensions).toEqual([]);
    expect(info.isCa).toBe(false);
    expect(info.keyUsage).toBeNull();
    expect(info.subjectKeyId).toBeNull();
  });

  test('ok/bundles: every CERTIFICATE block in order, other blocks skipped', () => {
    const a = makeRoot(generateKeyPairSync('ed25519'), [{ type: 'CN', value: 'A' }]);
    const b = makeRoot(generateKeyPairSync('ed25519'), [{ type: 'CN', value: 'B' }]);
    const bundle = `${keyPem}\n${a.pem}junk between\r\n${b.pem.replace(/\n/g, '\r\n')}`;
    expect(parseCertificates(bundle).map((c) => c.commonName)).toEqual(['A', 'B']);
    expect(parseCertificate(toPem(b.der, 'CERTIFICATE')).commonName).toBe('B');
    expect(parseCertificate(b.der).commonName).toBe('B');
  });

  test('ok/SHA-1 and RSA-PSS signatures verify', () => {
    const rsaFile = tmp.write('rsa.key', opensslOk(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']));
    const sha1 = parseCertificate(opensslOk(['req', '-x509', '-new', '-key', rsaFile, '-subj', '/CN=sha1', '-sha1', '-days', '1']));
    expect(sha1.verifySignedBy(sha1.publicKey)).toBe(true);
    const pss = parseCertificate(
      opensslOk(['req', '-x509', '-new', '-key', rsaFile, '-subj', '/CN=pss', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:20', '-days', '1']),
    );
    expect(pss.verifySignedBy(pss.publicKey)).toBe(true);
  });
});

describe('refusals', () => {
  const good = makeRoot(generateKeyPairSync('ec', { namedCurve: 'P-256' }), [{ type: 'CN', value: 'good' }]).der;

  test('fail/garbage, truncation, trailing bytes', () => {
    expect(badRequest(() => parseCertificate('garbage'))).toBe('the certificate is neither PEM nor base64-encoded DER');
    expect(badRequest(() => parseCertificate(good.subarray(0, good.length - 1)))).toMatch(/^the certificate is malformed: /);
    expect(badRequest(() => parseCertificate(toPem(good.subarray(0, 100), 'CERTIFICATE')))).toMatch(/^the certificate is malformed: /);
    expect(badRequest(() => parseCertificateDer(Buffer.concat([good, Buffer.from([0x05, 0x00])])))).toMatch(/unexpected bytes/);
    expect(badRequest(() => parseCertificateDer(Buffer.from('3003020100', 'hex')))).toMatch(/^the certificate is malformed: /);
  });

  test('fail/a CSR instead of a certificate', () => {
    const csr = opensslOk(['req', '-new', '-key', keyFile, '-subj', '/CN=csr']);
    expect(badRequest(() => parseCertificate(csr))).toBe('expected a PEM CERTIFICATE block for the certificate, but found CERTIFICATE REQUEST');
  });

  test('fail/a negative serial number', () => {
    const pem = opensslOk(['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=neg', '-set_serial', '-5', '-days', '1']);
    expect(badRequest(() => parseCertificate(pem))).toBe('the certificate has a negative serial number');
  });

  test('fail/outer and inner signature algorithms differ', () => {
    const pem = opensslOk(['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=alg', '-sha384', '-days', '1']);
    const der = Buffer.from(parseCertificate(pem).der);
    // ecdsa-with-SHA384 (…04 03 03) appears twice; change only the outer one to SHA-512.
    const oid = Buffer.from('2a8648ce3d040303', 'hex');
    const outer = der.lastIndexOf(oid);
    expect(outer).toBeGreaterThan(der.indexOf(oid));
    der[outer + oid.length - 1] = 0x04;
    expect(badRequest(() => parseCertificateDer(der))).toMatch(/signature algorithm does not match/);
  });
});
