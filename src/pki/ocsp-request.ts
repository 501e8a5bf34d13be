/**
 * Reading OCSP requests (RFC 6960 4.1) from untrusted clients. The structure is decoded with
 * @peculiar/asn1-ocsp under tight resource limits; anything that is not one well-formed DER
 * OCSPRequest becomes an OcspRequestError, which the responder answers with the
 * `malformedRequest` status instead of failing. Request signatures are not checked (Vault
 * does not require signed requests either).
 */
import { id_pkix_ocsp_nonce, OCSPRequest } from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Tag } from './der.js';
import { childrenOf, DerError, type DerNode, rawOf, readNode, readSingle } from './der-reader.js';
import { minimalMagnitude } from './serial.js';

/** Real requests are a few hundred bytes; signed ones carry a certificate or two. */
export const MAX_OCSP_REQUEST_BYTES = 64 * 1024;
/** Longest nonce echoed (RFC 9654: 1 to 128 octets). */
export const MAX_OCSP_NONCE_OCTETS = 128;

const parseOptions = {
  berOptions: { maxDepth: 40, maxNodes: 4000, maxContentLength: MAX_OCSP_REQUEST_BYTES },
};

/** One CertID (RFC 6960 4.1.1): which certificate of which issuer the client asks about. */
export interface OcspCertId {
  /** Dotted OID of the hash used for the issuer name and key hashes. */
  hashAlgorithmOid: string;
  issuerNameHash: Buffer;
  issuerKeyHash: Buffer;
  /** Minimal big-endian magnitude of the serial number. */
  serial: Buffer;
  /** The CertID exactly as the client sent it; responses echo these bytes. */
  der?: Buffer;
}

export interface OcspRequestInfo {
  /** Every requested certificate, in order (never empty). */
  certIds: OcspCertId[];
  /** The nonce extension's extnValue content as received, to echo byte for byte. */
  nonce?: Buffer;
}

/** A request that cannot be answered except with the `malformedRequest` status. */
export class OcspRequestError extends Error {
  override readonly name = 'OcspRequestError';
  readonly ocspStatus = 'malformedRequest' as const;
}

const malformed = (why: string): OcspRequestError => new OcspRequestError(`malformed OCSP request: ${why}`);

const bytesOf = (view: ArrayBuffer | ArrayBufferView): Buffer =>
  ArrayBuffer.isView(view) ? Buffer.from(view.buffer, view.byteOffset, view.byteLength) : Buffer.from(view);

/**
 * The raw CertID of every Request, found by walking the (already validated) DER:
 * OCSPRequest > TBSRequest > requestList > Request > reqCert.
 */
function rawCertIds(top: DerNode): Buffer[] {
  const tbs = childrenOf(top)[0];
  if (tbs?.tag !== Tag.SEQUENCE) throw new DerError('missing TBSRequest');
  const list = childrenOf(tbs).find((n) => n.tag === Tag.SEQUENCE);
  if (!list) throw new DerError('missing requestList');
  return childrenOf(list).map((request) => rawOf(readNode(request.buf, request.contentStart, request.end)));
}

/** The nonce value's length: the inner OCTET STRING's if extnValue holds one (RFC 9654), else the raw length. */
function nonceLength(extnValue: Buffer): number {
  try {
    const inner = readSingle(extnValue);
    if (inner.tag === Tag.OCTET_STRING) return inner.end - inner.contentStart;
  } catch {
    // A legacy client's bare nonce bytes: measured as they are.
  }
  return extnValue.length;
}

/** Parses a DER OCSPRequest; throws OcspRequestError for anything else. */
export function parseOcspRequest(der: Buffer): OcspRequestInfo {
  if (!Buffer.isBuffer(der) || der.length === 0) throw malformed('empty request');
  if (der.length > MAX_OCSP_REQUEST_BYTES) throw malformed('request too large');
  let top: DerNode;
  let request: OCSPRequest;
  let raw: Buffer[];
  try {
    // Strict DER framing first: one element, definite lengths, nothing after it.
    top = readSingle(der);
    if (top.tag !== Tag.SEQUENCE) throw new DerError('not a SEQUENCE');
    request = AsnConvert.parse(der, OCSPRequest, parseOptions);
    raw = rawCertIds(top);
  } catch (err) {
    throw malformed(err instanceof Error ? err.message : 'undecodable');
  }
  const tbs = request.tbsRequest;
  if (tbs.version !== 0) throw malformed(`unsupported version ${String(tbs.version)}`);
  const list = tbs.requestList;
  if (list.length === 0) throw malformed('no certificates requested');
  if (raw.length !== list.length) throw malformed('inconsistent request list');

  const certIds = list.map((item, i): OcspCertId => {
    const id = item.reqCert;
    const serial = bytesOf(id.serialNumber);
    if (serial.length === 0 || (serial[0]! & 0x80) !== 0) throw malformed('the serial number is not a positive integer');
    return {
      hashAlgorithmOid: id.hashAlgorithm.algorithm,
      issuerNameHash: bytesOf(id.issuerNameHash.buffer),
      issuerKeyHash: bytesOf(id.issuerKeyHash.buffer),
      serial: minimalMagnitude(serial),
      der: raw[i]!,
    };
  });

  const nonceExtension = tbs.requestExtensions?.find((e) => e.extnID === id_pkix_ocsp_nonce);
  if (!nonceExtension) return { certIds };
  const nonce = bytesOf(nonceExtension.extnValue.buffer);
  const length = nonceLength(nonce);
  if (length === 0 || length > MAX_OCSP_NONCE_OCTETS) throw malformed(`nonce of ${length} octets (must be 1 to ${MAX_OCSP_NONCE_OCTETS})`);
  return { certIds, nonce };
}
