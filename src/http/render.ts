import type { FastifyReply } from 'fastify';
import { CaError } from '../core/errors.js';
import type { Reply } from './reply.js';

/** Writes a handler's answer in Vault's wire format. */
export function renderReply(reply: FastifyReply, answer: Reply, requestId: string): FastifyReply {
  switch (answer.type) {
    case 'no_content':
      return reply.code(204).send();
    case 'raw':
      if (answer.headers) reply.headers(answer.headers);
      return reply.code(answer.status).type(answer.contentType).send(answer.body);
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
      return reply.code(answer.status).type('application/json').send(`${JSON.stringify(body)}\n`);
    }
  }
}

export function renderError(reply: FastifyReply, error: CaError): FastifyReply {
  reply.headers(error.headers);
  return reply.code(error.status).type('application/json').send(`${JSON.stringify({ errors: error.messages })}\n`);
}
