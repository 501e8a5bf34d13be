import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import { readSingle } from '../../src/pki/der-reader.js';
import { normalizeSignatureBits, signatureAlgorithmFor } from '../../src/pki/signature.js';
import { verifySignature } from '../../src/pki/signature-verify.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' });
const ed = generateKeyPairSync('ed25519');

// AlgorithmIdentifier encodings as the CA/Browser Forum Baseline Requirements (7.1.3.2) list them.
const brEncodings = {
  sha256WithRSA: '300d06092a864886f70d01010b0500',
  sha384WithRSA: '300d06092a864886f70d01010c0500',
  sha512WithRSA: '300d06092a864886f70d01010d0500',
  pssSha256:
    '304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120',
  pssSha384:
    '304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020130',
  pssSha512:
    '304106092a864886f70d01010a3034a00f300d06096086480165030402030500a11c301a06092a864886f70d010108300d06096086480165030402030500a203020140',
  ecdsaSha256: '300a06082a8648ce3d040302',
  ecdsaSha384: '300a06082a8648ce3d040303',
  ecdsaSha512: '300a06082a8648ce3d040304',
  ed25519: '300506032b6570',
};

describe('normalizeSignatureBits', () => {
  test.each([
    [0, 256],
    [256, 256],
    [384, 384],
    [512, 512],
  ])('ok/%i -> %i', (bits, expected) => {
    expect(normalizeSignatureBits(bits)).toBe(expected);
  });
  test.each([1, 128, 224, 257, 1024, -1])('fail/%i', (bits) => {
    expect(() => normalizeSignatureBits(bits)).toThrow(CaError);
    expect(() => normalizeSignatureBits(bits)).toThrow(`unsupported signature_bits ${bits}: must be 0, 256, 384 or 512`);
  });
});

describe('signatureAlgorithmFor', () => {
  test.each([
    ['RSA default', rsa, 0, false, brEncodings.sha256WithRSA],
    ['RSA 384', rsa, 384, false, brEncodings.sha384WithRSA],
    ['RSA 512', rsa, 512, false, brEncodings.sha512WithRSA],
    ['RSA PSS default', rsa, 0, true, brEncodings.pssSha256],
    ['RSA PSS 384', rsa, 384, true, brEncodings.pssSha384],
    ['RSA PSS 512', rsa, 512, true, brEncodings.pssSha512],
    ['P-256 (bits ignored)', p256, 512, false, brEncodings.ecdsaSha256],
    ['P-384', p384, 0, false, brEncodings.ecdsaSha384],
    ['P-521 (PSS ignored)', p521, 0, true, brEncodings.ecdsaSha512],
    ['Ed25519', ed, 384, true, brEncodings.ed25519],
  ] as const)('ok/%s', (_name, keys, signatureBits, usePss, expected) => {
    const algorithm = signatureAlgorithmFor(keys.privateKey, { signatureBits, usePss });
    expect(algorithm.algorithmIdentifier.toString('hex')).toBe(expected);
    const data = Buffer.from('to be signed');
    const signature = algorithm.sign(data);
    expect(verifySignature(readSingle(algorithm.algorithmIdentifier), keys.publicKey, data, signature)).toBe(true);
    expect(verifySignature(readSingle(algorithm.algorithmIdentifier), keys.publicKey, Buffer.from('tampered'), signature)).toBe(false);
  });

  test('ok/ECDSA signatures are DER (X.509), not IEEE P1363', () => {
    const signature = signatureAlgorithmFor(p256.privateKey, { signatureBits: 0, usePss: false }).sign(Buffer.from('x'));
    expect(signature[0]).toBe(0x30);
    expect(verify('sha256', Buffer.from('x'), { key: p256.publicKey, dsaEncoding: 'der' }, signature)).toBe(true);
  });

  test('ok/PSS salt length equals the hash length', () => {
    const signature = signatureAlgorithmFor(rsa.privateKey, { signatureBits: 384, usePss: true }).sign(Buffer.from('x'));
    const check = (saltLength: number) =>
      verify('sha384', Buffer.from('x'), { key: rsa.publicKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength }, signature);
    expect(check(48)).toBe(true);
    expect(check(32)).toBe(false);
  });

  test('fail/bad signature_bits, public keys, unsupported key types', () => {
    expect(() => signatureAlgorithmFor(rsa.privateKey, { signatureBits: 1024, usePss: false })).toThrow(CaError);
    expect(() => signatureAlgorithmFor(rsa.publicKey, { signatureBits: 0, usePss: false })).toThrow(/private key/);
    expect(() => signatureAlgorithmFor(generateKeyPairSync('ed448').privateKey, { signatureBits: 0, usePss: false })).toThrow(
      /unsupported key algorithm ed448/,
    );
  });

  test('fail/verifySignature: wrong key type is false, unknown algorithm is a bad request', () => {
    const algorithm = signatureAlgorithmFor(p256.privateKey, { signatureBits: 0, usePss: false });
    const signature = algorithm.sign(Buffer.from('x'));
    expect(verifySignature(readSingle(algorithm.algorithmIdentifier), rsa.publicKey, Buffer.from('x'), signature)).toBe(false);
    const md5WithRsa = Buffer.from('300d06092a864886f70d0101040500', 'hex');
    expect(() => verifySignature(readSingle(md5WithRsa), rsa.publicKey, Buffer.from('x'), signature)).toThrow(
      'unsupported signature algorithm 1.2.840.113549.1.1.4',
    );
  });
});
