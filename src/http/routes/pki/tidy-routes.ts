import { autoTidyToResponse, pauseOf, type TidyOptions } from '../../../services/pki/tidy-config.js';
import type { TidyService } from '../../../services/pki/tidy-service.js';
import type { FieldValues } from '../../fields.js';
import { respond } from '../../reply.js';
import { defineRoute, type RouteDef } from '../../route.js';
import { mountOf } from './mount-of.js';

/** The fields of POST tidy, also accepted by config/auto-tidy (Vault's addTidyFields). */
const tidyFields = {
  tidy_cert_store: { type: 'bool', description: 'Delete stored certificates past NotAfter + safety_buffer.' },
  tidy_revoked_certs: {
    type: 'bool',
    description: 'Delete revocations (and their stored certificates) past NotAfter + revoked_safety_buffer; their CRLs are rebuilt.',
  },
  tidy_revocation_list: { type: 'bool', description: 'Deprecated alias of tidy_revoked_certs.' },
  tidy_revoked_cert_issuer_associations: {
    type: 'bool',
    description: 'Point revocations whose issuer is unset or deleted at the issuer that signed the certificate.',
  },
  tidy_expired_issuers: { type: 'bool', description: 'Delete issuers past NotAfter + issuer_safety_buffer (never the default issuer; keys stay).' },
  tidy_move_legacy_ca_bundle: { type: 'bool', description: 'Accepted for compatibility; mintca has no legacy CA bundle.' },
  tidy_revocation_queue: { type: 'bool', description: 'Accepted for compatibility (Vault Enterprise cross-cluster revocation); does nothing.' },
  tidy_cross_cluster_revoked_certs: { type: 'bool', description: 'Accepted for compatibility (Vault Enterprise); does nothing.' },
  tidy_acme: { type: 'bool', description: 'Accepted for compatibility; mintca has no ACME state yet.' },
  safety_buffer: { type: 'duration', default: 72 * 3600, description: 'How long past NotAfter a certificate is kept, default 72h.' },
  revoked_safety_buffer: { type: 'duration', description: 'How long past NotAfter a revocation is kept; defaults to safety_buffer (OpenBao).' },
  issuer_safety_buffer: { type: 'duration', default: 365 * 24 * 3600, description: 'How long past NotAfter an issuer is kept, default 8760h.' },
  acme_account_safety_buffer: { type: 'duration', default: 30 * 24 * 3600, description: 'Accepted for compatibility, default 720h.' },
  revocation_queue_safety_buffer: { type: 'duration', default: 48 * 3600, description: 'Accepted for compatibility, default 48h.' },
  pause_duration: { type: 'string', default: '0s', description: 'Pause between batches, a Go duration such as "250ms"; default 0s.' },
  page_size: { type: 'int', default: 500, description: 'Rows per batch (OpenBao), default 500.' },
} as const;

type TidyFieldValues = FieldValues<typeof tidyFields>;

function tidyOptions(data: TidyFieldValues, revokedGiven: boolean): TidyOptions {
  return {
    tidyCertStore: data.tidy_cert_store,
    tidyRevokedCerts: data.tidy_revoked_certs || data.tidy_revocation_list,
    tidyRevokedCertIssuerAssociations: data.tidy_revoked_cert_issuer_associations,
    tidyExpiredIssuers: data.tidy_expired_issuers,
    tidyMoveLegacyCaBundle: data.tidy_move_legacy_ca_bundle,
    tidyRevocationQueue: data.tidy_revocation_queue,
    tidyCrossClusterRevokedCerts: data.tidy_cross_cluster_revoked_certs,
    tidyAcme: data.tidy_acme,
    safetyBuffer: data.safety_buffer,
    revokedSafetyBuffer: revokedGiven ? data.revoked_safety_buffer : null,
    issuerSafetyBuffer: data.issuer_safety_buffer,
    acmeAccountSafetyBuffer: data.acme_account_safety_buffer,
    revocationQueueSafetyBuffer: data.revocation_queue_safety_buffer,
    pauseDurationMs: pauseOf(data.pause_duration),
    pageSize: data.page_size,
  };
}

