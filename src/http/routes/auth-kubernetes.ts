import { notFound } from '../../core/errors.js';
import { kubernetesConfigToWire, kubernetesRoleToWire } from '../../auth/kubernetes/index.js';
import type { KubernetesAuthService } from '../../services/auth/kubernetes-service.js';
import { authBlock } from './auth-token.js';
import type { TokenService } from '../../services/token-service.js';
import { listReply, noContent, respond } from '../reply.js';
import { defineRoute, type RouteDef } from '../route.js';
import { providedValues, tokenParamFields } from './auth-token-fields.js';
import { mountOf } from './pki/mount-of.js';

/** Routes of a `kubernetes` auth mount, relative to auth/<path>/. */
export function authKubernetesRoutes(kubernetes: KubernetesAuthService, tokens: TokenService): RouteDef[] {
  return [
    defineRoute({
      pattern: 'config',
      summary: 'How logins are verified: the cluster\'s TokenReview API, or locally against pem_keys / a JWKS (no cluster call).',
      fields: {
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
      },
      operations: {
        read: async ({ mount }) => {
          const config = await kubernetes.config(mountOf(mount));
          if (!config) throw notFound();
          return respond(kubernetesConfigToWire(config));
        },
        update: async ({ mount, data, provided }) => {
          await kubernetes.setConfig(mountOf(mount), providedValues(data, provided as (name: string) => boolean));
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'role',
      summary: 'List roles.',
      fields: {},
      operations: {
        list: async ({ mount }) => {
          const names = await kubernetes.listRoles(mountOf(mount));
          if (names.length === 0) throw notFound();
          return listReply(names);
        },
      },
    }),
    defineRoute({
      pattern: 'role/:name',
      summary: 'A role: which service accounts may log in, and what their tokens get.',
      fields: {
        name: { type: 'string', description: 'Role name.' },
        bound_service_account_names: { type: 'comma_string_slice', description: 'Service account names, or globs; * for any.' },
        bound_service_account_namespaces: { type: 'comma_string_slice', description: 'Namespaces, or globs such as team-*; * for any.' },
        bound_service_account_namespace_selector: { type: 'string', description: 'Not supported (needs cluster calls).' },
        audience: { type: 'string', description: 'Required aud claim.' },
        alias_name_source: { type: 'string', description: 'serviceaccount_uid (default) or serviceaccount_name.' },
        ...tokenParamFields,
      },
      exists: async ({ params, mount }) => (await kubernetes.role(mountOf(mount), params.name!)) !== null,
      operations: {
        read: async ({ mount, params }) => {
          const role = await kubernetes.role(mountOf(mount), params.name!);
          if (!role) throw notFound();
          return respond(kubernetesRoleToWire(role));
        },
        update: async ({ mount, params, data, provided }) => {
          const { warnings } = await kubernetes.writeRole(mountOf(mount), params.name!, providedValues(data, provided as (name: string) => boolean));
          return warnings.length > 0 ? respond(null, { warnings }) : noContent();
        },
        delete: async ({ mount, params }) => {
          await kubernetes.deleteRole(mountOf(mount), params.name!);
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'login',
      summary: 'Log in with a service-account JWT; returns a token in Vault\'s auth block.',
      fields: {
        role: { type: 'string', required: true, description: 'The role to log in with.' },
        jwt: { type: 'string', required: true, description: 'The service-account token.' },
      },
      unauthenticated: ['update'],
      operations: {
        update: async ({ mount, data, remoteAddress }) => {
          const issued = await kubernetes.login(mountOf(mount), data.role, data.jwt, remoteAddress);
          return respond(null, { auth: authBlock(issued.token, issued.record, tokens), warnings: issued.warnings });
        },
      },
    }),
  ];
}
