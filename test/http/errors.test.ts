import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ config: { listener: { ...(await import('../../src/config/config.js')).defaultListener('127.0.0.1:0'), maxRequestSize: 4096 } } });
});
afterAll(async () => server.close());

const root = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  api(server, method, path, { token: server.rootToken, body, headers });

/** node:http sends the path exactly as given (fetch would resolve dot segments first). */
function rawPathRequest(method: string, path: string): ReturnType<typeof api> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ type: 'pki' });
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers: { 'X-Vault-Token': server.rootToken } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: new Headers(res.headers as Record<string, string>), text, json: text ? JSON.parse(text) : null }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function mountCount(): Promise<number> {
  return Object.keys((await root('GET', '/v1/sys/mounts')).json.data).length;
}

describe('error envelope', () => {
  const cases: Array<{ name: string; call: () => ReturnType<typeof api>; status: number; message?: RegExp }> = [
    { name: 'fail/400 malformed JSON', call: () => root('POST', '/v1/sys/mounts/x', '{"type": "pki"'), status: 400, message: /failed to parse JSON input/ },
    { name: 'fail/400 JSON that is not an object', call: () => root('POST', '/v1/sys/mounts/x', '["pki"]'), status: 400, message: /must be a JSON object/ },
    { name: 'fail/400 wrong type', call: () => root('POST', '/v1/sys/mounts/x', { type: { nested: true } }), status: 400, message: /field "type"/ },
    { name: 'fail/400 bad percent-encoding', call: () => root('GET', '/v1/sys/mounts/%E0%A4%A'), status: 400, message: /invalid path/ },
    { name: 'fail/400 encoded slash', call: () => root('POST', '/v1/sys/mounts/a%2Fb', { type: 'pki' }), status: 400, message: /encoded slash/ },
    { name: 'fail/400 dot segment', call: () => rawPathRequest('POST', '/v1/sys/mounts/a/../b'), status: 400, message: /dot segment/ },
    { name: 'fail/400 encoded dot segment', call: () => rawPathRequest('POST', '/v1/sys/mounts/a/%2e%2e/b'), status: 400, message: /dot segment/ },
    { name: 'fail/400 NUL in path', call: () => rawPathRequest('POST', '/v1/sys/mounts/a%00b'), status: 400, message: /NUL/ },
    { name: 'fail/403 no token', call: () => api(server, 'GET', '/v1/sys/mounts'), status: 403, message: /^permission denied$/ },
    { name: 'fail/403 unknown token', call: () => api(server, 'GET', '/v1/sys/mounts', { token: 'hvs.AAAAAAAAAAAAAAAAAAAAAAAA' }), status: 403, message: /^permission denied$/ },
    { name: 'fail/403 malformed bearer', call: () => api(server, 'GET', '/v1/sys/mounts', { headers: { Authorization: 'Bearer' } }), status: 403 },
    { name: 'fail/404 unknown sys path', call: () => root('GET', '/v1/sys/nothing-here'), status: 404, message: /no handler for route/ },
    { name: 'fail/404 outside /v1', call: () => root('GET', '/v2/sys/health'), status: 404 },
    { name: 'fail/405 GET on a write-only path', call: () => root('GET', '/v1/auth/token/create'), status: 405, message: /^unsupported operation$/ },
    { name: 'fail/405 unsupported method', call: () => root('OPTIONS', '/v1/sys/mounts'), status: 405, message: /^unsupported operation$/ },
    { name: 'fail/413 oversized body', call: () => root('POST', '/v1/sys/mounts/x', { type: 'pki', description: 'x'.repeat(10_000) }), status: 413, message: /too large/ },
    { name: 'fail/405 PATCH where no patch operation exists', call: () => root('PATCH', '/v1/sys/mounts/x/tune', { description: 'a' }), status: 405 },
  ];

  for (const { name, call, status, message } of cases) {
    it(name, async () => {
      const before = await mountCount();
      const res = await call();
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(Array.isArray(res.json.errors)).toBe(true);
      if (message) expect(res.json.errors.join(' ')).toMatch(message);
      expect(await mountCount()).toBe(before);
    });
  }

  it('ok/a warning lists unrecognized parameters and turns a 204 into a 200', async () => {
    const res = await root('POST', '/v1/sys/mounts/warned', { type: 'pki', colour: 'blue', size: 2 });
    expect(res.status).toBe(200);
    expect(res.json.warnings).toEqual(['Endpoint ignored these unrecognized parameters: [colour size]']);
    expect(res.json.data).toBeNull();
  });

  it('ok/accepts a JSON body with a form content type, as curl -d sends it', async () => {
    const res = await root('POST', '/v1/sys/mounts/curlish', '{"type":"pki"}', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(204);
  });

  it('ok/loose typing: bools and ints as strings, durations as Go strings', async () => {
    const res = await root('POST', '/v1/auth/token/create', { renewable: 'false', num_uses: '3', ttl: '2160h0m0s', explicit_max_ttl: '1d' });
    expect(res.status).toBe(200);
    expect(res.json.auth).toMatchObject({ renewable: false, num_uses: 3, lease_duration: 86400 });
  });
});
