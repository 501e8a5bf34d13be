/**
 * What the engine needs to know about a certificate (imported issuers, set-signed, chains,
 * revocation). Names and the TBS are kept as the exact bytes received, so a child's issuer
 * field and signature are checked against what was really signed.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { badRequest, CaError } from '../core/errors.js';
import { Tag } from './der.js';
import {
  contentOf,
  decodeBitString,
  decodeSmallInteger,
  decodeTime,
  type DerNode,
  DerError,
  expectTag,
  integerContent,
  rawOf,
  readSingle,
  sequenceOf,
} from './der-reader.js';
import { decodeExtensions, type RawExtension, summarizeExtensions } from './extensions-read.js';
import { commonNameOf, decodeName } from './name.js';
import { decodePemOrDer, parsePemBlocks } from './pem.js';
import { formatSerial, minimalMagnitude } from './serial.js';
import { verifySignature } from './signature-verify.js';
import type { KeyUsageName, SubjectAltNames, SubjectAttribute } from './types.js';

export interface CertInfo {
  der: Buffer;
  /** The TBSCertificate bytes the signature covers. */
  tbsDer: Buffer;
  /** 1 or 3 (X.509 version number, not the encoded 0/2). */
  version: number;
  subjectDer: Buffer;
  issuerDer: Buffer;
  /** Minimal positive magnitude. */
  serial: Buffer;
  /** Vault format: `39:dd:2e:90`. */
  serialNumber: string;
  notBeforeMs: number;
  notAfterMs: number;
  publicKey: KeyObject;
  spkiDer: Buffer;
  subject: SubjectAttribute[];
  commonName: string;
  sans: SubjectAltNames;
  subjectKeyId: Buffer | null;
  authorityKeyId: Buffer | null;
  isCa: boolean;
  /** -1 when there is no pathLenConstraint (or the certificate is not a CA). */
  pathLen: number;
  /** Null when the certificate has no KeyUsage extension. */
  keyUsage: KeyUsageName[] | null;
  extKeyUsageOids: string[];
  extensions: RawExtension[];
  /** Subject and issuer are the same bytes (a root, or a self-issued rollover certificate). */
  selfIssued: boolean;
  /** True when this certificate's signature verifies under `publicKey`. */
  verifySignedBy(publicKey: KeyObject): boolean;
}

export const certificatePemLabels = ['CERTIFICATE', 'X509 CERTIFICATE'] as const;

function parseVersion(node: DerNode | undefined): { version: number; consumed: number } {
  if (node?.tag !== 0xa0) return { version: 1, consumed: 0 };
  // [0] EXPLICIT Version
  const encoded = decodeSmallInteger(expectTag(readSingle(contentOf(node)), Tag.INTEGER, 'certificate version'));
  if (encoded > 2) throw badRequest(`unsupported certificate version ${encoded + 1}`);
  return { version: encoded + 1, consumed: 1 };
}

function parseCertificateDerUnchecked(der: Buffer): CertInfo {
  const top = sequenceOf(readSingle(der), 'Certificate');
  if (top.length !== 3) throw new DerError('a Certificate has exactly three fields');
  const [tbsNode, algorithmNode, signatureNode] = top as [DerNode, DerNode, DerNode];
  const tbs = sequenceOf(tbsNode, 'TBSCertificate');
  const { version, consumed } = parseVersion(tbs[0]);
  const [serialNode, innerAlgorithm, issuerNode, validityNode, subjectNode, spkiNode, ...rest] = tbs.slice(consumed);

  const serialContent = integerContent(serialNode!);
  if ((serialContent[0]! & 0x80) !== 0) throw badRequest('the certificate has a negative serial number');
  const serial = Buffer.from(minimalMagnitude(serialContent));

  if (!rawOf(expectTag(innerAlgorithm, Tag.SEQUENCE, 'signature algorithm')).equals(rawOf(algorithmNode))) {
    throw badRequest('the certificate signature algorithm does not match the one in its TBSCertificate');
  }
  const [notBefore, notAfter] = sequenceOf(validityNode, 'validity');
  if (!notBefore || !notAfter) throw new DerError('validity needs notBefore and notAfter');
  const name = decodeName(expectTag(subjectNode, Tag.SEQUENCE, 'subject'));
  expectTag(issuerNode, Tag.SEQUENCE, 'issuer');
  const spkiDer = Buffer.from(rawOf(expectTag(spkiNode, Tag.SEQUENCE, 'subject public key info')));
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch {
    throw badRequest('the public key in the certificate could not be parsed');
  }

  const extensionsNode = rest.find((n) => n.tag === 0xa3);
  const extensions = extensionsNode ? decodeExtensions(readSingle(contentOf(extensionsNode))) : [];
  const summary = summarizeExtensions(extensions);
  const signature = decodeBitString(signatureNode);
  if (signature.unusedBits !== 0) throw new DerError('signature bit string has unused bits');

  const tbsDer = rawOf(tbsNode);
  const subjectDer = rawOf(subjectNode!);
  const issuerDer = rawOf(issuerNode!);
  return {
    der,
    tbsDer,
    version,
    subjectDer,
    issuerDer,
    serial,
    serialNumber: formatSerial(serial),
    notBeforeMs: decodeTime(notBefore),
    notAfterMs: decodeTime(notAfter),
    publicKey,
    spkiDer,
    subject: name.attributes,
    commonName: commonNameOf(name.attributes),
    sans: summary.sans,
    subjectKeyId: summary.subjectKeyId,
    authorityKeyId: summary.authorityKeyId,
    isCa: summary.isCa,
    pathLen: summary.pathLen,
    keyUsage: summary.keyUsage,
    extKeyUsageOids: summary.extKeyUsageOids,
    extensions,
    selfIssued: subjectDer.equals(issuerDer),
    verifySignedBy(key: KeyObject): boolean {
      try {
        return verifySignature(algorithmNode, key, tbsDer, signature.bytes);
      } catch (err) {
        if (err instanceof CaError || err instanceof DerError) return false; // unsupported algorithm
        throw err;
      }
    },
  };
}

/** A certificate from DER; malformed input is a badRequest. */
export function parseCertificateDer(der: Buffer): CertInfo {
  try {
    return parseCertificateDerUnchecked(der);
  } catch (err) {
    if (err instanceof DerError) throw badRequest(`the certificate is malformed: ${err.message}`);
    throw err;
  }
}

/** One certificate from PEM (the first CERTIFICATE block), base64 DER or DER. */
export function parseCertificate(input: string | Buffer): CertInfo {
  return parseCertificateDer(decodePemOrDer(input, certificatePemLabels, 'certificate').der);
}

/** Every CERTIFICATE block in a PEM bundle, in order; keys, CRLs and other blocks are skipped. */
export function parseCertificates(pem: string): CertInfo[] {
  return parsePemBlocks(pem)
    .filter((b) => (certificatePemLabels as readonly string[]).includes(b.label))
    .map((b) => parseCertificateDer(b.der));
}
