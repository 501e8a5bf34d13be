import type { FastifyReply } from 'fastify';
import type { CaError } from '../core/errors.js';
import type { Reply } from './reply.js';

/**
 * Bodies go out as Buffers so Fastify keeps our Content-Type as is: hvac only reads
 * `errors` when it is exactly `application/json`, without a charset parameter.
 */
function sendBody(reply: FastifyReply, status: number, contentType: string, body: string | Buffer): FastifyReply {
  return reply
    .code(status)
    .header('content-type', contentType)
    .send(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
}

const jsonLine = (value: unknown): string => `${JSON.stringify(value)}\n`;

/** Writes a handler's answer in Vault's wire format. */
export function renderReply(reply: FastifyReply, answer: Reply, requestId: string): FastifyReply {
  switch (answer.type) {
    case 'no_content':
      return reply.code(204).send();
    case 'raw':
      if (answer.headers) reply.headers(answer.headers);
      return sendBody(reply, answer.status, answer.contentType, answer.body);
    case 'response': {
      const envelope: Record<string, unknown> = {
        request_id: requestId,
        lease_id: answer.leaseId,
        renewable: answer.renewable,
        lease_duration: answer.leaseDuration,
        data: answer.data,
        wrap_info: null,
        warnings: answer.warnings.length > 0 ? answer.warnings : null,
        auth: answer.auth,
      };
      const body = answer.dataAtTopLevel && answer.data ? { ...answer.data, ...envelope } : envelope;
      return sendBody(reply, answer.status, 'application/json', jsonLine(body));
    }
  }
}

export function renderError(reply: FastifyReply, error: CaError): FastifyReply {
  reply.headers(error.headers);
  return sendBody(reply, error.status, 'application/json', jsonLine({ errors: error.messages }));
}
