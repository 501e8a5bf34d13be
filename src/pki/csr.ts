/**
 * PKCS#10 certification requests (RFC 2986): parsing and self-signature verification with
 * node:crypto over the CertificationRequestInfo bytes exactly as received. Everything wrong
 * with a CSR is a badRequest naming the problem.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { badRequest } from '../core/errors.js';
import { Tag } from './der.js';
import {
  childrenOf,
  decodeBitString,
  decodeOid,
  decodeSmallInteger,
  type DerNode,
  DerError,
  expectTag,
  integerContent,
  rawOf,
  readSingle,
  sequenceOf,
} from './der-reader.js';
import { decodeExtensions, type RawExtension, summarizeExtensions } from './extensions-read.js';
import { describeKey } from './keys.js';
import { commonNameOf, decodeName } from './name.js';
import { OID } from './oids.js';
import { decodePemOrDer } from './pem.js';
import { verifySignature } from './signature-verify.js';
import type { CsrRequestInfo, KeyType, KeyUsageName, SubjectAltNames, SubjectAttribute } from './types.js';

export { buildCsr, type BuildCsrOptions } from './csr-build.js';

export const csrPemLabels = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'] as const;

/** Real CSRs are a few kB; past these the input is refused before its signature is checked. */
export const csrLimits = { maxDerBytes: 256 * 1024, maxSans: 1000 } as const;

/** What proves a CSR's key and signature: checked by verifyCsrSignature, here or on another thread. */
export interface CsrSignatureCheck {
  /** The SubjectPublicKeyInfo DER. */
  spki: Buffer;
  /** The signatureAlgorithm AlgorithmIdentifier DER. */
  signatureAlgorithm: Buffer;
  /** The CertificationRequestInfo bytes exactly as received. */
  signedInfo: Buffer;
  signature: Buffer;
}

/** A CSR read but its signature not yet checked (readCsr): what role policy needs, and the check to run. */
export interface UncheckedCsr {
  der: Buffer;
  /** The subject Name exactly as encoded in the CSR. */
  subjectDer: Buffer;
  /** Subject attributes of the types Vault knows, in order. */
  subject: SubjectAttribute[];
  /** Other subject attributes (emailAddress, DC, ...), which the template cannot carry. */
  otherSubjectAttributes: { oid: string; value: string }[];
  sans: SubjectAltNames;
  requestsCa: boolean;
  /** Requested KeyUsage, or null when the CSR has none (sign-verbatim then uses its default). */
  keyUsage: KeyUsageName[] | null;
  extKeyUsageOids: string[];
  /** Every requested extension, for `use_csr_values`. */
  extensions: RawExtension[];
  info: CsrRequestInfo;
  signatureCheck: CsrSignatureCheck;
}

export interface ParsedCsr extends UncheckedCsr {
  publicKey: KeyObject;
}

/** Curves whose keys we can check and sign for (Vault's key_type=any accepts ec >= 224), by their size. */
const curveBitsByOid: Readonly<Record<string, number>> = { [OID.secp224r1]: 224, [OID.prime256v1]: 256, [OID.secp384r1]: 384, [OID.secp521r1]: 521 };

const keyAlgorithmNames: Readonly<Record<string, string>> = {
  [OID.rsassaPss]: 'RSASSA-PSS',
  [OID.dsa]: 'DSA',
  [OID.ed448]: 'Ed448',
  [OID.x25519]: 'X25519',
};

/** JOSE names and coordinate sizes of the curves whose points can be imported as a JWK. */
const jwkCurves: Readonly<Record<string, { crv: string; size: number }>> = {
  [OID.prime256v1]: { crv: 'P-256', size: 32 },
  [OID.secp384r1]: { crv: 'P-384', size: 48 },
  [OID.secp521r1]: { crv: 'P-521', size: 66 },
};

/**
 * An uncompressed point (04 || x || y) imported as a JWK: OpenSSL's SPKI decoder costs about
 * twice as much, and the point is checked to be on the curve either way. Null for anything else.
 */
function ecKeyFromPoint(curve: string, bits: DerNode | undefined): KeyObject | null {
  const named = jwkCurves[curve];
  if (!named || bits?.tag !== Tag.BIT_STRING) return null;
  const point = decodeBitString(bits).bytes;
  if (point.length !== 1 + 2 * named.size || point[0] !== 4) return null;
  const x = point.subarray(1, 1 + named.size).toString('base64url');
  const y = point.subarray(1 + named.size).toString('base64url');
  return createPublicKey({ key: { kty: 'EC', crv: named.crv, x, y }, format: 'jwk' });
}

/** The key's type and size from the SPKI alone; refusals name the algorithm before any import. */
function keyDescriptionOf(spki: DerNode): { type: KeyType; bits: number } {
  const [algorithm, bits] = sequenceOf(spki, 'SubjectPublicKeyInfo');
  const [oidNode, params] = sequenceOf(algorithm, 'public key algorithm');
  const oid = decodeOid(expectTag(oidNode, Tag.OID, 'public key algorithm'));
  if (oid === OID.ecPublicKey) {
    if (params?.tag !== Tag.OID) throw badRequest('the CSR uses an EC key with explicit curve parameters, which are not supported');
    const curve = decodeOid(params);
    const curveBits = curveBitsByOid[curve];
    if (curveBits === undefined) throw badRequest(`the CSR uses an unsupported EC curve (${curve})`);
    return { type: 'ec', bits: curveBits };
  }
  if (oid === OID.ed25519) return { type: 'ed25519', bits: 0 };
  if (oid === OID.rsaEncryption) return { type: 'rsa', bits: rsaModulusBits(bits) };
  const name = keyAlgorithmNames[oid];
  throw badRequest(`the CSR uses an unsupported public key algorithm ${name ? `${name} (${oid})` : oid}`);
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }: the modulus's bit length. */
function rsaModulusBits(bits: DerNode | undefined): number {
  try {
    const [modulus] = sequenceOf(readSingle(decodeBitString(expectTag(bits, Tag.BIT_STRING, 'subjectPublicKey')).bytes), 'RSAPublicKey');
    const n = integerContent(expectTag(modulus, Tag.INTEGER, 'RSA modulus'));
    let start = 0;
    while (start < n.length - 1 && n[start] === 0) start++;
    return (n.length - start - 1) * 8 + (32 - Math.clz32(n[start]!));
  } catch {
    throw badRequest('the public key in the CSR could not be parsed');
  }
}

