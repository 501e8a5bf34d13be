import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { CaError } from '../core/errors.js';
import { MAX_OCSP_REQUEST_BYTES } from '../pki/ocsp.js';
import type { Dispatcher } from './dispatch.js';
import { errorWireOf, type WireReply, wireOf } from './render.js';

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface OcspLaneDeps {
  dispatcher: Dispatcher;
  logger: Logger;
  requestId: () => string;
  peerCertificate: (socket: unknown) => Buffer | null;
}

const ocspPost = /^\/v1\/[^?#]+\/ocsp$/;

/**
 * RFC 5019 clients POST a few hundred bytes of DER, thousands of times a second, and most
 * answers come from the OCSP cache. Fastify's per-request work (request and reply objects,
 * child logger, hooks, body parser) would cost more than the answer, so a fixed-length
 * `application/ocsp-request` POST to `.../ocsp` is read here and handed to the same Dispatcher
 * (initialization, mount, route, audit and handler as for any request), its answer written with
 * the same renderer and logged with the same request line (at debug when successful). Anything
 * else goes to Fastify.
 */
export function withOcspLane(fastify: RequestHandler, deps: OcspLaneDeps, maxRequestSize: number): RequestHandler {
  const limit = Math.min(maxRequestSize, MAX_OCSP_REQUEST_BYTES);
  return (req, res) => {
    const length = req.headers['content-length'];
    if (
      req.method !== 'POST' ||
      length === undefined ||
      req.headers['transfer-encoding'] !== undefined ||
      !String(req.headers['content-type']).toLowerCase().startsWith('application/ocsp-request') ||
      !ocspPost.test(req.url ?? '') ||
      !(Number(length) <= limit)
    ) {
      fastify(req, res);
      return;
    }
    const started = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => void answer(deps, req, res, Buffer.concat(chunks), started));
  };
}

async function answer(deps: OcspLaneDeps, req: IncomingMessage, res: ServerResponse, body: Buffer, started: number): Promise<void> {
  const requestId = deps.requestId();
  const url = req.url!;
  let reply: WireReply;
  let accessor: string | null = null;
  try {
    const result = await deps.dispatcher.dispatch({
      method: 'POST',
      rawPath: url.slice('/v1/'.length),
      query: '',
      headers: req.headers,
      body,
      requestId,
      remoteAddress: req.socket.remoteAddress,
      peerCertificate: deps.peerCertificate(req.socket),
    });
    reply = wireOf(result.reply, requestId);
    accessor = result.accessor;
  } catch (error) {
    if (!(error instanceof CaError) || error.status >= 500) deps.logger.error({ reqId: requestId, err: error instanceof CaError ? (error.cause ?? error) : error }, 'request failed');
    reply = errorWireOf(error instanceof CaError ? error : new CaError('internal', 'internal error'));
  }
  res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body?.length ?? 0 });
  res.end(reply.body);
  // At thousands of answers a second a line each would be most of the log (and a tenth of the
  // CPU): answers are logged at debug, anything else at info like every other request.
  const level = reply.status < 300 ? 'debug' : 'info';
  if (!deps.logger.isLevelEnabled(level)) return;
  deps.logger[level]({ reqId: requestId, method: 'POST', path: url, status: reply.status, duration_ms: Math.round((performance.now() - started) * 100) / 100, accessor }, 'request');
}
