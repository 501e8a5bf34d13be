import type { OcspService } from '../../../services/pki/ocsp-service.js';
import type { RawReply } from '../../reply.js';
import { defineRoute, type RouteDef } from '../../route.js';
import { mountOf } from './mount-of.js';

const ocspReply = ({ status, body }: { status: number; body: Buffer }): RawReply => ({
  type: 'raw',
  status,
  contentType: 'application/ocsp-response',
  body,
});

export function pkiOcspRoutes(ocsp: OcspService): RouteDef[] {
  return [
    defineRoute({
      pattern: 'ocsp',
      summary: 'OCSP (RFC 6960) over POST with an application/ocsp-request body (unauthenticated).',
      fields: {},
      unauthenticated: ['update'],
      rawBody: true,
      operations: {
        update: async ({ mount, rawBody }) => ocspReply(await ocsp.answer(mountOf(mount), rawBody ?? Buffer.alloc(0))),
      },
    }),
    defineRoute({
      pattern: 'ocsp/*request',
      summary: 'OCSP (RFC 6960) over GET with the base64 DER request in the path (unauthenticated).',
      fields: { request: { type: 'string', description: 'The DER OCSP request, base64 then URL-escaped.' } },
      unauthenticated: ['read'],
      allowEncodedSlash: true,
      operations: {
        read: async ({ mount, params }) => {
          const base64 = params.request!.replace(/%2F/g, '/').replace(/ /g, '+');
          return ocspReply(await ocsp.answer(mountOf(mount), Buffer.from(base64, 'base64')));
        },
      },
    }),
  ];
}
