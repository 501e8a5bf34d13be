/**
 * The PKI role (reference §3): a named policy of what `/issue/:role` and `/sign/:role` may
 * produce. Built once from decoded wire values with Vault's defaults and normalisation, stored
 * as this camelCase object, and rendered back in Vault's snake_case read shape.
 */
import { badRequest } from '../core/errors.js';
import { normaliseKeyParams, type RoleKeyType } from './key-params.js';
import { parseOtherSan, type CnValidation } from './names.js';
import { isDottedOid } from './oid-text.js';
import { parsePolicyIdentifiers } from './policy-identifiers.js';
import { roleWireKeys, wireDefaults, type RoleWireInput } from './role-wire.js';
import type { KeyUsageName } from './types.js';
import { canonicalExtKeyUsage, canonicalKeyUsage, type ExtKeyUsageName } from './usage-names.js';
import { parseRfc3339 } from './validity.js';

export interface Role {
  /** Issuer reference (id, name or `default`), resolved at issuance time. */
  issuerRef: string;
  /** Seconds; 0 → the mount's default lease TTL. */
  ttl: number;
  /** Seconds; 0 → the mount's max lease TTL. */
  maxTtl: number;
  /** Seconds NotBefore is backdated by. */
  notBeforeDuration: number;
  /** Fixed NotAfter (`YYYY-MM-DDTHH:MM:SSZ`) for every certificate, or "". */
  notAfter: string;

  allowLocalhost: boolean;
  allowedDomains: string[];
  allowedDomainsTemplate: boolean;
  allowBareDomains: boolean;
  allowSubdomains: boolean;
  allowGlobDomains: boolean;
  allowWildcardCertificates: boolean;
  allowAnyName: boolean;
  enforceHostnames: boolean;
  allowIpSans: boolean;
  allowedUriSans: string[];
  allowedUriSansTemplate: boolean;
  allowedOtherSans: string[];
  allowedSerialNumbers: string[];
  allowedUserIds: string[];
  cnValidations: CnValidation[];
  requireCn: boolean;
  /** Deprecated in Vault; stored and returned, never consulted (CallerIdentity has no display name). */
  allowTokenDisplayName: boolean;

  serverFlag: boolean;
  clientFlag: boolean;
  codeSigningFlag: boolean;
  emailProtectionFlag: boolean;
  keyUsage: KeyUsageName[];
  extKeyUsage: ExtKeyUsageName[];
  extKeyUsageOids: string[];
  /** Dotted OIDs, or JSON `{"oid","cps","notice"}` objects as Vault stores qualified policies. */
  policyIdentifiers: string[];
  basicConstraintsValidForNonCa: boolean;

  keyType: RoleKeyType;
  keyBits: number;
  signatureBits: number;
  usePss: boolean;

  useCsrCommonName: boolean;
  useCsrSans: boolean;

  ou: string[];
  organization: string[];
  country: string[];
  locality: string[];
  province: string[];
  streetAddress: string[];
  postalCode: string[];

  generateLease: boolean;
  noStore: boolean;
  /** Vault Enterprise certificate metadata; accepted and returned, no effect here. */
  noStoreMetadata: boolean;
  /** Legacy roles only (never set by a write); read output includes it only when non-null. */
  maxPathLength: number | null;
}

export type { RoleWireInput } from './role-wire.js';
export { roleWireDefaults, roleWireKeys } from './role-wire.js';

export interface RoleInputResult {
  role: Role;
  warnings: string[];
}

const dedupe = <T>(items: readonly T[]): T[] => [...new Set(items)];

function checkCnValidations(values: readonly string[]): CnValidation[] {
  if (values.length === 0) return ['email', 'hostname'];
  const seen = new Set<CnValidation>();
  for (const value of values) {
    const lower = value.toLowerCase() as CnValidation;
    if (lower !== 'email' && lower !== 'hostname' && lower !== 'disabled') {
      throw badRequest(`cn_validations value incorrect: unknown type: \`${value}\``);
    }
    if (seen.has(lower)) throw badRequest(`cn_validations value incorrect: \`${lower}\` specified multiple times`);
    seen.add(lower);
  }
  if (seen.has('disabled') && seen.size > 1) {
    throw badRequest('cn_validations value incorrect: cannot specify `disabled` along with `email` or `hostname`');
  }
  return [...seen];
}

const fixedNotAfter = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/**
 * Builds a role from a full write (POST): fields not in `provided` take Vault's defaults, then
 * Vault's validateRole normalisation runs. Refusals are 400s; advisories come back as warnings.
 */
