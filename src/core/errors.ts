/** Every failure below HTTP is a CaError; one table maps its kind to Vault's status code. */
export type ErrorKind =
  | 'bad_request'
  | 'permission_denied'
  | 'not_found'
  | 'unsupported_operation'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'internal'
  | 'upstream'
  | 'unavailable'
  | 'not_initialized';

const statusByKind: Record<ErrorKind, number> = {
  bad_request: 400,
  permission_denied: 403,
  not_found: 404,
  unsupported_operation: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  upstream: 502,
  unavailable: 503,
  not_initialized: 503,
};

export class CaError extends Error {
  readonly kind: ErrorKind;
  /** Messages for the `errors` array; empty for Vault's bare 404 `{"errors":[]}`. */
  readonly messages: string[];
  readonly headers: Record<string, string>;

  constructor(kind: ErrorKind, message: string | string[], options: { cause?: unknown; headers?: Record<string, string> } = {}) {
    const messages = Array.isArray(message) ? message : message === '' ? [] : [message];
    super(messages.join('; ') || kind, { cause: options.cause });
    this.name = 'CaError';
    this.kind = kind;
    this.messages = messages;
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return statusByKind[this.kind];
  }
}

export const badRequest = (message: string): CaError => new CaError('bad_request', message);
export const permissionDenied = (): CaError => new CaError('permission_denied', 'permission denied');
export const notFound = (message = ''): CaError => new CaError('not_found', message);

export function statusOf(kind: ErrorKind): number {
  return statusByKind[kind];
}
