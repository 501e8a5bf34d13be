/**
 * Role name policy (reference §3.1): which CN, DNS/email/IP/URI/other SANs, subject serial
 * numbers and user IDs a role lets a caller put in a certificate. Pure: refusals are CaErrors
 * with Vault's wording, each naming the offending value.
 */
import { isIP } from 'node:net';
import { badRequest } from '../core/errors.js';
import { globMatch } from './glob.js';
import { idnaToAscii, isHostname, isWildcardLabel, splitWildcard } from './hostname.js';
import { isIdentityTemplate, renderIdentityTemplate } from './identity-template.js';
import { isDottedOid } from './oid-text.js';
import type { CallerIdentity, OtherName } from './types.js';

export type CnValidation = 'email' | 'hostname' | 'disabled';

/** The role fields name validation reads; `Role` satisfies it. */
export interface NamePolicy {
  allowAnyName: boolean;
  allowLocalhost: boolean;
  allowedDomains: readonly string[];
  allowedDomainsTemplate: boolean;
  allowBareDomains: boolean;
  allowSubdomains: boolean;
  allowGlobDomains: boolean;
  allowWildcardCertificates: boolean;
  enforceHostnames: boolean;
  cnValidations: readonly CnValidation[];
  allowIpSans: boolean;
  allowedUriSans: readonly string[];
  allowedUriSansTemplate: boolean;
  allowedOtherSans: readonly string[];
  allowedSerialNumbers: readonly string[];
  allowedUserIds: readonly string[];
}

/** Where SANs came from; Vault words its refusals differently for each. */
export type SanSource = 'api' | 'csr';

const localNames = ['localhost', 'localdomain'];

/**
 * Vault's validateNames for one CN, DNS name or email address, step by step (§3.1).
 * `name` is checked as given; only the enforce_hostnames test looks at its IDNA form.
 */
export function isNameAllowed(name: string, policy: NamePolicy, identity: CallerIdentity | null): boolean {
  // 1. local@host: everything below judges the host part.
  let host = name;
  let isEmail = false;
  if (name.includes('@')) {
    const parts = name.split('@');
    if (parts.length !== 2) return false;
    host = parts[1]!;
    isEmail = true;
  }

  // 2. Wildcards: the flag overrides every allowance below, allow_any_name included.
  let reduced = host;
  let wildcardLabel: string | null = null;
  if (host.includes('*')) {
    if (!policy.allowWildcardCertificates) return false;
    const split = splitWildcard(host);
    if (split === null) return false;
    wildcardLabel = split.label;
    reduced = split.reduced;
  }
  const isWildcard = wildcardLabel !== null;
  if (isEmail && isWildcard) return false;

  // 3. Hostname syntax still applies under allow_any_name.
  if (policy.enforceHostnames) {
    if (reduced !== '') {
      const ascii = idnaToAscii(reduced);
      if (!ascii.ok || !isHostname(ascii.ascii)) return false;
    }
    if (wildcardLabel !== null && !isWildcardLabel(wildcardLabel)) return false;
  }

  // 4.
  if (policy.allowAnyName) return true;

  // 5. localhost / localdomain, and their subdomains when subdomains are allowed.
  if (policy.allowLocalhost) {
    if (localNames.includes(reduced)) return true;
    if (policy.allowSubdomains && localNames.some((local) => reduced.endsWith(`.${local}`) || (isWildcard && reduced === local))) {
      return true;
    }
  }

  // 6. allowed_domains: bare, subdomain and glob matches are independent of each other.
  for (const entry of policy.allowedDomains) {
    if (entry === '') continue;
    const domain = policy.allowedDomainsTemplate && isIdentityTemplate(entry) ? renderIdentityTemplate(entry, identity) : entry;
    if (domain === null) continue;
    const lowerDomain = domain.toLowerCase();
    if (policy.allowBareDomains && (name.toLowerCase() === lowerDomain || (isEmail && host.toLowerCase() === lowerDomain))) return true;
    if (policy.allowSubdomains && (reduced.endsWith(`.${domain}`) || (isWildcard && reduced.toLowerCase() === lowerDomain))) return true;
    if (policy.allowGlobDomains && domain.includes('*') && globMatch(domain, name)) return true;
  }
  return false;
}

