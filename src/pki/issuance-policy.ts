/**
 * Request → certificate parameters for `/issue`, `/sign` and `/sign-verbatim` (reference
 * §4.1–§4.4, §9): applies a role to a request and either returns everything of a
 * CertificateTemplate that policy decides, or throws a 400 with Vault's wording. The caller adds
 * serial, public key, AIA, CA flags and key ids, then hands the template to the one signer.
 */
import { badRequest } from '../core/errors.js';
import { idnaToAscii, isHostname } from './hostname.js';
import { normaliseKeyParams } from './key-params.js';
import {
  checkCommonName,
  checkDnsSans,
  checkEmailSans,
  checkIpSans,
  checkOtherSans,
  checkSerialNumber,
  checkUriSans,
  checkUserIds,
  parseRequestedOtherSans,
} from './names.js';
import { isDottedOid } from './oid-text.js';
import { policyOidsOf } from './policy-identifiers.js';
import { roleFromInput, type Role } from './role.js';
import type {
  CallerIdentity,
  CertificateTemplate,
  CsrRequestInfo,
  KeyType,
  KeyUsageName,
  OtherName,
  SubjectAttribute,
  SubjectAttributeType,
} from './types.js';
import { canonicalExtKeyUsage, canonicalKeyUsage, extKeyUsageOids } from './usage-names.js';
import { computeValidity, type LeafNotAfterBehavior } from './validity.js';

export type IssuanceMode = 'issue' | 'sign' | 'sign-verbatim';

/** An issue/sign request after wire decoding (lists already split, durations in seconds). */
export interface IssueRequest {
  commonName: string;
  /** DNS names and email addresses (told apart by `@`), from the comma-separated `alt_names`. */
  altNames: string[];
  ipSans: string[];
  uriSans: string[];
  /** `<oid>;UTF8:<value>` entries. */
  otherSans: string[];
  /** Requested lifetime in seconds; 0 when not given. */
  ttl: number;
  /** Requested fixed NotAfter (RFC 3339); "" when not given. */
  notAfter: string;
  excludeCnFromSans: boolean;
  /** Subject UID attributes. */
  userIds: string[];
  /** Subject serialNumber attribute (not the certificate serial); "" when not given. */
  serialNumber: string;
  /** sign and sign-verbatim: the parsed CSR, its signature already verified. */
  csr?: CsrRequestInfo | null;
  /** sign-verbatim: CSR contents beyond CsrRequestInfo, copied as they are when known. */
  csrVerbatim?: CsrVerbatimInfo | null;
  /** issue on a `key_type=any` role: the key to generate (an extension; Vault refuses such issues). */
  keyType?: string;
  keyBits?: number;
}

/** What sign-verbatim copies from a CSR; null/absent parts fall back to the request's fields. */
export interface CsrVerbatimInfo {
  subject?: SubjectAttribute[] | null;
  keyUsage?: KeyUsageName[] | null;
  extKeyUsageOids?: string[] | null;
}

export interface IssuanceContext {
  nowMs: number;
  /** The mount's effective default / max lease TTL in seconds. */
  mountDefaultTtl: number;
  mountMaxTtl: number;
  /** The signing issuer's NotAfter; null when there is no parent to stay within. */
  issuerNotAfterMs: number | null;
  leafNotAfterBehavior: LeafNotAfterBehavior;
  /** The caller's entity for identity templates; null for tokens without one (e.g. root). */
  identity: CallerIdentity | null;
  mode: IssuanceMode;
}

export type ResolvedLeaf = Pick<
  CertificateTemplate,
  'subject' | 'sans' | 'notBeforeMs' | 'notAfterMs' | 'keyUsage' | 'extKeyUsageOids' | 'policyOids' | 'basicConstraintsOnLeaf'
> & { keyType: KeyType; keyBits: number; warnings: string[] };

export const REQUIRE_CN_MESSAGE =
  'the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false';

const dedupe = <T>(items: readonly T[]): T[] => [...new Set(items)];

