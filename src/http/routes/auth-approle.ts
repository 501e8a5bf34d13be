import { notFound } from '../../core/errors.js';
import { type AppRoleAuth, appRoleToWire, type SecretIdRequest, secretIdToWire } from '../../services/auth/approle.js';
import { parseSecretIdMetadata } from '../../auth/approle/role.js';
import type { TokenService } from '../../services/token-service.js';
import type { Fields, FieldValues } from '../fields.js';
import { listReply, noContent, respond } from '../reply.js';
import { defineRoute, type RouteDef } from '../route.js';
import { authBlock } from './auth-token.js';
import { tokenParamFields } from './auth-token-fields.js';
import { mountOf } from './pki/mount-of.js';
import { roleListRoute, roleRoute } from './auth-role-routes.js';

const roleName = { role_name: { type: 'string', description: 'Name of the AppRole.' } } as const satisfies Fields;

const roleFields = {
  ...roleName,
  role_id: { type: 'string', description: 'A custom role ID; generated (UUID) when a role is created without one.' },
  bind_secret_id: { type: 'bool', default: true, description: 'Require a secret ID at login.' },
  secret_id_bound_cidrs: { type: 'comma_string_slice', description: 'Client CIDRs allowed to log in with this role.' },
  bound_cidr_list: { type: 'comma_string_slice', description: 'Deprecated: secret_id_bound_cidrs.' },
  secret_id_num_uses: { type: 'int', description: 'Logins each secret ID allows; 0 is unlimited.' },
  secret_id_ttl: { type: 'duration', description: 'Lifetime of secret IDs; 0 never expires.' },
  local_secret_ids: { type: 'bool', description: 'Secret IDs are cluster-local; only settable at creation.' },
  ...tokenParamFields,
} as const satisfies Fields;

const secretIdFields = {
  ...roleName,
  metadata: { type: 'string', description: 'JSON object of strings: token and alias metadata of logins with this secret ID.' },
  cidr_list: { type: 'comma_string_slice', description: 'Client CIDRs allowed to log in with this secret ID; within the role\'s secret_id_bound_cidrs.' },
  token_bound_cidrs: { type: 'comma_string_slice', description: 'Client CIDRs of the tokens; within the role\'s token_bound_cidrs.' },
  num_uses: { type: 'int', description: 'Logins this secret ID allows; 0 uses the role\'s secret_id_num_uses.' },
  ttl: { type: 'duration', description: 'Lifetime of this secret ID; 0 uses the role\'s secret_id_ttl.' },
} as const satisfies Fields;

const secretIdRequest = (data: FieldValues<typeof secretIdFields>): SecretIdRequest => ({
  metadata: parseSecretIdMetadata(data.metadata),
  cidrList: data.cidr_list,
  tokenBoundCidrs: data.token_bound_cidrs,
  numUses: data.num_uses,
  ttl: data.ttl,
});

const generated = (secret: { secretId: string; accessor: string; ttl: number; numUses: number }) =>
  respond({ secret_id_accessor: secret.accessor, secret_id: secret.secretId, secret_id_ttl: secret.ttl, secret_id_num_uses: secret.numUses });

