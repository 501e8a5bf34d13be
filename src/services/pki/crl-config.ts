import { badRequest } from '../../core/errors.js';
import type { PkiStore } from '../../storage/types.js';

/** config/crl, durations in seconds (Vault shows them as Go duration strings). */
export interface CrlConfig {
  expiry: number;
  disable: boolean;
  ocspDisable: boolean;
  ocspExpiry: number;
  autoRebuild: boolean;
  autoRebuildGracePeriod: number;
  enableDelta: boolean;
  deltaRebuildInterval: number;
  maxCrlEntries: number;
}

/** Vault echoes the duration strings it was given ("72h", "15m"); the compact form of the seconds reads the same. */
function compactDuration(seconds: number): string {
  if (seconds !== 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds !== 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

export const defaultCrlConfig: CrlConfig = {
  expiry: 72 * 3600,
  disable: false,
  ocspDisable: false,
  ocspExpiry: 12 * 3600,
  autoRebuild: false,
  autoRebuildGracePeriod: 12 * 3600,
  enableDelta: false,
  deltaRebuildInterval: 15 * 60,
  maxCrlEntries: 100_000,
};

export function checkCrlConfig(config: CrlConfig): void {
  if (config.expiry <= 0) throw badRequest('CRL expiry must be a positive duration');
  if (config.ocspExpiry < 0) throw badRequest('ocsp_expiry cannot be negative');
  if (config.autoRebuild && config.autoRebuildGracePeriod >= config.expiry) {
    throw badRequest(
      `CRL auto-rebuilding grace period (${compactDuration(config.autoRebuildGracePeriod)}) must be strictly shorter than CRL expiry (${compactDuration(config.expiry)})`,
    );
  }
  if (config.enableDelta && !config.autoRebuild) {
    throw badRequest('Delta CRLs cannot be enabled when auto rebuilding is disabled as the complete CRL is always regenerated!');
  }
  if (config.enableDelta && config.deltaRebuildInterval >= config.expiry) {
    throw badRequest('delta_rebuild_interval must be strictly shorter than the CRL expiry');
  }
  if (config.deltaRebuildInterval <= 0) throw badRequest('delta_rebuild_interval must be a positive duration');
  if (config.maxCrlEntries === 0 || config.maxCrlEntries < -1) throw badRequest('max_crl_entries must be positive, or -1 for no limit');
}

export const crlConfigToResponse = (config: CrlConfig): Record<string, unknown> => ({
  expiry: compactDuration(config.expiry),
  disable: config.disable,
  ocsp_disable: config.ocspDisable,
  ocsp_expiry: compactDuration(config.ocspExpiry),
  auto_rebuild: config.autoRebuild,
  auto_rebuild_grace_period: compactDuration(config.autoRebuildGracePeriod),
  enable_delta: config.enableDelta,
  delta_rebuild_interval: compactDuration(config.deltaRebuildInterval),
  cross_cluster_revocation: false,
  unified_crl: false,
  unified_crl_on_existing_paths: false,
  max_crl_entries: config.maxCrlEntries,
});

export async function readCrlConfig(store: PkiStore, mountUuid: string): Promise<CrlConfig> {
  return { ...defaultCrlConfig, ...((await store.getConfig<Partial<CrlConfig>>(mountUuid, 'crl')) ?? {}) };
}

export interface CrlConfigWrite {
  expiry?: number;
  disable?: boolean;
  ocspDisable?: boolean;
  ocspExpiry?: number;
  autoRebuild?: boolean;
  autoRebuildGracePeriod?: number;
  enableDelta?: boolean;
  deltaRebuildInterval?: number;
  maxCrlEntries?: number;
  crossClusterRevocation?: boolean;
  unifiedCrl?: boolean;
}

/** Applies a config/crl write; returns the new config and whether the CRLs must be rebuilt now. */
export async function writeCrlConfig(store: PkiStore, mountUuid: string, write: CrlConfigWrite): Promise<{ config: CrlConfig; rebuild: boolean }> {
  if (write.crossClusterRevocation || write.unifiedCrl) {
    throw badRequest('cross-cluster revocation and unified CRLs are Vault Enterprise features and are not supported');
  }
  const current = await readCrlConfig(store, mountUuid);
  const next: CrlConfig = { ...current };
  for (const key of Object.keys(defaultCrlConfig) as (keyof CrlConfig)[]) {
    const value = write[key];
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  checkCrlConfig(next);
  await store.setConfig(mountUuid, 'crl', next);
  const rebuild = next.disable !== current.disable || next.autoRebuild !== current.autoRebuild || next.enableDelta !== current.enableDelta || next.expiry !== current.expiry;
  return { config: next, rebuild };
}