/** Sign: the CSR's key must be of the role's type and at least its size; RSA never below 2048. */
function checkCsrKey(csr: CsrRequestInfo, role: Role): void {
  let minimum: number;
  if (role.keyType === 'any') {
    if (csr.keyType === 'rsa' && csr.keyBits < 2048) throw badRequest('RSA keys < 2048 bits are unsafe and not supported');
    // A key_type=any role ignores its key_bits; P-224 stays acceptable as it always was.
    minimum = csr.keyType === 'rsa' ? 2048 : csr.keyType === 'ec' ? 224 : 0;
  } else {
    if (csr.keyType !== role.keyType) throw badRequest(`role requires keys of type ${role.keyType}`);
    minimum = role.keyBits;
  }
  if (csr.keyType === 'ed25519') return;
  if (csr.keyBits < minimum) {
    throw badRequest(`role requires a minimum of a ${minimum}-bit key, but CSR's key is ${csr.keyBits} bits`);
  }
  if (csr.keyType === 'rsa' && csr.keyBits < 2048) {
    throw badRequest(`Vault requires a minimum of a 2048-bit key, but CSR's key is ${csr.keyBits} bits`);
  }
}

/** Issue: the key to generate. A key_type=any role needs the request to name one. */
function issueKey(request: IssueRequest, role: Role, warnings: string[]): { keyType: KeyType; keyBits: number } {
  const requested = request.keyType ?? '';
  if (role.keyType !== 'any') {
    if (requested !== '') warnings.push(`key_type and key_bits are only used with a role whose key_type is "any"; the role's ${role.keyType} key settings were used`);
    return { keyType: role.keyType, keyBits: role.keyBits };
  }
  if (requested === '' || requested === 'any') {
    throw badRequest('role key type "any" not allowed for issuing certificates, only signing');
  }
  const key = normaliseKeyParams(requested, request.keyBits ?? 0, 0);
  return { keyType: key.keyType as KeyType, keyBits: key.keyType === 'ed25519' ? 0 : key.keyBits };
}

/** A DNS SAN candidate in its IDNA form, or null when it is not a hostname (Vault drops those silently). */
function dnsForm(name: string): string | null {
  const converted = idnaToAscii(name);
  if (!converted.ok) throw badRequest(converted.error);
  return isHostname(converted.ascii) ? converted.ascii : null;
}

function subjectOf(role: Role, cn: string, serialNumber: string, userIds: readonly string[]): SubjectAttribute[] {
  const subject: SubjectAttribute[] = [];
  const add = (type: SubjectAttributeType, values: readonly string[]) => {
    for (const value of dedupe(values)) subject.push({ type, value });
  };
  // Go's pkix.Name order; empty CN / serialNumber are left out, UIDs come last as extra names.
  add('C', role.country);
  add('O', role.organization);
  add('OU', role.ou);
  add('L', role.locality);
  add('ST', role.province);
  add('street', role.streetAddress);
  add('postalCode', role.postalCode);
  if (serialNumber !== '') subject.push({ type: 'serialNumber', value: serialNumber });
  if (cn !== '') subject.push({ type: 'CN', value: cn });
  for (const userId of userIds) subject.push({ type: 'UID', value: userId });
  return subject;
}

/** The role's EKUs: flags first, then ext_key_usage names, then ext_key_usage_oids, each once. */
export function extKeyUsageOidsOf(role: Role): string[] {
  const oids: string[] = [];
  if (role.serverFlag) oids.push(extKeyUsageOids.ServerAuth);
  if (role.clientFlag) oids.push(extKeyUsageOids.ClientAuth);
  if (role.codeSigningFlag) oids.push(extKeyUsageOids.CodeSigning);
  if (role.emailProtectionFlag) oids.push(extKeyUsageOids.EmailProtection);
  for (const name of role.extKeyUsage) oids.push(extKeyUsageOids[name]);
  oids.push(...role.extKeyUsageOids);
  return dedupe(oids);
}

/**
 * DNS and email SANs: the CSR's (when the role takes SANs from it) or the request's alt_names
 * split by `@`, plus the CN unless excluded — DNS names IDNA-converted and dropped when they are
 * not hostnames, as Vault does. sign-verbatim keeps the CSR's exactly.
 */
