import { mintcaVersion } from '../core/version.js';
import type { FieldSpec, Fields } from './fields.js';
import type { Operation, RouteDef } from './route.js';

export interface RouteGroup {
  /** Path prefix in the document: '' for system routes, `{pki_mount}` for a PKI mount. */
  prefix: string;
  mountDescription?: string;
  routes: readonly RouteDef[];
}

type JsonSchema = Record<string, unknown>;

function fieldSchema(spec: FieldSpec): JsonSchema {
  const base: JsonSchema = { description: spec.description };
  if (spec.default !== undefined) base.default = spec.default;
  if (spec.allowedValues) base.enum = [...spec.allowedValues];
  switch (spec.type) {
    case 'string':
      return { type: 'string', ...base };
    case 'bool':
      return { type: 'boolean', ...base };
    case 'int':
      return { type: 'integer', ...base };
    case 'float':
      return { type: 'number', ...base };
    case 'duration':
      return { oneOf: [{ type: 'integer' }, { type: 'string', format: 'duration' }], ...base };
    case 'comma_string_slice':
      return { oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string' }], ...base };
    case 'string_slice':
      return { type: 'array', items: { type: 'string' }, ...base };
    case 'map':
    case 'kv_pairs':
      return { type: 'object', additionalProperties: { type: 'string' }, ...base };
    case 'object':
      return { type: 'object', ...base };
  }
}

function toOpenApiPath(prefix: string, pattern: string): { path: string; pathParams: string[] } {
  const pathParams: string[] = [];
  const segments = pattern.split('/').map((segment) => {
    if (segment.startsWith(':') || segment.startsWith('*')) {
      pathParams.push(segment.slice(1));
      return `{${segment.slice(1)}}`;
    }
    return segment;
  });
  const mountParam = /\{([^}]+)\}/.exec(prefix)?.[1];
  if (mountParam) pathParams.unshift(mountParam);
  return { path: `/${prefix === '' ? '' : `${prefix}/`}${segments.join('/')}`, pathParams };
}

const responses = {
  '200': { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/Envelope' } } } },
  '204': { description: 'No content' },
  default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } } },
};

function operationObject(route: RouteDef, operation: Operation, pathParams: string[], groupTag: string): JsonSchema {
  const bodyFields: Fields = Object.fromEntries(Object.entries(route.fields).filter(([name]) => !pathParams.includes(name)));
  const parameters: JsonSchema[] = pathParams.map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
    description: route.fields[name]?.description ?? (name.endsWith('_mount') ? 'Path the engine is mounted at.' : name),
  }));
  const object: JsonSchema = {
    summary: route.summary,
    operationId: `${operation}:${groupTag}${route.pattern}`,
    tags: [groupTag === '' ? route.pattern.split('/')[0]! : groupTag.replace(/[{}/]/g, '')],
    responses,
  };
  if (route.unauthenticated?.includes(operation)) object.security = [];
  const fieldEntries = Object.entries(bodyFields);
  if (operation === 'list') {
    parameters.push({ name: 'list', in: 'query', required: true, schema: { type: 'string', enum: ['true'] } });
  } else if ((operation === 'read' || operation === 'delete') && fieldEntries.length > 0) {
    for (const [name, spec] of fieldEntries) parameters.push({ name, in: 'query', schema: fieldSchema(spec) });
  } else if ((operation === 'update' || operation === 'patch') && fieldEntries.length > 0) {
    const required = fieldEntries.filter(([, spec]) => spec.required).map(([name]) => name);
    object.requestBody = {
      content: {
        [operation === 'patch' ? 'application/merge-patch+json' : 'application/json']: {
          schema: {
            type: 'object',
            properties: Object.fromEntries(fieldEntries.map(([name, spec]) => [name, fieldSchema(spec)])),
            ...(required.length > 0 ? { required } : {}),
          },
        },
      },
    };
  }
  if (parameters.length > 0) object.parameters = parameters;
  return object;
}

const methodsOf: Record<Operation, string[]> = {
  read: ['get'],
  list: ['get'],
  update: ['post'],
  patch: ['patch'],
  delete: ['delete'],
};

/** The OpenAPI document, generated from the same route tables the server dispatches on. */
export function buildOpenApi(groups: readonly RouteGroup[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const group of groups) {
    for (const route of group.routes) {
      const { path, pathParams } = toOpenApiPath(group.prefix, route.pattern);
      for (const operation of Object.keys(route.operations) as Operation[]) {
        const key = operation === 'list' ? `${path}/` : path;
        const entry = (paths[key] ??= {});
        for (const method of methodsOf[operation]) entry[method] = operationObject(route, operation, pathParams, group.prefix);
      }
    }
  }
  const sortedPaths = Object.fromEntries(Object.keys(paths).sort().map((key) => [key, paths[key]]));
  return {
    openapi: '3.0.3',
    info: {
      title: 'mintca',
      version: mintcaVersion,
      description:
        'A certificate authority speaking HashiCorp Vault\'s PKI API. Every path is under /v1. LIST operations are also ' +
        'reachable with the LIST HTTP verb. Write operations accept PUT as well as POST.',
    },
    servers: [{ url: '/v1' }],
    components: {
      securitySchemes: {
        vaultToken: { type: 'apiKey', in: 'header', name: 'X-Vault-Token' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: {
        Envelope: {
          type: 'object',
          properties: {
            request_id: { type: 'string' },
            lease_id: { type: 'string' },
            renewable: { type: 'boolean' },
            lease_duration: { type: 'integer' },
            data: { type: 'object', nullable: true },
            wrap_info: { type: 'object', nullable: true },
            warnings: { type: 'array', items: { type: 'string' }, nullable: true },
            auth: { type: 'object', nullable: true },
          },
        },
        Errors: { type: 'object', properties: { errors: { type: 'array', items: { type: 'string' } } }, required: ['errors'] },
      },
    },
    security: [{ vaultToken: [] }, { bearer: [] }],
    paths: sortedPaths,
  };
}
