/**
 * SubjectPublicKeyInfo DER for a KeyObject. OpenSSL 3's encoder behind
 * `export({type: 'spki'})` costs ~100 µs per call (more than an ECDSA signature), while the
 * JWK export is ~4 µs, so common key types are encoded here from the JWK. The output is
 * byte-identical to OpenSSL's (a test checks it); other key types fall back to the export.
 */
import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import * as der from './der.js';
import { Tag } from './der.js';
import { decodeBitString, expectTag, readSingle, sequenceOf } from './der-reader.js';
import { OID } from './oids.js';

export interface PublicKeyInfo {
  /** The complete SubjectPublicKeyInfo. */
  spki: der.Der;
  /** The subjectPublicKey BIT STRING content (without the unused-bits byte). */
  publicKeyBits: Buffer;
}

const rsaAlgorithm = der.toBuffer(der.sequence([der.oid(OID.rsaEncryption), der.NULL]));
const ed25519Algorithm = der.toBuffer(der.sequence([der.oid(OID.ed25519)]));
const ecAlgorithms: Readonly<Record<string, Buffer>> = {
  'P-256': der.toBuffer(der.sequence([der.oid(OID.ecPublicKey), der.oid(OID.prime256v1)])),
  'P-384': der.toBuffer(der.sequence([der.oid(OID.ecPublicKey), der.oid(OID.secp384r1)])),
  'P-521': der.toBuffer(der.sequence([der.oid(OID.ecPublicKey), der.oid(OID.secp521r1)])),
};

const b64url = (s: string | undefined): Buffer => Buffer.from(s ?? '', 'base64url');

export function publicKeyInfoOf(key: KeyObject): PublicKeyInfo {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const type = publicKey.asymmetricKeyType;
  if (type === 'rsa' || type === 'ed25519' || type === 'ec') {
    // JWK export throws for curves JOSE does not name (e.g. secp224r1): those take the slow path.
    // Asking first (asymmetricKeyDetails) costs more than the export itself on a fresh key.
    let jwk: JsonWebKey;
    try {
      jwk = publicKey.export({ format: 'jwk' });
    } catch {
      return fromExportedSpki(publicKey.export({ type: 'spki', format: 'der' }));
    }
    if (type === 'rsa') {
      const bits = der.toBuffer(der.sequence([der.integer(b64url(jwk.n)), der.integer(b64url(jwk.e))]));
      return { spki: der.sequence([rsaAlgorithm, der.bitString(bits)]), publicKeyBits: bits };
    }
    if (type === 'ed25519') {
      const bits = b64url(jwk.x);
      return { spki: der.sequence([ed25519Algorithm, der.bitString(bits)]), publicKeyBits: bits };
    }
    const algorithm = ecAlgorithms[jwk.crv ?? ''];
    if (algorithm) {
      // Uncompressed point; JWK coordinates are already padded to the field size.
      const bits = Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)]);
      return { spki: der.sequence([algorithm, der.bitString(bits)]), publicKeyBits: bits };
    }
  }
  return fromExportedSpki(publicKey.export({ type: 'spki', format: 'der' }));
}

/** Slow path: take the bits out of OpenSSL's own SPKI (SEQUENCE { algorithm, BIT STRING }). */
function fromExportedSpki(spki: Buffer): PublicKeyInfo {
  const [, bits] = sequenceOf(readSingle(spki), 'SubjectPublicKeyInfo');
  return { spki, publicKeyBits: decodeBitString(expectTag(bits, Tag.BIT_STRING, 'subjectPublicKey')).bytes };
}

export const spkiDerOf = (key: KeyObject): Buffer => der.toBuffer(publicKeyInfoOf(key).spki);

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export const keyIdentifierOf = (info: PublicKeyInfo): Buffer =>
  createHash('sha1').update(info.publicKeyBits).digest();
