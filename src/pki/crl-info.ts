/**
 * Reading a CRL back: numbers, times, issuer, entries and a signature check, for tests and
 * for checking stored or imported CRLs. Entries are read with a tight loop over the DER
 * (views into the input, no copies), so 100,000 entries take milliseconds; general-purpose
 * ASN.1 parsers build several objects per entry and hit their node limits first.
 */
import type { KeyObject } from 'node:crypto';
import { badRequest, CaError } from '../core/errors.js';
import { readTime } from './crl-time.js';
import { Tag } from './der.js';
import {
  contentOf,
  decodeBitString,
  decodeOid,
  decodeSmallInteger,
  type DerNode,
  DerError,
  expectTag,
  integerContent,
  rawOf,
  readNode,
  readSingle,
  sequenceOf,
} from './der-reader.js';
import { decodePemOrDer } from './pem.js';
import { OID } from './oids.js';
import { verifySignature } from './signature-verify.js';

export interface CrlEntryInfo {
  /** Minimal big-endian magnitude; a view into the CRL's DER. */
  serial: Buffer;
  revokedAtMs: number;
  /** The reasonCode entry extension, or null when absent. */
  reason: number | null;
}

export interface CrlInfo {
  der: Buffer;
  /** The TBSCertList bytes the signature covers. */
  tbsDer: Buffer;
  /** 1 or 2. */
  version: number;
  issuerDer: Buffer;
  thisUpdateMs: number;
  nextUpdateMs: number | null;
  crlNumber: bigint | null;
  /** The DeltaCRLIndicator's base CRL number; null on a full CRL. */
  deltaBaseCrlNumber: bigint | null;
  authorityKeyId: Buffer | null;
  entries: CrlEntryInfo[];
  verifySignedBy(publicKey: KeyObject): boolean;
}

/** Labels accepted when reading PEM: OpenSSL's, and the one @peculiar/x509 2.x writes. */
export const crlPemLabels = ['X509 CRL', 'CRL'] as const;

const reasonOidContent = Buffer.from([0x55, 0x1d, 0x15]);

function unsignedInteger(node: DerNode, what: string): bigint {
  const content = integerContent(node);
  if ((content[0]! & 0x80) !== 0) throw new DerError(`${what} is negative`);
  return BigInt(`0x${content.toString('hex')}`);
}

/** The reasonCode in an entry's crlEntryExtensions, or null. Works on offsets: no views per entry. */
function entryReason(extensions: DerNode): number | null {
  const buf = extensions.buf;
  if (extensions.tag !== Tag.SEQUENCE) throw new DerError('CRL entry extensions are not a SEQUENCE');
  for (let pos = extensions.contentStart; pos < extensions.end; ) {
    const extension = readNode(buf, pos, extensions.end);
    if (extension.tag !== Tag.SEQUENCE) throw new DerError('a CRL entry extension is not a SEQUENCE');
    pos = extension.end;
    const oid = readNode(buf, extension.contentStart, extension.end);
    if (oid.tag !== Tag.OID) throw new DerError('a CRL entry extension has no OID');
    if (oid.end - oid.contentStart !== 3 || buf.compare(reasonOidContent, 0, 3, oid.contentStart, oid.end) !== 0) continue;
    let value = readNode(buf, oid.end, extension.end);
    if (value.tag === Tag.BOOLEAN) value = readNode(buf, value.end, extension.end);
    if (value.tag !== Tag.OCTET_STRING || value.end !== extension.end) throw new DerError('invalid reasonCode extension');
    const enumerated = readNode(buf, value.contentStart, value.end);
    if (enumerated.tag !== 0x0a || enumerated.end !== value.end || enumerated.end - enumerated.contentStart !== 1) {
      throw new DerError('invalid reasonCode');
    }
    return buf[enumerated.contentStart]!;
  }
  return null;
}

function readEntries(list: DerNode): CrlEntryInfo[] {
  expectTag(list, Tag.SEQUENCE, 'revokedCertificates');
  const buf = list.buf;
  const entries: CrlEntryInfo[] = [];
  for (let pos = list.contentStart; pos < list.end; ) {
    const entry = readNode(buf, pos, list.end);
    if (entry.tag !== Tag.SEQUENCE) throw new DerError('a revoked certificate entry is not a SEQUENCE');
    const serialNode = readNode(buf, entry.contentStart, entry.end);
    let serialStart = serialNode.contentStart;
    const serialEnd = serialNode.end;
    if (serialNode.tag !== Tag.INTEGER || serialStart === serialEnd) throw new DerError('a revoked serial number is not an INTEGER');
    if ((buf[serialStart]! & 0x80) !== 0) throw new DerError('a revoked serial number is negative');
    while (serialStart < serialEnd - 1 && buf[serialStart] === 0) serialStart++;
    const timeNode = readNode(buf, serialNode.end, entry.end);
    const revokedAtMs = readTime(timeNode.tag, buf, timeNode.contentStart, timeNode.end);
    let reason: number | null = null;
    if (timeNode.end < entry.end) {
      const extensions = readNode(buf, timeNode.end, entry.end);
      if (extensions.end !== entry.end) throw new DerError('unexpected data in a revoked certificate entry');
      reason = entryReason(extensions);
    }
    entries.push({ serial: buf.subarray(serialStart, serialEnd), revokedAtMs, reason });
    pos = entry.end;
  }
  return entries;
}

