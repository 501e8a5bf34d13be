/** What sign.ts writes, read back by `openssl x509 -text`, `openssl asn1parse` and Node. */
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import { parseCertificate, parseCertificateDer } from '../../src/pki/cert-info.js';
import * as der from '../../src/pki/der.js';
import { keyUsageBitString } from '../../src/pki/extensions.js';
import { OID } from '../../src/pki/oids.js';
import { toPem } from '../../src/pki/pem.js';
import { createSigner, selfSigningIssuer, signCertificate } from '../../src/pki/sign.js';
import type { CertificateTemplate, KeyUsageName, NameConstraints } from '../../src/pki/types.js';
import { makeIntermediate, makeRoot, openssl, opensslOk, template, tempDir } from './support.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const rootKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const interKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const leafKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const root = makeRoot(rootKeys, [{ type: 'C', value: 'US' }, { type: 'CN', value: 'Extensions Root' }]);
const rootFile = tmp.write('root.pem', root.pem);
const signLeaf = (overrides: Partial<CertificateTemplate>, issuer = root.issuer): Buffer =>
  createSigner(issuer).sign(template(leafKeys.publicKey, overrides));

let fileCounter = 0;
function text(certDer: Buffer, nameopt = 'utf8,sep_comma_plus_space'): string {
  const file = tmp.write(`c${fileCounter++}.pem`, toPem(certDer, 'CERTIFICATE'));
  return opensslOk(['x509', '-in', file, '-noout', '-text', '-nameopt', nameopt]);
}
function asn1(certDer: Buffer): string {
  return opensslOk(['asn1parse', '-inform', 'DER'], certDer);
}
function verify(leaf: Buffer, untrusted?: Buffer): { ok: boolean; output: string } {
  const leafFile = tmp.write(`v${fileCounter++}.pem`, toPem(leaf, 'CERTIFICATE'));
  const args = ['verify', '-x509_strict', '-CAfile', rootFile];
  if (untrusted) args.push('-untrusted', tmp.write(`u${fileCounter++}.pem`, toPem(untrusted, 'CERTIFICATE')));
  const r = openssl([...args, leafFile]);
  return { ok: r.status === 0, output: r.stdout + r.stderr };
}
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

