import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOpenApiDocument, serializeOpenApi } from '../../src/http/openapi-document.js';
import { api, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe('OpenAPI', () => {
  it('ok/the committed openapi/openapi.json matches the routes (run `npm run openapi` after changing a route)', async () => {
    const committed = readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8');
    expect(committed).toBe(serializeOpenApi(await generateOpenApiDocument()));
  });

  it('ok/is served unauthenticated at sys/internal/specs/openapi and documents every route', async () => {
    const res = await api(server, 'GET', '/v1/sys/internal/specs/openapi');
    expect(res.status).toBe(200);
    expect(res.json.openapi).toBe('3.0.3');
    const paths = Object.keys(res.json.paths);
    for (const route of ['/sys/health', '/sys/mounts/{path}', '/sys/mounts/{path}/tune', '/auth/token/create', '/auth/token/accessors/']) {
      expect(paths).toContain(route);
    }
    expect(res.json.paths['/auth/token/create'].post.requestBody.content['application/json'].schema.properties.ttl.description).toMatch(/TTL/);
    expect(res.json.paths['/sys/health'].get.security).toEqual([]);
  });
});
