import { notFound } from '../../core/errors.js';
import type { MountRecord } from '../../storage/types.js';
import type { Fields } from '../fields.js';
import { listReply, noContent, respond } from '../reply.js';
import type { RouteDef } from '../route.js';
import { providedValues } from './auth-token-fields.js';
import { mountOf } from './pki/mount-of.js';

/** What an auth method's role routes need of it. */
export interface RoleKeeper<Role> {
  role(mount: MountRecord, name: string): Promise<Role | null>;
  listRoles(mount: MountRecord): Promise<string[]>;
  /** May answer warnings, which turn the 204 into a 200. */
  writeRole(mount: MountRecord, name: string, values: never): Promise<unknown>;
  deleteRole(mount: MountRecord, name: string): Promise<void>;
}

/** LIST of an auth method's roles; an empty list is Vault's 404. */
export function roleListRoute(pattern: string, summary: string, keeper: RoleKeeper<unknown>): RouteDef {
  return {
    pattern,
    summary,
    fields: {},
    operations: {
      list: async ({ mount }) => {
        const names = await keeper.listRoles(mountOf(mount));
        if (names.length === 0) throw notFound();
        return listReply(names);
      },
    },
  };
}

/**
 * Read, write (only the given fields: role builders merge over the stored role as Vault does)
 * and delete of one role, with Vault's existence check (create vs update).
 */
export function roleRoute<Role>(options: {
  pattern: string;
  /** The path parameter naming the role (`name`, `role_name`). */
  param: string;
  summary: string;
  fields: Fields;
  keeper: RoleKeeper<Role>;
  toWire(role: Role): Record<string, unknown>;
}): RouteDef {
  const { param, keeper } = options;
  return {
    pattern: options.pattern,
    summary: options.summary,
    fields: options.fields,
    exists: async ({ params, mount }) => (await keeper.role(mountOf(mount), params[param]!)) !== null,
    operations: {
      read: async ({ mount, params }) => {
        const role = await keeper.role(mountOf(mount), params[param]!);
        if (!role) throw notFound();
        return respond(options.toWire(role));
      },
      update: async ({ mount, params, data, provided }) => {
        const { [param]: _path, ...values } = providedValues(data, provided as (name: string) => boolean);
        const result = await keeper.writeRole(mountOf(mount), params[param]!, values as never);
        const warnings = (result as { warnings?: string[] } | undefined)?.warnings ?? [];
        return warnings.length > 0 ? respond(null, { warnings }) : noContent();
      },
      delete: async ({ mount, params }) => {
        await keeper.deleteRole(mountOf(mount), params[param]!);
        return noContent();
      },
    },
  };
}
