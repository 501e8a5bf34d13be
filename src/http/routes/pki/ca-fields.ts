import type { CaRequest } from '../../../services/pki/ca-request.js';
import type { FieldValues, Fields } from '../../fields.js';
import { requestedSans } from './san-fields.js';

/** Subject, SAN, validity and constraint fields shared by every CA operation. */
export const caSubjectFields = {
  common_name: { type: 'string', description: 'Common name of the CA certificate.' },
  alt_names: { type: 'string', description: 'Comma-separated DNS names and email addresses.' },
  ip_sans: { type: 'comma_string_slice', description: 'IP SANs.' },
  uri_sans: { type: 'comma_string_slice', description: 'URI SANs.' },
  other_sans: { type: 'comma_string_slice', description: 'Other SANs as <oid>;UTF8:<value>.' },
  exclude_cn_from_sans: { type: 'bool', description: 'Do not copy the common name into the SANs.' },
  ou: { type: 'comma_string_slice', description: 'Subject OU.' },
  organization: { type: 'comma_string_slice', description: 'Subject O.' },
  country: { type: 'comma_string_slice', description: 'Subject C.' },
  locality: { type: 'comma_string_slice', description: 'Subject L.' },
  province: { type: 'comma_string_slice', description: 'Subject ST.' },
  street_address: { type: 'comma_string_slice', description: 'Subject street.' },
  postal_code: { type: 'comma_string_slice', description: 'Subject postalCode.' },
  serial_number: { type: 'string', description: 'Subject serialNumber attribute (not the certificate serial).' },
  ttl: { type: 'duration', description: 'Lifetime; roots default to the mount max lease TTL, others to the mount default.' },
  not_after: { type: 'string', description: 'Fixed NotAfter as YYYY-MM-DDTHH:MM:SSZ (exclusive with ttl).' },
  not_before_duration: { type: 'duration', default: 30, description: 'How far NotBefore is backdated.' },
  max_path_length: { type: 'int', default: -1, description: 'Path length constraint; -1 for none (sign-intermediate: the issuer\'s minus one).' },
  key_usage: { type: 'comma_string_slice', description: 'Key usages added to CertSign and CRLSign.' },
  permitted_dns_domains: { type: 'comma_string_slice', description: 'Name constraints: permitted DNS domains.' },
  excluded_dns_domains: { type: 'comma_string_slice', description: 'Name constraints: excluded DNS domains.' },
  permitted_ip_ranges: { type: 'comma_string_slice', description: 'Name constraints: permitted IP ranges (CIDR).' },
  excluded_ip_ranges: { type: 'comma_string_slice', description: 'Name constraints: excluded IP ranges (CIDR).' },
  permitted_email_addresses: { type: 'comma_string_slice', description: 'Name constraints: permitted email addresses or domains.' },
  excluded_email_addresses: { type: 'comma_string_slice', description: 'Name constraints: excluded email addresses or domains.' },
  permitted_uri_domains: { type: 'comma_string_slice', description: 'Name constraints: permitted URI domains.' },
  excluded_uri_domains: { type: 'comma_string_slice', description: 'Name constraints: excluded URI domains.' },
  signature_bits: { type: 'int', description: 'RSA signature hash: 256, 384 or 512 (0 picks the default).' },
  use_pss: { type: 'bool', description: 'Sign with RSASSA-PSS (RSA keys).' },
  format: { type: 'string', default: 'pem', description: 'pem, der or pem_bundle.' },
} as const satisfies Fields;

export const caKeyFields = {
  key_type: { type: 'string', default: 'rsa', description: 'rsa, ec or ed25519.' },
  key_bits: { type: 'int', description: 'RSA 2048/3072/4096/8192, EC 256/384/521; 0 picks the default.' },
  key_name: { type: 'string', description: 'Name for a new key.' },
  key_ref: { type: 'string', default: 'default', description: 'Existing key to use with the "existing" type.' },
  private_key_format: { type: 'string', default: 'der', description: 'der (PKCS#1/SEC1) or pkcs8, for exported keys.' },
  managed_key_name: { type: 'string', description: 'Not supported (managed keys).' },
  managed_key_id: { type: 'string', description: 'Not supported (managed keys).' },
} as const satisfies Fields;

export function toCaRequest(data: FieldValues<typeof caSubjectFields>): CaRequest {
  return {
    commonName: data.common_name,
    ...requestedSans(data),
    excludeCnFromSans: data.exclude_cn_from_sans,
    ou: data.ou,
    organization: data.organization,
    country: data.country,
    locality: data.locality,
    province: data.province,
    streetAddress: data.street_address,
    postalCode: data.postal_code,
    serialNumber: data.serial_number,
    ttl: data.ttl,
    notAfter: data.not_after,
    notBeforeDuration: data.not_before_duration,
    maxPathLength: data.max_path_length,
    keyUsage: data.key_usage,
    permittedDnsDomains: data.permitted_dns_domains,
    excludedDnsDomains: data.excluded_dns_domains,
    permittedIpRanges: data.permitted_ip_ranges,
    excludedIpRanges: data.excluded_ip_ranges,
    permittedEmailAddresses: data.permitted_email_addresses,
    excludedEmailAddresses: data.excluded_email_addresses,
    permittedUriDomains: data.permitted_uri_domains,
    excludedUriDomains: data.excluded_uri_domains,
    signatureBits: data.signature_bits,
    usePss: data.use_pss,
  };
}
