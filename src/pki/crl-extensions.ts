/**
 * Encoders for the CRL extensions (RFC 5280 5.2) and the one CRL entry extension (5.3.1)
 * the CRL builder writes, plus the CRLReason codes shared with OCSP.
 */
import { badRequest } from '../core/errors.js';
import * as der from './der.js';
import { extension } from './extensions.js';
import { GeneralNameTag } from './general-names.js';
import { OID } from './oids.js';

/** CRLReason (RFC 5280 5.3.1); 7 is unused. */
export const CrlReason = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export type CrlReasonCode = (typeof CrlReason)[keyof typeof CrlReason];

/** A badRequest unless `reason` is a defined CRLReason value. */
export function checkReason(reason: number): void {
  if (!Number.isInteger(reason) || reason < 0 || reason > 10 || reason === 7) {
    throw badRequest(`invalid CRL reason code ${String(reason)}`);
  }
}

/** CRLNumber and BaseCRLNumber: INTEGER (0..MAX), at most 20 octets (RFC 5280 5.2.3). */
export function crlNumberInteger(value: bigint | number, what: string): Buffer {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw badRequest(`${what} ${value} is not an integer`);
  if (BigInt(value) < 0n) throw badRequest(`${what} must not be negative`);
  const encoded = der.integer(value);
  if (encoded.length - 2 > 20) throw badRequest(`${what} is longer than 20 octets`);
  return encoded;
}

export const crlNumber = (encoded: Buffer): der.Der => extension(OID.crlNumber, false, encoded);

/** Marks a delta CRL; always critical (RFC 5280 5.2.4). */
export const deltaCrlIndicator = (baseEncoded: Buffer): der.Der => extension(OID.deltaCrlIndicator, true, baseEncoded);

/** DistributionPointName fullName: [0] { [0] IMPLICIT GeneralNames of URIs }. */
function fullNameOfUris(urls: readonly string[], what: string): der.Der {
  const names = urls.map((url) => {
    if (url === '') throw badRequest(`empty ${what} URL`);
    return der.implicit(GeneralNameTag.uniformResourceIdentifier, der.asciiBytes(url, `${what} URL`));
  });
  return der.explicit(0, der.contextConstructed(0, names));
}

/**
 * IssuingDistributionPoint with only a distributionPoint (RFC 5280 5.2.5), critical. The URLs
 * are alternative locations of this one CRL. Null for no URLs: an IDP of defaults only is
 * not allowed.
 */
export function issuingDistributionPoint(urls: readonly string[]): der.Der | null {
  if (urls.length === 0) return null;
  return extension(OID.issuingDistributionPoint, true, der.sequence([fullNameOfUris(urls, 'issuing distribution point')]));
}

/**
 * FreshestCRL (RFC 5280 5.2.6): where the delta CRLs for this full CRL are, as one
 * DistributionPoint whose names are alternative locations. Non-critical. Null for no URLs.
 */
export function freshestCrl(urls: readonly string[]): der.Der | null {
  if (urls.length === 0) return null;
  return extension(OID.freshestCrl, false, der.sequence([der.sequence([fullNameOfUris(urls, 'freshest CRL')])]));
}

/**
 * The complete crlEntryExtensions for a reasonCode, for each defined code:
 * SEQUENCE { SEQUENCE { OID 2.5.29.21, OCTET STRING { ENUMERATED reason } } }. Entries copy
 * these 14 bytes; they are shared, so never mutate them.
 */
export const reasonEntryExtensions: ReadonlyMap<number, Buffer> = new Map(
  Object.values(CrlReason).map((code) => [
    code,
    der.toBuffer(der.sequence([extension(OID.crlReasonCode, false, der.primitive(0x0a, Buffer.from([code])))])),
  ]),
);
