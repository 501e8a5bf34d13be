import { notFound } from '../../../core/errors.js';
import { trimmedPem } from '../../../services/pki/cert-output.js';
import type { FetchService } from '../../../services/pki/fetch-service.js';
import { revocationFields, type RevocationService } from '../../../services/pki/revocation-service.js';
import { listReply, type RawReply, type Reply, respond } from '../../reply.js';
import { defineRoute, type RouteDef } from '../../route.js';
import { mountOf } from './mount-of.js';

const noContentRaw = (): Reply => ({ type: 'no_content' });
const raw = (contentType: string, body: string | Buffer): RawReply => ({ type: 'raw', status: 200, contentType, body });

export function pkiFetchRoutes(fetch: FetchService, revocations: RevocationService): RouteDef[] {
  const joinPem = (chain: readonly { certificateDer: Buffer }[]): string => chain.map((issuer) => trimmedPem(issuer.certificateDer)).join('\n');
  const chainPem = async (mountUuid: string): Promise<string> => joinPem(await fetch.defaultChain(mountUuid));

  const serialField = { serial: { type: 'string', description: 'Serial number, colon or hyphen separated hex.' } } as const;

  // The default issuer raw, or 204 when the mount has none (ca, ca/pem and their cert/ca/raw aliases).
  const caDer = async ({ mount }: { mount: Parameters<typeof mountOf>[0] }): Promise<Reply> => {
    const issuer = await fetch.defaultIssuer(mountOf(mount).uuid);
    return issuer ? raw('application/pkix-cert', issuer.certificateDer) : noContentRaw();
  };
  const caPem = async ({ mount }: { mount: Parameters<typeof mountOf>[0] }): Promise<Reply> => {
    const issuer = await fetch.defaultIssuer(mountOf(mount).uuid);
    return issuer ? raw('application/pem-certificate-chain', trimmedPem(issuer.certificateDer)) : noContentRaw();
  };

  return [
    defineRoute({
      pattern: 'ca',
      summary: 'The default issuer\'s certificate, DER (unauthenticated).',
      fields: {},
      unauthenticated: ['read'],
      operations: { read: caDer },
    }),
    defineRoute({
      pattern: 'ca/pem',
      summary: 'The default issuer\'s certificate, PEM (unauthenticated).',
      fields: {},
      unauthenticated: ['read'],
      operations: { read: caPem },
    }),
    defineRoute({
      pattern: 'ca_chain',
      summary: 'The default issuer and its parents, PEM (unauthenticated).',
      fields: {},
      unauthenticated: ['read'],
      operations: {
        read: async ({ mount }) => {
          const pem = await chainPem(mountOf(mount).uuid);
          return pem === '' ? noContentRaw() : raw('application/pkix-cert', pem);
        },
      },
    }),
    defineRoute({
      pattern: 'cert/ca_chain',
      summary: 'The default issuer\'s chain as one PEM string in JSON (unauthenticated).',
      fields: {},
      unauthenticated: ['read'],
      operations: {
        read: async ({ mount }) => {
          const pem = joinPem(await fetch.requireDefaultChain(mountOf(mount).uuid));
          return respond({ certificate: pem, ca_chain: pem, revocation_time: 0, revocation_time_rfc3339: '' });
        },
      },
    }),
    defineRoute({
      pattern: 'cert/ca',
      summary: 'The default issuer\'s certificate in JSON (unauthenticated).',
      fields: {},
      unauthenticated: ['read'],
      operations: {
        read: async ({ mount }) => {
          const issuer = await fetch.requireDefaultIssuer(mountOf(mount).uuid);
          return respond({ certificate: trimmedPem(issuer.certificateDer), revocation_time: 0, revocation_time_rfc3339: '' });
        },
      },
    }),
    // "ca" is valid hex, so Vault's cert/:serial pattern takes these; it answers them with the CA.
    defineRoute({
      pattern: 'cert/ca/raw/pem',
      summary: 'The default issuer\'s certificate, PEM (unauthenticated).',
      fields: {},
      unauthenticated: ['read'],
      operations: { read: caPem },
    }),
    defineRoute({
      pattern: 'cert/ca/raw',
      summary: 'The default issuer\'s certificate, DER (unauthenticated).',
      fields: {},
      unauthenticated: ['read'],
      operations: { read: caDer },
    }),
    defineRoute({
      pattern: 'cert/:serial/raw/pem',
      summary: 'A stored certificate as PEM (unauthenticated); 204 when unknown.',
      fields: serialField,
      unauthenticated: ['read'],
      operations: {
        read: async ({ mount, params }) => {
          const cert = await fetch.certificate(mountOf(mount).uuid, params.serial!);
          return cert ? raw('application/pem-certificate-chain', trimmedPem(cert.certificateDer)) : noContentRaw();
        },
      },
    }),
    defineRoute({
      pattern: 'cert/:serial/raw',
      summary: 'A stored certificate as DER (unauthenticated); 204 when unknown.',
      fields: serialField,
      unauthenticated: ['read'],
      operations: {
        read: async ({ mount, params }) => {
          const cert = await fetch.certificate(mountOf(mount).uuid, params.serial!);
          return cert ? raw('application/pkix-cert', cert.certificateDer) : noContentRaw();
        },
      },
    }),
    defineRoute({
      pattern: 'cert/:serial',
      summary: 'A stored certificate in JSON (unauthenticated); 404 when unknown.',
      fields: serialField,
      unauthenticated: ['read'],
      operations: {
        read: async ({ mount, params }) => {
          const m = mountOf(mount);
          const cert = await fetch.certificate(m.uuid, params.serial!);
          if (!cert) throw notFound();
          const revocation = await revocations.revocation(m, cert.serial);
          if (!revocation) return respond({ certificate: trimmedPem(cert.certificateDer), revocation_time: 0, revocation_time_rfc3339: '' });
          const { state: _state, ...times } = revocationFields(revocation);
          return respond({ certificate: trimmedPem(cert.certificateDer), ...times, issuer_id: revocation.issuerId ?? '' });
        },
      },
    }),
    defineRoute({
      pattern: 'certs',
      summary: 'List the serial numbers of stored certificates.',
      fields: {},
      operations: {
        list: async ({ mount }) => {
          const serials = await fetch.serials(mountOf(mount).uuid);
          if (serials.length === 0) throw notFound();
          return listReply(serials);
        },
      },
    }),
  ];
}