/** The routes of the AppRole auth method, relative to its mount (Vault's auth/approle API). */
export function appRoleRoutes(method: AppRoleAuth, tokens: TokenService): RouteDef[] {
  const secretIdField = { ...roleName, secret_id: { type: 'string', description: 'The secret ID.' } } as const satisfies Fields;
  const accessorField = { ...roleName, secret_id_accessor: { type: 'string', description: 'Accessor of the secret ID.' } } as const satisfies Fields;
  return [
    roleListRoute('role', 'List AppRoles.', method),
    roleRoute({
      pattern: 'role/:role_name',
      param: 'role_name',
      summary: 'An AppRole: how its secret IDs are bound, and what its tokens get.',
      fields: roleFields,
      keeper: method,
      toWire: appRoleToWire,
    }),
    defineRoute({
      pattern: 'role/:role_name/role-id',
      summary: 'The role ID of an AppRole: read it, or set a custom one.',
      fields: { ...roleName, role_id: { type: 'string', description: 'The role ID to use (update).' } },
      operations: {
        read: async ({ mount, params }) => {
          const role = await method.role(mountOf(mount), params.role_name!);
          if (!role) throw notFound();
          return respond({ role_id: role.roleId });
        },
        update: async ({ mount, params, data }) => {
          await method.setRoleId(mountOf(mount), params.role_name!, data.role_id);
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/secret-id',
      summary: 'Generate a secret ID for an AppRole; LIST returns the accessors of its secret IDs.',
      fields: secretIdFields,
      operations: {
        update: async ({ mount, params, data }) => generated(await method.createSecretId(mountOf(mount), params.role_name!, secretIdRequest(data))),
        list: async ({ mount, params }) => {
          const accessors = await method.listSecretIdAccessors(mountOf(mount), params.role_name!);
          if (accessors.length === 0) throw notFound();
          return listReply(accessors);
        },
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/custom-secret-id',
      summary: 'Register a secret ID of the caller\'s choosing for an AppRole.',
      fields: { ...secretIdFields, secret_id: { type: 'string', description: 'The secret ID to register.' } },
      operations: {
        update: async ({ mount, params, data }) =>
          generated(await method.createSecretId(mountOf(mount), params.role_name!, secretIdRequest(data), data.secret_id)),
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/secret-id/lookup',
      summary: 'Properties of a secret ID (never the secret ID itself).',
      fields: secretIdField,
      operations: {
        update: async ({ mount, params, data }) => {
          const record = await method.lookupSecretId(mountOf(mount), params.role_name!, data.secret_id);
          // Vault answers an unknown secret ID with an empty success.
          return record ? respond(secretIdToWire(record)) : noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/secret-id/destroy',
      summary: 'Destroy a secret ID.',
      fields: secretIdField,
      operations: {
        update: async ({ mount, params, data }) => {
          await method.destroySecretId(mountOf(mount), params.role_name!, data.secret_id);
          return noContent();
        },
        delete: async ({ mount, params, data }) => {
          await method.destroySecretId(mountOf(mount), params.role_name!, data.secret_id);
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/secret-id-accessor/lookup',
      summary: 'Properties of a secret ID, by its accessor.',
      fields: accessorField,
      operations: {
        update: async ({ mount, params, data }) =>
          respond(secretIdToWire(await method.lookupAccessor(mountOf(mount), params.role_name!, data.secret_id_accessor))),
      },
    }),
    defineRoute({
      pattern: 'role/:role_name/secret-id-accessor/destroy',
      summary: 'Destroy a secret ID, by its accessor.',
      fields: accessorField,
      operations: {
        update: async ({ mount, params, data }) => {
          await method.destroyAccessor(mountOf(mount), params.role_name!, data.secret_id_accessor);
          return noContent();
        },
        delete: async ({ mount, params, data }) => {
          await method.destroyAccessor(mountOf(mount), params.role_name!, data.secret_id_accessor);
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'login',
      summary: 'Log in with a role ID and secret ID; returns a token in Vault\'s auth block.',
      fields: {
        role_id: { type: 'string', description: 'The role ID of the AppRole.' },
        secret_id: { type: 'string', description: 'A secret ID of the AppRole (required when bind_secret_id is set).' },
      },
      unauthenticated: ['update'],
      quotaRole: async ({ data, mount }) => (typeof data.role_id === 'string' ? method.roleNameOf(mount, data.role_id) : null),
      operations: {
        update: async ({ mount, data, remoteAddress }) => {
          const issued = await method.login(mountOf(mount), data.role_id, data.secret_id, remoteAddress);
          return respond(null, { auth: authBlock(issued.token, issued.record, tokens), warnings: issued.warnings });
        },
      },
    }),
  ];
}
