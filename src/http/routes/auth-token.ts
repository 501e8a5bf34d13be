import { badRequest, CaError, permissionDenied } from '../../core/errors.js';
import type { Caller, TokenService } from '../../services/token-service.js';
import type { TokenRecord } from '../../storage/types.js';
import { type AuthBlock, listReply, noContent, respond } from '../reply.js';
import { defineRoute, type RouteDef } from '../route.js';

const rfc3339 = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');

export function authBlock(token: string, record: TokenRecord, tokens: TokenService): AuthBlock {
  return {
    client_token: token,
    accessor: record.accessor,
    policies: record.policies,
    token_policies: record.policies,
    metadata: Object.keys(record.meta).length > 0 ? record.meta : null,
    lease_duration: tokens.remainingTtl(record),
    renewable: record.renewable && record.expireTime !== null,
    entity_id: record.entityId,
    token_type: record.type,
    orphan: record.parentAccessor === null,
    mfa_requirement: null,
    num_uses: record.numUses,
  };
}

function lookupData(record: TokenRecord, id: string, tokens: TokenService): Record<string, unknown> {
  return {
    accessor: record.accessor,
    creation_time: record.creationTime,
    creation_ttl: record.creationTtl,
    display_name: record.displayName,
    entity_id: record.entityId,
    expire_time: record.expireTime === null ? null : rfc3339(record.expireTime),
    explicit_max_ttl: record.explicitMaxTtl,
    id,
    issue_time: rfc3339(record.creationTime),
    meta: Object.keys(record.meta).length > 0 ? record.meta : null,
    num_uses: record.numUses,
    orphan: record.parentAccessor === null,
    path: record.path,
    period: record.period > 0 ? record.period : undefined,
    policies: record.policies,
    renewable: record.renewable,
    ttl: tokens.remainingTtl(record),
    type: record.type,
  };
}

const createFields = {
  id: { type: 'string', description: 'The token value to use; root only.' },
  policies: { type: 'comma_string_slice', description: 'Policies of the token; a subset of the parent\'s unless the parent is root.' },
  meta: { type: 'map', description: 'Metadata, string to string.' },
  no_parent: { type: 'bool', description: 'Create an orphan token (root only).' },
  no_default_policy: { type: 'bool', description: 'Do not add the default policy.' },
  renewable: { type: 'bool', default: true, description: 'Whether the token may be renewed.' },
  ttl: { type: 'duration', description: 'Initial TTL; defaults to the system default (768h).' },
  explicit_max_ttl: { type: 'duration', description: 'Hard limit on the token\'s lifetime.' },
  period: { type: 'duration', description: 'Makes a periodic token renewed to this period.' },
  display_name: { type: 'string', description: 'Display name; stored as token-<name>.' },
  num_uses: { type: 'int', description: 'Number of uses; 0 means unlimited.' },
  type: { type: 'string', description: 'Token type; only service is supported.' },
  lease: { type: 'duration', description: 'Deprecated alias of ttl.' },
  entity_alias: { type: 'string', description: 'Accepted for compatibility.' },
} as const;

const callerOf = (caller: Caller | null): Caller => {
  if (!caller) throw permissionDenied();
  return caller;
};

