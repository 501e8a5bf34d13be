import { badRequest } from '../../core/errors.js';
import { parseCidr } from '../../pki/ip.js';
import { type IssueRequest, resolveLeaf, type ResolvedLeaf } from '../../pki/issuance-policy.js';
import { roleFromInput } from '../../pki/role.js';
import type { CsrRequestInfo, KeyUsageName, NameConstraints } from '../../pki/types.js';
import { canonicalKeyUsage } from '../../pki/usage-names.js';
import type { LeafNotAfterBehavior } from '../../storage/types.js';

/** The fields shared by root generation, intermediate CSRs and sign-intermediate, decoded. */
export interface CaRequest {
  commonName: string;
  altNames: string[];
  ipSans: string[];
  uriSans: string[];
  otherSans: string[];
  excludeCnFromSans: boolean;
  ou: string[];
  organization: string[];
  country: string[];
  locality: string[];
  province: string[];
  streetAddress: string[];
  postalCode: string[];
  serialNumber: string;
  ttl: number;
  notAfter: string;
  notBeforeDuration: number;
  maxPathLength: number;
  keyUsage: string[];
  permittedDnsDomains: string[];
  excludedDnsDomains: string[];
  permittedIpRanges: string[];
  excludedIpRanges: string[];
  permittedEmailAddresses: string[];
  excludedEmailAddresses: string[];
  permittedUriDomains: string[];
  excludedUriDomains: string[];
  signatureBits: number;
  usePss: boolean;
}

export interface CaValidityContext {
  nowMs: number;
  mountDefaultTtl: number;
  mountMaxTtl: number;
  /** Root generation defaults to the mount's max TTL rather than its default. */
  defaultToMaxTtl: boolean;
  issuerNotAfterMs: number | null;
  leafNotAfterBehavior: LeafNotAfterBehavior;
  /** sign-intermediate: the CSR. Its CN is used when common_name is empty (as Vault does). */
  csr: CsrRequestInfo | null;
  /** sign-intermediate with use_csr_values: the SANs come from the CSR too. */
  useCsrValues: boolean;
}

/**
 * Subject, SANs and validity of a CA certificate, resolved by the same policy code as leaves
 * under an implicit role that allows any name (as Vault does for CA operations).
 */
export function resolveCaCertificate(request: CaRequest, ctx: CaValidityContext): ResolvedLeaf {
  const fromCsr = ctx.csr !== null;
  const csrCommonName = fromCsr && (ctx.useCsrValues || request.commonName === '');
  const provided = new Set([
    'allow_any_name', 'enforce_hostnames', 'allow_ip_sans', 'allow_wildcard_certificates', 'allowed_uri_sans', 'allowed_other_sans',
    'allowed_serial_numbers', 'allowed_user_ids', 'cn_validations', 'server_flag', 'client_flag', 'key_usage', 'key_type',
    'use_csr_common_name', 'use_csr_sans', 'not_before_duration', 'ou', 'organization', 'country', 'locality', 'province',
    'street_address', 'postal_code',
  ]);
  const { role } = roleFromInput(
    {
      allow_any_name: true,
      enforce_hostnames: false,
      allow_ip_sans: true,
      allow_wildcard_certificates: true,
      allowed_uri_sans: ['*'],
      allowed_other_sans: ['*'],
      allowed_serial_numbers: ['*'],
      allowed_user_ids: ['*'],
      cn_validations: ['disabled'],
      server_flag: false,
      client_flag: false,
      key_usage: [],
      // The CA's key exists already; only a CSR's key is checked (any type accepted).
      key_type: fromCsr ? 'any' : 'rsa',
      use_csr_common_name: csrCommonName,
      use_csr_sans: fromCsr && ctx.useCsrValues,
      not_before_duration: request.notBeforeDuration,
      ou: request.ou,
      organization: request.organization,
      country: request.country,
      locality: request.locality,
      province: request.province,
      street_address: request.streetAddress,
      postal_code: request.postalCode,
    },
    provided,
  );
  const issueRequest: IssueRequest = {
    commonName: request.commonName,
    altNames: request.altNames,
    ipSans: request.ipSans,
    uriSans: request.uriSans,
    otherSans: request.otherSans,
    ttl: request.ttl > 0 || !ctx.defaultToMaxTtl || request.notAfter !== '' ? request.ttl : ctx.mountMaxTtl,
    notAfter: request.notAfter,
    excludeCnFromSans: request.excludeCnFromSans,
    userIds: [],
    serialNumber: request.serialNumber,
    csr: ctx.csr,
  };
  return resolveLeaf(issueRequest, role, {
    nowMs: ctx.nowMs,
    mountDefaultTtl: ctx.mountDefaultTtl,
    mountMaxTtl: ctx.mountMaxTtl,
    issuerNotAfterMs: ctx.issuerNotAfterMs,
    leafNotAfterBehavior: ctx.leafNotAfterBehavior,
    identity: null,
    mode: fromCsr ? 'sign' : 'issue',
  });
}

/** CertSign and CRLSign always, plus any requested usages. */
export function caKeyUsage(requested: readonly string[]): KeyUsageName[] {
  const usages = new Set<KeyUsageName>(['CertSign', 'CRLSign']);
  for (const name of requested) {
    const canonical = canonicalKeyUsage(name);
    if (!canonical) throw badRequest(`unknown key usage "${name}"`);
    usages.add(canonical);
  }
  return [...usages];
}

export function nameConstraintsOf(request: CaRequest): NameConstraints | null {
  for (const range of [...request.permittedIpRanges, ...request.excludedIpRanges]) parseCidr(range);
  const constraints: NameConstraints = {
    permittedDnsDomains: request.permittedDnsDomains,
    excludedDnsDomains: request.excludedDnsDomains,
    permittedIpRanges: request.permittedIpRanges,
    excludedIpRanges: request.excludedIpRanges,
    permittedEmailAddresses: request.permittedEmailAddresses,
    excludedEmailAddresses: request.excludedEmailAddresses,
    permittedUriDomains: request.permittedUriDomains,
    excludedUriDomains: request.excludedUriDomains,
  };
  return Object.values(constraints).some((list) => list.length > 0) ? constraints : null;
}
