/**
 * X.501 Names. Written like Go's pkix.Name, which Vault uses: one RDN per attribute, in the
 * order given, values as UTF8String except countryName and serialNumber, which are
 * PrintableString when their characters allow it (RFC 5280 requires it for C).
 */
import { badRequest } from '../core/errors.js';
import * as der from './der.js';
import { childrenOf, decodeOid, decodeString, type DerNode, expectTag, rawOf, sequenceOf } from './der-reader.js';
import { OID } from './oids.js';
import type { SubjectAttribute, SubjectAttributeType } from './types.js';

export const subjectAttributeOids: Readonly<Record<SubjectAttributeType, string>> = {
  C: OID.countryName,
  O: OID.organizationName,
  OU: OID.organizationalUnitName,
  L: OID.localityName,
  ST: OID.stateOrProvinceName,
  street: OID.streetAddress,
  postalCode: OID.postalCode,
  serialNumber: OID.serialNumber,
  CN: OID.commonName,
  UID: OID.userId,
};

const typeByOid: ReadonlyMap<string, SubjectAttributeType> = new Map(
  Object.entries(subjectAttributeOids).map(([type, oid]) => [oid, type as SubjectAttributeType]),
);

/** Name DER for the subject; an empty list gives the empty SEQUENCE. */
export function encodeName(attributes: readonly SubjectAttribute[]): der.Der {
  const rdns: der.Der[] = [];
  for (const { type, value } of attributes) {
    const oid = subjectAttributeOids[type];
    if (oid === undefined) throw badRequest(`unknown subject attribute type "${String(type)}"`);
    if (typeof value !== 'string' || value === '') throw badRequest(`subject attribute ${type} is empty`);
    const printable = (type === 'C' || type === 'serialNumber') && der.isPrintableString(value);
    const encoded = printable ? der.printableString(value) : der.utf8String(value, `subject ${type}`);
    rdns.push(der.set([der.sequence([der.oid(oid), encoded])]));
  }
  return der.sequence(rdns);
}

export interface DecodedName {
  /** Attributes of the types Vault knows, in order (multi-valued RDNs flattened). */
  attributes: SubjectAttribute[];
  /** Everything else (emailAddress, DC, ...), by OID. */
  others: { oid: string; value: string }[];
}

export function decodeName(name: DerNode): DecodedName {
  const out: DecodedName = { attributes: [], others: [] };
  for (const rdn of sequenceOf(name, 'Name')) {
    for (const atv of childrenOf(expectTag(rdn, der.Tag.SET, 'relative distinguished name'))) {
      const [oidNode, valueNode] = sequenceOf(atv, 'attribute');
      const oid = decodeOid(oidNode!);
      if (!valueNode) throw badRequest(`name attribute ${oid} has no value`);
      const type = typeByOid.get(oid);
      if (type) out.attributes.push({ type, value: decodeString(valueNode) });
      else out.others.push({ oid, value: decodeOtherValue(valueNode) });
    }
  }
  return out;
}

/** Unknown attributes may hold non-string values: keep them as RFC 4514 `#hex` instead of failing. */
function decodeOtherValue(node: DerNode): string {
  try {
    return decodeString(node);
  } catch {
    return `#${rawOf(node).toString('hex')}`;
  }
}

/** The last CN, as Go's pkix.Name keeps it (Vault reads CommonName from there). */
export function commonNameOf(attributes: readonly SubjectAttribute[]): string {
  let cn = '';
  for (const a of attributes) if (a.type === 'CN') cn = a.value;
  return cn;
}
