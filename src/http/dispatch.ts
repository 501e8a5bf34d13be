import type { IncomingHttpHeaders } from 'node:http';
import { badRequest, CaError, notFound, permissionDenied } from '../core/errors.js';
import type { AuditRequest, AuditResponse } from '../audit/format.js';
import type { AuditService, AuditTicket } from '../services/audit-service.js';
import type { MountService } from '../services/mount-service.js';
import type { PolicyService } from '../services/policy-service.js';
import type { QuotaService } from '../services/quota/quota-service.js';
import type { SystemService } from '../services/system-service.js';
import type { Caller, TokenService } from '../services/token-service.js';
import type { MountRecord } from '../storage/types.js';
import { decodeBody, decodeForm } from './body.js';
import { decodeFields } from './fields.js';
import { quotaRequestOf } from './quota-check.js';
import { type Reply, respond } from './reply.js';
import type { Operation, RouteMatch, Router } from './route.js';

export interface LogicalRequest {
  method: string;
  /** Path after /v1/, still percent-encoded. */
  rawPath: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer | null;
  requestId: string;
  remoteAddress: string | undefined;
  peerCertificate: Buffer | null;
  /** Filled by the dispatcher with headers every answer carries, errors included (rate-limit headers). */
  responseHeaders?: Record<string, string>;
}

export interface DispatchResult {
  reply: Reply;
  /** Accessor of the token that made the request, for the request log. */
  accessor: string | null;
}

export interface DispatcherDeps {
  system: SystemService;
  mounts: MountService;
  tokens: TokenService;
  policies: PolicyService;
  systemRouter: Router;
  /** Route tables of secret-engine types, by mount type. */
  engines: ReadonlyMap<string, Router>;
  /** Route tables of auth-method types, by mount type (served under auth/<path>/). */
  authMethods: ReadonlyMap<string, Router>;
  /** Audit devices; when one is enabled a request runs only once a device logged it. */
  audit?: AuditService;
  /** Rate-limit quotas, checked before authentication. */
  quotas?: QuotaService;
}

/** Paths that answer before initialization. */
const beforeInitPaths = new Set(['sys/init', 'sys/health', 'sys/seal-status', 'sys/internal/specs/openapi']);

export function operationFor(method: string, query: URLSearchParams): Operation {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return isListQuery(query) ? 'list' : 'read';
    case 'LIST':
      return 'list';
    case 'POST':
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      throw new CaError('unsupported_operation', 'unsupported operation');
  }
}

function isListQuery(query: URLSearchParams): boolean {
  const value = query.get('list');
  return value !== null && ['1', 't', 'true'].includes(value.toLowerCase());
}

/**
 * Decodes each segment. An encoded slash stays encoded (`%2F`), so it can never create a
 * path segment; only routes that opt in (OCSP GET, whose base64 may contain `/`) accept it.
 * Dot segments and NUL are refused.
 */
export function decodeLogicalPath(rawPath: string): string {
  const segments = rawPath.split('/');
  const decoded = segments.map((segment, index) => {
    let value: string;
    try {
      value = segment
        .split(/%2f/i)
        .map((part) => decodeURIComponent(part))
        .join('%2F');
    } catch {
      throw badRequest('invalid path: bad percent-encoding');
    }
    if (value.includes('\0')) throw badRequest('invalid path: NUL');
    if (value === '..' || value === '.' || (value === '' && index > 0 && index < segments.length - 1)) {
      throw badRequest('invalid path: empty or dot segment');
    }
    return value;
  });
  return decoded.join('/');
}

export function clientTokenOf(headers: IncomingHttpHeaders): string | null {
  const vaultToken = headers['x-vault-token'];
  if (typeof vaultToken === 'string' && vaultToken !== '') return vaultToken;
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer /i.test(authorization)) {
    const token = authorization.slice(7).trim();
    if (token !== '') return token;
  }
  return null;
}

