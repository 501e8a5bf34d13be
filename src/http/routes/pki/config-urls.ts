import type { PkiConfigService } from '../../../services/pki/config-service.js';
import { urlsToResponse } from '../../../services/pki/urls.js';
import { respond } from '../../reply.js';
import { defineRoute, type RouteDef } from '../../route.js';
import { mountOf } from './mount-of.js';

export function pkiConfigUrlRoutes(config: PkiConfigService): RouteDef[] {
  return [
    defineRoute({
      pattern: 'config/urls',
      summary: 'Mount-wide URLs written into the AIA and CRL distribution point extensions of issued certificates.',
      fields: {
        issuing_certificates: { type: 'comma_string_slice', description: 'URLs of the issuing certificate (AIA caIssuers).' },
        crl_distribution_points: { type: 'comma_string_slice', description: 'CRL distribution point URLs.' },
        delta_crl_distribution_points: { type: 'comma_string_slice', description: 'Delta CRL distribution point URLs.' },
        ocsp_servers: { type: 'comma_string_slice', description: 'OCSP responder URLs (AIA ocsp).' },
        enable_templating: { type: 'bool', description: 'Render {{issuer_id}}, {{cluster_path}} and {{cluster_aia_path}} in the URLs.' },
      },
      operations: {
        read: async ({ mount }) => respond(urlsToResponse(await config.urls(mountOf(mount).uuid))),
        update: async ({ mount, data, provided }) => {
          const uuid = mountOf(mount).uuid;
          const current = await config.urls(uuid);
          const saved = await config.setUrls(uuid, {
            issuingCertificates: provided('issuing_certificates') ? data.issuing_certificates : current.issuingCertificates,
            crlDistributionPoints: provided('crl_distribution_points') ? data.crl_distribution_points : current.crlDistributionPoints,
            deltaCrlDistributionPoints: provided('delta_crl_distribution_points') ? data.delta_crl_distribution_points : current.deltaCrlDistributionPoints,
            ocspServers: provided('ocsp_servers') ? data.ocsp_servers : current.ocspServers,
            enableTemplating: provided('enable_templating') ? data.enable_templating : current.enableTemplating,
          });
          return respond(urlsToResponse(saved));
        },
      },
    }),
    defineRoute({
      pattern: 'config/cluster',
      summary: 'This cluster\'s address of the mount, used by templated AIA URLs.',
      fields: {
        path: { type: 'string', description: 'The mount\'s URL, e.g. https://mintca.example:8200/v1/pki_int.' },
        aia_path: { type: 'string', description: 'An alternative (often plain HTTP) URL for AIA fetches.' },
      },
      operations: {
        read: async ({ mount }) => respond({ ...(await config.cluster(mountOf(mount).uuid)) }),
        update: async ({ mount, data, provided }) => {
          const uuid = mountOf(mount).uuid;
          const current = await config.cluster(uuid);
          const saved = await config.setCluster(uuid, {
            path: provided('path') ? data.path : current.path,
            aia_path: provided('aia_path') ? data.aia_path : current.aia_path,
          });
          return respond({ ...saved });
        },
      },
    }),
  ];
}
