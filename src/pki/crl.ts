/**
 * Building and signing X.509 v2 CRLs (RFC 5280 5), full or delta, of any size. The
 * revoked-certificates list is streamed into one buffer (crl-entries.ts) that also has room
 * for the outer SEQUENCE header and the signature, so a 100,000-entry CRL is one allocation,
 * one pass of writes and one signature. Pure: times and numbers are parameters.
 *
 *   CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertList ::= SEQUENCE { version v2, signature, issuer, thisUpdate, nextUpdate,
 *                              revokedCertificates OPTIONAL, crlExtensions [0] }
 */
import type { KeyObject } from 'node:crypto';
import { badRequest } from '../core/errors.js';
import * as ext from './crl-extensions.js';
import { type CrlEntry, entriesLength, writeEntries } from './crl-entries.js';
import * as der from './der.js';
import { authorityKeyIdentifier } from './extensions.js';
import { toPem } from './pem.js';
import { signatureAlgorithmFor } from './signature.js';
import type { SigningIssuer } from './types.js';

export type { CrlEntry } from './crl-entries.js';
export { CrlReason, type CrlReasonCode } from './crl-extensions.js';
export { type CrlEntryInfo, type CrlInfo, crlPemLabels, parseCrlInfo } from './crl-info.js';

export interface CrlParams {
  /** The CRL issuer: its subject Name DER, key identifier (for the AKID), key and signature options. */
  issuer: Pick<SigningIssuer, 'subjectDer' | 'subjectKeyId' | 'privateKey' | 'signatureBits' | 'usePss'>;
  thisUpdateMs: number;
  nextUpdateMs: number;
  crlNumber: bigint | number;
  /** Written in the given order. An array is read twice; any other iterable is copied to one first. */
  entries: Iterable<CrlEntry>;
  /** Makes this a delta CRL against the full CRL numbered `baseCrlNumber`. */
  delta?: { baseCrlNumber: bigint | number };
  /** URLs of this CRL, written as a critical IssuingDistributionPoint. */
  issuingDistributionPoint?: readonly string[];
  /** URLs of the delta CRLs, written as FreshestCRL on full CRLs (never on a delta). */
  freshestCrl?: readonly string[];
}

// version v2: INTEGER 1
const versionV2 = Buffer.from([der.Tag.INTEGER, 1, 1]);

/** The outer CertificateList header is written in front of the TBS: at most 6 bytes. */
const HEAD_RESERVE = 6;

/**
 * Room after the TBS for the BIT STRING holding the signature: the RSA modulus size, or 256
 * bytes, which covers ECDSA up to P-521 (at most 141 bytes in DER) and Ed25519 (64).
 */
function signatureReserve(key: KeyObject): number {
  const modulusBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return Math.max(256, Math.ceil(modulusBits / 8)) + 8;
}

interface EncodedNumbers {
  crlNumber: Buffer;
  baseCrlNumber: Buffer | null;
}

/** Checks times and numbers before anything is encoded (badRequest). */
function checkParams(params: CrlParams): EncodedNumbers {
  const { thisUpdateMs, nextUpdateMs, delta } = params;
  if (!Number.isFinite(thisUpdateMs) || !Number.isFinite(nextUpdateMs)) throw badRequest('CRL update times must be finite');
  if (Math.floor(nextUpdateMs / 1000) < Math.floor(thisUpdateMs / 1000)) throw badRequest('CRL nextUpdate is before its thisUpdate');
  const crlNumber = ext.crlNumberInteger(params.crlNumber, 'CRL number');
  if (!delta) return { crlNumber, baseCrlNumber: null };
  const baseCrlNumber = ext.crlNumberInteger(delta.baseCrlNumber, 'delta CRL base number');
  if (BigInt(delta.baseCrlNumber) >= BigInt(params.crlNumber)) {
    throw badRequest('a delta CRL number must be greater than its base CRL number');
  }
  return { crlNumber, baseCrlNumber };
}

