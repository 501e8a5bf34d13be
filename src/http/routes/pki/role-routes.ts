import { notFound } from '../../../core/errors.js';
import { roleToResponse } from '../../../pki/role.js';
import type { RoleService } from '../../../services/pki/role-service.js';
import { listReply, noContent, respond } from '../../reply.js';
import { defineRoute, type RouteDef } from '../../route.js';
import { mountOf } from './mount-of.js';
import { roleFieldSpecs } from './role-fields.js';

export function pkiRoleRoutes(roles: RoleService): RouteDef[] {
  return [
    defineRoute({
      pattern: 'roles',
      summary: 'List role names.',
      fields: {},
      operations: {
        list: async ({ mount }) => {
          const names = await roles.list(mountOf(mount).uuid);
          if (names.length === 0) throw notFound();
          return listReply(names);
        },
      },
    }),
    defineRoute({
      pattern: 'roles/:name',
      summary: 'Create or replace (POST), merge-patch (PATCH), read or delete a role.',
      fields: roleFieldSpecs,
      exists: async ({ params, mount }) => (await roles.get(mountOf(mount).uuid, params.name!)) !== null,
      operations: {
        read: async ({ mount, params }) => respond(roleToResponse(await roles.read(mountOf(mount).uuid, params.name!))),
        update: async ({ mount, params, data, rawData }) => {
          const { role, warnings } = await roles.write(mountOf(mount).uuid, params.name!, data, new Set(Object.keys(rawData)));
          return respond(roleToResponse(role), { warnings });
        },
        patch: async ({ mount, params, data, rawData }) => {
          const { role, warnings } = await roles.patch(mountOf(mount).uuid, params.name!, data, new Set(Object.keys(rawData)));
          return respond(roleToResponse(role), { warnings });
        },
        delete: async ({ mount, params }) => {
          await roles.delete(mountOf(mount).uuid, params.name!);
          return noContent();
        },
      },
    }),
  ];
}