/**
 * The CN check, run even when the CN is kept out of the SANs. cn_validations `disabled` skips
 * everything (allowed_domains included); otherwise the name must pass the role and be of a kind
 * (email when it has an `@`, hostname otherwise) the list allows.
 */
export function checkCommonName(cn: string, policy: NamePolicy, identity: CallerIdentity | null): void {
  const validations = policy.cnValidations;
  if (validations.length === 1 && validations[0] === 'disabled') return;
  const refuse = () => badRequest(`common name ${cn} not allowed by this role`);
  if (!isNameAllowed(cn, policy, identity)) throw refuse();
  if (validations.length === 0) return;
  const kind: CnValidation = cn.includes('@') ? 'email' : 'hostname';
  if (!validations.includes(kind)) throw refuse();
}

export function checkDnsSans(names: readonly string[], policy: NamePolicy, identity: CallerIdentity | null): void {
  for (const name of names) {
    if (!isNameAllowed(name, policy, identity)) throw badRequest(`subject alternate name ${name} not allowed by this role`);
  }
}

export function checkEmailSans(emails: readonly string[], policy: NamePolicy, identity: CallerIdentity | null): void {
  for (const email of emails) {
    if (!isNameAllowed(email, policy, identity)) throw badRequest(`email address ${email} not allowed by this role`);
  }
}

/**
 * Parses an IPv4 or IPv6 address to its canonical text: IPv6 compressed and lower-cased,
 * IPv4-mapped IPv6 as dotted IPv4 (Go writes those as 4 bytes). Zone IDs are refused.
 */
export function parseIpAddress(text: string): string | null {
  if (text.includes('%')) return null;
  const version = isIP(text);
  if (version === 4) return text;
  if (version !== 6) return null;
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (!mapped) return canonical;
  const high = Number.parseInt(mapped[1]!, 16);
  const low = Number.parseInt(mapped[2]!, 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** allow_ip_sans, then each address must parse. Returns the canonical addresses. */
export function checkIpSans(values: readonly string[], policy: NamePolicy, source: SanSource): string[] {
  if (values.length === 0) return [];
  if (!policy.allowIpSans) {
    const list = `[${values.join(' ')}]`;
    throw badRequest(
      source === 'csr'
        ? `IP Subject Alternative Names are not allowed in this role, but was provided some via CSR: ${list}`
        : `IP Subject Alternative Names are not allowed in this role, but was provided ${list}`,
    );
  }
  return values.map((value) => {
    const parsed = parseIpAddress(value);
    if (parsed === null) throw badRequest(`the value "${value}" is not a valid IP address`);
    return parsed;
  });
}

/** Renders templated allow-list entries for the caller, dropping the ones that cannot be rendered. */
function effectiveAllowList(entries: readonly string[], templated: boolean, identity: CallerIdentity | null): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    const value = templated && isIdentityTemplate(entry) ? renderIdentityTemplate(entry, identity) : entry;
    if (value !== null) out.push(value);
  }
  return out;
}

/** URI SANs need a non-empty allowed_uri_sans and a glob match (SPIFFE IDs included). */
export function checkUriSans(uris: readonly string[], policy: NamePolicy, identity: CallerIdentity | null, source: SanSource): string[] {
  if (uris.length === 0) return [];
  const via = source === 'csr' ? 'via CSR' : 'via the API';
  if (policy.allowedUriSans.length === 0) {
    throw badRequest(`URI Subject Alternative Names are not allowed in this role, but were provided ${via}: [${uris.join(' ')}]`);
  }
  const allowed = effectiveAllowList(policy.allowedUriSans, policy.allowedUriSansTemplate, identity);
  return uris.map((uri) => {
    if (!allowed.some((pattern) => globMatch(pattern, uri))) {
      throw badRequest(`URI Subject Alternative Names were provided ${via} which are not valid for this role: ${uri}`);
    }
    // An X.509 URI SAN must be an absolute URI (RFC 5280 §4.2.1.6); Go's url.Parse also took relative ones.
    if (!URL.canParse(uri)) throw badRequest(`the provided URI Subject Alternative Name "${uri}" is not a valid URI`);
    return uri;
  });
}

