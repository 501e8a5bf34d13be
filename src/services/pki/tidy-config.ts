import { badRequest } from '../../core/errors.js';
import type { PkiStore } from '../../storage/types.js';

/** What one tidy run does; buffers in seconds, as Vault's TypeDurationSecond fields. */
export interface TidyOptions {
  tidyCertStore: boolean;
  tidyRevokedCerts: boolean;
  tidyRevokedCertIssuerAssociations: boolean;
  tidyExpiredIssuers: boolean;
  /** Accepted for compatibility; mintca has no legacy CA bundle, ACME, revocation queue or cross-cluster revocation. */
  tidyMoveLegacyCaBundle: boolean;
  tidyRevocationQueue: boolean;
  tidyCrossClusterRevokedCerts: boolean;
  tidyAcme: boolean;
  safetyBuffer: number;
  /** null: the same as safetyBuffer (OpenBao's field; Vault uses safety_buffer for both). */
  revokedSafetyBuffer: number | null;
  issuerSafetyBuffer: number;
  acmeAccountSafetyBuffer: number;
  revocationQueueSafetyBuffer: number;
  pauseDurationMs: number;
  /** Rows per batch (OpenBao's page_size). */
  pageSize: number;
}

/** config/auto-tidy, and when this mount was last tidied (persisted so a restart does not reset the interval). */
export interface AutoTidyConfig extends TidyOptions {
  enabled: boolean;
  intervalDuration: number;
  maintainStoredCertificateCounts: boolean;
  publishStoredCertificateCountMetrics: boolean;
  /** When a tidy last started or finished successfully, manual or automatic (Vault's lastTidy); null = never. */
  lastTidyMs: number | null;
}

export const defaultPageSize = 500;

export const defaultTidyOptions: TidyOptions = {
  tidyCertStore: false,
  tidyRevokedCerts: false,
  tidyRevokedCertIssuerAssociations: false,
  tidyExpiredIssuers: false,
  tidyMoveLegacyCaBundle: false,
  tidyRevocationQueue: false,
  tidyCrossClusterRevokedCerts: false,
  tidyAcme: false,
  safetyBuffer: 72 * 3600,
  revokedSafetyBuffer: null,
  issuerSafetyBuffer: 365 * 24 * 3600,
  acmeAccountSafetyBuffer: 30 * 24 * 3600,
  revocationQueueSafetyBuffer: 48 * 3600,
  pauseDurationMs: 0,
  pageSize: defaultPageSize,
};

export const defaultAutoTidyConfig: AutoTidyConfig = {
  ...defaultTidyOptions,
  enabled: false,
  intervalDuration: 12 * 3600,
  maintainStoredCertificateCounts: false,
  publishStoredCertificateCountMetrics: false,
  lastTidyMs: null,
};

export const anyTidyFlags =
  'tidy_cert_store / tidy_revoked_certs / tidy_revoked_cert_issuer_associations / tidy_expired_issuers / tidy_move_legacy_ca_bundle / tidy_revocation_queue / tidy_cross_cluster_revoked_certs / tidy_acme';

export const anyTidyEnabled = (o: TidyOptions): boolean =>
  o.tidyCertStore ||
  o.tidyRevokedCerts ||
  o.tidyRevokedCertIssuerAssociations ||
  o.tidyExpiredIssuers ||
  o.tidyMoveLegacyCaBundle ||
  o.tidyRevocationQueue ||
  o.tidyCrossClusterRevokedCerts ||
  o.tidyAcme;

export const revokedBufferOf = (o: TidyOptions): number => o.revokedSafetyBuffer ?? o.safetyBuffer;

// ---- pause_duration: a Go duration string (Vault keeps sub-second precision), shown the way Go prints it

const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;