export function roleFromInput(values: RoleWireInput, provided: ReadonlySet<string>): RoleInputResult {
  const take = <K extends keyof RoleWireInput>(key: K): Required<RoleWireInput>[K] => {
    const value = values[key];
    const chosen = provided.has(key) && value !== undefined ? value : wireDefaults[key];
    // Copy lists so the role never shares arrays with the caller's decoded input.
    return (Array.isArray(chosen) ? [...chosen] : chosen) as Required<RoleWireInput>[K];
  };
  const warnings: string[] = [];

  const allowedOtherSans = take('allowed_other_sans');
  for (const entry of allowedOtherSans) {
    if (entry === '*') continue;
    const parsed = parseOtherSan(entry);
    if ('error' in parsed) throw badRequest(`error parsing allowed_other_sans: ${parsed.error}`);
  }

  // no_store wins over generate_lease: an unstored certificate cannot back a lease.
  const noStore = take('no_store');
  let generateLease = take('generate_lease');
  if (noStore && generateLease) {
    warnings.push('mutually exclusive values no_store=true and generate_lease=true were both specified; no_store=true takes priority');
    generateLease = false;
  } else if (generateLease) {
    warnings.push(
      'it is encouraged to disable generate_lease and rely on PKI\'s native capabilities when possible; this option can cause instance-wide issues with large numbers of issued certificates',
    );
  }

  const ttl = take('ttl');
  const maxTtl = take('max_ttl');
  if (maxTtl > 0 && ttl > maxTtl) throw badRequest('"ttl" value must be less than "max_ttl" value');

  const key = normaliseKeyParams(take('key_type'), take('key_bits'), take('signature_bits'));

  const keyUsage: KeyUsageName[] = [];
  for (const name of take('key_usage')) {
    const usage = canonicalKeyUsage(name);
    // Vault ignores unknown names silently; keep accepting the write, but say so.
    if (usage === null) warnings.push(`unknown key_usage "${name}" was ignored`);
    else keyUsage.push(usage);
  }
  const extKeyUsage: ExtKeyUsageName[] = [];
  for (const name of take('ext_key_usage')) {
    const usage = canonicalExtKeyUsage(name);
    if (usage === null) warnings.push(`unknown ext_key_usage "${name}" was ignored`);
    else extKeyUsage.push(usage);
  }
  const extKeyUsageOids = take('ext_key_usage_oids').map((oid) => oid.trim());
  for (const oid of extKeyUsageOids) {
    if (!isDottedOid(oid)) throw badRequest(`"${oid}" could not be parsed as a valid oid for an extended key usage`);
  }

  const notAfter = take('not_after');
  if (notAfter !== '' && (!fixedNotAfter.test(notAfter) || parseRfc3339(notAfter) === null)) {
    throw badRequest(`invalid not_after "${notAfter}": the value must be in UTC format YYYY-MM-DDTHH:MM:SSZ`);
  }

  const issuerRef = take('issuer_ref');
  const role: Role = {
    issuerRef: issuerRef === '' ? 'default' : issuerRef,
    ttl,
    maxTtl,
    notBeforeDuration: take('not_before_duration'),
    notAfter,
    allowLocalhost: take('allow_localhost'),
    allowedDomains: take('allowed_domains'),
    allowedDomainsTemplate: take('allowed_domains_template'),
    allowBareDomains: take('allow_bare_domains'),
    allowSubdomains: take('allow_subdomains'),
    allowGlobDomains: take('allow_glob_domains'),
    allowWildcardCertificates: take('allow_wildcard_certificates'),
    allowAnyName: take('allow_any_name'),
    enforceHostnames: take('enforce_hostnames'),
    allowIpSans: take('allow_ip_sans'),
    allowedUriSans: take('allowed_uri_sans'),
    allowedUriSansTemplate: take('allowed_uri_sans_template'),
    allowedOtherSans,
    allowedSerialNumbers: take('allowed_serial_numbers'),
    allowedUserIds: take('allowed_user_ids'),
    cnValidations: checkCnValidations(take('cn_validations')),
    requireCn: take('require_cn'),
    allowTokenDisplayName: take('allow_token_displayname'),
    serverFlag: take('server_flag'),
    clientFlag: take('client_flag'),
    codeSigningFlag: take('code_signing_flag'),
    emailProtectionFlag: take('email_protection_flag'),
    keyUsage: dedupe(keyUsage),
    extKeyUsage: dedupe(extKeyUsage),
    extKeyUsageOids: dedupe(extKeyUsageOids),
    policyIdentifiers: parsePolicyIdentifiers(take('policy_identifiers')),
    basicConstraintsValidForNonCa: take('basic_constraints_valid_for_non_ca'),
    keyType: key.keyType,
    keyBits: key.keyBits,
    signatureBits: key.signatureBits,
    usePss: take('use_pss'),
    useCsrCommonName: take('use_csr_common_name'),
    useCsrSans: take('use_csr_sans'),
    ou: take('ou'),
    organization: take('organization'),
    country: take('country'),
    locality: take('locality'),
    province: take('province'),
    streetAddress: take('street_address'),
    postalCode: take('postal_code'),
    generateLease,
    noStore,
    noStoreMetadata: take('no_store_metadata'),
    maxPathLength: null,
  };
  return { role, warnings };
}

