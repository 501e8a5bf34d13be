import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { baseConfig } from '../config/config.js';
import { createDeps } from '../deps.js';
import { buildOpenApi } from './openapi.js';
import { buildRouteTables, openApiGroups } from './routes/index.js';

/** The OpenAPI document as the server serves it, built over a throwaway in-memory store. */
export async function generateOpenApiDocument(): Promise<unknown> {
  const deps = await createDeps(baseConfig({ storagePath: ':memory:' }), { kek: randomBytes(32), logger: pino({ level: 'silent' }) });
  try {
    return buildOpenApi(openApiGroups(buildRouteTables(deps)));
  } finally {
    await deps.store.close();
  }
}

export const serializeOpenApi = (document: unknown): string => `${JSON.stringify(document, null, 2)}\n`;
