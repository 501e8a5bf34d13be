import type { Caller } from '../../../services/token-service.js';
import { parsePrivateKeyFormat } from '../../../pki/keys.js';
import type { CallerIdentity } from '../../../pki/types.js';
import { parseOutputFormat } from '../../../services/pki/cert-output.js';
import type { IssueService } from '../../../services/pki/issue-service.js';
import type { IssuanceMode } from '../../../pki/issuance-policy.js';
import { respond } from '../../reply.js';
import type { Handler, RouteDef } from '../../route.js';
import { mountOf } from './mount-of.js';
import { requestedSans } from './san-fields.js';

const issueFields = {
  role: { type: 'string', description: 'The role (path segment).' },
  ref: { type: 'string', description: 'Issuer reference (issuer/:ref/... paths).' },
  common_name: { type: 'string', description: 'Common name; required unless the role sets require_cn=false (sign: may come from the CSR).' },
  alt_names: { type: 'string', description: 'Comma-separated DNS names and email addresses.' },
  ip_sans: { type: 'comma_string_slice', description: 'IP SANs.' },
  uri_sans: { type: 'comma_string_slice', description: 'URI SANs, e.g. spiffe://cluster.local/ns/default/sa/web.' },
  other_sans: { type: 'comma_string_slice', description: 'Other SANs as <oid>;UTF8:<value>.' },
  ttl: { type: 'duration', description: 'Requested lifetime; clamped to the role max_ttl with a warning.' },
  not_after: { type: 'string', description: 'Fixed NotAfter as YYYY-MM-DDTHH:MM:SSZ (exclusive with ttl).' },
  format: { type: 'string', default: 'pem', description: 'pem, der or pem_bundle.' },
  private_key_format: { type: 'string', default: 'der', description: 'der (PKCS#1/SEC1; PKCS#8 for ed25519) or pkcs8.' },
  exclude_cn_from_sans: { type: 'bool', description: 'Do not copy the common name into the SANs.' },
  remove_roots_from_chain: { type: 'bool', description: 'Leave self-signed certificates out of ca_chain.' },
  user_ids: { type: 'comma_string_slice', description: 'Subject UID attributes (checked against allowed_user_ids).' },
  serial_number: { type: 'string', description: 'Subject serialNumber attribute (not the certificate serial).' },
  key_type: { type: 'string', description: 'With a key_type=any role: the key to generate.' },
  key_bits: { type: 'int', description: 'With a key_type=any role: the key size.' },
} as const;

const signFields = {
  ...issueFields,
  csr: { type: 'string', required: true, description: 'PEM certificate signing request.' },
} as const;

const verbatimFields = {
  ...signFields,
  key_usage: { type: 'comma_string_slice', description: 'Key usages when the CSR has none.' },
  ext_key_usage: { type: 'comma_string_slice', description: 'Extended key usages (Go names).' },
  ext_key_usage_oids: { type: 'comma_string_slice', description: 'Extended key usage OIDs.' },
  signature_bits: { type: 'int', description: 'RSA signature hash bits.' },
  use_pss: { type: 'bool', description: 'Sign with RSASSA-PSS.' },
  basic_constraints_valid_for_non_ca: { type: 'bool', description: 'Add BasicConstraints CA:false.' },
} as const;

/** Identity templates render against the entity a login gave the token; auth/token tokens have none. */
const identityOf = (caller: Caller | null): CallerIdentity | null => caller?.record.identity ?? null;

export function pkiIssueRoutes(service: IssueService): RouteDef[] {
  // One handler for all modes: fields a mode does not declare are simply absent (undefined / not provided).
  const handler = (mode: IssuanceMode): Handler<typeof verbatimFields> =>
        async ({ mount, params, data, provided, caller, path }) => {
          const result = await service.issue(mountOf(mount), {
            mode,
            roleName: params.role ?? null,
            issuerRef: params.ref ?? null,
            request: {
              commonName: data.common_name,
              ...requestedSans(data),
              ttl: data.ttl,
              notAfter: data.not_after,
              excludeCnFromSans: data.exclude_cn_from_sans,
              userIds: data.user_ids,
              serialNumber: data.serial_number,
              keyType: data.key_type,
              keyBits: data.key_bits,
            },
            csr: data.csr ?? '',
            format: parseOutputFormat(data.format),
            privateKeyFormat: parsePrivateKeyFormat(data.private_key_format),
            removeRootsFromChain: data.remove_roots_from_chain,
            verbatim: {
              keyUsage: provided('key_usage') ? data.key_usage : undefined,
              extKeyUsage: provided('ext_key_usage') ? data.ext_key_usage : undefined,
              extKeyUsageOids: provided('ext_key_usage_oids') ? data.ext_key_usage_oids : undefined,
              signatureBits: provided('signature_bits') ? data.signature_bits : undefined,
              usePss: provided('use_pss') ? data.use_pss : undefined,
              basicConstraintsValidForNonCa: provided('basic_constraints_valid_for_non_ca') ? data.basic_constraints_valid_for_non_ca : undefined,
            },
            identity: identityOf(caller),
            requestPath: path,
          });
          return respond(result.data, {
            warnings: result.warnings,
            leaseId: result.lease?.id ?? '',
            leaseDuration: result.lease?.duration ?? 0,
          });
        };
  const fieldsOf = { issue: issueFields, sign: signFields, 'sign-verbatim': verbatimFields } as const;
  const route = (pattern: string, mode: IssuanceMode, summary: string): RouteDef =>
    ({ pattern, summary, fields: fieldsOf[mode], operations: { update: handler(mode) } }) as unknown as RouteDef;

  return [
    route('issue/:role', 'issue', 'Issue a certificate and private key under a role.'),
    route('sign/:role', 'sign', 'Sign a CSR under a role.'),
    route('sign-verbatim', 'sign-verbatim', 'Sign a CSR as it is, with the default issuer.'),
    route('sign-verbatim/:role', 'sign-verbatim', 'Sign a CSR as it is; the role\'s TTLs, storage and issuer apply.'),
    route('issuer/:ref/issue/:role', 'issue', 'Issue with a chosen issuer.'),
    route('issuer/:ref/sign/:role', 'sign', 'Sign a CSR with a chosen issuer.'),
    route('issuer/:ref/sign-verbatim', 'sign-verbatim', 'Sign a CSR as it is, with a chosen issuer.'),
    route('issuer/:ref/sign-verbatim/:role', 'sign-verbatim', 'Sign a CSR as it is with a chosen issuer; the role\'s TTLs and storage apply.'),
  ];
}
