/**
 * Key pairs: the key types and sizes Vault accepts, generation off the main thread, and
 * private-key import/export in the formats Vault's API uses (`private_key_format`).
 */
import { createPrivateKey, generateKeyPair as generateNodeKeyPair, generateKeyPairSync as generateNodeKeyPairSync, type KeyObject } from 'node:crypto';
import { badRequest, CaError } from '../core/errors.js';
import { decodePemOrDer, toPem } from './pem.js';
import { keyIdentifierOf, publicKeyInfoOf, spkiDerOf } from './spki.js';
import type { KeyType } from './types.js';

export interface KeyPair {
  type: KeyType;
  /** RSA modulus bits, EC curve bits (256/384/521), 0 for ed25519. */
  bits: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface KeyDescription {
  type: KeyType;
  bits: number;
}

const rsaSizes: readonly number[] = [2048, 3072, 4096, 8192];
const curveByBits: Readonly<Record<number, string>> = { 256: 'P-256', 384: 'P-384', 521: 'P-521' };
const bitsByCurve: Readonly<Record<string, number>> = {
  prime256v1: 256,
  secp384r1: 384,
  secp521r1: 521,
  // Reported (a CSR may carry one; Vault's key_type=any accepts ec >= 224) but never generated.
  secp224r1: 224,
};

export function parseKeyType(text: string): KeyType {
  if (text === 'rsa' || text === 'ec' || text === 'ed25519') return text;
  throw badRequest(`unknown key type "${text}": must be rsa, ec or ed25519`);
}

/** Vault's defaults (0 -> 2048 RSA / 256 EC) and allowed sizes; ed25519 ignores key_bits, as Vault does. */
export function normalizeKeyBits(type: KeyType, bits: number): number {
  switch (type) {
    case 'rsa':
      if (bits === 0) return 2048;
      if (bits < 2048) throw badRequest(`RSA keys < 2048 bits are unsafe and not supported: got ${bits}`);
      if (!rsaSizes.includes(bits)) throw badRequest(`unsupported bit length for RSA key: ${bits}`);
      return bits;
    case 'ec':
      if (bits === 0) return 256;
      if (curveByBits[bits] === undefined) throw badRequest(`unsupported bit length for EC key: ${bits}`);
      return bits;
    case 'ed25519':
      return 0;
    default:
      throw badRequest(`unknown key type "${String(type)}"`);
  }
}

type NodeKeyGeneration = ['rsa', { modulusLength: number; publicExponent: number }] | ['ec', { namedCurve: string }] | ['ed25519', Record<string, never>];

function nodeKeyGeneration(type: KeyType, size: number): NodeKeyGeneration {
  if (type === 'rsa') return ['rsa', { modulusLength: size, publicExponent: 0x10001 }];
  if (type === 'ec') return ['ec', { namedCurve: curveByBits[size]! }];
  return ['ed25519', {}];
}

/** Generates in libuv's thread pool so a 4096-bit RSA key does not stall the event loop. */
export async function generateKeyPair(type: KeyType, bits: number): Promise<KeyPair> {
  const size = normalizeKeyBits(type, bits);
  const [nodeType, options] = nodeKeyGeneration(type, size);
  return new Promise<KeyPair>((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (err) reject(err);
      else resolve({ type, bits: size, privateKey, publicKey });
    };
    // The overloads take one literal type at a time.
    (generateNodeKeyPair as (t: string, o: object, cb: typeof done) => void)(nodeType, options, done);
  });
}