export function authTokenRoutes(tokens: TokenService): RouteDef[] {
  const createHandler = (orphanEndpoint: boolean) =>
    defineRoute({
      pattern: orphanEndpoint ? 'auth/token/create-orphan' : 'auth/token/create',
      summary: orphanEndpoint ? 'Create an orphan token.' : 'Create a child token of the calling token.',
      fields: createFields,
      operations: {
        update: async ({ data, caller, provided }) => {
          const parent = callerOf(caller).record;
          const issued = await tokens.create(
            parent,
            {
              id: data.id,
              policies: provided('policies') ? data.policies : null,
              meta: data.meta,
              noParent: data.no_parent,
              noDefaultPolicy: data.no_default_policy,
              renewable: data.renewable,
              ttl: data.ttl || data.lease,
              explicitMaxTtl: data.explicit_max_ttl,
              period: data.period,
              displayName: data.display_name,
              numUses: data.num_uses,
              type: data.type,
            },
            orphanEndpoint,
          );
          return respond(null, { auth: authBlock(issued.token, issued.record, tokens), warnings: issued.warnings });
        },
      },
    });

  const mustFind = async (token: string): Promise<TokenRecord> => {
    if (token === '') throw badRequest('missing token');
    const record = await tokens.lookupByToken(token);
    if (!record) throw new CaError('permission_denied', 'bad token');
    return record;
  };
  const mustFindAccessor = async (accessor: string): Promise<TokenRecord> => {
    if (accessor === '') throw badRequest('missing accessor');
    const record = await tokens.lookupByAccessor(accessor);
    if (!record) throw badRequest('invalid accessor');
    return record;
  };
  const renewed = async (token: string, record: TokenRecord, increment: number) => {
    const result = await tokens.renew(record, increment);
    return respond(null, { auth: authBlock(token, result.record, tokens), warnings: result.warnings });
  };

  return [
    createHandler(false),
    createHandler(true),
    defineRoute({
      pattern: 'auth/token/lookup-self',
      summary: 'Look up the calling token.',
      fields: {},
      operations: {
        read: async ({ caller }) => respond(lookupData(callerOf(caller).record, callerOf(caller).token, tokens)),
        update: async ({ caller }) => respond(lookupData(callerOf(caller).record, callerOf(caller).token, tokens)),
      },
    }),
    defineRoute({
      pattern: 'auth/token/lookup',
      summary: 'Look up a token by its value.',
      fields: { token: { type: 'string', description: 'The token to look up.' } },
      operations: {
        update: async ({ data }) => respond(lookupData(await mustFind(data.token), data.token, tokens)),
      },
    }),
    defineRoute({
      pattern: 'auth/token/lookup-accessor',
      summary: 'Look up a token by its accessor; the token value is not returned.',
      fields: { accessor: { type: 'string', description: 'The accessor of the token.' } },
      operations: {
        update: async ({ data }) => respond(lookupData(await mustFindAccessor(data.accessor), '', tokens)),
      },
    }),
    defineRoute({
      pattern: 'auth/token/renew-self',
      summary: 'Renew the calling token.',
      fields: { increment: { type: 'duration', description: 'Requested extension; defaults to the token\'s TTL.' } },
      operations: {
        update: async ({ data, caller }) => renewed(callerOf(caller).token, callerOf(caller).record, data.increment),
      },
    }),
    defineRoute({
      pattern: 'auth/token/renew',
      summary: 'Renew a token by its value.',
      fields: {
        token: { type: 'string', description: 'The token to renew.' },
        increment: { type: 'duration', description: 'Requested extension.' },
      },
      operations: {
        update: async ({ data }) => renewed(data.token, await mustFind(data.token), data.increment),
      },
    }),
    defineRoute({
      pattern: 'auth/token/renew-accessor',
      summary: 'Renew a token by its accessor.',
      fields: {
        accessor: { type: 'string', description: 'The accessor of the token.' },
        increment: { type: 'duration', description: 'Requested extension.' },
      },
      operations: {
        update: async ({ data }) => {
          const result = await tokens.renew(await mustFindAccessor(data.accessor), data.increment);
          const auth = authBlock('', result.record, tokens);
          return respond(null, { auth, warnings: result.warnings });
        },
      },
    }),
    defineRoute({
      pattern: 'auth/token/revoke-self',
      summary: 'Revoke the calling token and its children.',
      fields: {},
      operations: {
        update: async ({ caller }) => {
          await tokens.revokeTree(callerOf(caller).record.accessor);
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'auth/token/revoke',
      summary: 'Revoke a token and its children.',
      fields: { token: { type: 'string', description: 'The token to revoke.' } },
      operations: {
        update: async ({ data }) => {
          if (data.token === '') throw badRequest('missing token');
          const record = await tokens.lookupByToken(data.token);
          if (record) await tokens.revokeTree(record.accessor);
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'auth/token/revoke-orphan',
      summary: 'Revoke a token; its children become orphans (sudo).',
      fields: { token: { type: 'string', description: 'The token to revoke.' } },
      sudo: ['update'],
      operations: {
        update: async ({ data }) => {
          if (data.token === '') throw badRequest('missing token');
          const record = await tokens.lookupByToken(data.token);
          if (record) await tokens.revokeOrphan(record.accessor);
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'auth/token/revoke-accessor',
      summary: 'Revoke a token and its children by accessor.',
      fields: { accessor: { type: 'string', description: 'The accessor of the token.' } },
      operations: {
        update: async ({ data }) => {
          await tokens.revokeTree((await mustFindAccessor(data.accessor)).accessor);
          return noContent();
        },
      },
    }),
    defineRoute({
      pattern: 'auth/token/accessors',
      summary: 'List the accessors of all tokens (sudo).',
      fields: {},
      sudo: ['list'],
      operations: {
        list: async () => {
          const keys = await tokens.listAccessors();
          if (keys.length === 0) throw new CaError('not_found', '');
          return listReply(keys);
        },
      },
    }),
  ];
}
