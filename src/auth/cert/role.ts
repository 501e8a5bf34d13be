/**
 * `auth/cert/certs/:name` (Vault's CertEntry): a trusted certificate (a CA, or a leaf trusted
 * as itself), the name constraints a client certificate must meet, and the token fields.
 * A write updates an existing role field by field; absent fields keep their value.
 *
 * `required_extensions` and the OCSP / metadata-extension fields are refused when set: mintca
 * does not evaluate them, and silently ignoring a constraint would let in what it should keep out.
 */
import { badRequest } from '../../core/errors.js';
import { parseCertificates } from '../../pki/cert-info.js';
import { cleanList } from '../jwt/public-keys.js';
import { buildTokenParams, defaultTokenParams, tokenParamsToWire, type TokenParams, type TokenParamsWireInput } from '../jwt/token-params.js';

export interface CertRole extends TokenParams {
  /** PEM: one or more trusted certificates. */
  certificate: string;
  displayName: string;
  /** Globs over the CN, DNS and email SANs (Vault's deprecated catch-all). */
  allowedNames: string[];
  allowedCommonNames: string[];
  allowedDnsSans: string[];
  allowedEmailSans: string[];
  allowedUriSans: string[];
  allowedOrganizationalUnits: string[];
}

export interface CertRoleWireInput extends TokenParamsWireInput {
  certificate?: string;
  display_name?: string;
  allowed_names?: string[];
  allowed_common_names?: string[];
  allowed_dns_sans?: string[];
  allowed_email_sans?: string[];
  allowed_uri_sans?: string[];
  allowed_organizational_units?: string[];
  required_extensions?: string[];
  allowed_metadata_extensions?: string[];
  ocsp_enabled?: boolean;
}

/** Vault stores role names lower-cased. */
export const normalizeCertRoleName = (name: string): string => name.toLowerCase();

function checkCertificate(pem: string): string {
  const text = pem.trim();
  if (text === '') throw badRequest('failed to parse certificate: no certificate given');
  let certs;
  try {
    certs = parseCertificates(text);
  } catch (error) {
    throw badRequest(`failed to parse certificate: ${(error as Error).message}`);
  }
  if (certs.length === 0) throw badRequest('failed to parse certificate');
  return `${text}\n`;
}

export function buildCertRole(name: string, input: CertRoleWireInput, existing?: CertRole): CertRole {
  if (cleanList(input.required_extensions).length > 0) {
    throw badRequest('required_extensions is not supported by mintca; constrain logins with the allowed_* fields instead');
  }
  if (cleanList(input.allowed_metadata_extensions).length > 0) throw badRequest('allowed_metadata_extensions is not supported by mintca');
  if (input.ocsp_enabled === true) throw badRequest('ocsp_enabled is not supported by mintca');

  const list = (value: string[] | undefined, previous: string[] | undefined): string[] =>
    value !== undefined ? [...new Set(cleanList(value))] : [...(previous ?? [])];
  const certificate = input.certificate !== undefined ? checkCertificate(input.certificate) : existing?.certificate;
  if (certificate === undefined) throw badRequest('missing certificate');
  const displayName = input.display_name !== undefined ? input.display_name.trim() : existing?.displayName;

  return {
    ...buildTokenParams(input, existing ?? defaultTokenParams),
    certificate,
    // Vault: the display name defaults to the role name.
    displayName: displayName || name,
    allowedNames: list(input.allowed_names, existing?.allowedNames),
    allowedCommonNames: list(input.allowed_common_names, existing?.allowedCommonNames),
    allowedDnsSans: list(input.allowed_dns_sans, existing?.allowedDnsSans),
    allowedEmailSans: list(input.allowed_email_sans, existing?.allowedEmailSans),
    allowedUriSans: list(input.allowed_uri_sans, existing?.allowedUriSans),
    allowedOrganizationalUnits: list(input.allowed_organizational_units, existing?.allowedOrganizationalUnits),
  };
}

/** The read shape of a certificate role (Vault's pathCertRead). */
export function certRoleToWire(role: CertRole): Record<string, unknown> {
  return {
    certificate: role.certificate,
    display_name: role.displayName,
    allowed_names: [...role.allowedNames],
    allowed_common_names: [...role.allowedCommonNames],
    allowed_dns_sans: [...role.allowedDnsSans],
    allowed_email_sans: [...role.allowedEmailSans],
    allowed_uri_sans: [...role.allowedUriSans],
    allowed_organizational_units: [...role.allowedOrganizationalUnits],
    required_extensions: [],
    allowed_metadata_extensions: [],
    ocsp_enabled: false,
    ...tokenParamsToWire(role),
  };
}

/** `auth/cert/config`. */
export interface CertConfig {
  disableBinding: boolean;
  enableIdentityAliasMetadata: boolean;
}

export interface CertConfigWireInput {
  disable_binding?: boolean;
  enable_identity_alias_metadata?: boolean;
}

export const defaultCertConfig: Readonly<CertConfig> = Object.freeze({ disableBinding: false, enableIdentityAliasMetadata: false });

export function buildCertConfig(input: CertConfigWireInput, existing: CertConfig = defaultCertConfig): CertConfig {
  return {
    disableBinding: input.disable_binding ?? existing.disableBinding,
    enableIdentityAliasMetadata: input.enable_identity_alias_metadata ?? existing.enableIdentityAliasMetadata,
  };
}

export function certConfigToWire(config: CertConfig): Record<string, unknown> {
  return { disable_binding: config.disableBinding, enable_identity_alias_metadata: config.enableIdentityAliasMetadata };
}
