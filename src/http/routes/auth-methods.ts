import { notFound } from '../../core/errors.js';
import { jwtConfigToWire, jwtRoleToWire } from '../../auth/jwt/index.js';
import { kubernetesConfigToWire, kubernetesRoleToWire } from '../../auth/kubernetes/index.js';
import type { AuthMethods } from '../../services/auth/auth-methods.js';
import type { RoleAuthMethod } from '../../services/auth/role-auth-method.js';
import type { TokenService } from '../../services/token-service.js';
import type { Fields } from '../fields.js';
import { noContent, respond } from '../reply.js';
import { defineRoute, type RouteDef } from '../route.js';
import { certAuthRoutes } from './auth-cert.js';
import { appRoleRoutes } from './auth-approle.js';
import { roleListRoute, roleRoute } from './auth-role-routes.js';
import { authBlock } from './auth-token.js';
import { providedValues, tokenParamFields } from './auth-token-fields.js';
import { mountOf } from './pki/mount-of.js';

interface MethodRoutesSpec<Config, Role> {
  configSummary: string;
  configFields: Fields;
  configToWire(config: Config): Record<string, unknown>;
  roleFields: Fields;
  roleToWire(role: Role): Record<string, unknown>;
  /** The JWT method may log in without a role (its default_role). */
  roleRequired: boolean;
}

/** config, role/:name, LIST role and login: the routes of a role-based auth method, relative to its mount. */
function roleAuthRoutes<Config, Role>(
  method: RoleAuthMethod<Config, Role, unknown, unknown>,
  tokens: TokenService,
  spec: MethodRoutesSpec<Config, Role>,
): RouteDef[] {
  return [
    defineRoute({
      pattern: 'config',
      summary: spec.configSummary,
      fields: spec.configFields,
      operations: {
        read: async ({ mount }) => {
          const config = await method.config(mountOf(mount));
          if (!config) throw notFound();
          return respond(spec.configToWire(config));
        },
        update: async ({ mount, data, provided }) => {
          await method.setConfig(mountOf(mount), providedValues(data, provided as (name: string) => boolean));
          return noContent();
        },
      },
    }),
    roleListRoute('role', 'List roles.', method),
    roleRoute({
      pattern: 'role/:name',
      param: 'name',
      summary: 'A role: who may log in with it, and what their tokens get.',
      fields: { name: { type: 'string', description: 'Role name.' }, ...spec.roleFields, ...tokenParamFields },
      keeper: method,
      toWire: spec.roleToWire,
    }),
    defineRoute({
      pattern: 'login',
      summary: 'Log in with a JWT; returns a token in Vault\'s auth block.',
      fields: {
        role: { type: 'string', required: spec.roleRequired, description: 'The role to log in with.' },
        jwt: { type: 'string', required: true, description: 'The signed JWT.' },
      },
      unauthenticated: ['update'],
      quotaRole: async ({ data, mount }) => method.roleNameOf(mount, typeof data.role === 'string' ? data.role : ''),
      operations: {
        update: async ({ mount, data, remoteAddress }) => {
          const issued = await method.login(mountOf(mount), data.role, data.jwt, remoteAddress);
          return respond(null, { auth: authBlock(issued.token, issued.record, tokens), warnings: issued.warnings });
        },
      },
    }),
  ];
}

const kubernetesConfigFields = {
  kubernetes_host: { type: 'string', description: 'API server URL, for TokenReview.' },
  kubernetes_ca_cert: { type: 'string', description: 'PEM CA of the API server.' },
  token_reviewer_jwt: { type: 'string', description: 'Bearer for TokenReview; never returned.' },
  pem_keys: { type: 'comma_string_slice', description: 'PEM public keys of the service-account signer: verify locally.' },
  issuer: { type: 'string', description: 'Expected iss claim.' },
  disable_iss_validation: { type: 'bool', default: true, description: 'Do not check iss (Vault\'s default).' },
  disable_local_ca_jwt: { type: 'bool', description: 'Do not use the in-pod CA and token.' },
  jwks_url: { type: 'string', description: 'mintca: the cluster\'s JWKS URL: verify locally.' },
  oidc_discovery_url: { type: 'string', description: 'mintca: the service-account issuer, for OIDC discovery of its JWKS: verify locally.' },
  jwks_ca_pem: { type: 'string', description: 'mintca: CA for jwks_url / oidc_discovery_url.' },
  use_annotations_as_alias_metadata: { type: 'bool', description: 'Not supported.' },
} as const satisfies Fields;