describe('a leaf with everything', () => {
  const leaf = signLeaf({
    subject: [
      { type: 'C', value: 'DE' },
      { type: 'O', value: 'Bücher GmbH' },
      { type: 'OU', value: 'Ops' },
      { type: 'L', value: 'München' },
      { type: 'ST', value: 'Bayern' },
      { type: 'street', value: 'Hauptstraße 1' },
      { type: 'postalCode', value: '80331' },
      { type: 'serialNumber', value: 'SN-1234' },
      { type: 'CN', value: 'www.example.com' },
      { type: 'UID', value: 'u-42' },
    ],
    keyUsage: ['DigitalSignature', 'KeyEncipherment'],
    extKeyUsageOids: [OID.ekuServerAuth, OID.ekuClientAuth, '1.2.3.4.5'],
    sans: {
      dns: ['www.example.com', '*.example.com'],
      email: ['ops@example.com'],
      ip: ['10.1.2.3', '2001:db8::1'],
      uri: ['spiffe://cluster.local/ns/default/sa/web'],
      otherNames: [
        { oid: '1.3.6.1.4.1.311.20.2.3', value: 'user@example.com' },
        { oid: '1.2.3.4', value: 'ünï' },
      ],
    },
    policyOids: ['2.23.140.1.2.1', '1.3.6.1.4.1.99999.1'],
    authorityInfo: {
      issuingCertificates: ['http://ca.example.com/ca.der'],
      ocspServers: ['http://ocsp.example.com'],
      crlDistributionPoints: ['http://crl.example.com/1.crl', 'http://crl.example.com/2.crl'],
    },
  });
  const out = text(leaf);

  test('ok/verifies under -x509_strict', () => {
    expect(verify(leaf).ok).toBe(true);
  });

  test('ok/subject: order kept, one RDN each, UTF8String except C and serialNumber', () => {
    expect(out).toContain(
      'Subject: C=DE, O=Bücher GmbH, OU=Ops, L=München, ST=Bayern, street=Hauptstraße 1, postalCode=80331, serialNumber=SN-1234, CN=www.example.com, UID=u-42',
    );
    const parsed = asn1(leaf);
    expect(parsed).toMatch(/:countryName\s*\n.*PRINTABLESTRING\s+:DE/);
    expect(parsed).toMatch(/:serialNumber\s*\n.*PRINTABLESTRING\s+:SN-1234/);
    expect(parsed).toMatch(/:organizationName\s*\n.*UTF8STRING/);
    expect(parsed).toMatch(/:userId\s*\n.*UTF8STRING\s+:u-42/);
    expect(parsed).toMatch(/:commonName\s*\n.*UTF8STRING\s+:www.example.com/);
    // Ten attributes, ten SETs in the subject (plus one in the issuer's two).
    expect(parsed.match(/cons:\s+SET/g)).toHaveLength(12);
    expect(new X509Certificate(leaf).subject).toBe(
      'C=DE\nO=Bücher GmbH\nOU=Ops\nL=München\nST=Bayern\nstreet=Hauptstraße 1\npostalCode=80331\nserialNumber=SN-1234\nCN=www.example.com\nUID=u-42',
    );
  });

  test('ok/issuer is the issuer subject, byte for byte', () => {
    expect(parseCertificateDer(leaf).issuerDer.equals(parseCertificateDer(root.der).subjectDer)).toBe(true);
    expect(out).toContain('Issuer: C=US, CN=Extensions Root');
  });

  test('ok/SAN entries and criticality', () => {
    expect(out).toMatch(/X509v3 Subject Alternative Name: \n/);
    expect(out).toContain(
      'DNS:www.example.com, DNS:*.example.com, email:ops@example.com, IP Address:10.1.2.3, IP Address:2001:DB8:0:0:0:0:0:1, URI:spiffe://cluster.local/ns/default/sa/web, othername: UPN::user@example.com, othername: 1.2.3.4::ünï',
    );
    const x = new X509Certificate(leaf);
    expect(x.subjectAltName).toContain('URI:spiffe://cluster.local/ns/default/sa/web');
    expect(x.checkIP('2001:db8::1')).toBe('2001:db8::1');
    expect(x.checkEmail('ops@example.com')).toBe('ops@example.com');
    expect(x.checkHost('api.example.com')).toBe('*.example.com');
    expect(x.checkHost('example.org')).toBeUndefined();
  });

  test('ok/key usage, EKU, policies, AIA and CRL distribution points', () => {
    expect(out).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
    expect(out).toMatch(/X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication, TLS Web Client Authentication, 1\.2\.3\.4\.5\n/);
    expect(out).toMatch(/X509v3 Certificate Policies: \n\s+Policy: 2\.23\.140\.1\.2\.1\n\s+Policy: 1\.3\.6\.1\.4\.1\.99999\.1\n/);
    expect(out).toMatch(/Authority Information Access: \n\s+OCSP - URI:http:\/\/ocsp\.example\.com\n\s+CA Issuers - URI:http:\/\/ca\.example\.com\/ca\.der\n/);
    expect(out).toMatch(
      /X509v3 CRL Distribution Points: \n\s+Full Name:\n\s+URI:http:\/\/crl\.example\.com\/1\.crl\n\s+Full Name:\n\s+URI:http:\/\/crl\.example\.com\/2\.crl/,
    );
    expect(new X509Certificate(leaf).infoAccess?.trim()).toBe('OCSP - URI:http://ocsp.example.com\nCA Issuers - URI:http://ca.example.com/ca.der');
    expect(out).not.toContain('Basic Constraints');
  });

  test('ok/extensions in a stable order with no duplicates', () => {
    expect(parseCertificateDer(leaf).extensions.map((e) => e.oid)).toEqual([
      OID.subjectKeyIdentifier,
      OID.authorityKeyIdentifier,
      OID.keyUsage,
      OID.extKeyUsage,
      OID.subjectAltName,
      OID.certificatePolicies,
      OID.authorityInfoAccess,
      OID.crlDistributionPoints,
    ]);
  });

  test('ok/SKID is SHA-1 of the key bits and AKID is the issuer SKID', () => {
    const info = parseCertificateDer(leaf);
    const rootInfo = parseCertificateDer(root.der);
    expect(info.authorityKeyId!.equals(rootInfo.subjectKeyId!)).toBe(true);
    const skid = info.subjectKeyId!.toString('hex').toUpperCase().match(/../g)!.join(':');
    expect(out).toMatch(new RegExp(`X509v3 Subject Key Identifier: \\n\\s+${skid}\\n`));
  });
});

