/**
 * A minimal client for mintca's (Vault's) HTTP API over node:http / node:https: JSON bodies,
 * `X-Vault-Token`, Vault error envelopes turned into AgentError messages, an optional CA bundle
 * and an optional client certificate (for cert auth).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AgentError } from './errors.js';

export interface VaultClientOptions {
  address: string;
  caPem?: string | null;
  clientCertPem?: string | null;
  clientKeyPem?: string | null;
  timeoutMs?: number;
}

export interface VaultResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface VaultClient {
  readonly address: string;
  /** Calls `/v1/<path>`; throws AgentError on network errors and non-2xx answers. */
  call(method: string, path: string, options?: { token?: string | null; body?: unknown }): Promise<VaultResponse>;
}

export function createVaultClient(options: VaultClientOptions): VaultClient {
  let base: URL;
  try {
    base = new URL(options.address);
  } catch {
    throw new AgentError(`invalid address "${options.address}"`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new AgentError(`invalid address "${options.address}": scheme must be http or https`);
  const address = options.address.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;

  const call: VaultClient['call'] = (method, path, callOptions = {}) =>
    new Promise((resolve, reject) => {
      const url = new URL(`${address}/v1/${path.replace(/^\/+/, '')}`);
      const body = callOptions.body === undefined ? undefined : Buffer.from(JSON.stringify(callOptions.body));
      const headers: Record<string, string> = { accept: 'application/json' };
      if (body) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(body.length);
      }
      if (callOptions.token) headers['x-vault-token'] = callOptions.token;
      const onResponse = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(new AgentError(`${method} ${path}: ${error.message}`)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = null;
          try {
            json = text === '' ? null : JSON.parse(text);
          } catch {
            json = null;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve({ status, json });
            return;
          }
          const errors = (json as { errors?: unknown } | null)?.errors;
          const detail = Array.isArray(errors) && errors.length > 0 ? errors.join('; ') : text.slice(0, 200) || 'no details';
          reject(new AgentError(`${method} ${path}: server answered ${status}: ${detail}`, status));
        });
      };
      const common = { method, headers, timeout: timeoutMs };
      const req =
        url.protocol === 'https:'
          ? httpsRequest(url, {
              ...common,
              ...(options.caPem ? { ca: options.caPem } : {}),
              ...(options.clientCertPem && options.clientKeyPem ? { cert: options.clientCertPem, key: options.clientKeyPem } : {}),
            }, onResponse)
          : httpRequest(url, common, onResponse);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        reject(new AgentError(`cannot reach mintca at ${address} (${method} ${path}): ${error.message}`));
      });
      req.end(body);
    });
  return { address, call };
}