/** Synchronous, for a thread that exists to do crypto (EC and Ed25519 keys take microseconds). */
export function generateKeyPairNow(type: KeyType, bits: number): KeyPair {
  const size = normalizeKeyBits(type, bits);
  const [nodeType, options] = nodeKeyGeneration(type, size);
  const pair = (generateNodeKeyPairSync as (t: string, o: object) => { publicKey: KeyObject; privateKey: KeyObject })(nodeType, options);
  return { type, bits: size, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** Type and size of a public or private key; other algorithms (rsa-pss, dsa, x25519...) are refused. */
export function describeKey(key: KeyObject): KeyDescription {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' && details.modulusLength) return { type: 'rsa', bits: details.modulusLength };
  if (type === 'ec') {
    const bits = bitsByCurve[details.namedCurve ?? ''];
    if (bits) return { type: 'ec', bits };
    throw badRequest(`unsupported EC curve ${details.namedCurve ?? '(unknown)'}`);
  }
  if (type === 'ed25519') return { type: 'ed25519', bits: 0 };
  throw badRequest(`unsupported key algorithm ${type ?? '(unknown)'}: must be rsa, ec or ed25519`);
}

/** Vault's `private_key_format`: `der` means the type's traditional encoding, `pkcs8` the generic one. */
export type PrivateKeyFormat = 'der' | 'pkcs8';

export function parsePrivateKeyFormat(text: string | undefined): PrivateKeyFormat {
  if (text === undefined || text === '' || text === 'der') return 'der';
  if (text === 'pkcs8') return 'pkcs8';
  throw badRequest(`invalid private_key_format "${text}": must be "der" or "pkcs8"`);
}

/** PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY`, or PKCS#8 `PRIVATE KEY` (always for ed25519). */
export function privateKeyDer(key: KeyObject, format: PrivateKeyFormat = 'der'): { label: string; der: Buffer } {
  // The type alone decides the encoding; asymmetricKeyDetails (describeKey) is slow on a fresh key.
  const type = key.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec' && type !== 'ed25519') describeKey(key);
  if (format === 'der' && type === 'rsa') return { label: 'RSA PRIVATE KEY', der: key.export({ type: 'pkcs1', format: 'der' }) };
  if (format === 'der' && type === 'ec') return { label: 'EC PRIVATE KEY', der: key.export({ type: 'sec1', format: 'der' }) };
  return { label: 'PRIVATE KEY', der: key.export({ type: 'pkcs8', format: 'der' }) };
}

/** The `private_key` response field: PEM (format pem / pem_bundle) or base64 DER (format der). */
export function exportPrivateKey(key: KeyObject, format: PrivateKeyFormat, encoding: 'pem' | 'der'): string {
  const { label, der } = privateKeyDer(key, format);
  return encoding === 'pem' ? toPem(der, label) : der.toString('base64');
}

const keyLabels = ['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'] as const;
const typeByLabel = { 'PRIVATE KEY': 'pkcs8', 'RSA PRIVATE KEY': 'pkcs1', 'EC PRIVATE KEY': 'sec1' } as const;

/** Reads any format exportPrivateKey writes (PEM or base64/raw DER); refuses encrypted keys. */
export function parsePrivateKey(input: string | Buffer): KeyObject {
  if (typeof input === 'string' && input.includes('ENCRYPTED PRIVATE KEY')) {
    throw badRequest('encrypted private keys are not supported; decrypt the key first');
  }
  const { label, der } = decodePemOrDer(input, keyLabels, 'private key');
  const candidates = label === null ? (['pkcs8', 'pkcs1', 'sec1'] as const) : [typeByLabel[label as keyof typeof typeByLabel]];
  for (const type of candidates) {
    try {
      const key = createPrivateKey({ key: der, format: 'der', type });
      describeKey(key);
      return key;
    } catch (err) {
      if (err instanceof CaError) throw err; // a parsed key of an unsupported type
    }
  }
  throw badRequest('could not parse the private key: expected an unencrypted RSA, EC or Ed25519 key in PKCS#1, SEC1 or PKCS#8 form');
}

/** Same key? Compared by SubjectPublicKeyInfo, so a private key matches its public half. */
export const publicKeysEqual = (a: KeyObject, b: KeyObject): boolean => spkiDerOf(a).equals(spkiDerOf(b));

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
export const subjectKeyIdOf = (publicKey: KeyObject): Buffer => keyIdentifierOf(publicKeyInfoOf(publicKey));