describe('CA certificates', () => {
  const nc: NameConstraints = {
    permittedDnsDomains: ['example.com', '.example.org'],
    excludedDnsDomains: ['bad.example.com'],
    permittedIpRanges: ['10.0.0.0/8', 'fd00::/8'],
    excludedIpRanges: ['10.9.0.0/16'],
    permittedEmailAddresses: ['example.com'],
    excludedEmailAddresses: [],
    permittedUriDomains: ['.example.com'],
    excludedUriDomains: ['evil.example.com'],
  };
  const inter = makeIntermediate(root, interKeys, 'Constrained Intermediate', { overrides: { maxPathLength: 0, nameConstraints: nc } });
  const interText = text(inter.der);

  test('ok/root: self-issued, CA:TRUE critical without pathlen, AKID = SKID', () => {
    const rootText = text(root.der);
    expect(rootText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
    expect(rootText).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
    const info = parseCertificateDer(root.der);
    expect(info.selfIssued).toBe(true);
    expect(info.authorityKeyId!.equals(info.subjectKeyId!)).toBe(true);
    expect(info.issuerDer.equals(info.subjectDer)).toBe(true);
  });

  test('ok/intermediate: pathlen and name constraints (critical)', () => {
    expect(interText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0\n/);
    expect(interText).toMatch(
      /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:example\.com\s+DNS:\.example\.org\s+IP:10\.0\.0\.0\/255\.0\.0\.0\s+IP:FD00:0:0:0:0:0:0:0\/FF00:0:0:0:0:0:0:0\s+email:example\.com\s+URI:\.example\.com\s+Excluded:\s+DNS:bad\.example\.com\s+IP:10\.9\.0\.0\/255\.255\.0\.0\s+URI:evil\.example\.com\n/,
    );
    expect(verify(inter.der).ok).toBe(true);
  });

  test('ok/name constraints are enforced by openssl (they encode what they say)', () => {
    const sans = (dns: string[], ip: string[] = []) => ({ dns, email: [], ip, uri: [], otherNames: [] });
    const good = signLeaf({ subject: [{ type: 'CN', value: 'ok.example.com' }], sans: sans(['ok.example.com'], ['10.1.1.1']) }, inter.issuer);
    expect(verify(good, inter.der)).toMatchObject({ ok: true });
    const outside = signLeaf({ subject: [{ type: 'CN', value: 'x.evil.org' }], sans: sans(['x.evil.org']) }, inter.issuer);
    expect(verify(outside, inter.der).output).toMatch(/permitted subtree violation/);
    const excluded = signLeaf({ subject: [{ type: 'CN', value: 'bad.example.com' }], sans: sans(['bad.example.com']) }, inter.issuer);
    expect(verify(excluded, inter.der).output).toMatch(/excluded subtree violation/);
    const excludedIp = signLeaf({ subject: [], sans: sans(['ok.example.com'], ['10.9.1.1']) }, inter.issuer);
    expect(verify(excludedIp, inter.der).output).toMatch(/excluded subtree violation/);
  });

  test('ok/pathlen 0 is enforced: a CA under it is refused', () => {
    const sub = makeIntermediate(inter, generateKeyPairSync('ec', { namedCurve: 'P-256' }), 'Too Deep', {
      overrides: { sans: { dns: ['deep.example.com'], email: [], ip: [], uri: [], otherNames: [] } },
    });
    const leaf = signLeaf({ subject: [{ type: 'CN', value: 'leaf.example.com' }] }, sub.issuer);
    const chain = Buffer.from(inter.pem + sub.pem);
    const chainFile = tmp.write('deep-chain.pem', chain);
    const leafFile = tmp.write('deep-leaf.pem', toPem(leaf, 'CERTIFICATE'));
    const r = openssl(['verify', '-x509_strict', '-CAfile', rootFile, '-untrusted', chainFile, leafFile]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/path length constraint exceeded/);
  });

  test('fail/selfSigningIssuer refuses a template whose key is not the signing key', () => {
    expect(() => selfSigningIssuer(template(leafKeys.publicKey), rootKeys.privateKey, { signatureBits: 0, usePss: false })).toThrow(
      /does not belong to the private key/,
    );
  });

  test('ok/cross-signing keeps a given SKID', () => {
    const skid = Buffer.from('0123456789abcdef0123456789abcdef01234567', 'hex');
    const cross = signLeaf({ isCa: true, keyUsage: ['CertSign', 'CRLSign'], subjectKeyId: skid, sans: { dns: [], email: [], ip: [], uri: [], otherNames: [] } });
    expect(text(cross)).toMatch(/X509v3 Subject Key Identifier: \n\s+01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67\n/);
    expect(parseCertificateDer(cross).subjectKeyId!.equals(skid)).toBe(true);
  });
});

describe('leaf options', () => {
  test('ok/basicConstraintsOnLeaf writes CA:FALSE (critical), as an empty SEQUENCE', () => {
    const leaf = signLeaf({ basicConstraintsOnLeaf: true });
    expect(text(leaf)).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE\n/);
    expect(parseCertificateDer(leaf).isCa).toBe(false);
    const bc = parseCertificateDer(leaf).extensions.find((e) => e.oid === OID.basicConstraints)!;
    expect(bc.critical).toBe(true);
    expect(bc.value.toString('hex')).toBe('3000');
    expect(verify(leaf).ok).toBe(true);
  });

  test('ok/maxPathLength on a leaf is ignored', () => {
    expect(text(signLeaf({ basicConstraintsOnLeaf: true, maxPathLength: 3 }))).toMatch(/CA:FALSE\n/);
  });

  test('ok/empty subject makes the SAN critical and still verifies strictly', () => {
    const leaf = signLeaf({ subject: [], sans: { dns: ['x.example.com'], email: [], ip: [], uri: [], otherNames: [] } });
    const out = text(leaf);
    expect(out).toMatch(/Subject: ?\n/);
    expect(out).toMatch(/X509v3 Subject Alternative Name: critical\s+DNS:x\.example\.com\n/);
    expect(verify(leaf).ok).toBe(true);
  });

  test('ok/empty key usage, EKU and SANs are omitted', () => {
    const leaf = signLeaf({ keyUsage: [], extKeyUsageOids: [], sans: { dns: [], email: [], ip: [], uri: [], otherNames: [] } });
    const out = text(leaf);
    expect(out).not.toContain('Key Usage');
    expect(out).not.toContain('Alternative Name');
    expect(parseCertificateDer(leaf).extensions.map((e) => e.oid)).toEqual([OID.subjectKeyIdentifier, OID.authorityKeyIdentifier]);
  });

  test('ok/duplicate EKU and policy OIDs are written once', () => {
    const leaf = signLeaf({ extKeyUsageOids: [OID.ekuServerAuth, OID.ekuServerAuth], policyOids: ['1.2.3', '1.2.3'] });
    expect(parseCertificateDer(leaf).extKeyUsageOids).toEqual([OID.ekuServerAuth]);
    expect(text(leaf).match(/Policy: 1\.2\.3\n/g)).toHaveLength(1);
  });
});

