/**
 * GeneralNames (RFC 5280 4.2.1.6) for subject alternative names: dNSName, rfc822Name,
 * iPAddress, URI, and otherName holding a UTF8String (Vault's `<oid>;UTF8:<value>`).
 */
import { badRequest } from '../core/errors.js';
import * as der from './der.js';
import { childrenOf, contentOf, decodeOid, decodeString, type DerNode, DerError } from './der-reader.js';
import { formatIp, parseIpOrThrow } from './ip.js';
import type { SubjectAltNames } from './types.js';

/** GeneralName CHOICE tags (implicit, context-specific). */
export const GeneralNameTag = {
  otherName: 0,
  rfc822Name: 1,
  dNSName: 2,
  directoryName: 4,
  uniformResourceIdentifier: 6,
  iPAddress: 7,
} as const;

export const emptySans = (): SubjectAltNames => ({ dns: [], email: [], ip: [], uri: [], otherNames: [] });

export const sanCount = (s: SubjectAltNames): number =>
  s.dns.length + s.email.length + s.ip.length + s.uri.length + s.otherNames.length;

/** An IA5String-valued GeneralName: the string's octets under the implicit tag. */
function ascii(tag: number, value: string, what: string): der.Der {
  if (value === '') throw badRequest(`empty ${what}`);
  return der.implicit(tag, der.asciiBytes(value, what));
}

/** The GeneralName elements in Go's order (DNS, email, IP, URI), then otherNames. */
export function encodeGeneralNames(sans: SubjectAltNames): der.Der[] {
  const out: der.Der[] = [];
  for (const dns of sans.dns) out.push(ascii(GeneralNameTag.dNSName, dns, 'DNS SAN'));
  for (const email of sans.email) out.push(ascii(GeneralNameTag.rfc822Name, email, 'email SAN'));
  for (const ip of sans.ip) out.push(der.implicit(GeneralNameTag.iPAddress, parseIpOrThrow(ip)));
  for (const uri of sans.uri) out.push(ascii(GeneralNameTag.uniformResourceIdentifier, uri, 'URI SAN'));
  for (const other of sans.otherNames) {
    // otherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }, itself [0] IMPLICIT.
    out.push(
      der.contextConstructed(GeneralNameTag.otherName, [
        der.oid(other.oid),
        der.explicit(0, der.utf8String(other.value, 'other SAN')),
      ]),
    );
  }
  return out;
}

/** SANs from a GeneralNames SEQUENCE; directoryName, registeredID and the like are skipped. */
export function decodeGeneralNames(node: DerNode): SubjectAltNames {
  const sans = emptySans();
  for (const name of childrenOf(node)) {
    switch (name.tag) {
      case 0x80 | GeneralNameTag.dNSName:
        sans.dns.push(contentOf(name).toString('latin1'));
        break;
      case 0x80 | GeneralNameTag.rfc822Name:
        sans.email.push(contentOf(name).toString('latin1'));
        break;
      case 0x80 | GeneralNameTag.uniformResourceIdentifier:
        sans.uri.push(contentOf(name).toString('latin1'));
        break;
      case 0x80 | GeneralNameTag.iPAddress: {
        const bytes = contentOf(name);
        if (bytes.length !== 4 && bytes.length !== 16) throw new DerError(`IP address SAN has ${bytes.length} bytes`);
        sans.ip.push(formatIp(bytes));
        break;
      }
      case 0xa0 | GeneralNameTag.otherName: {
        const [oidNode, valueNode] = childrenOf(name);
        if (!oidNode || !valueNode || valueNode.tag !== 0xa0) throw new DerError('malformed otherName SAN');
        const [inner] = childrenOf(valueNode);
        if (!inner) throw new DerError('otherName SAN has no value');
        // Only string values can be represented as Vault's `<oid>;UTF8:<value>`.
        let value: string | null = null;
        try {
          value = decodeString(inner);
        } catch {
          value = null;
        }
        if (value !== null) sans.otherNames.push({ oid: decodeOid(oidNode), value });
        break;
      }
      default:
        break;
    }
  }
  return sans;
}
