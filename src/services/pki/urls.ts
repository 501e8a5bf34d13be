import { badRequest } from '../../core/errors.js';
import type { AuthorityInfo } from '../../pki/types.js';
import type { IssuerUrls, PkiIssuerRecord, PkiStore } from '../../storage/types.js';

export interface ClusterConfig {
  path: string;
  aia_path: string;
}

export const emptyUrls = (): IssuerUrls => ({
  issuingCertificates: [],
  crlDistributionPoints: [],
  deltaCrlDistributionPoints: [],
  ocspServers: [],
  enableTemplating: false,
});

/**
 * Stand-ins for validating templated URLs: the cluster tokens become absolute URLs, since the
 * usual template starts with one (`{{cluster_path}}/ocsp`) and renders to config/cluster's path.
 */
const templateSamples: ReadonlyArray<[string, string]> = [
  ['{{issuer_id}}', '00000000-0000-0000-0000-000000000000'],
  ['{{cluster_path}}', 'https://cluster.invalid/v1/pki'],
  ['{{cluster_aia_path}}', 'http://cluster.invalid/v1/pki'],
];

/** Each entry must be an absolute URL; with templating, after putting sample values in. */
export function checkUrls(urls: IssuerUrls): void {
  const all = [...urls.issuingCertificates, ...urls.crlDistributionPoints, ...urls.deltaCrlDistributionPoints, ...urls.ocspServers];
  for (const entry of all) {
    let candidate = entry;
    if (urls.enableTemplating) for (const [token, sample] of templateSamples) candidate = candidate.split(token).join(sample);
    else if (entry.includes('{{')) throw badRequest(`URL "${entry}" uses a template but enable_templating is false`);
    let parsed: URL;
    try {
      parsed = new URL(candidate);
    } catch {
      throw badRequest(`invalid URL "${entry}"`);
    }
    if (!['http:', 'https:', 'ldap:', 'ldaps:'].includes(parsed.protocol)) throw badRequest(`invalid URL "${entry}": unsupported scheme`);
  }
}

export const urlsToResponse = (urls: IssuerUrls): Record<string, unknown> => ({
  issuing_certificates: urls.issuingCertificates,
  crl_distribution_points: urls.crlDistributionPoints,
  delta_crl_distribution_points: urls.deltaCrlDistributionPoints,
  ocsp_servers: urls.ocspServers,
  enable_templating: urls.enableTemplating,
});

const hasAny = (urls: IssuerUrls): boolean =>
  urls.issuingCertificates.length + urls.crlDistributionPoints.length + urls.ocspServers.length + urls.deltaCrlDistributionPoints.length > 0;

/**
 * The AIA / CRL DP URLs written into certificates an issuer signs: the issuer's own when it
 * has any, else the mount's config/urls; templates rendered for that issuer.
 */
export async function authorityInfoFor(
  store: PkiStore,
  mountUuid: string,
  issuer: Pick<PkiIssuerRecord, 'id' | 'urls'>,
): Promise<AuthorityInfo> {
  const urls = hasAny(issuer.urls) ? issuer.urls : ((await store.getConfig<IssuerUrls>(mountUuid, 'urls')) ?? emptyUrls());
  if (!urls.enableTemplating) {
    return { issuingCertificates: urls.issuingCertificates, ocspServers: urls.ocspServers, crlDistributionPoints: urls.crlDistributionPoints };
  }
  const cluster = (await store.getConfig<ClusterConfig>(mountUuid, 'cluster')) ?? { path: '', aia_path: '' };
  const render = (entry: string): string => {
    let out = entry.split('{{issuer_id}}').join(issuer.id);
    if (out.includes('{{cluster_path}}')) {
      if (cluster.path === '') throw badRequest('unable to render AIA URL templates: config/cluster has no path');
      out = out.split('{{cluster_path}}').join(cluster.path);
    }
    if (out.includes('{{cluster_aia_path}}')) {
      const aia = cluster.aia_path || cluster.path;
      if (aia === '') throw badRequest('unable to render AIA URL templates: config/cluster has no aia_path');
      out = out.split('{{cluster_aia_path}}').join(aia);
    }
    return out;
  };
  return {
    issuingCertificates: urls.issuingCertificates.map(render),
    ocspServers: urls.ocspServers.map(render),
    crlDistributionPoints: urls.crlDistributionPoints.map(render),
  };
}
