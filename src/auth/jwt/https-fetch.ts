/**
 * The production HttpFetch: node:http / node:https with a per-request CA bundle, a whole-exchange
 * deadline, a response size cap and no redirects (a JWKS or TokenReview endpoint that redirects
 * is misconfigured, and following it would send the bearer token elsewhere).
 */
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_UPSTREAM_TIMEOUT_MS, type HttpFetch, type HttpRequest, type HttpResponse } from './http-fetch.js';

export interface HttpsFetchOptions {
  /** Used when a request gives none. */
  timeoutMs?: number;
  maxResponseBytes?: number;
}

export function createHttpsFetch(options: HttpsFetchOptions = {}): HttpFetch {
  return (request) => perform(request, options);
}

function perform(request: HttpRequest, defaults: HttpsFetchOptions): Promise<HttpResponse> {
  const timeoutMs = request.timeoutMs ?? defaults.timeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
  const maxBytes = request.maxResponseBytes ?? defaults.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return new Promise<HttpResponse>((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      reject(new Error('invalid URL'));
      return;
    }
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') {
      reject(new Error(`unsupported URL scheme ${url.protocol}`));
      return;
    }
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const options: RequestOptions & { ca?: string; minVersion?: 'TLSv1.2' } = { method: request.method, headers };
    if (secure) {
      options.minVersion = 'TLSv1.2';
      if (request.caPem) options.ca = request.caPem;
    }

    let settled = false;
    const finish = (error: Error | null, response?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(response!);
    };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          res.destroy();
          req.destroy();
          finish(new Error(`response larger than ${maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => finish(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => finish(error));
    };
    const req = secure ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    const timer = setTimeout(() => {
      req.destroy();
      finish(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (error) => finish(error));
    req.end(request.body);
  });
}
