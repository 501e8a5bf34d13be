/** Extensions a template carries over verbatim (sign-self-issued): appended once, never doubled. */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { parseCertificateDer } from '../../src/pki/cert-info.js';
import * as der from '../../src/pki/der.js';
import { OID } from '../../src/pki/oids.js';
import { toPem } from '../../src/pki/pem.js';
import { createSigner } from '../../src/pki/sign.js';
import { makeRoot, opensslOk, template } from './support.js';

const root = makeRoot(generateKeyPairSync('ec', { namedCurve: 'P-256' }), [{ type: 'CN', value: 'Copy Root' }]);
const leafKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
// certificatePolicies { policyInformation { 1.2.3.4 } }
const policies = { oid: OID.certificatePolicies, critical: false, value: der.toBuffer(der.sequence([der.sequence([der.oid('1.2.3.4')])])) };

describe('copiedExtensions', () => {
  test('ok/a copied extension is written once, after the signer\'s own', () => {
    const cert = createSigner(root.issuer).sign(template(leafKeys.publicKey, { copiedExtensions: [policies] }));
    const oids = parseCertificateDer(cert).extensions.map((e) => e.oid);
    expect(oids.filter((oid) => oid === OID.certificatePolicies)).toHaveLength(1);
    expect(oids.at(-1)).toBe(OID.certificatePolicies);
    expect(opensslOk(['x509', '-noout', '-text'], toPem(cert, 'CERTIFICATE'))).toMatch(/Policy: 1.2.3.4/);
    expect(new X509Certificate(cert).verify(new X509Certificate(root.der).publicKey)).toBe(true);
  });

  test('fail/a copy of an extension the template already produces is refused', () => {
    expect(() => createSigner(root.issuer).sign(template(leafKeys.publicKey, { policyOids: ['2.23.140.1.2.1'], copiedExtensions: [policies] }))).toThrow(
      /would appear twice/,
    );
    expect(() => createSigner(root.issuer).sign(template(leafKeys.publicKey, { copiedExtensions: [policies, policies] }))).toThrow(/would appear twice/);
  });
});
