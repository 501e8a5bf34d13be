import { notFound } from '../../core/errors.js';
import type { QuotaService } from '../../services/quota/quota-service.js';
import type { RateLimitQuotaRecord } from '../../storage/types.js';
import { listReply, noContent, respond } from '../reply.js';
import { defineRoute, type RouteDef } from '../route.js';

const quotaToWire = (quota: RateLimitQuotaRecord) => ({
  name: quota.name,
  type: 'rate-limit',
  path: quota.path,
  role: quota.role,
  rate: quota.rate,
  interval: quota.interval,
  block_interval: quota.blockInterval,
  group_by: quota.groupBy,
  secondary_rate: quota.secondaryRate,
  inheritable: false,
});

/** sys/quotas: Vault's rate-limit quotas and their configuration (sudo, as they can lock callers out). */
export function sysQuotaRoutes(quotas: QuotaService): RouteDef[] {
  return [
    defineRoute({
      pattern: 'sys/quotas/config',
      summary: 'Read or set the rate-limit quota configuration: exempt paths, response headers, audit of rejected requests (sudo).',
      fields: {
        rate_limit_exempt_paths: { type: 'comma_string_slice', description: 'Paths no quota applies to; an entry ending in * or / covers the paths below it.' },
        enable_rate_limit_response_headers: { type: 'bool', description: 'Add X-Ratelimit-Limit, X-Ratelimit-Remaining and X-Ratelimit-Reset to responses.' },
        enable_rate_limit_audit_logging: { type: 'bool', description: 'Write requests refused by a quota to the audit devices.' },
      },
      sudo: ['read', 'update'],
      operations: {
        read: async () => {
          const config = await quotas.readConfig();
          return respond({
            rate_limit_exempt_paths: [...config.exemptPaths],
            enable_rate_limit_response_headers: config.enableResponseHeaders,
            enable_rate_limit_audit_logging: config.enableAuditLogging,
          });
        },
        update: async ({ data, provided }) => {
          await quotas.writeConfig({
            exemptPaths: provided('rate_limit_exempt_paths') ? data.rate_limit_exempt_paths : undefined,
            enableResponseHeaders: provided('enable_rate_limit_response_headers') ? data.enable_rate_limit_response_headers : undefined,
            enableAuditLogging: provided('enable_rate_limit_audit_logging') ? data.enable_rate_limit_audit_logging : undefined,
          });
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'sys/quotas/rate-limit',
      summary: 'List rate-limit quotas (sudo).',
      fields: {},
      sudo: ['list'],
      operations: {
        list: async () => {
          const names = await quotas.list();
          if (names.length === 0) throw notFound();
          return listReply(names);
        },
      },
    }),
    defineRoute({
      pattern: 'sys/quotas/rate-limit/:name',
      summary: 'Create, update, read or delete a rate-limit quota (sudo). The most specific quota applies: role, exact path, path prefix or mount, global.',
      fields: {
        name: { type: 'string', description: 'Name of the quota.' },
        path: { type: 'string', description: 'Empty for a global quota, a mount (pki_int/, auth/approle/), a path under a mount, or a path prefix ending in *.' },
        role: { type: 'string', description: 'On an auth mount path: count only logins with this role.' },
        rate: { type: 'float', description: 'Requests allowed per interval (positive).' },
        interval: { type: 'duration', description: 'The window the rate applies to (default 1s).' },
        block_interval: { type: 'duration', description: 'When set, a caller over the rate is refused for this long.' },
        group_by: {
          type: 'string',
          description: 'How callers share buckets: ip (default), none, entity_then_ip, entity_then_none, or token (by token accessor, unauthenticated by IP).',
        },
        secondary_rate: { type: 'float', description: 'With entity_then_* or token: the rate for callers without an entity or token.' },
      },
      sudo: ['read', 'update', 'delete'],
      operations: {
        read: async ({ params }) => respond(quotaToWire(await quotas.read(params.name!))),
        update: async ({ params, data, provided }) => {
          await quotas.write(params.name!, {
            path: provided('path') ? data.path : undefined,
            role: provided('role') ? data.role : undefined,
            rate: provided('rate') ? data.rate : undefined,
            interval: provided('interval') ? data.interval : undefined,
            blockInterval: provided('block_interval') ? data.block_interval : undefined,
            groupBy: provided('group_by') ? data.group_by : undefined,
            secondaryRate: provided('secondary_rate') ? data.secondary_rate : undefined,
          });
          return noContent();
        },
        delete: async ({ params }) => {
          await quotas.delete(params.name!);
          return noContent();
        },
      },
    }),
  ];
}
