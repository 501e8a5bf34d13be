import type { Deps } from '../../deps.js';
import { buildOpenApi, type RouteGroup } from '../openapi.js';
import { rawJson } from '../reply.js';
import { defineRoute, type RouteDef } from '../route.js';
import { authMethodRoutes } from './auth-methods.js';
import { authTokenRoutes } from './auth-token.js';
import { pkiRoutes } from './pki/index.js';
import { sysAuditRoutes } from './sys-audit.js';
import { sysMountsRoutes } from './sys-mounts.js';
import { sysPolicyRoutes } from './sys-policies.js';
import { sysQuotaRoutes } from './sys-quotas.js';
import { sysStatusRoutes } from './sys-status.js';

export interface RouteTables {
  system: RouteDef[];
  /** Route tables by secret-engine type, relative to the mount. */
  engines: Map<string, RouteDef[]>;
  /** Route tables by auth-method type, relative to the auth mount. */
  authMethods: Map<string, RouteDef[]>;
}

const openApiRoute = (document: () => unknown): RouteDef =>
  defineRoute({
    pattern: 'sys/internal/specs/openapi',
    summary: 'The OpenAPI document of every route.',
    fields: {},
    unauthenticated: ['read'],
    operations: { read: async () => rawJson(200, document()) },
  });

/** Groups in the OpenAPI document: system routes, then each engine under a `{<type>_mount}` prefix. */
export function openApiGroups(tables: RouteTables): RouteGroup[] {
  return [
    { prefix: '', routes: tables.system },
    ...[...tables.engines].map(([type, routes]) => ({ prefix: `{${type}_mount}`, routes })),
    ...[...tables.authMethods].map(([type, routes]) => ({ prefix: `auth/{${type}_mount}`, routes })),
  ];
}

export function buildRouteTables(deps: Deps): RouteTables {
  const { services } = deps;
  const tables: RouteTables = {
    system: [
      ...sysStatusRoutes({ system: services.system, clock: deps.clock, storageType: 'sqlite' }),
      ...sysMountsRoutes(services.mounts, 'secret'),
      ...sysMountsRoutes(services.mounts, 'auth'),
      ...sysPolicyRoutes(services.policies, services.tokens),
      ...sysAuditRoutes(services.audit),
      ...sysQuotaRoutes(services.quotas),
      ...authTokenRoutes(services.tokens),
    ],
    engines: new Map([['pki', pkiRoutes(services.pki)]]),
    authMethods: authMethodRoutes(services.auth, services.tokens),
  };
  let document: unknown = null;
  tables.system.push(openApiRoute(() => (document ??= buildOpenApi(openApiGroups(tables)))));
  return tables;
}
