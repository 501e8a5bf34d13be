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
import type { CsrRequestInfo, KeyUsageName, SubjectAltNames, SubjectAttribute } from './types.js';

export { buildCsr, type BuildCsrOptions } from './csr-build.js';

export const csrPemLabels = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'] as const;

/** Real CSRs are a few kB; past these the input is refused before its signature is checked. */
export const csrLimits = { maxDerBytes: 256 * 1024, maxSans: 1000 } as const;

export interface ParsedCsr {
  der: Buffer;
  /** The subject Name exactly as encoded in the CSR. */
  subjectDer: Buffer;
  /** Subject attributes of the types Vault knows, in order. */
  subject: SubjectAttribute[];
  /** Other subject attributes (emailAddress, DC, ...), which the template cannot carry. */
  otherSubjectAttributes: { oid: string; value: string }[];
  publicKey: KeyObject;
  sans: SubjectAltNames;
  requestsCa: boolean;
  /** Requested KeyUsage, or null when the CSR has none (sign-verbatim then uses its default). */
  keyUsage: KeyUsageName[] | null;
  extKeyUsageOids: string[];
  /** Every requested extension, for `use_csr_values`. */
  extensions: RawExtension[];
  info: CsrRequestInfo;
}

/** Curves whose keys we can check and sign for (Vault's key_type=any accepts ec >= 224). */
const supportedCurves = new Set<string>([OID.secp224r1, OID.prime256v1, OID.secp384r1, OID.secp521r1]);

const keyAlgorithmNames: Readonly<Record<string, string>> = {
  [OID.rsassaPss]: 'RSASSA-PSS',
  [OID.dsa]: 'DSA',
  [OID.ed448]: 'Ed448',
  [OID.x25519]: 'X25519',
};

/** Checks the SPKI algorithm before handing the key to OpenSSL, so refusals name the algorithm. */
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

function publicKeyOf(spki: DerNode): KeyObject {
  const [algorithm, bits] = sequenceOf(spki, 'SubjectPublicKeyInfo');
  const [oidNode, params] = sequenceOf(algorithm, 'public key algorithm');
  const oid = decodeOid(expectTag(oidNode, Tag.OID, 'public key algorithm'));
  if (oid === OID.ecPublicKey) {
    if (params?.tag !== Tag.OID) throw badRequest('the CSR uses an EC key with explicit curve parameters, which are not supported');
    const curve = decodeOid(params);
    if (!supportedCurves.has(curve)) throw badRequest(`the CSR uses an unsupported EC curve (${curve})`);
    try {
      const fast = ecKeyFromPoint(curve, bits);
      if (fast) return fast;
    } catch {
      throw badRequest('the public key in the CSR could not be parsed');
    }
  } else if (oid !== OID.rsaEncryption && oid !== OID.ed25519) {
    const name = keyAlgorithmNames[oid];
    throw badRequest(`the CSR uses an unsupported public key algorithm ${name ? `${name} (${oid})` : oid}`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: rawOf(spki), format: 'der', type: 'spki' });
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

function parseCsrDer(der: Buffer): ParsedCsr {
  const top = sequenceOf(readSingle(der), 'CertificationRequest');
  if (top.length !== 3) throw new DerError('a CertificationRequest has exactly three fields');
  const [infoNode, signatureAlgorithm, signatureNode] = top as [DerNode, DerNode, DerNode];
  const info = sequenceOf(infoNode, 'CertificationRequestInfo');
  if (decodeSmallInteger(expectTag(info[0], Tag.INTEGER, 'CSR version')) !== 0) throw badRequest('unsupported CSR version');
  const subjectNode = expectTag(info[1], Tag.SEQUENCE, 'CSR subject');
  const name = decodeName(subjectNode);
  const publicKey = publicKeyOf(expectTag(info[2], Tag.SEQUENCE, 'CSR public key'));

  const signature = decodeBitString(signatureNode);
  if (signature.unusedBits !== 0) throw new DerError('signature bit string has unused bits');
  if (!verifySignature(signatureAlgorithm, publicKey, rawOf(infoNode), signature.bytes)) {
    throw badRequest('the CSR signature is invalid');
  }

  const extensions = requestedExtensions(info[3]);
  const summary = summarizeExtensions(extensions);
  const sanCount = summary.sans.dns.length + summary.sans.email.length + summary.sans.ip.length + summary.sans.uri.length + summary.sans.otherNames.length;
  if (sanCount > csrLimits.maxSans) throw badRequest(`the CSR has ${sanCount} subject alternative names; at most ${csrLimits.maxSans} are allowed`);
  const key = describeKey(publicKey);
  return {
    der,
    subjectDer: rawOf(subjectNode),
    subject: name.attributes,
    otherSubjectAttributes: name.others,
    publicKey,
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
  };
}

/** A CSR from PEM (`CERTIFICATE REQUEST` / `NEW CERTIFICATE REQUEST`), base64 DER or DER. */
export function parseCsr(input: string | Buffer): ParsedCsr {
  const { der } = decodePemOrDer(input, csrPemLabels, 'CSR');
  if (der.length > csrLimits.maxDerBytes) throw badRequest(`the CSR is ${der.length} bytes; at most ${csrLimits.maxDerBytes} are allowed`);
  try {
    return parseCsrDer(der);
  } catch (err) {
    if (err instanceof DerError) throw badRequest(`the CSR is malformed: ${err.message}`);
    throw err;
  }
}