function sanNames(cn: string, request: IssueRequest, csr: CsrRequestInfo | null, verbatim: boolean): { dns: string[]; email: string[] } {
  const dns: string[] = csr ? [...csr.sans.dns] : [];
  const email: string[] = csr ? [...csr.sans.email] : [];
  const add = (name: string) => {
    if (name.includes('@')) {
      email.push(name);
      return;
    }
    const converted = dnsForm(name);
    if (converted !== null) dns.push(converted);
  };
  if (!verbatim) {
    if (cn !== '' && !request.excludeCnFromSans) add(cn);
    if (csr === null) for (const name of dedupe(request.altNames.map((n) => n.trim()).filter((n) => n !== ''))) add(name);
  }
  return { dns: dedupe(dns), email: dedupe(email).sort() };
}

export function resolveLeaf(request: IssueRequest, role: Role, ctx: IssuanceContext): ResolvedLeaf {
  const warnings: string[] = [];
  // /issue has no CSR; ignore one a caller might pass so it cannot steer names or the key.
  const csr = ctx.mode === 'issue' ? null : request.csr ?? null;
  const verbatim = ctx.mode === 'sign-verbatim';

  let key: { keyType: KeyType; keyBits: number };
  if (ctx.mode === 'issue') {
    key = issueKey(request, role, warnings);
  } else {
    if (csr === null) throw badRequest('"csr" is empty');
    // Like OpenBao, /sign issues a leaf and says so (cert-manager sends isCA CSRs here); sign-verbatim refuses.
    if (csr.requestsCa && ctx.mode === 'sign-verbatim') {
      throw badRequest('refusing to sign a CSR that requests a CA certificate (BasicConstraints CA:true); use root/sign-intermediate for CAs');
    }
    if (csr.requestsCa) warnings.push('the CSR requests a CA certificate (BasicConstraints CA:true); a leaf certificate was issued instead');
    checkCsrKey(csr, role);
    key = { keyType: csr.keyType, keyBits: csr.keyBits };
    if (role.useCsrCommonName && request.commonName !== '') {
      warnings.push('the common_name field was provided but the role is set with "use_csr_common_name" set to true');
    }
    if (role.useCsrSans && request.altNames.length > 0) {
      warnings.push('the alt_names field was provided but the role is set with "use_csr_sans" set to true');
    }
  }
  const sansFromCsr = csr !== null && role.useCsrSans;

  // Common name: the CSR's when the role says so, else (or when the CSR has none) the request's.
  let cn = csr !== null && role.useCsrCommonName ? csr.commonName : '';
  if (cn === '') cn = request.commonName;
  if (cn === '' && role.requireCn) throw badRequest(REQUIRE_CN_MESSAGE);

  const { dns, email } = sanNames(cn, request, sansFromCsr ? csr : null, verbatim);

  // Checked even when excluded from the SANs.
  if (cn !== '') checkCommonName(cn, role, ctx.identity);
  checkSerialNumber(request.serialNumber, role);
  checkDnsSans(dns, role, ctx.identity);
  checkEmailSans(email, role, ctx.identity);

  const otherNames: OtherName[] = parseRequestedOtherSans(request.otherSans);
  if (sansFromCsr) otherNames.push(...csr.sans.otherNames);
  checkOtherSans(otherNames, role);

  const ip = checkIpSans(sansFromCsr ? csr.sans.ip : request.ipSans, role, sansFromCsr ? 'csr' : 'api');
  const uri = checkUriSans(sansFromCsr ? csr.sans.uri : request.uriSans, role, ctx.identity, sansFromCsr ? 'csr' : 'api');

  const validity = computeValidity({
    nowMs: ctx.nowMs,
    requestTtl: request.ttl,
    requestNotAfter: request.notAfter,
    roleTtl: role.ttl,
    roleMaxTtl: role.maxTtl,
    roleNotAfter: role.notAfter,
    roleNotBeforeDuration: role.notBeforeDuration,
    mountDefaultTtl: ctx.mountDefaultTtl,
    mountMaxTtl: ctx.mountMaxTtl,
    issuerNotAfterMs: ctx.issuerNotAfterMs,
    leafNotAfterBehavior: ctx.leafNotAfterBehavior,
  });
  warnings.push(...validity.warnings);

  checkUserIds(request.userIds, role);

  const copied = verbatim ? request.csrVerbatim ?? null : null;
  return {
    subject: copied?.subject ? copied.subject.map((a) => ({ ...a })) : subjectOf(role, cn, request.serialNumber, request.userIds),
    sans: {
      dns,
      email,
      ip,
      uri,
      otherNames: [...new Map(otherNames.map((o) => [`${o.oid}\u0000${o.value}`, { oid: o.oid, value: o.value }])).values()],
    },
    notBeforeMs: validity.notBeforeMs,
    notAfterMs: validity.notAfterMs,
    keyUsage: copied?.keyUsage ? dedupe(copied.keyUsage) : dedupe(role.keyUsage),
    extKeyUsageOids: copied?.extKeyUsageOids ? dedupe(copied.extKeyUsageOids) : extKeyUsageOidsOf(role),
    policyOids: policyOidsOf(role.policyIdentifiers),
    basicConstraintsOnLeaf: role.basicConstraintsValidForNonCa,
    keyType: key.keyType,
    keyBits: key.keyBits,
    warnings,
  };
}