const kubernetesRoleFields = {
  bound_service_account_names: { type: 'comma_string_slice', description: 'Service account names, or globs; * for any.' },
  bound_service_account_namespaces: { type: 'comma_string_slice', description: 'Namespaces, or globs such as team-*; * for any.' },
  bound_service_account_namespace_selector: { type: 'string', description: 'Not supported (needs cluster calls).' },
  audience: { type: 'string', description: 'Required aud claim.' },
  alias_name_source: { type: 'string', description: 'serviceaccount_uid (default) or serviceaccount_name.' },
} as const satisfies Fields;

const jwtConfigFields = {
  oidc_discovery_url: { type: 'string', description: 'Issuer URL for OIDC discovery of the JWKS.' },
  oidc_discovery_ca_pem: { type: 'string', description: 'CA for the discovery URL.' },
  jwks_url: { type: 'string', description: 'JWKS URL.' },
  jwks_ca_pem: { type: 'string', description: 'CA for the JWKS URL.' },
  jwt_validation_pubkeys: { type: 'comma_string_slice', description: 'PEM public keys to verify with.' },
  jwt_supported_algs: { type: 'comma_string_slice', description: 'Allowed signing algorithms (asymmetric only).' },
  bound_issuer: { type: 'string', description: 'Required iss claim.' },
  default_role: { type: 'string', description: 'Role used when a login names none.' },
  oidc_client_id: { type: 'string', description: 'Not supported (OIDC flows).' },
  oidc_client_secret: { type: 'string', description: 'Not supported (OIDC flows).' },
} as const satisfies Fields;

const jwtRoleFields = {
  role_type: { type: 'string', description: 'jwt (oidc is not supported).' },
  bound_audiences: { type: 'comma_string_slice', description: 'Accepted aud values.' },
  bound_subject: { type: 'string', description: 'Required sub.' },
  bound_claims_type: { type: 'string', description: 'string or glob.' },
  bound_claims: { type: 'object', description: 'Claims that must match (values or lists of values).' },
  claim_mappings: { type: 'map', description: 'Claims copied into token metadata.' },
  user_claim: { type: 'string', description: 'Claim naming the entity alias (default sub).' },
  user_claim_json_pointer: { type: 'bool', description: 'user_claim is a JSON pointer.' },
  groups_claim: { type: 'string', description: 'Claim listing groups.' },
  clock_skew_leeway: { type: 'duration', description: 'Leeway for iat/nbf/exp.' },
  expiration_leeway: { type: 'duration', description: 'Leeway for exp.' },
  not_before_leeway: { type: 'duration', description: 'Leeway for nbf.' },
} as const satisfies Fields;

/** Route tables of the auth methods, by mount type. */
export function authMethodRoutes(methods: AuthMethods, tokens: TokenService): Map<string, RouteDef[]> {
  return new Map([
    [
      'kubernetes',
      roleAuthRoutes(methods.kubernetes as RoleAuthMethod<never, never, unknown, unknown>, tokens, {
        configSummary: 'How logins are verified: the cluster\'s TokenReview API, or locally against pem_keys / a JWKS (no cluster call).',
        configFields: kubernetesConfigFields,
        configToWire: kubernetesConfigToWire,
        roleFields: kubernetesRoleFields,
        roleToWire: kubernetesRoleToWire,
        roleRequired: true,
      }),
    ],
    [
      'jwt',
      roleAuthRoutes(methods.jwt as RoleAuthMethod<never, never, unknown, unknown>, tokens, {
        configSummary: 'Where signing keys come from: jwt_validation_pubkeys, jwks_url or oidc_discovery_url.',
        configFields: jwtConfigFields,
        configToWire: jwtConfigToWire,
        roleFields: jwtRoleFields,
        roleToWire: jwtRoleToWire,
        roleRequired: false,
      }),
    ],
    ['cert', certAuthRoutes(methods.cert, tokens)],
    ['approle', appRoleRoutes(methods.approle, tokens)],
  ]);
}
