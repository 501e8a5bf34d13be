import type { IssuerUrls, PkiStore } from '../../storage/types.js';
import { type ClusterConfig, checkUrls, emptyUrls } from './urls.js';

/** Mount-wide settings: AIA / CRL URLs (config/urls) and this cluster's addresses (config/cluster). */
export class PkiConfigService {
  constructor(private readonly store: PkiStore) {}

  async urls(mountUuid: string): Promise<IssuerUrls> {
    return (await this.store.getConfig<IssuerUrls>(mountUuid, 'urls')) ?? emptyUrls();
  }

  async setUrls(mountUuid: string, urls: IssuerUrls): Promise<IssuerUrls> {
    checkUrls(urls);
    await this.store.setConfig(mountUuid, 'urls', urls);
    return urls;
  }

  async cluster(mountUuid: string): Promise<ClusterConfig> {
    return (await this.store.getConfig<ClusterConfig>(mountUuid, 'cluster')) ?? { path: '', aia_path: '' };
  }

  async setCluster(mountUuid: string, cluster: ClusterConfig): Promise<ClusterConfig> {
    for (const value of [cluster.path, cluster.aia_path]) {
      if (value !== '') checkUrls({ ...emptyUrls(), issuingCertificates: [value] });
    }
    await this.store.setConfig(mountUuid, 'cluster', cluster);
    return cluster;
  }
}