interface CrlExtensionsSummary {
  crlNumber: bigint | null;
  deltaBaseCrlNumber: bigint | null;
  authorityKeyId: Buffer | null;
}

function readCrlExtensions(wrapper: DerNode | undefined): CrlExtensionsSummary {
  const out: CrlExtensionsSummary = { crlNumber: null, deltaBaseCrlNumber: null, authorityKeyId: null };
  if (!wrapper) return out;
  for (const extension of sequenceOf(readSingle(contentOf(wrapper)), 'crlExtensions')) {
    const fields = sequenceOf(extension, 'CRL extension');
    const oid = decodeOid(expectTag(fields[0], Tag.OID, 'extension OID'));
    const value = contentOf(expectTag(fields[fields.length - 1], Tag.OCTET_STRING, 'extension value'));
    if (oid === OID.crlNumber) out.crlNumber = unsignedInteger(readSingle(value), 'CRL number');
    else if (oid === OID.deltaCrlIndicator) out.deltaBaseCrlNumber = unsignedInteger(readSingle(value), 'base CRL number');
    else if (oid === OID.authorityKeyIdentifier) {
      const keyId = sequenceOf(readSingle(value), 'AuthorityKeyIdentifier').find((n) => n.tag === 0x80);
      out.authorityKeyId = keyId ? Buffer.from(contentOf(keyId)) : null;
    }
  }
  return out;
}

function parseCrlDer(der: Buffer): CrlInfo {
  const top = sequenceOf(readSingle(der), 'CertificateList');
  if (top.length !== 3) throw new DerError('a CertificateList has exactly three fields');
  const [tbsNode, algorithmNode, signatureNode] = top as [DerNode, DerNode, DerNode];
  const tbs = sequenceOf(tbsNode, 'TBSCertList');
  let i = 0;
  let version = 1;
  if (tbs[0]?.tag === Tag.INTEGER) {
    version = decodeSmallInteger(tbs[i++]!) + 1;
    if (version !== 2) throw new DerError(`unsupported CRL version ${version}`);
  }
  const innerAlgorithm = expectTag(tbs[i++], Tag.SEQUENCE, 'signature algorithm');
  if (!rawOf(innerAlgorithm).equals(rawOf(algorithmNode))) throw new DerError('the CRL signature algorithms differ');
  const issuerNode = expectTag(tbs[i++], Tag.SEQUENCE, 'issuer');
  const thisUpdate = tbs[i++];
  if (!thisUpdate) throw new DerError('missing thisUpdate');
  const thisUpdateMs = readTime(thisUpdate.tag, der, thisUpdate.contentStart, thisUpdate.end);
  let nextUpdateMs: number | null = null;
  const maybeNext = tbs[i];
  if (maybeNext && (maybeNext.tag === Tag.UTCTime || maybeNext.tag === Tag.GeneralizedTime)) {
    nextUpdateMs = readTime(maybeNext.tag, der, maybeNext.contentStart, maybeNext.end);
    i++;
  }
  const entries = tbs[i]?.tag === Tag.SEQUENCE ? readEntries(tbs[i++]!) : [];
  const extensionsNode = tbs[i]?.tag === 0xa0 ? tbs[i++] : undefined;
  if (i !== tbs.length) throw new DerError('unexpected fields in TBSCertList');
  const summary = readCrlExtensions(extensionsNode);
  const signature = decodeBitString(signatureNode);
  if (signature.unusedBits !== 0) throw new DerError('signature bit string has unused bits');
  const tbsDer = rawOf(tbsNode);
  return {
    der,
    tbsDer,
    version,
    issuerDer: rawOf(issuerNode),
    thisUpdateMs,
    nextUpdateMs,
    ...summary,
    entries,
    verifySignedBy(publicKey: KeyObject): boolean {
      try {
        return verifySignature(algorithmNode, publicKey, tbsDer, signature.bytes);
      } catch (err) {
        if (err instanceof CaError || err instanceof DerError) return false; // unsupported algorithm
        throw err;
      }
    },
  };
}

/** A CRL from DER, PEM (`X509 CRL` or `CRL`) or base64 DER; malformed input is a badRequest. */
export function parseCrlInfo(input: Buffer | string): CrlInfo {
  const { der } = decodePemOrDer(input, crlPemLabels, 'CRL');
  try {
    return parseCrlDer(der);
  } catch (err) {
    if (err instanceof DerError) throw badRequest(`the CRL is malformed: ${err.message}`);
    throw err;
  }
}