/** Request fields of sign-verbatim that shape its implicit role (decoded; absent = not given). */
export interface SignVerbatimOptions {
  keyUsage?: string[];
  extKeyUsage?: string[];
  extKeyUsageOids?: string[];
  signatureBits?: number;
  usePss?: boolean;
  basicConstraintsValidForNonCa?: boolean;
}

/**
 * The implicit role of sign-verbatim (§4.1): any name, IP/URI/other SANs, wildcards, any key
 * type, CN and SANs from the CSR, no CN validation, no EKU flags. From `role` (when the path
 * names one) only ttl, max_ttl, generate_lease, no_store, issuer_ref, not_before_duration and
 * basic_constraints_valid_for_non_ca (unless the request sets it) carry over; without a role
 * there is no backdating.
 */
export function signVerbatimRole(role: Role | null, options: SignVerbatimOptions = {}): Role {
  const base = roleFromInput({}, new Set()).role;
  const names = <T>(inputs: readonly string[] | undefined, fallback: readonly T[], canonical: (s: string) => T | null): T[] =>
    inputs === undefined ? [...fallback] : dedupe(inputs.map(canonical).filter((v): v is T => v !== null));
  return {
    ...base,
    issuerRef: role?.issuerRef || 'default',
    ttl: role && role.ttl > 0 ? role.ttl : 0,
    maxTtl: role && role.maxTtl > 0 ? role.maxTtl : 0,
    notBeforeDuration: role && role.notBeforeDuration > 0 ? role.notBeforeDuration : 0,
    notAfter: '',
    allowLocalhost: true,
    allowAnyName: true,
    allowIpSans: true,
    allowWildcardCertificates: true,
    enforceHostnames: false,
    allowedOtherSans: ['*'],
    allowedSerialNumbers: ['*'],
    allowedUriSans: ['*'],
    allowedUserIds: ['*'],
    cnValidations: ['disabled'],
    requireCn: false,
    serverFlag: false,
    clientFlag: false,
    keyUsage: names(options.keyUsage, base.keyUsage, canonicalKeyUsage),
    extKeyUsage: names(options.extKeyUsage, [], canonicalExtKeyUsage),
    extKeyUsageOids: dedupe((options.extKeyUsageOids ?? []).map((oid) => {
      if (!isDottedOid(oid.trim())) throw badRequest(`"${oid}" could not be parsed as a valid oid for an extended key usage`);
      return oid.trim();
    })),
    keyType: 'any',
    keyBits: 0,
    signatureBits: options.signatureBits ?? 0,
    usePss: options.usePss ?? false,
    useCsrCommonName: true,
    useCsrSans: true,
    basicConstraintsValidForNonCa: options.basicConstraintsValidForNonCa ?? role?.basicConstraintsValidForNonCa ?? false,
    generateLease: role?.generateLease ?? false,
    noStore: role?.noStore ?? false,
    noStoreMetadata: role?.noStoreMetadata ?? false,
  };
}
