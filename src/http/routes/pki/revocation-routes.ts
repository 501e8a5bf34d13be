import { notFound } from '../../../core/errors.js';
import { toPem } from '../../../pki/pem.js';
import { crlConfigToResponse } from '../../../services/pki/crl-config.js';
import type { CrlService } from '../../../services/pki/crl-service.js';
import type { FetchService } from '../../../services/pki/fetch-service.js';
import type { IssuerService } from '../../../services/pki/issuer-service.js';
import type { RevocationService } from '../../../services/pki/revocation-service.js';
import type { MountRecord, PkiIssuerRecord, StoredCrl } from '../../../storage/types.js';
import { listReply, type RawReply, type Reply, respond } from '../../reply.js';
import { defineRoute, type RouteDef } from '../../route.js';
import { mountOf } from './mount-of.js';

const crlPem = (crl: StoredCrl): string => toPem(crl.der, 'X509 CRL');
const raw = (contentType: string, body: string | Buffer): RawReply => ({ type: 'raw', status: 200, contentType, body });
const nothing = (): Reply => ({ type: 'no_content' });

type CrlForm = 'der' | 'pem' | 'json-certificate' | 'json-crl';

export interface RevocationRouteDeps {
  revocations: RevocationService;
  crls: CrlService;
  issuers: IssuerService;
  fetch: FetchService;
}

