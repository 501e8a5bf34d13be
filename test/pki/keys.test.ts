import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import {
  describeKey,
  exportPrivateKey,
  generateKeyPair,
  type KeyPair,
  normalizeKeyBits,
  parsePrivateKey,
  parsePrivateKeyFormat,
  publicKeysEqual,
  subjectKeyIdOf,
} from '../../src/pki/keys.js';
import { toPem } from '../../src/pki/pem.js';
import { spkiDerOf } from '../../src/pki/spki.js';
import type { KeyType } from '../../src/pki/types.js';
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

describe('normalizeKeyBits', () => {
  test.each([
    ['rsa', 0, 2048],
    ['rsa', 2048, 2048],
    ['rsa', 3072, 3072],
    ['rsa', 4096, 4096],
    ['rsa', 8192, 8192],
    ['ec', 0, 256],
    ['ec', 256, 256],
    ['ec', 384, 384],
    ['ec', 521, 521],
    ['ed25519', 0, 0],
    ['ed25519', 256, 0],
  ] as const)('ok/%s %i -> %i', (type, bits, expected) => {
    expect(normalizeKeyBits(type, bits)).toBe(expected);
  });

  test.each([
    ['rsa', 1024, 'RSA keys < 2048 bits are unsafe and not supported: got 1024'],
    ['rsa', 2049, 'unsupported bit length for RSA key: 2049'],
    ['ec', 224, 'unsupported bit length for EC key: 224'],
    ['ec', 512, 'unsupported bit length for EC key: 512'],
  ] as const)('fail/%s %i', (type, bits, message) => {
    expect(badRequest(() => normalizeKeyBits(type, bits))).toBe(message);
  });
});

describe('generateKeyPair and describeKey', () => {
  const cases: [KeyType, number, number][] = [
    ['rsa', 0, 2048],
    ['ec', 0, 256],
    ['ec', 384, 384],
    ['ec', 521, 521],
    ['ed25519', 0, 0],
  ];
  let pairs: KeyPair[];
  beforeAll(async () => {
    pairs = await Promise.all(cases.map(([type, bits]) => generateKeyPair(type, bits)));
  });

  test('ok/each type and size', () => {
    cases.forEach(([type, , bits], i) => {
      const pair = pairs[i]!;
      expect(pair).toMatchObject({ type, bits });
      expect(pair.privateKey.type).toBe('private');
      expect(pair.publicKey.type).toBe('public');
      expect(describeKey(pair.privateKey)).toEqual({ type, bits });
      expect(describeKey(pair.publicKey)).toEqual({ type, bits });
      expect(publicKeysEqual(pair.privateKey, pair.publicKey)).toBe(true);
      expect(publicKeysEqual(pair.publicKey, pairs[(i + 1) % pairs.length]!.publicKey)).toBe(false);
    });
  });

  test('fail/refused sizes reject before generating', async () => {
    await expect(generateKeyPair('ec', 224)).rejects.toThrow('unsupported bit length for EC key: 224');
    await expect(generateKeyPair('rsa', 1000)).rejects.toBeInstanceOf(CaError);
  });

  test('fail/describeKey refuses other algorithms', () => {
    expect(badRequest(() => describeKey(generateKeyPairSync('x25519').publicKey))).toMatch(/unsupported key algorithm x25519/);
    expect(badRequest(() => describeKey(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey))).toMatch(
      /unsupported EC curve secp256k1/,
    );
  });
});

describe('SubjectPublicKeyInfo and key identifiers', () => {
  const keys: Record<string, KeyObject> = {
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
    p521: generateKeyPairSync('ec', { namedCurve: 'P-521' }).privateKey,
    p224: generateKeyPairSync('ec', { namedCurve: 'secp224r1' }).privateKey,
    ed25519: generateKeyPairSync('ed25519').privateKey,
  };

  test.each(Object.keys(keys))('ok/%s: our SPKI is byte-identical to OpenSSL', (name) => {
    const key = keys[name]!;
    expect(spkiDerOf(key).equals(createPublicKey(key).export({ type: 'spki', format: 'der' }))).toBe(true);
  });

  test.each(['rsa', 'p256', 'p521', 'ed25519'])('ok/%s: subjectKeyIdOf matches the SKID openssl computes', (name) => {
    const key = keys[name]!;
    const keyFile = tmp.write(`${name}-skid.pem`, key.export({ type: 'pkcs8', format: 'pem' }));
    const certFile = `${tmp.dir}/${name}-skid.crt`;
    opensslOk(['req', '-x509', '-new', '-key', keyFile, '-subj', '/CN=skid', '-days', '1', '-out', certFile]);
    const text = opensslOk(['x509', '-in', certFile, '-noout', '-ext', 'subjectKeyIdentifier']);
    const opensslSkid = text.split('\n')[1]!.trim().replace(/:/g, '').toLowerCase();
    expect(subjectKeyIdOf(createPublicKey(key)).toString('hex')).toBe(opensslSkid);
  });
});