describe('KeyUsage named-bit encoding', () => {
  const hex = (usages: KeyUsageName[]): string | null => {
    const bits = keyUsageBitString(usages);
    return bits && der.toBuffer(bits).toString('hex');
  };
  test.each([
    [['DigitalSignature'], '03020780'],
    [['DigitalSignature', 'KeyEncipherment'], '030205a0'],
    [['CertSign', 'CRLSign'], '03020106'],
    [['CRLSign'], '03020102'],
    [['KeyAgreement'], '03020308'],
    [['EncipherOnly'], '03020001'],
    [['DecipherOnly'], '0303070080'],
    [['DigitalSignature', 'DecipherOnly'], '0303078080'],
    [['DigitalSignature', 'ContentCommitment', 'KeyEncipherment', 'DataEncipherment', 'KeyAgreement', 'CertSign', 'CRLSign', 'EncipherOnly', 'DecipherOnly'], '030307ff80'],
  ] as [KeyUsageName[], string][])('ok/%j', (usages, expected) => {
    expect(hex(usages)).toBe(expected);
  });

  test('ok/empty is omitted; unknown names are refused', () => {
    expect(hex([])).toBeNull();
    expect(badRequest(() => keyUsageBitString(['Bogus' as KeyUsageName]))).toMatch(/unknown key usage "Bogus"/);
  });

  test('ok/openssl names every bit', () => {
    const leaf = signLeaf({ keyUsage: ['ContentCommitment', 'DataEncipherment', 'KeyAgreement', 'EncipherOnly', 'DecipherOnly'] });
    expect(text(leaf)).toMatch(/X509v3 Key Usage: critical\s+Non Repudiation, Data Encipherment, Key Agreement, Encipher Only, Decipher Only\n/);
  });
});

