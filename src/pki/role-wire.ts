/**
 * Role fields on the wire: the snake_case names and decoded types of a role write, and the
 * value Vault gives each one when a write omits it.
 */
import type { KeyUsageName } from './types.js';

/** Role fields as decoded from the wire by the HTTP field specs (snake_case, Vault's names). */
export interface RoleWireInput {
  issuer_ref?: string;
  ttl?: number;
  max_ttl?: number;
  not_before_duration?: number;
  not_after?: string;
  allow_localhost?: boolean;
  allowed_domains?: string[];
  allowed_domains_template?: boolean;
  allow_bare_domains?: boolean;
  allow_subdomains?: boolean;
  allow_glob_domains?: boolean;
  allow_wildcard_certificates?: boolean;
  allow_any_name?: boolean;
  enforce_hostnames?: boolean;
  allow_ip_sans?: boolean;
  allowed_uri_sans?: string[];
  allowed_uri_sans_template?: boolean;
  allowed_other_sans?: string[];
  allowed_serial_numbers?: string[];
  allowed_user_ids?: string[];
  cn_validations?: string[];
  require_cn?: boolean;
  allow_token_displayname?: boolean;
  server_flag?: boolean;
  client_flag?: boolean;
  code_signing_flag?: boolean;
  email_protection_flag?: boolean;
  key_usage?: string[];
  ext_key_usage?: string[];
  ext_key_usage_oids?: string[];
  policy_identifiers?: string[];
  basic_constraints_valid_for_non_ca?: boolean;
  key_type?: string;
  key_bits?: number;
  signature_bits?: number;
  use_pss?: boolean;
  use_csr_common_name?: boolean;
  use_csr_sans?: boolean;
  ou?: string[];
  organization?: string[];
  country?: string[];
  locality?: string[];
  province?: string[];
  street_address?: string[];
  postal_code?: string[];
  generate_lease?: boolean;
  no_store?: boolean;
  no_store_metadata?: boolean;
}

export const DEFAULT_KEY_USAGE: readonly KeyUsageName[] = ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'];

/** The wire defaults of a role write with no fields, before normalisation (Vault's field defaults). */
export const wireDefaults: Readonly<Required<RoleWireInput>> = {
  issuer_ref: 'default',
  ttl: 0,
  max_ttl: 0,
  not_before_duration: 30,
  not_after: '',
  allow_localhost: true,
  allowed_domains: [],
  allowed_domains_template: false,
  allow_bare_domains: false,
  allow_subdomains: false,
  allow_glob_domains: false,
  allow_wildcard_certificates: true,
  allow_any_name: false,
  enforce_hostnames: true,
  allow_ip_sans: true,
  allowed_uri_sans: [],
  allowed_uri_sans_template: false,
  allowed_other_sans: [],
  allowed_serial_numbers: [],
  allowed_user_ids: [],
  cn_validations: ['email', 'hostname'],
  require_cn: true,
  allow_token_displayname: false,
  server_flag: true,
  client_flag: true,
  code_signing_flag: false,
  email_protection_flag: false,
  key_usage: [...DEFAULT_KEY_USAGE],
  ext_key_usage: [],
  ext_key_usage_oids: [],
  policy_identifiers: [],
  basic_constraints_valid_for_non_ca: false,
  key_type: 'rsa',
  key_bits: 0,
  signature_bits: 0,
  use_pss: false,
  use_csr_common_name: true,
  use_csr_sans: true,
  ou: [],
  organization: [],
  country: [],
  locality: [],
  province: [],
  street_address: [],
  postal_code: [],
  generate_lease: false,
  no_store: false,
  no_store_metadata: false,
};

/** Every wire field name of a role, in no particular order. */
export const roleWireKeys = Object.keys(wireDefaults) as (keyof RoleWireInput)[];

/** The default value of each role wire field, as a role read of an all-defaults role shows it before normalisation. */
export function roleWireDefaults(): Required<RoleWireInput> {
  return structuredClone(wireDefaults);
}

