import Fastify, { type FastifyError, LogController } from 'fastify';
import { CaError } from './core/errors.js';
import type { Deps } from './deps.js';
import { clientErrorHandler } from './http/client-error.js';
import { Dispatcher } from './http/dispatch.js';
import { listMarkerHeader } from './http/list-verb.js';
import { renderError, renderReply } from './http/render.js';
import { Router } from './http/route.js';
import { buildRouteTables } from './http/routes/index.js';
import { withOcspLane } from './http/ocsp-lane.js';
import { createListenerServer } from './http/server-factory.js';

declare module 'fastify' {
  interface FastifyRequest {
    tokenAccessor: string | null;
  }
}

// LIST arrives as GET plus a marker header (see http/list-verb.ts).
const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The client certificate of a TLS connection (the LIST framing socket passes it through). */
function peerCertificateOf(socket: unknown): Buffer | null {
  const tls = socket as { getPeerCertificate?: (detailed: boolean) => { raw?: Buffer } | null };
  if (typeof tls.getPeerCertificate !== 'function') return null;
  const raw = tls.getPeerCertificate(true)?.raw;
  return raw && raw.length > 0 ? raw : null;
}

/** The HTTP application: no env reads, no listening, no storage opened here. */
export function buildApp(deps: Deps) {
  const tables = buildRouteTables(deps);
  const dispatcher = new Dispatcher({
    system: deps.services.system,
    mounts: deps.services.mounts,
    tokens: deps.services.tokens,
    policies: deps.services.policies,
    audit: deps.services.audit,
    quotas: deps.services.quotas,
    systemRouter: new Router(tables.system),
    engines: new Map([...tables.engines].map(([type, routes]) => [type, new Router(routes)])),
    authMethods: new Map([...tables.authMethods].map(([type, routes]) => [type, new Router(routes)])),
  });

  const ocspLane = { dispatcher, logger: deps.logger, requestId: () => deps.random.uuid(), peerCertificate: peerCertificateOf };
  const app = Fastify({
    loggerInstance: deps.logger,
    // Our own onResponse hook writes the one request line (with the token accessor).
    logController: new LogController({ disableRequestLogging: true }),
    exposeHeadRoutes: false,
    bodyLimit: deps.config.listener.maxRequestSize,
    genReqId: () => deps.random.uuid(),
    serverFactory: (handler) => createListenerServer(deps.config.listener, withOcspLane(handler, ocspLane, deps.config.listener.maxRequestSize)),
    // Errors Fastify meets before routing (an undecodable URL) get Vault's envelope too.
    frameworkErrors: (error, _request, reply) => renderError(reply, new CaError('bad_request', `invalid path: ${error.message}`)),
    clientErrorHandler,
  });
  app.decorateRequest('tokenAccessor', null);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.route({
    method: methods,
    url: '/v1/*',
    handler: async (request, reply) => {
      const url = request.raw.url ?? '';
      const queryAt = url.indexOf('?');
      const isList = request.method === 'GET' && request.headers[listMarkerHeader] !== undefined;
      const responseHeaders: Record<string, string> = {};
      const result = await dispatcher.dispatch({
        method: isList ? 'LIST' : request.method,
        rawPath: (queryAt < 0 ? url : url.slice(0, queryAt)).replace(/^\/v1\//, ''),
        query: queryAt < 0 ? '' : url.slice(queryAt + 1),
        headers: request.headers,
        body: Buffer.isBuffer(request.body) ? request.body : null,
        requestId: request.id,
        remoteAddress: request.socket.remoteAddress,
        peerCertificate: peerCertificateOf(request.socket),
        responseHeaders,
      }).finally(() => {
        // A block, not an arrow value: the reply is thenable and must not be awaited here.
        reply.headers(responseHeaders);
      });
      request.tokenAccessor = result.accessor;
      return renderReply(reply, result.reply, request.id);
    },
  });

  app.setNotFoundHandler((request, reply) => {
    const underApi = (request.raw.url ?? '').startsWith('/v1/');
    return renderError(reply, underApi ? new CaError('unsupported_operation', 'unsupported operation') : new CaError('not_found', ''));
  });

  app.setErrorHandler((error: FastifyError | CaError, request, reply) => {
    if (error instanceof CaError) {
      if (error.status >= 500) request.log.error({ err: error.cause ?? error }, 'request failed');
      return renderError(reply, error);
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return renderError(reply, new CaError('payload_too_large', 'http: request body too large'));
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return renderError(reply, new CaError(error.statusCode === 415 ? 'unsupported_media_type' : 'bad_request', error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return renderError(reply, new CaError('internal', 'internal error'));
  });

  app.addHook('onClose', () => deps.services.pki.close());

  app.addHook('onResponse', async (request, reply) => {
    const url = request.raw.url ?? '';
    const queryAt = url.indexOf('?');
    request.log.info(
      {
        method: request.headers[listMarkerHeader] !== undefined && request.method === 'GET' ? 'LIST' : request.method,
        path: queryAt < 0 ? url : url.slice(0, queryAt),
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        accessor: request.tokenAccessor,
      },
      'request',
    );
  });

  return app;
}