export function pkiRevocationRoutes({ revocations, crls, issuers, fetch }: RevocationRouteDeps): RouteDef[] {
  const serveCrl = async (mount: MountRecord, issuer: PkiIssuerRecord | null, delta: boolean, form: CrlForm): Promise<Reply> => {
    const crl = issuer ? await crls.current(mount, issuer, delta) : null;
    if (!crl) {
      if (form === 'der' || form === 'pem') return nothing();
      throw notFound();
    }
    switch (form) {
      case 'der':
        return raw('application/pkix-crl', crl.der);
      case 'pem':
        return raw('application/x-pem-file', crlPem(crl).trimEnd());
      case 'json-certificate':
        return respond({ certificate: crlPem(crl).trimEnd(), revocation_time: 0, revocation_time_rfc3339: '' });
      case 'json-crl':
        return respond({ crl: crlPem(crl) });
    }
  };

  const defaultCrl = (pattern: string, delta: boolean, form: CrlForm, summary: string) =>
    defineRoute({
      pattern,
      summary,
      fields: {},
      unauthenticated: ['read'],
      operations: {
        read: async ({ mount }) => {
          const m = mountOf(mount);
          return serveCrl(m, await fetch.defaultIssuer(m.uuid), delta, form);
        },
      },
    });

  const issuerCrl = (pattern: string, delta: boolean, form: CrlForm, summary: string) =>
    defineRoute({
      pattern,
      summary,
      fields: { ref: { type: 'string', description: 'Issuer reference: id, name or default.' } },
      unauthenticated: ['read'],
      operations: {
        read: async ({ mount, params }) => {
          const m = mountOf(mount);
          return serveCrl(m, await issuers.read(m, params.ref!), delta, form);
        },
      },
    });

  const revokeFields = {
    serial_number: { type: 'string', description: 'Serial of the certificate to revoke (colon or hyphen separated hex).' },
    certificate: { type: 'string', description: 'The certificate to revoke (PEM), instead of its serial.' },
  } as const;

  return [
    defineRoute({
      pattern: 'revoke',
      summary: 'Revoke a certificate by serial number or by the certificate itself.',
      fields: revokeFields,
      operations: {
        update: async ({ mount, data }) => {
          const result = await revocations.revoke(mountOf(mount), { serialNumber: data.serial_number, certificate: data.certificate });
          return respond(result.data, { warnings: result.warnings });
        },
      },
    }),
    defineRoute({
      pattern: 'revoke-with-key',
      summary: 'Revoke a certificate, proving possession of its private key.',
      fields: { ...revokeFields, private_key: { type: 'string', required: true, description: 'The certificate\'s private key (PEM).' } },
      operations: {
        update: async ({ mount, data }) => {
          const result = await revocations.revoke(mountOf(mount), {
            serialNumber: data.serial_number,
            certificate: data.certificate,
            privateKey: data.private_key,
          });
          return respond(result.data, { warnings: result.warnings });
        },
      },
    }),
    defineRoute({
      pattern: 'issuer/:ref/revoke',
      summary: 'Revoke an issuer (irreversible): it stops issuing and goes on its parent\'s CRL.',
      fields: { ref: { type: 'string', description: 'Issuer reference: id, name or default.' } },
      operations: {
        update: async ({ mount, params }) => {
          const m = mountOf(mount);
          return respond(await issuers.view(m, await revocations.revokeIssuer(m, params.ref!)));
        },
      },
    }),
    defineRoute({
      pattern: 'certs/revoked',
      summary: 'List the serial numbers of revoked certificates.',
      fields: {},
      operations: {
        list: async ({ mount }) => {
          const serials = await revocations.listRevoked(mountOf(mount));
          if (serials.length === 0) throw notFound();
          return listReply(serials);
        },
      },
    }),
    defineRoute({
      pattern: 'crl/rotate',
      summary: 'Rebuild every issuer\'s CRL now (a mutating GET, as in Vault).',
      fields: {},
      operations: { read: async ({ mount }) => respond({ success: true }, { warnings: await crls.rotate(mountOf(mount), false) }) },
    }),
    defineRoute({
      pattern: 'crl/rotate-delta',
      summary: 'Rebuild every issuer\'s delta CRL now.',
      fields: {},
      operations: { read: async ({ mount }) => respond({ success: true }, { warnings: await crls.rotate(mountOf(mount), true) }) },
    }),
    defineRoute({
      pattern: 'config/crl',
      summary: 'CRL and OCSP settings: expiry, disable, ocsp_disable, ocsp_expiry, auto_rebuild, enable_delta, ...',
      fields: {
        expiry: { type: 'duration', description: 'CRL lifetime (NextUpdate - ThisUpdate), default 72h.' },
        disable: { type: 'bool', description: 'Serve signed empty CRLs (revocations are still recorded).' },
        ocsp_disable: { type: 'bool', description: 'The OCSP responder answers "unauthorized".' },
        ocsp_expiry: { type: 'duration', description: 'OCSP NextUpdate offset, default 12h; 0 omits NextUpdate.' },
        auto_rebuild: { type: 'bool', description: 'Rebuild CRLs on a schedule before they expire.' },
        auto_rebuild_grace_period: { type: 'duration', description: 'How long before expiry the scheduled rebuild happens, default 12h.' },
        enable_delta: { type: 'bool', description: 'Publish delta CRLs (needs auto_rebuild).' },
        delta_rebuild_interval: { type: 'duration', description: 'Delta CRL lifetime basis, default 15m.' },
        cross_cluster_revocation: { type: 'bool', description: 'Not supported (Vault Enterprise).' },
        unified_crl: { type: 'bool', description: 'Not supported (Vault Enterprise).' },
        unified_crl_on_existing_paths: { type: 'bool', description: 'Not supported (Vault Enterprise).' },
        max_crl_entries: { type: 'int', description: 'Refuse to build a CRL longer than this; -1 for no limit. Default 100000.' },
      },
      operations: {
        read: async ({ mount }) => respond(crlConfigToResponse(await crls.config(mountOf(mount)))),
        update: async ({ mount, data, provided }) => {
          const given = <T>(name: keyof typeof data & string, value: T): T | undefined => (provided(name) ? value : undefined);
          const config = await crls.setConfig(mountOf(mount), {
            expiry: given('expiry', data.expiry),
            disable: given('disable', data.disable),
            ocspDisable: given('ocsp_disable', data.ocsp_disable),
            ocspExpiry: given('ocsp_expiry', data.ocsp_expiry),
            autoRebuild: given('auto_rebuild', data.auto_rebuild),
            autoRebuildGracePeriod: given('auto_rebuild_grace_period', data.auto_rebuild_grace_period),
            enableDelta: given('enable_delta', data.enable_delta),
            deltaRebuildInterval: given('delta_rebuild_interval', data.delta_rebuild_interval),
            maxCrlEntries: given('max_crl_entries', data.max_crl_entries),
            crossClusterRevocation: given('cross_cluster_revocation', data.cross_cluster_revocation),
            unifiedCrl: given('unified_crl', data.unified_crl) || given('unified_crl_on_existing_paths', data.unified_crl_on_existing_paths),
          });
          return respond(crlConfigToResponse(config));
        },
      },
    }),
    defaultCrl('crl', false, 'der', 'The default issuer\'s CRL, DER (unauthenticated).'),
    defaultCrl('crl/pem', false, 'pem', 'The default issuer\'s CRL, PEM (unauthenticated).'),
    defaultCrl('crl/delta', true, 'der', 'The default issuer\'s delta CRL, DER (unauthenticated).'),
    defaultCrl('crl/delta/pem', true, 'pem', 'The default issuer\'s delta CRL, PEM (unauthenticated).'),
    defaultCrl('cert/crl', false, 'json-certificate', 'The default issuer\'s CRL as PEM in JSON `certificate` (unauthenticated).'),
    defaultCrl('cert/delta-crl', true, 'json-certificate', 'The default issuer\'s delta CRL as PEM in JSON (unauthenticated).'),
    issuerCrl('issuer/:ref/crl', false, 'json-crl', 'This issuer\'s CRL as PEM in JSON `crl` (unauthenticated).'),
    issuerCrl('issuer/:ref/crl/der', false, 'der', 'This issuer\'s CRL, DER (unauthenticated).'),
    issuerCrl('issuer/:ref/crl/pem', false, 'pem', 'This issuer\'s CRL, PEM (unauthenticated).'),
    issuerCrl('issuer/:ref/crl/delta', true, 'json-crl', 'This issuer\'s delta CRL as PEM in JSON (unauthenticated).'),
    issuerCrl('issuer/:ref/crl/delta/der', true, 'der', 'This issuer\'s delta CRL, DER (unauthenticated).'),
    issuerCrl('issuer/:ref/crl/delta/pem', true, 'pem', 'This issuer\'s delta CRL, PEM (unauthenticated).'),
  ];
}

