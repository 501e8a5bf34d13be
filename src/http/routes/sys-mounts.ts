import { badRequest } from '../../core/errors.js';
import { parseDurationSeconds } from '../../core/duration.js';
import type { MountService } from '../../services/mount-service.js';
import type { MountKind, MountRecord } from '../../storage/types.js';
import { noContent, respond } from '../reply.js';
import { defineRoute, type RouteDef } from '../route.js';

const mountView = (mount: MountRecord) => ({
  accessor: mount.accessor,
  config: {
    default_lease_ttl: mount.config.defaultLeaseTtl,
    max_lease_ttl: mount.config.maxLeaseTtl,
    force_no_cache: mount.config.forceNoCache,
  },
  description: mount.description,
  external_entropy_access: false,
  local: mount.local,
  options: Object.keys(mount.options).length > 0 ? mount.options : null,
  plugin_version: '',
  running_plugin_version: '',
  running_sha256: '',
  seal_wrap: mount.sealWrap,
  type: mount.type,
  uuid: mount.uuid,
});

/** The built-in entry each table lists first: sys/ among secret engines, token/ among auth methods. */
const builtinView = (kind: MountKind) => ({
  accessor: kind === 'secret' ? 'system_00000000' : 'auth_token_00000000',
  config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false },
  description: kind === 'secret' ? 'system endpoints used for control, policy and debugging' : 'token based credentials',
  external_entropy_access: false,
  local: false,
  options: null,
  plugin_version: '',
  running_plugin_version: '',
  running_sha256: '',
  seal_wrap: kind === 'secret',
  type: kind === 'secret' ? 'system' : 'token',
  uuid: kind === 'secret' ? '00000000-0000-0000-0000-000000000000' : '00000000-0000-0000-0000-000000000001',
});

/** Vault's tune accepts "" (unchanged), "system" (back to the system default), seconds or a duration. */
function tuneTtl(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'system') return 0;
  try {
    return parseDurationSeconds(value);
  } catch (error) {
    throw badRequest(`invalid lease TTL: ${(error as Error).message}`);
  }
}

/** sys/mounts (secret engines) and sys/auth (auth methods): the same shapes over two mount tables. */
export function sysMountsRoutes(mounts: MountService, kind: MountKind = 'secret'): RouteDef[] {
  const base = kind === 'secret' ? 'sys/mounts' : 'sys/auth';
  const builtinPath = kind === 'secret' ? 'sys/' : 'token/';
  const what = kind === 'secret' ? 'secrets engine' : 'auth method';
  return [
    defineRoute({
      pattern: base,
      summary: `List the mounted ${what}s.`,
      fields: {},
      operations: {
        read: async () => {
          const data: Record<string, unknown> = { [builtinPath]: builtinView(kind) };
          for (const mount of await mounts.list(kind)) data[mount.path] = mountView(mount);
          return respond(data, { dataAtTopLevel: true });
        },
      },
    }),
    defineRoute({
      pattern: `${base}/*path/tune`,
      summary: 'Read or tune a mount\'s lease TTLs and description.',
      fields: {
        path: { type: 'string', description: 'The mount path.' },
        default_lease_ttl: { type: 'string', description: 'Default lease TTL: seconds, a duration such as "72h", or "system".' },
        max_lease_ttl: { type: 'string', description: 'Maximum lease TTL: seconds, a duration such as "87600h", or "system".' },
        description: { type: 'string', description: 'A new description.' },
        audit_non_hmac_request_keys: { type: 'comma_string_slice', description: 'Accepted; audit devices arrive later.' },
        audit_non_hmac_response_keys: { type: 'comma_string_slice', description: 'Accepted; audit devices arrive later.' },
        listing_visibility: { type: 'string', description: 'Accepted for compatibility.' },
        passthrough_request_headers: { type: 'comma_string_slice', description: 'Accepted for compatibility.' },
        allowed_response_headers: { type: 'comma_string_slice', description: 'Accepted for compatibility.' },
        options: { type: 'map', description: 'Accepted for compatibility.' },
      },
      operations: {
        read: async ({ params }) => {
          const mount = await mounts.get(kind, params.path!);
          if (!mount) throw badRequest(`cannot fetch sysview for path "${params.path}/"`);
          const ttls = mounts.effectiveTtls(mount);
          return respond(
            {
              default_lease_ttl: ttls.defaultLeaseTtl,
              max_lease_ttl: ttls.maxLeaseTtl,
              force_no_cache: mount.config.forceNoCache,
              description: mount.description,
              options: Object.keys(mount.options).length > 0 ? mount.options : null,
            },
            { dataAtTopLevel: true },
          );
        },
        update: async ({ params, rawData, data, provided }) => {
          await mounts.tune(kind, params.path!, {
            defaultLeaseTtl: tuneTtl(rawData.default_lease_ttl),
            maxLeaseTtl: tuneTtl(rawData.max_lease_ttl),
            description: provided('description') ? data.description : undefined,
          });
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: `${base}/*path`,
      summary: `Enable (POST), read (GET) or disable (DELETE) a ${what} at a path.`,
      // Vault's root-protected paths include sys/auth/*.
      sudo: kind === 'auth' ? ['update', 'delete'] : [],
      fields: {
        path: { type: 'string', description: 'Where to mount, e.g. pki, pki_int or team-a/pki.' },
        type: { type: 'string', description: kind === 'secret' ? 'The engine type: pki.' : 'The auth method type.' },
        description: { type: 'string', description: 'Human-readable description.' },
        config: { type: 'object', description: 'default_lease_ttl and max_lease_ttl as seconds or durations.' },
        options: { type: 'map', description: 'Engine options.' },
        local: { type: 'bool', description: 'Accepted for compatibility.' },
        seal_wrap: { type: 'bool', description: 'Accepted for compatibility.' },
        external_entropy_access: { type: 'bool', description: 'Accepted for compatibility.' },
        plugin_name: { type: 'string', description: 'Older name of type.' },
        plugin_version: { type: 'string', description: 'Accepted for compatibility.' },
      },
      operations: {
        read: async ({ params }) => {
          const mount = await mounts.get(kind, params.path!);
          if (!mount) throw badRequest(`no matching mount at "${params.path}/"`);
          return respond(mountView(mount), { dataAtTopLevel: true });
        },
        update: async ({ params, data }) => {
          const type = data.type || data.plugin_name;
          if (type === '') throw badRequest('missing required field "type"');
          await mounts.enable(kind, params.path!, {
            type,
            description: data.description,
            defaultLeaseTtl: tuneTtl(data.config.default_lease_ttl) ?? 0,
            maxLeaseTtl: tuneTtl(data.config.max_lease_ttl) ?? 0,
            options: data.options,
            local: data.local,
            sealWrap: data.seal_wrap,
          });
          return noContent();
        },
        delete: async ({ params }) => {
          await mounts.disable(kind, params.path!);
          return noContent();
        },
      },
    }),
  ];
}
