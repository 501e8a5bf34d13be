import { createHmac } from 'node:crypto';

/**
 * Vault's audit entry format, pure: builds the request and response entries and hashes
 * their sensitive strings. No I/O; the audit service decides where the lines go.
 */

export const hashPrefix = 'hmac-sha256:';

/** `hmac-sha256:<hex>` of a value under a device salt (what sys/audit-hash answers). */
export function auditHash(salt: Buffer, input: string): string {
  return `${hashPrefix}${createHmac('sha256', salt).update(input, 'utf8').digest('hex')}`;
}

export type Hasher = (value: string) => string;

/**
 * Replaces every string inside a JSON-like value by its hash; numbers, bools and null stay
 * as they are. Top-level keys listed in `exempt` keep their values (mount tune
 * audit_non_hmac_*_keys).
 */
export function hashValues(value: unknown, hash: Hasher, exempt: readonly string[] = []): unknown {
  if (typeof value === 'string') return hash(value);
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return hash(value.toString('base64'));
  if (Array.isArray(value)) return value.map((item) => hashValues(item, hash));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = exempt.includes(key) ? item : hashValues(item, hash);
  }
  return out;
}

/** The calling token, as the audit log describes it. */
export interface AuditAuth {
  clientToken: string;
  accessor: string;
  displayName: string;
  policies: string[];
  tokenPolicies: string[];
  metadata: Record<string, string> | null;
  entityId: string;
  tokenType: string;
  /** Seconds. */
  tokenTtl: number;
  /** Unix seconds. */
  tokenIssueTime: number;
}

export interface AuditRequest {
  id: string;
  operation: string;
  path: string;
  /** The mount's path with trailing slash (`sys/`, `auth/token/`, `pki_int/`). */
  mountPoint: string;
  mountType: string;
  mountAccessor: string;
  data: Record<string, unknown> | null;
  remoteAddress: string;
  auth: AuditAuth | null;
  /** Top-level request data keys kept in clear (mount tune). */
  nonHmacKeys: readonly string[];
}

/** The auth block a response hands out (a login, a token create). */
export interface AuditResponseAuth {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: string;
  orphan: boolean;
  num_uses: number;
}

export interface AuditResponse {
  data: Record<string, unknown> | null;
  auth: AuditResponseAuth | null;
  warnings: string[];
  /** Top-level response data keys kept in clear (mount tune). */
  nonHmacKeys: readonly string[];
}

export interface FormatOptions {
  /** Write values as they are, unhashed. */
  logRaw: boolean;
  /** Hash accessors too (Vault's default). */
  hmacAccessor: boolean;
  hash: Hasher;
}

const isoTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');

function authEntry(auth: AuditAuth | null, options: FormatOptions): Record<string, unknown> | undefined {
  if (!auth) return undefined;
  const plain = options.logRaw;
  return {
    client_token: plain ? auth.clientToken : options.hash(auth.clientToken),
    accessor: plain || !options.hmacAccessor ? auth.accessor : options.hash(auth.accessor),
    display_name: auth.displayName,
    policies: auth.policies,
    token_policies: auth.tokenPolicies,
    metadata: plain ? auth.metadata : (hashValues(auth.metadata, options.hash) as Record<string, string> | null),
    entity_id: auth.entityId,
    token_type: auth.tokenType,
    token_ttl: auth.tokenTtl,
    token_issue_time: new Date(auth.tokenIssueTime * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

function requestEntry(request: AuditRequest, options: FormatOptions): Record<string, unknown> {
  const plain = options.logRaw;
  const token = request.auth?.clientToken ?? '';
  const accessor = request.auth?.accessor ?? '';
  return {
    id: request.id,
    operation: request.operation,
    mount_point: request.mountPoint,
    mount_type: request.mountType,
    mount_accessor: request.mountAccessor,
    client_token: token === '' || plain ? token : options.hash(token),
    client_token_accessor: accessor === '' || plain || !options.hmacAccessor ? accessor : options.hash(accessor),
    namespace: { id: 'root' },
    path: request.path,
    data: plain || request.data === null ? request.data : hashValues(request.data, options.hash, request.nonHmacKeys),
    remote_address: request.remoteAddress,
  };
}

/** One `type: request` entry; `error` is set for requests refused before their handler ran. */
export function formatRequestEntry(nowMs: number, request: AuditRequest, error: string, options: FormatOptions): Record<string, unknown> {
  return {
    time: isoTime(nowMs),
    type: 'request',
    auth: authEntry(request.auth, options),
    request: requestEntry(request, options),
    error,
  };
}

function responseAuthEntry(auth: AuditResponseAuth | null, options: FormatOptions): Record<string, unknown> | undefined {
  if (!auth) return undefined;
  if (options.logRaw) return { ...auth };
  return {
    ...auth,
    client_token: options.hash(auth.client_token),
    accessor: options.hmacAccessor ? options.hash(auth.accessor) : auth.accessor,
    metadata: hashValues(auth.metadata, options.hash),
  };
}

/** One `type: response` entry: the request again, and what it was answered. */
export function formatResponseEntry(
  nowMs: number,
  request: AuditRequest,
  response: AuditResponse | null,
  error: string,
  options: FormatOptions,
): Record<string, unknown> {
  const plain = options.logRaw;
  return {
    time: isoTime(nowMs),
    type: 'response',
    auth: authEntry(request.auth, options),
    request: requestEntry(request, options),
    response: response
      ? {
          mount_point: request.mountPoint,
          mount_type: request.mountType,
          mount_accessor: request.mountAccessor,
          auth: responseAuthEntry(response.auth, options),
          data: plain || response.data === null ? response.data : hashValues(response.data, options.hash, response.nonHmacKeys),
          warnings: response.warnings.length > 0 ? response.warnings : undefined,
        }
      : undefined,
    error,
  };
}

/** The JSON line a device writes, with its optional prefix. */
export function auditLine(entry: Record<string, unknown>, prefix: string): string {
  return `${prefix}${JSON.stringify(entry)}\n`;
}
