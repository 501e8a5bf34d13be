import { certConfigToWire, certRoleToWire } from '../../auth/cert/index.js';
import type { CertAuth } from '../../services/auth/cert-auth.js';
import type { TokenService } from '../../services/token-service.js';
import type { Fields } from '../fields.js';
import { noContent, respond } from '../reply.js';
import { defineRoute, type RouteDef } from '../route.js';
import { authBlock } from './auth-token.js';
import { providedValues, tokenParamFields } from './auth-token-fields.js';
import { mountOf } from './pki/mount-of.js';
import { roleListRoute, roleRoute } from './auth-role-routes.js';

const certRoleFields = {
  certificate: { type: 'string', description: 'PEM: the CA certificate (or leaf) to trust.' },
  display_name: { type: 'string', description: 'Token display name; defaults to the role name.' },
  allowed_names: { type: 'comma_string_slice', description: 'Deprecated: globs over the CN, DNS and email SANs.' },
  allowed_common_names: { type: 'comma_string_slice', description: 'Globs the subject common name must match.' },
  allowed_dns_sans: { type: 'comma_string_slice', description: 'Globs a DNS SAN must match.' },
  allowed_email_sans: { type: 'comma_string_slice', description: 'Globs an email SAN must match.' },
  allowed_uri_sans: { type: 'comma_string_slice', description: 'Globs a URI SAN must match (spiffe://cluster.local/ns/*/sa/*).' },
  allowed_organizational_units: { type: 'comma_string_slice', description: 'Globs a subject OU must match.' },
  required_extensions: { type: 'comma_string_slice', description: 'Not supported.' },
  allowed_metadata_extensions: { type: 'comma_string_slice', description: 'Not supported.' },
  ocsp_enabled: { type: 'bool', description: 'Not supported.' },
} as const satisfies Fields;

/** config, certs/:name, LIST certs and login of the TLS certificate auth method, relative to its mount. */
export function certAuthRoutes(method: CertAuth, tokens: TokenService): RouteDef[] {
  return [
    defineRoute({
      pattern: 'config',
      summary: 'Settings of the cert auth method.',
      fields: {
        disable_binding: { type: 'bool', description: 'Stored for compatibility (renewals are by token).' },
        enable_identity_alias_metadata: { type: 'bool', description: 'Put the login metadata on the entity alias too.' },
      },
      operations: {
        read: async ({ mount }) => respond(certConfigToWire(await method.config(mountOf(mount)))),
        update: async ({ mount, data, provided }) => {
          await method.setConfig(mountOf(mount), providedValues(data, provided as (name: string) => boolean));
          return noContent();
        },
      },
    }),
    roleListRoute('certs', 'List trusted certificate roles.', method),
    roleRoute({
      pattern: 'certs/:name',
      param: 'name',
      summary: 'A trusted certificate role: which client certificates may log in, and what their tokens get.',
      fields: { name: { type: 'string', description: 'Role name.' }, ...certRoleFields, ...tokenParamFields },
      keeper: method,
      toWire: certRoleToWire,
    }),
    defineRoute({
      pattern: 'login',
      summary: 'Log in with the TLS client certificate of the connection; returns a token in Vault\'s auth block.',
      fields: { name: { type: 'string', description: 'The certificate role to log in with; all are tried when empty.' } },
      unauthenticated: ['update'],
      quotaRole: async ({ data }) => (typeof data.name === 'string' && data.name !== '' ? data.name : null),
      operations: {
        update: async ({ mount, data, remoteAddress, peerCertificate }) => {
          const issued = await method.login(mountOf(mount), data.name, peerCertificate, remoteAddress);
          return respond(null, { auth: authBlock(issued.token, issued.record, tokens), warnings: issued.warnings });
        },
      },
    }),
  ];
}