function crlExtensions(params: CrlParams, numbers: EncodedNumbers): der.Der {
  const { issuer } = params;
  const isDelta = numbers.baseCrlNumber !== null;
  const items: (der.Der | null)[] = [
    issuer.subjectKeyId.length > 0 ? authorityKeyIdentifier(issuer.subjectKeyId) : null,
    ext.crlNumber(numbers.crlNumber),
    numbers.baseCrlNumber ? ext.deltaCrlIndicator(numbers.baseCrlNumber) : null,
    ext.issuingDistributionPoint(params.issuingDistributionPoint ?? []),
    isDelta ? null : ext.freshestCrl(params.freshestCrl ?? []),
  ];
  return der.explicit(0, der.sequence(items.filter((e): e is der.Der => e !== null)));
}

/** Builds and signs a CRL; returns its DER. Invalid parameters or entries are a badRequest. */
export function buildCrl(params: CrlParams): Buffer {
  const numbers = checkParams(params);
  const entries: readonly CrlEntry[] = Array.isArray(params.entries) ? params.entries : Array.from(params.entries);
  const entriesTotal = entriesLength(entries, params.delta !== undefined);
  const { privateKey } = params.issuer;
  const algorithm = signatureAlgorithmFor(privateKey, { signatureBits: params.issuer.signatureBits, usePss: params.issuer.usePss });
  const algorithmId = algorithm.algorithmIdentifier;

  // Everything but the entries is small: encode it as usual, then lay it out around them.
  const leading = Buffer.concat([
    versionV2,
    algorithmId,
    params.issuer.subjectDer,
    der.time(params.thisUpdateMs),
    der.time(params.nextUpdateMs),
  ]);
  const revokedHeader = entries.length > 0 ? der.header(der.Tag.SEQUENCE, entriesTotal) : null;
  const extensions = der.toBuffer(crlExtensions(params, numbers));
  const tbsContent = leading.length + (revokedHeader ? revokedHeader.length + entriesTotal : 0) + extensions.length;
  const tbsHeader = der.header(der.Tag.SEQUENCE, tbsContent);
  const tbsLength = tbsHeader.length + tbsContent;
  const reserve = signatureReserve(privateKey);

  // One allocation: [outer header room][TBS][algorithm][signature BIT STRING room].
  const out = Buffer.allocUnsafe(HEAD_RESERVE + tbsLength + algorithmId.length + reserve);
  let pos = HEAD_RESERVE;
  pos += tbsHeader.copy(out, pos);
  pos += leading.copy(out, pos);
  if (revokedHeader) {
    pos += revokedHeader.copy(out, pos);
    pos = writeEntries(out, pos, entries);
  }
  pos += extensions.copy(out, pos);
  if (pos !== HEAD_RESERVE + tbsLength) throw new Error(`CRL length mismatch: wrote ${pos - HEAD_RESERVE} of ${tbsLength} bytes`);

  const signature = algorithm.sign(out.subarray(HEAD_RESERVE, pos));
  const signatureHeader = der.header(der.Tag.BIT_STRING, signature.length + 1);
  if (signatureHeader.length + 1 + signature.length > reserve) throw new Error('CRL signature is larger than the space kept for it');
  pos += algorithmId.copy(out, pos);
  pos += signatureHeader.copy(out, pos);
  out[pos++] = 0; // no unused bits
  pos += signature.copy(out, pos);
  const outerHeader = der.header(der.Tag.SEQUENCE, pos - HEAD_RESERVE);
  const start = HEAD_RESERVE - outerHeader.length;
  outerHeader.copy(out, start);
  return out.subarray(start, pos);
}

/**
 * PEM with the `X509 CRL` label OpenSSL reads (RFC 7468 section 5), with a trailing newline.
 * Not `CRL`, which @peculiar/x509 writes and OpenSSL cannot read.
 */
export const crlToPem = (crlDer: Uint8Array): string => toPem(crlDer, 'X509 CRL');