export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  async dispatch(request: LogicalRequest): Promise<DispatchResult> {
    const query = new URLSearchParams(request.query);
    const operation = operationFor(request.method, query);
    const path = decodeLogicalPath(request.rawPath).replace(/\/+$/, '');

    if (!beforeInitPaths.has(path) && !(await this.deps.system.initState())) {
      throw new CaError('not_initialized', 'Vault is not initialized');
    }

    const { match, mount } = await this.route(path).catch(async (error: unknown) => {
      // Unknown paths count against the quotas too, so probing them is limited like anything else.
      const quota = await this.deps.quotas?.check(quotaRequestOf({ path, remoteAddress: request.remoteAddress, mount: null, route: null, data: () => ({}), tokens: this.deps.tokens, clientToken: clientTokenOf(request.headers) }));
      if (quota && request.responseHeaders) Object.assign(request.responseHeaders, quota.headers);
      throw error;
    });
    if (path.includes('%2F') && !match.def.allowEncodedSlash) throw badRequest('invalid path: encoded slash');
    const handler = match.def.operations[operation];
    if (!handler) throw new CaError('unsupported_operation', 'unsupported operation');

    const contentType = String(request.headers['content-type'] ?? '').toLowerCase();
    if (this.deps.audit && path !== 'sys/health') await this.deps.audit.refresh();
    const audit = this.deps.audit?.enabled && path !== 'sys/health' ? this.deps.audit : null;
    let caller: Caller | null = null;
    let rawData: Record<string, unknown> | null = null;
    let ticket: AuditTicket | null = null;
    let stage: 'quota' | 'checks' | 'audit' | 'handler' = 'quota';
    try {
      const quota = await this.deps.quotas?.check(
        quotaRequestOf({
          path,
          remoteAddress: request.remoteAddress,
          mount,
          route: match.def,
          data: () => this.inputData(operation, query, request.body, contentType, match.def.rawBody === true),
          tokens: this.deps.tokens,
          clientToken: clientTokenOf(request.headers),
        }),
      );
      if (quota && request.responseHeaders) Object.assign(request.responseHeaders, quota.headers);
      stage = 'checks';
      if (!match.def.unauthenticated?.includes(operation)) {
        caller = await this.authenticate(request.headers);
      }
      if (operation === 'patch' && !contentType.startsWith('application/merge-patch+json')) {
        throw new CaError('unsupported_media_type', 'PATCH requires the application/merge-patch+json content type');
      }
      rawData = this.inputData(operation, query, request.body, contentType, match.def.rawBody === true);
      if (caller) await this.authorize(caller, match, mount, path, operation, rawData);
      // Fail-closed: the handler runs only once at least one device logged the request.
      stage = 'audit';
      if (audit) ticket = await audit.logRequest(auditRequestOf(request, operation, path, mount, caller, rawData));
      stage = 'handler';
      const { values, provided, unknown } = decodeFields(match.def.fields, rawData, match.params);
      const reply = await handler({
        operation,
        path,
        params: match.params,
        data: values,
        provided: (name) => provided.has(name),
        rawData,
        rawBody: request.body,
        contentType,
        headers: request.headers,
        caller,
        mount,
        requestId: request.requestId,
        remoteAddress: request.remoteAddress,
        peerCertificate: request.peerCertificate,
      });
      const answer = withUnknownFieldWarning(reply, unknown);
      stage = 'audit';
      if (audit && ticket) await audit.logResponse(ticket, auditResponseOf(answer, mount));
      return { reply: answer, accessor: caller?.record.accessor ?? null };
    } catch (error) {
      // A failed audit write is not retried: it is the error being answered.
      // Requests refused by a quota are audited only when sys/quotas/config asks for it.
      if (audit && stage !== 'audit' && (stage !== 'quota' || this.deps.quotas?.auditRejections)) await this.auditFailure(audit, ticket, auditRequestOf(request, operation, path, mount, caller, rawData), error);
      throw error;
    }
  }

  /** Vault logs refused and failed requests too, with their error. */
  private async auditFailure(audit: AuditService, ticket: AuditTicket | null, entry: AuditRequest, error: unknown): Promise<void> {
    const message = error instanceof CaError ? error.messages.join('; ') || error.kind : 'internal error';
    try {
      ticket ??= await audit.logRequest(entry, message);
      await audit.logResponse(ticket, null, message);
    } catch {
      // The request already failed; its own error is the answer.
    }
  }

  private async route(path: string): Promise<{ match: RouteMatch; mount: MountRecord | null }> {
    if (path.startsWith('sys/') || path.startsWith('auth/token/') || path === 'sys' || path === 'auth/token') {
      const match = this.deps.systemRouter.match(path);
      if (!match) throw notFound(path.startsWith('sys/') ? `no handler for route "${path}". route entry not found.` : 'unsupported path');
      return { match, mount: null };
    }
    const isAuth = path.startsWith('auth/');
    const resolved = await this.deps.mounts.resolve(isAuth ? 'auth' : 'secret', isAuth ? path.slice('auth/'.length) : path);
    if (!resolved) throw notFound(`no handler for route "${path}". route entry not found.`);
    const router = (isAuth ? this.deps.authMethods : this.deps.engines).get(resolved.mount.type);
    const match = router?.match(resolved.rest) ?? null;
    if (!match) throw notFound('unsupported path');
    return { match, mount: resolved.mount };
  }

  private async authenticate(headers: IncomingHttpHeaders): Promise<Caller> {
    const token = clientTokenOf(headers);
    if (!token) throw permissionDenied();
    const record = await this.deps.tokens.authenticate(token);
    if (!record) throw permissionDenied();
    return { token, record };
  }

  /** Vault's ACL check: the token's policies must grant the operation's capability on the path. */
  private async authorize(
    caller: Caller,
    match: RouteMatch,
    mount: MountRecord | null,
    path: string,
    operation: Operation,
    params: Record<string, unknown>,
  ): Promise<void> {
    const acl = await this.deps.policies.aclFor(caller.record.policies, caller.record.identity);
    let capability: 'read' | 'list' | 'update' | 'create' | 'patch' | 'delete' = operation;
    if (operation === 'update' && match.def.exists && !(await match.def.exists({ params: match.params, mount }))) capability = 'create';
    const decision = acl.allowOperation(path, capability, params, { requireSudo: match.def.sudo?.includes(operation) === true });
    if (!decision.allowed) throw permissionDenied();
    if (!(await this.deps.tokens.consumeUse(caller.record))) throw permissionDenied();
  }

  private inputData(
    operation: Operation,
    query: URLSearchParams,
    body: Buffer | null,
    contentType: string,
    rawBody: boolean,
  ): Record<string, unknown> {
    if (operation === 'read' || operation === 'list' || operation === 'delete') {
      const fromQuery = decodeForm(query.toString());
      delete fromQuery.list;
      return fromQuery;
    }
    if (rawBody && !contentType.startsWith('application/json')) return {};
    return decodeBody(body, contentType);
  }
}

