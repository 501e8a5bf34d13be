/**
 * Wire fields of `/pki/roles/:name` writes with Vault's weak types, for decoding and the
 * OpenAPI document. Here rather than in src/pki because pki/ may not import http/, not even
 * types. Defaults are what Vault shows for an omitted field; role.ts applies them itself, so
 * a PATCH can tell "given" from "defaulted" through `provided`.
 */
import type { FieldValues, Fields } from '../../fields.js';
import type { RoleWireInput } from '../../../pki/role.js';

export const roleFieldSpecs = {
  name: { type: 'string', description: 'Name of the role (the path segment).' },
  issuer_ref: { type: 'string', default: 'default', description: 'Issuer (id, name or "default") that signs for this role; resolved at issuance time.' },
  ttl: { type: 'duration', default: 0, description: 'Default certificate lifetime; 0 uses the mount default lease TTL.' },
  max_ttl: { type: 'duration', default: 0, description: 'Longest certificate lifetime; 0 uses the mount max lease TTL. Longer requests are clamped with a warning.' },
  not_before_duration: { type: 'duration', default: 30, description: 'How far NotBefore is backdated to absorb clock skew.' },
  not_after: { type: 'string', default: '', description: 'Fixed NotAfter for every certificate, as YYYY-MM-DDTHH:MM:SSZ.' },
  allow_localhost: { type: 'bool', default: true, description: 'Allow "localhost" and "localdomain" (and their subdomains with allow_subdomains).' },
  allowed_domains: { type: 'comma_string_slice', default: [], description: 'Base domains for the CN, DNS and email SANs; see allow_bare_domains, allow_subdomains, allow_glob_domains.' },
  allowed_domains_template: { type: 'bool', default: false, description: 'Render identity templates such as {{identity.entity.name}} in allowed_domains.' },
  allow_bare_domains: { type: 'bool', default: false, description: 'Allow a name equal to an allowed domain itself.' },
  allow_subdomains: { type: 'bool', default: false, description: 'Allow names below an allowed domain, wildcards included.' },
  allow_glob_domains: { type: 'bool', default: false, description: 'Treat * in allowed_domains as a glob over the whole name (it crosses dots).' },
  allow_wildcard_certificates: { type: 'bool', default: true, description: 'Allow RFC 6125 wildcard names; false overrides every other allowance.' },
  allow_any_name: { type: 'bool', default: false, description: 'Allow any CN and SAN (enforce_hostnames and the wildcard flag still apply).' },
  enforce_hostnames: { type: 'bool', default: true, description: 'Require valid (IDNA-converted) hostnames in the CN, DNS SANs and email host parts.' },
  allow_ip_sans: { type: 'bool', default: true, description: 'Allow IP SANs.' },
  allowed_uri_sans: { type: 'comma_string_slice', default: [], description: 'Globs URI SANs must match (e.g. spiffe://cluster.local/ns/*/sa/*); empty forbids URI SANs.' },
  allowed_uri_sans_template: { type: 'bool', default: false, description: 'Render identity templates in allowed_uri_sans.' },
  allowed_other_sans: { type: 'comma_string_slice', default: [], description: 'Allowed other SANs as <oid>;UTF8:<glob>, or a single * for any.' },
  allowed_serial_numbers: { type: 'comma_string_slice', default: [], description: 'Globs for the subject serialNumber attribute; empty forbids it.' },
  allowed_user_ids: { type: 'comma_string_slice', default: [], description: 'Globs for subject UIDs (user_ids); empty forbids them.' },
  cn_validations: { type: 'comma_string_slice', default: ['email', 'hostname'], description: 'Kinds of CN allowed: email, hostname, or disabled alone to skip CN checks.' },
  require_cn: { type: 'bool', default: true, description: 'Require a common name in the request or CSR.' },
  allow_token_displayname: { type: 'bool', default: false, description: 'Deprecated; accepted and returned, has no effect.' },
  server_flag: { type: 'bool', default: true, description: 'Add the serverAuth extended key usage.' },
  client_flag: { type: 'bool', default: true, description: 'Add the clientAuth extended key usage.' },
  code_signing_flag: { type: 'bool', default: false, description: 'Add the codeSigning extended key usage.' },
  email_protection_flag: { type: 'bool', default: false, description: 'Add the emailProtection extended key usage.' },
  key_usage: { type: 'comma_string_slice', default: ['DigitalSignature', 'KeyAgreement', 'KeyEncipherment'], description: 'Key usages (Go names without the KeyUsage prefix, any case); empty for none.' },
  ext_key_usage: { type: 'comma_string_slice', default: [], description: 'Extra extended key usages (Go names without the ExtKeyUsage prefix), added to the flags.' },
  ext_key_usage_oids: { type: 'comma_string_slice', default: [], description: 'Extra extended key usage OIDs.' },
  policy_identifiers: { type: 'string_slice', default: [], description: 'Certificate policy OIDs (comma-separated or a list), or a JSON list of {"oid","cps","notice"} objects.' },
  basic_constraints_valid_for_non_ca: { type: 'bool', default: false, description: 'Write BasicConstraints CA:false into leaf certificates.' },
  // No allowedValues: role.ts refuses other types with Vault's own "unknown key type" message.
  key_type: { type: 'string', default: 'rsa', description: 'Key type issued, and required of CSRs: rsa, ec, ed25519 or any (sign only).' },
  key_bits: { type: 'int', default: 0, description: 'Key size (minimum for CSRs): rsa 2048/3072/4096/8192, ec 224/256/384/521; 0 picks the default.' },
  signature_bits: { type: 'int', default: 0, description: 'RSA signature hash size: 256, 384 or 512; 0 picks SHA-256.' },
  use_pss: { type: 'bool', default: false, description: 'Sign with RSA-PSS when the issuer key is RSA.' },
  use_csr_common_name: { type: 'bool', default: true, description: 'On sign, take the CN from the CSR.' },
  use_csr_sans: { type: 'bool', default: true, description: 'On sign, take the SANs from the CSR and ignore alt_names, ip_sans and uri_sans.' },
  ou: { type: 'comma_string_slice', default: [], description: 'Subject OU of every certificate.' },
  organization: { type: 'comma_string_slice', default: [], description: 'Subject O of every certificate.' },
  country: { type: 'comma_string_slice', default: [], description: 'Subject C of every certificate.' },
  locality: { type: 'comma_string_slice', default: [], description: 'Subject L of every certificate.' },
  province: { type: 'comma_string_slice', default: [], description: 'Subject ST of every certificate.' },
  street_address: { type: 'comma_string_slice', default: [], description: 'Subject street of every certificate.' },
  postal_code: { type: 'comma_string_slice', default: [], description: 'Subject postalCode of every certificate.' },
  generate_lease: { type: 'bool', default: false, description: 'Attach a lease to issued certificates (discouraged; ignored with no_store).' },
  no_store: { type: 'bool', default: false, description: 'Do not store issued certificates (they cannot be listed or revoked by serial).' },
  no_store_metadata: { type: 'bool', default: false, description: 'Vault Enterprise certificate metadata switch; accepted, no effect.' },
} as const satisfies Fields;

// Compile-time guard: the specs and role.ts agree on every field name and decoded type.
type SpecValues = Omit<FieldValues<typeof roleFieldSpecs>, 'name'>;
type SameKeys = [Exclude<keyof RoleWireInput, keyof SpecValues>, Exclude<keyof SpecValues, keyof RoleWireInput>] extends [never, never] ? true : false;
type SameTypes = SpecValues extends Required<RoleWireInput> ? true : false;
const specsMatchRole: SameKeys & SameTypes = true;
void specsMatchRole;