export function pkiTidyRoutes(tidy: TidyService): RouteDef[] {
  return [
    defineRoute({
      pattern: 'tidy',
      summary: 'Start a tidy in the background: remove expired certificates, revocations and issuers (202 Accepted).',
      fields: tidyFields,
      operations: {
        update: async ({ mount, data, provided }) => {
          const result = tidy.start(mountOf(mount), tidyOptions(data, provided('revoked_safety_buffer')));
          return respond(null, { status: result.started ? 202 : 200, warnings: result.warnings });
        },
      },
    }),
    defineRoute({
      pattern: 'tidy-status',
      summary: 'The state, options and counters of the current or latest tidy of this mount (in memory, per process).',
      fields: {},
      operations: { read: async ({ mount }) => respond(await tidy.status(mountOf(mount))) },
    }),
    defineRoute({
      pattern: 'tidy-cancel',
      summary: 'Ask the running tidy to stop after its current batch; answers the tidy status.',
      fields: {},
      operations: {
        update: async ({ mount }) => {
          const result = await tidy.cancel(mountOf(mount));
          return respond(result.data, { warnings: result.warnings });
        },
      },
    }),
    defineRoute({
      pattern: 'config/auto-tidy',
      summary: 'Automatic tidy: enabled, interval_duration and the tidy fields; durations read back as integer seconds.',
      fields: {
        ...tidyFields,
        enabled: { type: 'bool', description: 'Run tidy automatically every interval_duration.' },
        interval_duration: { type: 'duration', description: 'Time from one automatic tidy to the next, default 12h.' },
        maintain_stored_certificate_counts: {
          type: 'bool',
          description: 'Accepted for compatibility; tidy-status always reports current counts.',
        },
        publish_stored_certificate_count_metrics: { type: 'bool', description: 'Accepted for compatibility (needs maintain_stored_certificate_counts).' },
      },
      operations: {
        read: async ({ mount }) => respond(autoTidyToResponse(await tidy.autoTidyConfig(mountOf(mount)))),
        update: async ({ mount, data, provided }) => {
          const given = <T>(name: keyof typeof data & string, value: T): T | undefined => (provided(name) ? value : undefined);
          const revoked = given('tidy_revoked_certs', data.tidy_revoked_certs) ?? given('tidy_revocation_list', data.tidy_revocation_list);
          const config = await tidy.setAutoTidyConfig(mountOf(mount), {
            enabled: given('enabled', data.enabled),
            intervalDuration: given('interval_duration', data.interval_duration),
            tidyCertStore: given('tidy_cert_store', data.tidy_cert_store),
            tidyRevokedCerts: revoked,
            tidyRevokedCertIssuerAssociations: given('tidy_revoked_cert_issuer_associations', data.tidy_revoked_cert_issuer_associations),
            tidyExpiredIssuers: given('tidy_expired_issuers', data.tidy_expired_issuers),
            tidyMoveLegacyCaBundle: given('tidy_move_legacy_ca_bundle', data.tidy_move_legacy_ca_bundle),
            tidyRevocationQueue: given('tidy_revocation_queue', data.tidy_revocation_queue),
            tidyCrossClusterRevokedCerts: given('tidy_cross_cluster_revoked_certs', data.tidy_cross_cluster_revoked_certs),
            tidyAcme: given('tidy_acme', data.tidy_acme),
            safetyBuffer: given('safety_buffer', data.safety_buffer),
            revokedSafetyBuffer: given('revoked_safety_buffer', data.revoked_safety_buffer),
            issuerSafetyBuffer: given('issuer_safety_buffer', data.issuer_safety_buffer),
            acmeAccountSafetyBuffer: given('acme_account_safety_buffer', data.acme_account_safety_buffer),
            revocationQueueSafetyBuffer: given('revocation_queue_safety_buffer', data.revocation_queue_safety_buffer),
            pauseDuration: given('pause_duration', data.pause_duration),
            pageSize: given('page_size', data.page_size),
            maintainStoredCertificateCounts: given('maintain_stored_certificate_counts', data.maintain_stored_certificate_counts),
            publishStoredCertificateCountMetrics: given('publish_stored_certificate_count_metrics', data.publish_stored_certificate_count_metrics),
          });
          return respond(autoTidyToResponse(config));
        },
      },
    }),
  ];
}
