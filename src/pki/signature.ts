/**
 * Choosing and applying the signature algorithm for an issuer key, as Vault does: RSA with
 * PKCS#1 v1.5 or PSS and SHA-256/384/512 (`signature_bits`, `use_pss`); ECDSA with the hash
 * matched to the curve (signature_bits is ignored, as in Vault); Ed25519.
 * Everything but the signature itself is computed once per issuer.
 */
import { constants, sign as cryptoSign, type KeyObject, type SignKeyObjectInput } from 'node:crypto';
import { badRequest } from '../core/errors.js';
import * as der from './der.js';
import { describeKey } from './keys.js';
import { OID } from './oids.js';

export type SignatureBits = 256 | 384 | 512;

export interface SignatureOptions {
  /** 0 (default: 256), 256, 384 or 512; used by RSA only. */
  signatureBits: number;
  /** RSA only: RSASSA-PSS instead of PKCS#1 v1.5. */
  usePss: boolean;
}

export interface SignatureAlgorithm {
  /** The DER AlgorithmIdentifier, written in the certificate (twice) or the CSR. Do not mutate. */
  readonly algorithmIdentifier: Buffer;
  /** OpenSSL-style name, for logs and tests. */
  readonly name: string;
  /** Signs the to-be-signed bytes; ECDSA signatures come out DER-encoded, as X.509 needs. */
  sign(data: Buffer): Buffer;
}

export function normalizeSignatureBits(bits: number): SignatureBits {
  if (bits === 0) return 256;
  if (bits === 256 || bits === 384 || bits === 512) return bits;
  throw badRequest(`unsupported signature_bits ${bits}: must be 0, 256, 384 or 512`);
}

const hashName: Record<SignatureBits, string> = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };
const hashOid: Record<SignatureBits, string> = { 256: OID.sha256, 384: OID.sha384, 512: OID.sha512 };

const algorithmId = (oid: string, params?: der.Der): Buffer =>
  der.toBuffer(der.sequence(params ? [der.oid(oid), params] : [der.oid(oid)]));

/** RSASSA-PSS-params (RFC 4055): hash, MGF1 with the same hash, salt as long as the hash. */
function pssParams(bits: SignatureBits): der.Der {
  const hash = der.sequence([der.oid(hashOid[bits]), der.NULL]);
  return der.sequence([
    der.explicit(0, hash),
    der.explicit(1, der.sequence([der.oid(OID.mgf1), hash])),
    der.explicit(2, der.integer(bits / 8)),
  ]);
}

const rsaPkcs1: Record<SignatureBits, Buffer> = {
  256: algorithmId(OID.sha256WithRsa, der.NULL),
  384: algorithmId(OID.sha384WithRsa, der.NULL),
  512: algorithmId(OID.sha512WithRsa, der.NULL),
};
const rsaPss: Record<SignatureBits, Buffer> = {
  256: algorithmId(OID.rsassaPss, pssParams(256)),
  384: algorithmId(OID.rsassaPss, pssParams(384)),
  512: algorithmId(OID.rsassaPss, pssParams(512)),
};
const ecdsa: Record<SignatureBits, Buffer> = {
  256: algorithmId(OID.ecdsaWithSha256),
  384: algorithmId(OID.ecdsaWithSha384),
  512: algorithmId(OID.ecdsaWithSha512),
};
const ed25519 = algorithmId(OID.ed25519);

/** Hash by curve, as Vault's selectSignatureAlgorithmForECDSA does. */
const ecdsaBitsByCurve: Readonly<Record<number, SignatureBits>> = { 224: 256, 256: 256, 384: 384, 521: 512 };

export function signatureAlgorithmFor(privateKey: KeyObject, options: SignatureOptions): SignatureAlgorithm {
  if (privateKey.type !== 'private') throw new Error('signing needs a private key');
  const requestedBits = normalizeSignatureBits(options.signatureBits);
  const key = describeKey(privateKey);
  if (key.type === 'ed25519') {
    return { algorithmIdentifier: ed25519, name: 'Ed25519', sign: (data) => cryptoSign(null, data, privateKey) };
  }
  if (key.type === 'ec') {
    const bits = ecdsaBitsByCurve[key.bits] ?? 256;
    const hash = hashName[bits];
    const input: SignKeyObjectInput = { key: privateKey, dsaEncoding: 'der' };
    return {
      algorithmIdentifier: ecdsa[bits],
      name: `ecdsa-with-${hash.toUpperCase()}`,
      sign: (data) => cryptoSign(hash, data, input),
    };
  }
  const hash = hashName[requestedBits];
  if (options.usePss) {
    // MGF1 uses the signature hash by default in OpenSSL, matching the encoded parameters.
    const input = { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: requestedBits / 8 };
    return {
      algorithmIdentifier: rsaPss[requestedBits],
      name: `rsassaPss-${hash}`,
      sign: (data) => cryptoSign(hash, data, input),
    };
  }
  const input = { key: privateKey, padding: constants.RSA_PKCS1_PADDING };
  return {
    algorithmIdentifier: rsaPkcs1[requestedBits],
    name: `${hash}WithRSAEncryption`,
    sign: (data) => cryptoSign(hash, data, input),
  };
}