/**
 * One `<oid>;UTF8:<value>` entry (`UTF-8` and any case accepted). Returns Vault's parse error
 * text on failure; callers add their own prefix.
 */
export function parseOtherSan(text: string): OtherName | { error: string } {
  const semicolon = text.indexOf(';');
  if (semicolon < 0) return { error: `expected a semicolon in other SAN "${text}"` };
  const typed = text.slice(semicolon + 1);
  const colon = typed.indexOf(':');
  if (colon < 0) return { error: `expected a colon in other SAN "${text}"` };
  const type = typed.slice(0, colon).toLowerCase();
  if (type !== 'utf8' && type !== 'utf-8') {
    return { error: `only utf8 other SANs are supported; found non-supported type in other SAN "${text}"` };
  }
  return { oid: text.slice(0, semicolon), value: typed.slice(colon + 1) };
}

/** Parses requested other SANs (`other_sans`); a bad entry or OID is a 400. */
export function parseRequestedOtherSans(values: readonly string[]): OtherName[] {
  return values.map((text) => {
    const parsed = parseOtherSan(text);
    if ('error' in parsed) throw badRequest(`could not parse requested other SAN: ${parsed.error}`);
    if (!isDottedOid(parsed.oid)) throw badRequest(`could not parse requested other SAN: invalid OID "${parsed.oid}" in other SAN "${text}"`);
    return parsed;
  });
}

/** Each other SAN's OID must be listed in allowed_other_sans and its value match one of that OID's globs; `*` allows all. */
export function checkOtherSans(requested: readonly OtherName[], policy: NamePolicy): void {
  if (requested.length === 0 || policy.allowedOtherSans.includes('*')) return;
  const allowed = new Map<string, string[]>();
  for (const entry of policy.allowedOtherSans) {
    const parsed = parseOtherSan(entry);
    if ('error' in parsed) throw badRequest(`error parsing role's allowed SANs: ${parsed.error}`);
    allowed.set(parsed.oid, [...(allowed.get(parsed.oid) ?? []), parsed.value]);
  }
  for (const other of requested) {
    const globs = allowed.get(other.oid);
    if (globs === undefined) throw badRequest(`other SAN OID ${other.oid} not allowed by this role`);
    if (!globs.some((pattern) => globMatch(pattern, other.value))) {
      throw badRequest(`other SAN ${other.value} not allowed for OID ${other.oid} by this role`);
    }
  }
}

/** The subject serialNumber attribute (not the certificate serial): exact or glob match; an empty list allows none. */
export function checkSerialNumber(serialNumber: string, policy: NamePolicy): void {
  if (serialNumber === '') return;
  const ok = policy.allowedSerialNumbers.some(
    (pattern) => pattern !== '' && (pattern === serialNumber || (pattern.includes('*') && globMatch(pattern, serialNumber))),
  );
  if (!ok) throw badRequest(`serial_number ${serialNumber} not allowed by this role`);
}

/** Subject UIDs: a case-insensitive exact match or a glob; an empty list allows none. */
export function checkUserIds(userIds: readonly string[], policy: NamePolicy): void {
  for (const userId of userIds) {
    const lower = userId.toLowerCase();
    const ok = policy.allowedUserIds.some(
      (pattern) => pattern !== '' && (pattern.toLowerCase() === lower || (pattern.includes('*') && globMatch(pattern, userId))),
    );
    if (!ok) throw badRequest(`user_id ${userId} is not allowed by this role`);
  }
}