/**
 * Imports the CSR's key (checked by OpenSSL, EC points on the curve) and verifies the CSR's
 * signature with it. Takes what readCsr produced, whose key algorithm it has already accepted.
 */
export function verifyCsrSignature(check: CsrSignatureCheck): KeyObject {
  try {
    const key = importCsrKey(check.spki);
    if (!verifySignature(readSingle(check.signatureAlgorithm), key, check.signedInfo, check.signature)) {
      throw badRequest('the CSR signature is invalid');
    }
    return key;
  } catch (err) {
    if (err instanceof DerError) throw badRequest(`the CSR is malformed: ${err.message}`);
    throw err;
  }
}

function importCsrKey(spkiDer: Buffer): KeyObject {
  let key: KeyObject | null = null;
  try {
    const [algorithm, bits] = sequenceOf(readSingle(spkiDer), 'SubjectPublicKeyInfo');
    const [, params] = sequenceOf(algorithm, 'public key algorithm');
    if (params?.tag === Tag.OID) key = ecKeyFromPoint(decodeOid(params), bits);
    key ??= createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch {
    throw badRequest('the public key in the CSR could not be parsed');
  }
  describeKey(key);
  return key;
}

function requestedExtensions(attributes: DerNode | undefined): RawExtension[] {
  if (!attributes) return [];
  expectTag(attributes, 0xa0, 'CSR attributes');
  let found: RawExtension[] | null = null;
  for (const attribute of childrenOf(attributes)) {
    const [oidNode, values] = sequenceOf(attribute, 'CSR attribute');
    if (decodeOid(oidNode!) !== OID.extensionRequest) continue;
    const [value, extra] = childrenOf(expectTag(values, Tag.SET, 'extensionRequest values'));
    if (found || !value || extra) throw new DerError('the CSR must have at most one extensionRequest with one value');
    found = decodeExtensions(value);
  }
  return found ?? [];
}

function readCsrDer(der: Buffer): UncheckedCsr {
  const top = sequenceOf(readSingle(der), 'CertificationRequest');
  if (top.length !== 3) throw new DerError('a CertificationRequest has exactly three fields');
  const [infoNode, signatureAlgorithm, signatureNode] = top as [DerNode, DerNode, DerNode];
  const info = sequenceOf(infoNode, 'CertificationRequestInfo');
  if (decodeSmallInteger(expectTag(info[0], Tag.INTEGER, 'CSR version')) !== 0) throw badRequest('unsupported CSR version');
  const subjectNode = expectTag(info[1], Tag.SEQUENCE, 'CSR subject');
  const name = decodeName(subjectNode);
  const spki = expectTag(info[2], Tag.SEQUENCE, 'CSR public key');
  const key = keyDescriptionOf(spki);

  const signature = decodeBitString(signatureNode);
  if (signature.unusedBits !== 0) throw new DerError('signature bit string has unused bits');
  expectTag(signatureAlgorithm, Tag.SEQUENCE, 'signature algorithm');

  const extensions = requestedExtensions(info[3]);
  const summary = summarizeExtensions(extensions);
  const sanCount = summary.sans.dns.length + summary.sans.email.length + summary.sans.ip.length + summary.sans.uri.length + summary.sans.otherNames.length;
  if (sanCount > csrLimits.maxSans) throw badRequest(`the CSR has ${sanCount} subject alternative names; at most ${csrLimits.maxSans} are allowed`);
  return {
    der,
    subjectDer: rawOf(subjectNode),
    subject: name.attributes,
    otherSubjectAttributes: name.others,
    sans: summary.sans,
    requestsCa: summary.isCa,
    keyUsage: summary.keyUsage,
    extKeyUsageOids: summary.extKeyUsageOids,
    extensions,
    info: {
      commonName: commonNameOf(name.attributes),
      sans: summary.sans,
      keyType: key.type,
      keyBits: key.bits,
      requestsCa: summary.isCa,
    },
    signatureCheck: { spki: rawOf(spki), signatureAlgorithm: rawOf(signatureAlgorithm), signedInfo: rawOf(infoNode), signature: signature.bytes },
  };
}

/**
 * A CSR from PEM (`CERTIFICATE REQUEST` / `NEW CERTIFICATE REQUEST`), base64 DER or DER, read
 * without the crypto: the caller runs verifyCsrSignature(csr.signatureCheck) before signing.
 */
export function readCsr(input: string | Buffer): UncheckedCsr {
  const { der } = decodePemOrDer(input, csrPemLabels, 'CSR');
  if (der.length > csrLimits.maxDerBytes) throw badRequest(`the CSR is ${der.length} bytes; at most ${csrLimits.maxDerBytes} are allowed`);
  try {
    return readCsrDer(der);
  } catch (err) {
    if (err instanceof DerError) throw badRequest(`the CSR is malformed: ${err.message}`);
    throw err;
  }
}

/** readCsr with its signature checked. */
export function parseCsr(input: string | Buffer): ParsedCsr {
  const csr = readCsr(input);
  return { ...csr, publicKey: verifyCsrSignature(csr.signatureCheck) };
}