/** "250ms", "1m30s", "1.5s" or a bare number of seconds, to whole milliseconds; negative values stay negative. */
export function parsePauseDuration(text: string): number {
  let rest = text.trim();
  if (rest === '') return 0;
  if (/^[+-]?\d+$/.test(rest)) return Number.parseInt(rest, 10) * 1000;
  const sign = rest.startsWith('-') ? -1 : 1;
  if (rest.startsWith('-') || rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return 0;
  let total = 0;
  part.lastIndex = 0;
  while (part.lastIndex < rest.length) {
    const match = part.exec(rest);
    if (!match) throw new Error(`time: invalid duration "${text}"`);
    total += Number.parseFloat(match[1]!) * unitMs[match[2]!]!;
  }
  if (!Number.isFinite(total) || total > Number.MAX_SAFE_INTEGER) throw new Error(`time: invalid duration "${text}"`);
  return sign * Math.floor(total);
}

/** Go's time.Duration String() for whole milliseconds: "0s", "250ms", "1.5s", "1m0s", "2h0m0s". */
export function formatPauseDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = `${(ms % 60_000) / 1000}s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

// ---- checks, with Vault's messages

/** The checks of POST tidy. */
export function checkTidyOptions(o: TidyOptions): void {
  if (o.safetyBuffer < 1) throw badRequest('safety_buffer must be greater than zero');
  if (o.revokedSafetyBuffer !== null && o.revokedSafetyBuffer < 1) throw badRequest('revoked_safety_buffer must be greater than zero');
  if (o.issuerSafetyBuffer < 1) throw badRequest('issuer_safety_buffer must be greater than zero');
  if (o.acmeAccountSafetyBuffer < 1) throw badRequest('acme_account_safety_buffer must be greater than zero');
  if (o.revocationQueueSafetyBuffer < 1) throw badRequest('revocation_queue_safety_buffer must be greater than zero');
  if (o.pauseDurationMs < 0) throw badRequest('received invalid, negative pause_duration');
  if (o.pageSize < 1) throw badRequest('page_size must be greater than zero');
}

/** pause_duration as POST tidy parses it. */
export function pauseOf(text: string): number {
  try {
    return parsePauseDuration(text);
  } catch (error) {
    throw badRequest(`Error parsing pause_duration: ${(error as Error).message}`);
  }
}

// ---- config/auto-tidy

/** A config/auto-tidy write: only the fields given change (pause_duration still as text). */
export type AutoTidyWrite = Partial<Omit<AutoTidyConfig, 'pauseDurationMs' | 'lastTidyMs'>> & { pauseDuration?: string };

export async function readAutoTidyConfig(store: PkiStore, mountUuid: string): Promise<AutoTidyConfig> {
  return { ...defaultAutoTidyConfig, ...((await store.getConfig<Partial<AutoTidyConfig>>(mountUuid, 'auto-tidy')) ?? {}) };
}

/** Applies a write to the current config with Vault's checks; returns the config to store. */
export function applyAutoTidyWrite(current: AutoTidyConfig, write: AutoTidyWrite): AutoTidyConfig {
  const next: AutoTidyConfig = { ...current };
  const { pauseDuration, ...rest } = write;
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  const atLeastOneSecond = (value: number | undefined, field: string) => {
    if (value !== undefined && value < 1) throw badRequest(`given ${field} must be at least one second; got: ${value}`);
  };
  if (write.intervalDuration !== undefined && write.intervalDuration < 0) {
    throw badRequest(`given interval_duration must be greater than or equal to zero seconds; got: ${write.intervalDuration}`);
  }
  atLeastOneSecond(write.safetyBuffer, 'safety_buffer');
  atLeastOneSecond(write.revokedSafetyBuffer ?? undefined, 'revoked_safety_buffer');
  atLeastOneSecond(write.issuerSafetyBuffer, 'issuer_safety_buffer');
  atLeastOneSecond(write.acmeAccountSafetyBuffer, 'acme_account_safety_buffer');
  atLeastOneSecond(write.revocationQueueSafetyBuffer, 'revocation_queue_safety_buffer');
  if (write.pageSize !== undefined && write.pageSize < 1) throw badRequest(`given page_size must be greater than zero; got: ${write.pageSize}`);
  if (pauseDuration !== undefined) {
    try {
      next.pauseDurationMs = parsePauseDuration(pauseDuration);
    } catch (error) {
      throw badRequest(`unable to parse given pause_duration: ${(error as Error).message}`);
    }
    if (next.pauseDurationMs < 0) throw badRequest('received invalid, negative pause_duration');
  }
  if (next.enabled && !anyTidyEnabled(next)) {
    throw badRequest(`Auto-tidy enabled but no tidy operations were requested. Enable at least one tidy operation to be run (${anyTidyFlags}).`);
  }
  if (next.publishStoredCertificateCountMetrics && !next.maintainStoredCertificateCounts) {
    throw badRequest(
      'Can not publish a running storage metrics count to metrics without first maintaining that count.  Enable `maintain_stored_certificate_counts` to enable `publish_stored_certificate_count_metrics`.',
    );
  }
  return next;
}

/** GET/POST config/auto-tidy: durations as integer seconds, pause_duration as Go prints it. */
export const autoTidyToResponse = (c: AutoTidyConfig): Record<string, unknown> => ({
  enabled: c.enabled,
  interval_duration: c.intervalDuration,
  tidy_cert_store: c.tidyCertStore,
  tidy_revoked_certs: c.tidyRevokedCerts,
  tidy_revoked_cert_issuer_associations: c.tidyRevokedCertIssuerAssociations,
  tidy_expired_issuers: c.tidyExpiredIssuers,
  tidy_move_legacy_ca_bundle: c.tidyMoveLegacyCaBundle,
  tidy_acme: c.tidyAcme,
  safety_buffer: c.safetyBuffer,
  revoked_safety_buffer: revokedBufferOf(c),
  issuer_safety_buffer: c.issuerSafetyBuffer,
  acme_account_safety_buffer: c.acmeAccountSafetyBuffer,
  pause_duration: formatPauseDuration(c.pauseDurationMs),
  page_size: c.pageSize,
  publish_stored_certificate_count_metrics: c.publishStoredCertificateCountMetrics,
  maintain_stored_certificate_counts: c.maintainStoredCertificateCounts,
  tidy_revocation_queue: c.tidyRevocationQueue,
  revocation_queue_safety_buffer: c.revocationQueueSafetyBuffer,
  tidy_cross_cluster_revoked_certs: c.tidyCrossClusterRevokedCerts,
});

/** The tidy part of an auto-tidy config: what each automatic run does. */
export function tidyOptionsOf(config: AutoTidyConfig): TidyOptions {
  const options = { ...defaultTidyOptions };
  for (const key of Object.keys(defaultTidyOptions) as (keyof TidyOptions)[]) (options as Record<string, unknown>)[key] = config[key];
  return options;
}
