/**
 * The contract between role policy (what may be issued) and the one signer (how it is
 * encoded). Policy resolves a request into a CertificateTemplate; sign.ts turns a template
 * plus an issuer into DER. Neither side knows about HTTP or storage.
 */
import type { KeyObject } from 'node:crypto';

export type KeyType = 'rsa' | 'ec' | 'ed25519';

/** Subject attribute short names, in the order Vault (Go's pkix.Name) writes them. */
export type SubjectAttributeType =
  | 'C'
  | 'O'
  | 'OU'
  | 'L'
  | 'ST'
  | 'street'
  | 'postalCode'
  | 'serialNumber'
  | 'CN'
  | 'UID';

export interface SubjectAttribute {
  type: SubjectAttributeType;
  value: string;
}

/** Go's x509.KeyUsage names without the `KeyUsage` prefix, as Vault's roles spell them. */
export type KeyUsageName =
  | 'DigitalSignature'
  | 'ContentCommitment'
  | 'KeyEncipherment'
  | 'DataEncipherment'
  | 'KeyAgreement'
  | 'CertSign'
  | 'CRLSign'
  | 'EncipherOnly'
  | 'DecipherOnly';

export interface OtherName {
  oid: string;
  /** Encoded as UTF8String inside the otherName, as Vault does (`<oid>;UTF8:<value>`). */
  value: string;
}

export interface SubjectAltNames {
  dns: string[];
  email: string[];
  /** Textual IPv4 / IPv6 addresses. */
  ip: string[];
  uri: string[];
  otherNames: OtherName[];
}

export interface NameConstraints {
  permittedDnsDomains: string[];
  excludedDnsDomains: string[];
  permittedIpRanges: string[];
  excludedIpRanges: string[];
  permittedEmailAddresses: string[];
  excludedEmailAddresses: string[];
  permittedUriDomains: string[];
  excludedUriDomains: string[];
}

export interface AuthorityInfo {
  issuingCertificates: string[];
  ocspServers: string[];
  crlDistributionPoints: string[];
}

/** Everything that varies per certificate, fully resolved. */
export interface CertificateTemplate {
  /** Positive, minimal big-endian magnitude (no leading 0x00 unless the top bit is set: encoding adds it). */
  serial: Buffer;
  subject: SubjectAttribute[];
  notBeforeMs: number;
  notAfterMs: number;
  publicKey: KeyObject;
  isCa: boolean;
  /** -1: no pathLenConstraint. Only meaningful when isCa. */
  maxPathLength: number;
  /** Emit BasicConstraints CA:false on a leaf (role basic_constraints_valid_for_non_ca). */
  basicConstraintsOnLeaf: boolean;
  keyUsage: KeyUsageName[];
  /** EKU OIDs, in order, without duplicates. */
  extKeyUsageOids: string[];
  sans: SubjectAltNames;
  policyOids: string[];
  nameConstraints: NameConstraints | null;
  authorityInfo: AuthorityInfo;
  /** Override of the subject key identifier (cross-signing keeps the original SKID). */
  subjectKeyId: Buffer | null;
  /**
   * Extensions carried over as they are from an existing certificate (sign-self-issued keeps its
   * name constraints and policies); never one the template itself produces.
   */
  copiedExtensions?: CopiedExtension[];
}

export interface CopiedExtension {
  oid: string;
  critical: boolean;
  /** The extnValue contents. */
  value: Buffer;
}

/** The signing side of an issuer. For a self-signed root the subject is its own issuer. */
export interface SigningIssuer {
  /** DER of the issuer certificate's subject Name, copied byte for byte into the leaf's issuer field. */
  subjectDer: Buffer;
  /** The issuer's subject key identifier, written as the leaf's authority key identifier. */
  subjectKeyId: Buffer;
  privateKey: KeyObject;
  /** RSA only: 256, 384 or 512; 0 picks the default. EC keys pick the hash by curve. */
  signatureBits: number;
  usePss: boolean;
}

/** What role policy needs to know of a CSR (parsed and signature-checked by csr.ts). */
export interface CsrRequestInfo {
  commonName: string;
  sans: SubjectAltNames;
  keyType: KeyType;
  /** RSA modulus bits, EC curve bits (256/384/521), 0 for ed25519. */
  keyBits: number;
  /** The CSR asks for BasicConstraints CA:true. */
  requestsCa: boolean;
}

/** What identity templates can refer to: the caller's entity and its aliases by mount accessor. */
export interface CallerIdentity {
  entityId: string;
  entityName: string;
  entityMetadata: Record<string, string>;
  aliases: Record<string, { id: string; name: string; metadata: Record<string, string> }>;
}