describe('private key export (Vault private_key_format) and parsePrivateKey', () => {
  const keys: Record<KeyType, KeyObject> = {
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    ec: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey,
    ed25519: generateKeyPairSync('ed25519').privateKey,
  };
  const expectedLabel = { rsa: 'RSA PRIVATE KEY', ec: 'EC PRIVATE KEY', ed25519: 'PRIVATE KEY' } as const;
  // The traditional-format tool for each type, which refuses anything else.
  const traditionalTool = { rsa: ['rsa'], ec: ['ec'], ed25519: ['pkey'] } as const;

  test.each(['rsa', 'ec', 'ed25519'] as const)('ok/%s format der as PEM and as base64 DER', (type) => {
    const key = keys[type];
    const publicPem = toPem(spkiDerOf(key), 'PUBLIC KEY');

    const pem = exportPrivateKey(key, 'der', 'pem');
    expect(pem.split('\n')[0]).toBe(`-----BEGIN ${expectedLabel[type]}-----`);
    const pemFile = tmp.write(`${type}-der.pem`, pem);
    if (type !== 'ed25519') opensslOk([type, '-check', '-in', pemFile, '-noout']); // exits non-zero on a bad key
    expect(opensslOk(['pkey', '-in', pemFile, '-pubout'])).toBe(publicPem);

    const b64 = exportPrivateKey(key, 'der', 'der');
    expect(b64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const derFile = tmp.write(`${type}-der.der`, Buffer.from(b64, 'base64'));
    expect(opensslOk([...traditionalTool[type], '-inform', 'DER', '-in', derFile, '-pubout'])).toBe(publicPem);

    expect(publicKeysEqual(parsePrivateKey(pem), key)).toBe(true);
    expect(publicKeysEqual(parsePrivateKey(b64), key)).toBe(true);
    expect(publicKeysEqual(parsePrivateKey(Buffer.from(b64, 'base64')), key)).toBe(true);
  });

  test.each(['rsa', 'ec', 'ed25519'] as const)('ok/%s format pkcs8 as PEM and as base64 DER', (type) => {
    const key = keys[type];
    const pem = exportPrivateKey(key, 'pkcs8', 'pem');
    expect(pem.split('\n')[0]).toBe('-----BEGIN PRIVATE KEY-----');
    const pemFile = tmp.write(`${type}-pkcs8.pem`, pem);
    const derFile = tmp.write(`${type}-pkcs8.der`, Buffer.from(exportPrivateKey(key, 'pkcs8', 'der'), 'base64'));
    // openssl re-encodes PKCS#8 byte for byte the same.
    expect(opensslOk(['pkey', '-in', pemFile])).toBe(pem);
    expect(opensslOk(['pkey', '-inform', 'DER', '-in', derFile])).toBe(pem);
    expect(publicKeysEqual(parsePrivateKey(pem), key)).toBe(true);
  });

  test('ok/keys written by openssl, including EC PARAMETERS before the key', () => {
    const rsa = opensslOk(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
    expect(describeKey(parsePrivateKey(rsa))).toEqual({ type: 'rsa', bits: 2048 });
    const rsaTraditional = opensslOk(['rsa', '-traditional'], rsa);
    expect(rsaTraditional).toContain('BEGIN RSA PRIVATE KEY');
    expect(describeKey(parsePrivateKey(rsaTraditional))).toEqual({ type: 'rsa', bits: 2048 });
    const ec = opensslOk(['ecparam', '-name', 'secp521r1', '-genkey']);
    expect(ec).toContain('BEGIN EC PARAMETERS');
    expect(describeKey(parsePrivateKey(`some text\r\n${ec.replace(/\n/g, '\r\n')}`))).toEqual({ type: 'ec', bits: 521 });
    const ed = opensslOk(['genpkey', '-algorithm', 'ED25519']);
    expect(describeKey(parsePrivateKey(ed))).toEqual({ type: 'ed25519', bits: 0 });
  });

  test('fail/garbage, encrypted keys and unsupported algorithms', () => {
    expect(badRequest(() => parsePrivateKey('not a key'))).toMatch(/neither PEM nor base64/);
    expect(badRequest(() => parsePrivateKey(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00])))).toMatch(/could not parse the private key/);
    expect(badRequest(() => parsePrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'))).toMatch(
      /could not parse the private key/,
    );
    const encrypted = opensslOk(['genpkey', '-algorithm', 'ED25519', '-aes-128-cbc', '-pass', 'pass:secret']);
    expect(encrypted).toContain('ENCRYPTED PRIVATE KEY');
    expect(badRequest(() => parsePrivateKey(encrypted))).toMatch(/encrypted private keys are not supported/);
    expect(badRequest(() => parsePrivateKey(opensslOk(['genpkey', '-algorithm', 'X25519'])))).toMatch(/unsupported key algorithm x25519/);
    const pss = opensslOk(['genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048']);
    expect(badRequest(() => parsePrivateKey(pss))).toMatch(/unsupported key algorithm rsa-pss/);
    const cert = openssl(['req', '-x509', '-new', '-key', tmp.write('k.pem', opensslOk(['genpkey', '-algorithm', 'ED25519'])), '-subj', '/CN=x']);
    expect(badRequest(() => parsePrivateKey(cert.stdout))).toMatch(/expected a PEM PRIVATE KEY block for the private key, but found CERTIFICATE/);
  });

  test('ok/private_key_format parsing', () => {
    expect(parsePrivateKeyFormat(undefined)).toBe('der');
    expect(parsePrivateKeyFormat('')).toBe('der');
    expect(parsePrivateKeyFormat('pkcs8')).toBe('pkcs8');
    expect(badRequest(() => parsePrivateKeyFormat('pem'))).toMatch(/must be "der" or "pkcs8"/);
  });

  test('ok/SEC1 export carries the named curve OpenSSL needs', () => {
    const file = tmp.write('sec1.pem', exportPrivateKey(keys.ec, 'der', 'pem'));
    expect(opensslOk(['ec', '-in', file, '-noout', '-text'])).toContain('NIST CURVE: P-384');
    expect(readFileSync(file, 'utf8').endsWith('-----END EC PRIVATE KEY-----\n')).toBe(true);
  });
});