function withUnknownFieldWarning(reply: Reply, unknown: string[]): Reply {
  if (unknown.length === 0 || reply.type === 'raw') return reply;
  const warning = `Endpoint ignored these unrecognized parameters: [${unknown.join(' ')}]`;
  if (reply.type === 'no_content') return respond(null, { warnings: [warning] });
  return { ...reply, warnings: [...reply.warnings, warning] };
}

/** Where a request landed, as Vault's audit entries name it. */
function mountInfo(path: string, mount: MountRecord | null): { mountPoint: string; mountType: string; mountAccessor: string } {
  if (mount) {
    return { mountPoint: mount.kind === 'auth' ? `auth/${mount.path}` : mount.path, mountType: mount.type, mountAccessor: mount.accessor };
  }
  return path.startsWith('auth/token')
    ? { mountPoint: 'auth/token/', mountType: 'token', mountAccessor: 'auth_token_00000000' }
    : { mountPoint: 'sys/', mountType: 'system', mountAccessor: 'system_00000000' };
}

function auditRequestOf(
  request: LogicalRequest,
  operation: Operation,
  path: string,
  mount: MountRecord | null,
  caller: Caller | null,
  data: Record<string, unknown> | null,
): AuditRequest {
  const record = caller?.record;
  return {
    id: request.requestId,
    operation,
    path,
    ...mountInfo(path, mount),
    data,
    remoteAddress: request.remoteAddress ?? '',
    auth:
      caller && record
        ? {
            clientToken: caller.token,
            accessor: record.accessor,
            displayName: record.displayName,
            policies: record.policies,
            tokenPolicies: record.policies,
            metadata: Object.keys(record.meta).length > 0 ? record.meta : null,
            entityId: record.entityId,
            tokenType: record.type,
            tokenTtl: record.creationTtl,
            tokenIssueTime: record.creationTime,
          }
        : null,
    nonHmacKeys: mount?.config.auditNonHmacRequestKeys ?? [],
  };
}

function auditResponseOf(reply: Reply, mount: MountRecord | null): AuditResponse {
  const nonHmacKeys = mount?.config.auditNonHmacResponseKeys ?? [];
  switch (reply.type) {
    case 'no_content':
      return { data: null, auth: null, warnings: [], nonHmacKeys };
    case 'raw':
      return {
        data: {
          http_content_type: reply.contentType,
          http_status_code: reply.status,
          http_raw_body: typeof reply.body === 'string' ? reply.body : reply.body.toString('base64'),
        },
        auth: null,
        warnings: [],
        nonHmacKeys,
      };
    case 'response':
      return { data: reply.data, auth: reply.auth, warnings: reply.warnings, nonHmacKeys };
  }
}