describe('validity and serial encoding', () => {
  test('ok/UTCTime up to 2049, GeneralizedTime from 2050', () => {
    const leaf = signLeaf({ notBeforeMs: Date.parse('2049-12-31T23:59:59.500Z'), notAfterMs: Date.parse('2050-01-01T00:00:00Z') });
    const parsed = asn1(leaf);
    expect(parsed).toContain('UTCTIME           :491231235959Z');
    expect(parsed).toContain('GENERALIZEDTIME   :20500101000000Z');
    const out = text(leaf);
    expect(out).toContain('Not Before: Dec 31 23:59:59 2049 GMT');
    expect(out).toContain('Not After : Jan  1 00:00:00 2050 GMT');
    const x = new X509Certificate(leaf);
    expect(Date.parse(x.validTo)).toBe(Date.parse('2050-01-01T00:00:00Z'));
    const info = parseCertificateDer(leaf);
    expect([info.notBeforeMs, info.notAfterMs]).toEqual([Date.parse('2049-12-31T23:59:59Z'), Date.parse('2050-01-01T00:00:00Z')]);
  });

  test('ok/9999-12-31T23:59:59Z (Vault not_after maximum)', () => {
    const leaf = signLeaf({ notAfterMs: Date.parse('9999-12-31T23:59:59Z') });
    expect(asn1(leaf)).toContain('GENERALIZEDTIME   :99991231235959Z');
    expect(verify(leaf).ok).toBe(true);
  });

  test('ok/serial with the top bit set gets a 0x00 and stays positive', () => {
    const leaf = signLeaf({ serial: Buffer.from('8001', 'hex') });
    expect(text(leaf)).toContain('Serial Number: 32769 (0x8001)');
    expect(asn1(leaf)).toMatch(/INTEGER\s+:8001/);
    expect(leaf.includes(Buffer.from('0203008001', 'hex'))).toBe(true);
    expect(parseCertificateDer(leaf).serialNumber).toBe('80:01');
  });

  test('ok/a 20-byte serial below 2^159', () => {
    const serial = Buffer.from(`7f${'ab'.repeat(19)}`, 'hex');
    const leaf = signLeaf({ serial });
    expect(parseCertificateDer(leaf).serial.equals(serial)).toBe(true);
    expect(verify(leaf).ok).toBe(true);
  });

  test('fail/serials, validity and names that cannot be encoded', () => {
    expect(badRequest(() => signLeaf({ serial: Buffer.from('00', 'hex') }))).toBe('certificate serial number must be positive');
    expect(badRequest(() => signLeaf({ serial: Buffer.alloc(20, 0xff) }))).toBe('certificate serial number is longer than 20 octets');
    expect(badRequest(() => signLeaf({ notBeforeMs: 2_000_000_000_000, notAfterMs: 1_000_000_000_000 }))).toBe(
      'certificate notAfter is before its notBefore',
    );
    const sans = (over: object) => ({ dns: [], email: [], ip: [], uri: [], otherNames: [], ...over });
    expect(badRequest(() => signLeaf({ sans: sans({ dns: ['bücher.example'] }) }))).toBe('DNS SAN "bücher.example" must be ASCII');
    expect(badRequest(() => signLeaf({ sans: sans({ ip: ['10.0.0.256'] }) }))).toBe('invalid IP address "10.0.0.256"');
    expect(badRequest(() => signLeaf({ sans: sans({ dns: [''] }) }))).toBe('empty DNS SAN');
    expect(badRequest(() => signLeaf({ sans: sans({ otherNames: [{ oid: 'not-an-oid', value: 'x' }] }) }))).toBe(
      'invalid object identifier "not-an-oid"',
    );
    expect(badRequest(() => signLeaf({ subject: [{ type: 'CN', value: '' }] }))).toBe('subject attribute CN is empty');
    expect(badRequest(() => signLeaf({ extKeyUsageOids: ['1.2.bad'] }))).toBe('invalid object identifier "1.2.bad"');
  });

  test('ok/a non-printable serialNumber attribute falls back to UTF8String (as Go does)', () => {
    const leaf = signLeaf({ subject: [{ type: 'serialNumber', value: 'a@b' }, { type: 'CN', value: 'x' }] });
    expect(asn1(leaf)).toMatch(/:serialNumber\s*\n.*UTF8STRING\s+:a@b/);
  });
});

describe('external issuers', () => {
  test('ok/signing under a root made by openssl copies its subject bytes verbatim', () => {
    const keyFile = tmp.write('ext.key', opensslOk(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']));
    const rootPem = opensslOk([
      'req', '-x509', '-new', '-key', keyFile, '-days', '2', '-subj', '/C=US/O=External Org/CN=External Root',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    const ext = parseCertificate(rootPem);
    const leaf = signCertificate(template(leafKeys.publicKey), {
      subjectDer: ext.subjectDer,
      subjectKeyId: ext.subjectKeyId!,
      privateKey: createPrivateKey(readFileSync(keyFile)),
      signatureBits: 0,
      usePss: false,
    });
    expect(parseCertificateDer(leaf).issuerDer.equals(ext.subjectDer)).toBe(true);
    const extRootFile = tmp.write('ext-root.pem', rootPem);
    const leafFile = tmp.write('ext-leaf.pem', toPem(leaf, 'CERTIFICATE'));
    expect(opensslOk(['verify', '-x509_strict', '-CAfile', extRootFile, leafFile])).toContain(': OK');
    expect(text(leaf)).toContain('Signature Algorithm: ecdsa-with-SHA384');
  });
});
