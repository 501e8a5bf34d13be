/**
 * Reading X.509 extensions back (certificates being imported, CSR extension requests):
 * only the ones the engine acts on. Malformations are DerErrors for the caller to report.
 */
import { Tag } from './der.js';
import {
  contentOf,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallInteger,
  type DerNode,
  DerError,
  expectTag,
  readSingle,
  sequenceOf,
} from './der-reader.js';
import { keyUsageBit } from './extensions.js';
import { decodeGeneralNames, emptySans } from './general-names.js';
import { OID } from './oids.js';
import type { KeyUsageName, SubjectAltNames } from './types.js';

export interface RawExtension {
  oid: string;
  critical: boolean;
  /** The extnValue contents (the extension's own DER). */
  value: Buffer;
}

/** Extensions ::= SEQUENCE OF Extension; a repeated OID is an error (RFC 5280 4.2). */
export function decodeExtensions(node: DerNode): RawExtension[] {
  const out: RawExtension[] = [];
  const seen = new Set<string>();
  for (const item of sequenceOf(node, 'Extensions')) {
    const fields = sequenceOf(item, 'Extension');
    const oid = decodeOid(expectTag(fields[0], Tag.OID, 'extension id'));
    let index = 1;
    let critical = false;
    if (fields[index]?.tag === Tag.BOOLEAN) critical = decodeBoolean(fields[index++]!);
    const value = contentOf(expectTag(fields[index], Tag.OCTET_STRING, `value of extension ${oid}`));
    if (seen.has(oid)) throw new DerError(`extension ${oid} appears more than once`);
    seen.add(oid);
    out.push({ oid, critical, value });
  }
  return out;
}

export interface ExtensionSummary {
  sans: SubjectAltNames;
  isCa: boolean;
  /** -1 when absent. */
  pathLen: number;
  /** Null when there is no KeyUsage extension. */
  keyUsage: KeyUsageName[] | null;
  extKeyUsageOids: string[];
  subjectKeyId: Buffer | null;
  authorityKeyId: Buffer | null;
  hasBasicConstraints: boolean;
}

const usageByBit = Object.entries(keyUsageBit).sort((a, b) => a[1] - b[1]).map(([name]) => name as KeyUsageName);

function decodeKeyUsage(value: Buffer): KeyUsageName[] {
  const { bytes } = decodeBitString(readSingle(value));
  const out: KeyUsageName[] = [];
  usageByBit.forEach((name, bit) => {
    if (((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0) out.push(name);
  });
  return out;
}

function decodeBasicConstraints(value: Buffer): { isCa: boolean; pathLen: number } {
  const fields = sequenceOf(readSingle(value), 'BasicConstraints');
  let index = 0;
  let isCa = false;
  if (fields[index]?.tag === Tag.BOOLEAN) isCa = decodeBoolean(fields[index++]!);
  const pathLen = fields[index]?.tag === Tag.INTEGER ? decodeSmallInteger(fields[index]!) : -1;
  return { isCa, pathLen };
}

function decodeAuthorityKeyId(value: Buffer): Buffer | null {
  const keyId = sequenceOf(readSingle(value), 'AuthorityKeyIdentifier').find((f) => f.tag === 0x80);
  return keyId ? Buffer.from(contentOf(keyId)) : null;
}

export function summarizeExtensions(extensions: readonly RawExtension[]): ExtensionSummary {
  const out: ExtensionSummary = {
    sans: emptySans(),
    isCa: false,
    pathLen: -1,
    keyUsage: null,
    extKeyUsageOids: [],
    subjectKeyId: null,
    authorityKeyId: null,
    hasBasicConstraints: false,
  };
  for (const { oid, value } of extensions) {
    switch (oid) {
      case OID.subjectAltName:
        out.sans = decodeGeneralNames(expectTag(readSingle(value), Tag.SEQUENCE, 'SubjectAltName'));
        break;
      case OID.basicConstraints:
        Object.assign(out, decodeBasicConstraints(value), { hasBasicConstraints: true });
        break;
      case OID.keyUsage:
        out.keyUsage = decodeKeyUsage(value);
        break;
      case OID.extKeyUsage:
        out.extKeyUsageOids = sequenceOf(readSingle(value), 'ExtKeyUsage').map(decodeOid);
        break;
      case OID.subjectKeyIdentifier:
        out.subjectKeyId = Buffer.from(contentOf(expectTag(readSingle(value), Tag.OCTET_STRING, 'SubjectKeyIdentifier')));
        break;
      case OID.authorityKeyIdentifier:
        out.authorityKeyId = decodeAuthorityKeyId(value);
        break;
      default:
        break;
    }
  }
  if (!out.isCa) out.pathLen = -1;
  return out;
}
