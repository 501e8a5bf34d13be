/**
 * Encoders for the X.509 v3 extensions the signer writes (RFC 5280 4.2). Each returns a
 * complete Extension (SEQUENCE { extnID, [critical], extnValue }) or null when it would be
 * empty, so callers can list them in order and drop the nulls.
 */
import { badRequest } from '../core/errors.js';
import * as der from './der.js';
import { encodeGeneralNames, GeneralNameTag, sanCount } from './general-names.js';
import { parseCidr } from './ip.js';
import { OID } from './oids.js';
import type { KeyUsageName, NameConstraints, SubjectAltNames } from './types.js';

export function extension(oid: string, critical: boolean, value: der.Der): der.Der {
  const parts = critical ? [der.oid(oid), der.boolean(true), der.octetString(value)] : [der.oid(oid), der.octetString(value)];
  return der.sequence(parts);
}

export const subjectKeyIdentifier = (keyId: Buffer): der.Der =>
  extension(OID.subjectKeyIdentifier, false, der.octetString(keyId));

/** AuthorityKeyIdentifier with only keyIdentifier [0], as Go writes it. */
export const authorityKeyIdentifier = (keyId: Buffer): der.Der =>
  extension(OID.authorityKeyIdentifier, false, der.sequence([der.implicit(0, keyId)]));

/** Always critical. `pathLen` < 0 means no pathLenConstraint; CA:false is the empty SEQUENCE (DEFAULT). */
export function basicConstraints(isCa: boolean, pathLen: number): der.Der {
  const fields: der.Der[] = [];
  if (isCa) {
    fields.push(der.boolean(true));
    if (pathLen >= 0) fields.push(der.integer(pathLen));
  }
  return extension(OID.basicConstraints, true, der.sequence(fields));
}

/** Bit positions of RFC 5280's KeyUsage named bits. */
export const keyUsageBit: Readonly<Record<KeyUsageName, number>> = {
  DigitalSignature: 0,
  ContentCommitment: 1,
  KeyEncipherment: 2,
  DataEncipherment: 3,
  KeyAgreement: 4,
  CertSign: 5,
  CRLSign: 6,
  EncipherOnly: 7,
  DecipherOnly: 8,
};

/** KeyUsage BIT STRING as DER wants a named-bit list: trailing zero bits removed. Null when empty. */
export function keyUsageBitString(usages: readonly KeyUsageName[]): der.Der | null {
  let mask = 0;
  for (const usage of usages) {
    const bit = keyUsageBit[usage];
    if (bit === undefined) throw badRequest(`unknown key usage "${String(usage)}"`);
    mask |= 1 << bit;
  }
  if (mask === 0) return null;
  const highest = 31 - Math.clz32(mask);
  const bytes = Buffer.alloc((highest >> 3) + 1);
  for (let bit = 0; bit <= highest; bit++) {
    if (mask & (1 << bit)) bytes[bit >> 3] = bytes[bit >> 3]! | (0x80 >> (bit & 7));
  }
  return der.bitString(bytes, 7 - (highest & 7));
}

export function keyUsage(usages: readonly KeyUsageName[]): der.Der | null {
  const bits = keyUsageBitString(usages);
  return bits && extension(OID.keyUsage, true, bits);
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];

export function extKeyUsage(oids: readonly string[]): der.Der | null {
  if (oids.length === 0) return null;
  return extension(OID.extKeyUsage, false, der.sequence(unique(oids).map((o) => der.oid(o))));
}

/** Critical exactly when the subject is empty (RFC 5280 4.2.1.6). */
export function subjectAltName(sans: SubjectAltNames, subjectIsEmpty: boolean): der.Der | null {
  if (sanCount(sans) === 0) return null;
  return extension(OID.subjectAltName, subjectIsEmpty, der.sequence(encodeGeneralNames(sans)));
}

function subtrees(dns: readonly string[], ips: readonly string[], emails: readonly string[], uris: readonly string[]): der.Der[] {
  const out: der.Der[] = [];
  const subtree = (name: der.Der): der.Der => der.sequence([name]);
  for (const d of dns) out.push(subtree(der.implicit(GeneralNameTag.dNSName, der.asciiBytes(d, 'DNS name constraint'))));
  for (const range of ips) {
    const { address, mask } = parseCidr(range);
    out.push(subtree(der.implicit(GeneralNameTag.iPAddress, Buffer.concat([address, mask]))));
  }
  for (const e of emails) out.push(subtree(der.implicit(GeneralNameTag.rfc822Name, der.asciiBytes(e, 'email name constraint'))));
  for (const u of uris) {
    out.push(subtree(der.implicit(GeneralNameTag.uniformResourceIdentifier, der.asciiBytes(u, 'URI name constraint'))));
  }
  return out;
}

/** Critical, as RFC 5280 4.2.1.10 requires. Null when there is no constraint at all. */
export function nameConstraints(nc: NameConstraints | null): der.Der | null {
  if (!nc) return null;
  const permitted = subtrees(nc.permittedDnsDomains, nc.permittedIpRanges, nc.permittedEmailAddresses, nc.permittedUriDomains);
  const excluded = subtrees(nc.excludedDnsDomains, nc.excludedIpRanges, nc.excludedEmailAddresses, nc.excludedUriDomains);
  if (permitted.length === 0 && excluded.length === 0) return null;
  const fields: der.Der[] = [];
  if (permitted.length > 0) fields.push(der.contextConstructed(0, permitted));
  if (excluded.length > 0) fields.push(der.contextConstructed(1, excluded));
  return extension(OID.nameConstraints, true, der.sequence(fields));
}

export function certificatePolicies(oids: readonly string[]): der.Der | null {
  if (oids.length === 0) return null;
  return extension(OID.certificatePolicies, false, der.sequence(unique(oids).map((o) => der.sequence([der.oid(o)]))));
}

/** OCSP responders first, then CA issuers, as Go orders them. */
export function authorityInfoAccess(ocspServers: readonly string[], issuingCertificates: readonly string[]): der.Der | null {
  const access = (method: string, uri: string): der.Der =>
    der.sequence([der.oid(method), der.implicit(GeneralNameTag.uniformResourceIdentifier, der.asciiBytes(uri, 'AIA URL'))]);
  const items = [
    ...ocspServers.map((u) => access(OID.accessOcsp, u)),
    ...issuingCertificates.map((u) => access(OID.accessCaIssuers, u)),
  ];
  return items.length === 0 ? null : extension(OID.authorityInfoAccess, false, der.sequence(items));
}

/** One DistributionPoint per URL: distributionPoint [0] { fullName [0] { URI } }. */
export function crlDistributionPoints(urls: readonly string[]): der.Der | null {
  if (urls.length === 0) return null;
  const points = urls.map((u) =>
    der.sequence([
      der.explicit(0, der.contextConstructed(0, [der.implicit(GeneralNameTag.uniformResourceIdentifier, der.asciiBytes(u, 'CRL distribution point'))])),
    ]),
  );
  return extension(OID.crlDistributionPoints, false, der.sequence(points));
}
