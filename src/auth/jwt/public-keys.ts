/**
 * PEM public keys and certificates as auth configs carry them (`pem_keys`,
 * `jwt_validation_pubkeys`), and CA bundles (`kubernetes_ca_cert`, `jwks_ca_pem`).
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { badRequest } from '../../core/errors.js';
import { maxPemBlocks } from '../../pki/pem.js';

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n?[\s\S]*?-----END \1-----/g;

const acceptedKeyTypes = new Set(['rsa', 'rsa-pss', 'ec', 'ed25519', 'ed448']);

/** OpenSSL will not verify with a larger RSA modulus, so such a key could never check a token. */
const maxRsaBits = 16384;

/**
 * One config entry → one public key: a `PUBLIC KEY` (SPKI), `RSA PUBLIC KEY` (PKCS#1) or
 * `CERTIFICATE` block, RSA, EC or EdDSA. Private keys are refused: a config must never hold one.
 */
export function parsePublicKeyPem(pem: string): KeyObject {
  const blocks = [...pem.matchAll(pemBlock)];
  if (blocks.length === 0) throw new Error('data does not contain a PEM block');
  const [text, label] = blocks[0]! as unknown as [string, string];
  if (label.includes('PRIVATE')) throw new Error('a private key was given where a public key is expected');
  let key: KeyObject;
  if (label === 'CERTIFICATE') {
    key = new X509Certificate(text).publicKey;
  } else if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') {
    key = createPublicKey({ key: text, format: 'pem' });
  } else {
    throw new Error(`unsupported PEM block "${label}"`);
  }
  if (!acceptedKeyTypes.has(key.asymmetricKeyType ?? '')) {
    throw new Error(`unsupported public key type ${key.asymmetricKeyType ?? 'unknown'} (RSA, EC or EdDSA expected)`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits > maxRsaBits) throw new Error(`RSA keys of ${bits} bits are not supported (at most ${maxRsaBits})`);
  return key;
}

/** Validates every entry, naming the field and position of a bad one (400). */
export function parsePublicKeyPems(pems: readonly string[], field: string): KeyObject[] {
  return pems.map((pem, index) => {
    try {
      return parsePublicKeyPem(pem);
    } catch (error) {
      throw badRequest(`invalid ${field}[${index}]: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

/** Trimmed, non-empty entries, in order. */
export function cleanList(values: readonly string[] | undefined): string[] {
  return (values ?? []).map((v) => v.trim()).filter((v) => v !== '');
}

/** A CA bundle must hold at least one certificate and nothing unparsable; "" is allowed (system roots). */
export function checkCaBundle(pem: string, field: string): string {
  const text = pem.trim();
  if (text === '') return '';
  const blocks = [...text.matchAll(pemBlock)];
  if (blocks.length === 0) throw badRequest(`invalid ${field}: no PEM certificate found`);
  if (blocks.length > maxPemBlocks) throw badRequest(`invalid ${field}: more than ${maxPemBlocks} certificates`);
  for (const block of blocks) {
    if (block[1] !== 'CERTIFICATE') throw badRequest(`invalid ${field}: unexpected PEM block "${block[1]}"`);
    try {
      new X509Certificate(block[0]);
    } catch {
      throw badRequest(`invalid ${field}: a certificate could not be parsed`);
    }
  }
  return pem;
}