/** The role's every wire field, as a write that would recreate it. */
export function roleToWireInput(role: Role): Required<RoleWireInput> {
  return {
    issuer_ref: role.issuerRef,
    ttl: role.ttl,
    max_ttl: role.maxTtl,
    not_before_duration: role.notBeforeDuration,
    not_after: role.notAfter,
    allow_localhost: role.allowLocalhost,
    allowed_domains: [...role.allowedDomains],
    allowed_domains_template: role.allowedDomainsTemplate,
    allow_bare_domains: role.allowBareDomains,
    allow_subdomains: role.allowSubdomains,
    allow_glob_domains: role.allowGlobDomains,
    allow_wildcard_certificates: role.allowWildcardCertificates,
    allow_any_name: role.allowAnyName,
    enforce_hostnames: role.enforceHostnames,
    allow_ip_sans: role.allowIpSans,
    allowed_uri_sans: [...role.allowedUriSans],
    allowed_uri_sans_template: role.allowedUriSansTemplate,
    allowed_other_sans: [...role.allowedOtherSans],
    allowed_serial_numbers: [...role.allowedSerialNumbers],
    allowed_user_ids: [...role.allowedUserIds],
    cn_validations: [...role.cnValidations],
    require_cn: role.requireCn,
    allow_token_displayname: role.allowTokenDisplayName,
    server_flag: role.serverFlag,
    client_flag: role.clientFlag,
    code_signing_flag: role.codeSigningFlag,
    email_protection_flag: role.emailProtectionFlag,
    key_usage: [...role.keyUsage],
    ext_key_usage: [...role.extKeyUsage],
    ext_key_usage_oids: [...role.extKeyUsageOids],
    policy_identifiers: [...role.policyIdentifiers],
    basic_constraints_valid_for_non_ca: role.basicConstraintsValidForNonCa,
    key_type: role.keyType,
    key_bits: role.keyBits,
    signature_bits: role.signatureBits,
    use_pss: role.usePss,
    use_csr_common_name: role.useCsrCommonName,
    use_csr_sans: role.useCsrSans,
    ou: [...role.ou],
    organization: [...role.organization],
    country: [...role.country],
    locality: [...role.locality],
    province: [...role.province],
    street_address: [...role.streetAddress],
    postal_code: [...role.postalCode],
    generate_lease: role.generateLease,
    no_store: role.noStore,
    no_store_metadata: role.noStoreMetadata,
  };
}

/**
 * PATCH: only the given fields change (a field counts as given when it is in `provided`, or,
 * without `provided`, when its value is not undefined); the result is validated like a write.
 */
export function mergeRolePatch(existing: Role, patchValues: RoleWireInput, provided?: ReadonlySet<string>): RoleInputResult {
  const merged: RoleWireInput = roleToWireInput(existing);
  for (const key of roleWireKeys) {
    const given = provided ? provided.has(key) : patchValues[key] !== undefined;
    if (given && patchValues[key] !== undefined) (merged as Record<string, unknown>)[key] = patchValues[key];
  }
  const result = roleFromInput(merged, new Set(roleWireKeys));
  result.role.maxPathLength = existing.maxPathLength;
  return result;
}

/**
 * Vault's role read `data`: durations as integer seconds, keys sorted as Go's JSON encoder
 * writes a map, `max_path_length` only for legacy roles that carry one.
 */
export function roleToResponse(role: Role): Record<string, unknown> {
  const data: Record<string, unknown> = { ...roleToWireInput(role) };
  if (role.maxPathLength !== null) data.max_path_length = role.maxPathLength;
  return Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
