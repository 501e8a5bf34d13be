import type { FastifyReply } from 'fastify';
import type { CaError } from '../core/errors.js';
import type { Reply } from './reply.js';

/** An answer as it goes on the wire. */
export interface WireReply {
  status: number;
  headers: Record<string, string>;
  /** Null for 204. */
  body: Buffer | null;
}

const jsonLine = (value: unknown): string => `${JSON.stringify(value)}\n`;

/**
 * Bodies are Buffers with our own Content-Type: hvac only reads `errors` when it is exactly
 * `application/json`, without a charset parameter.
 */
const wire = (status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): WireReply => ({
  status,
  headers: { ...headers, 'content-type': contentType },
  body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
});

/** A handler's answer in Vault's wire format. */
export function wireOf(answer: Reply, requestId: string): WireReply {
  switch (answer.type) {
    case 'no_content':
      return { status: 204, headers: {}, body: null };
    case 'raw':
      return wire(answer.status, answer.contentType, answer.body, answer.headers);
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
      return wire(answer.status, 'application/json', jsonLine(body));
    }
  }
}

export const errorWireOf = (error: CaError): WireReply => wire(error.status, 'application/json', jsonLine({ errors: error.messages }), error.headers);

function send(reply: FastifyReply, answer: WireReply): FastifyReply {
  reply.code(answer.status).headers(answer.headers);
  return answer.body === null ? reply.send() : reply.send(answer.body);
}

export const renderReply = (reply: FastifyReply, answer: Reply, requestId: string): FastifyReply => send(reply, wireOf(answer, requestId));

export const renderError = (reply: FastifyReply, error: CaError): FastifyReply => send(reply, errorWireOf(error));
