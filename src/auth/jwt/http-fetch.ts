/**
 * The one door to the network for the JWT and Kubernetes auth methods. Verification code never
 * opens a socket itself: it receives an HttpFetch, so tests can serve JWKS, OIDC discovery and
 * TokenReview from a local HTTPS server and production wires `createHttpsFetch()` in deps.
 *
 * Not WHATWG fetch: that has no way to trust a per-request CA bundle, and every upstream here
 * (a cluster's API server, an identity provider) comes with its own CA PEM in the config.
 */
import { badRequest, CaError } from '../../core/errors.js';

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM CA bundle to trust instead of the system roots; empty or absent means the system roots. */
  caPem?: string;
  /** Whole-exchange deadline. */
  timeoutMs?: number;
  /** Larger responses are an error, so a hostile upstream cannot exhaust memory. */
  maxResponseBytes?: number;
}

export interface HttpResponse {
  status: number;
  body: string;
}

/** Rejects only when no HTTP response arrived (DNS, TCP, TLS, timeout, size limit). */
export type HttpFetch = (request: HttpRequest) => Promise<HttpResponse>;

export const DEFAULT_UPSTREAM_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Text fit for a log line: first line only, bounded, no control characters. */
export function describeForLog(text: string, max = 200): string {
  const oneLine = text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

/** Performs the request; a transport failure becomes CaError('upstream') naming what was being fetched. */
export async function send(fetchImpl: HttpFetch, request: HttpRequest, what: string): Promise<HttpResponse> {
  try {
    return await fetchImpl({
      timeoutMs: DEFAULT_UPSTREAM_TIMEOUT_MS,
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      ...request,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CaError('upstream', `${what}: ${request.method} ${request.url} failed: ${describeForLog(reason)}`, { cause: error });
  }
}

/** GET a JSON object; any non-200 answer or non-object body is CaError('upstream'). */
export async function getJsonObject(fetchImpl: HttpFetch, url: string, caPem: string, what: string): Promise<Record<string, unknown>> {
  const response = await send(fetchImpl, { method: 'GET', url, caPem, headers: { accept: 'application/json' } }, what);
  if (response.status !== 200) {
    throw new CaError('upstream', `${what}: GET ${url} answered HTTP ${response.status}: ${describeForLog(response.body)}`);
  }
  const parsed = parseJsonObject(response.body);
  if (!parsed) throw new CaError('upstream', `${what}: GET ${url} did not return a JSON object`);
  return parsed;
}

export function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : null;
  } catch {
    return null;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An absolute http(s) URL without credentials or fragment; "" stays "". */
export function checkHttpUrl(text: string, field: string): string {
  const value = text.trim();
  if (value === '') return '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRequest(`invalid ${field}: "${value}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badRequest(`invalid ${field}: only http and https URLs are supported`);
  if (url.username !== '' || url.password !== '') throw badRequest(`invalid ${field}: credentials in the URL are not allowed`);
  if (url.hash !== '') throw badRequest(`invalid ${field}: a fragment is not allowed`);
  return value;
}
