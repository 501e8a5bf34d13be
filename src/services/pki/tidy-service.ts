import type { KeyObject } from 'node:crypto';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { startPeriodic } from '../../core/periodic.js';
import { parseCertificateDer } from '../../pki/cert-info.js';
import { formatRfc3339Nano } from '../../pki/validity.js';
import type { MountRecord, PkiCertCursor, PkiIssuerRecord, PkiOrphanRevocation, PkiStore } from '../../storage/types.js';
import type { CrlService } from './crl-service.js';
import { defaultIssuerId } from './references.js';
import {
  anyTidyEnabled,
  anyTidyFlags,
  type AutoTidyConfig,
  type AutoTidyWrite,
  applyAutoTidyWrite,
  checkTidyOptions,
  formatPauseDuration,
  readAutoTidyConfig,
  revokedBufferOf,
  type TidyOptions,
  tidyOptionsOf,
} from './tidy-config.js';

type TidyState = 'Running' | 'Finished' | 'Error' | 'Cancelling' | 'Cancelled';

/** One tidy of one mount: its options, progress and outcome (Vault's tidyStatus). */
interface Run {
  options: TidyOptions;
  state: TidyState;
  error: string | null;
  startedMs: number;
  finishedMs: number | null;
  message: string | null;
  certStoreDeleted: number;
  revokedCertDeleted: number;
  missingIssuerCert: number;
  abort: AbortController;
  done: Promise<void>;
}

class Cancelled extends Error {}

export interface TidyStartResult {
  /** False when a tidy of the mount was already running (Vault answers 200 then, 202 when started). */
  started: boolean;
  warnings: string[];
}

/**
 * tidy, tidy-status, tidy-cancel and auto-tidy. A tidy runs in the background, one per mount at a
 * time, in batches: each batch is one short store transaction, and between batches the loop
 * yields to the event loop (and sleeps pause_duration), so issuance goes on while it runs.
 * Status lives in memory, per process, as in Vault; the last tidy time is persisted in the
 * mount's auto-tidy config so the auto-tidy interval survives restarts.
 */
export class TidyService {
  /** The current or latest run of each mount. */
  private readonly runs = new Map<string, Run>();
  /** Serializes read-modify-write of each mount's auto-tidy document. */
  private readonly configWrites = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: PkiStore,
    private readonly crls: CrlService,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** POST tidy (and each auto-tidy run): starts in the background unless one is running. */
  start(mount: MountRecord, options: TidyOptions): TidyStartResult {
    checkTidyOptions(options);
    if (this.isRunning(mount.uuid)) return { started: false, warnings: ['Tidy operation already in progress.'] };
    const run: Run = {
      options,
      state: 'Running',
      error: null,
      startedMs: this.clock.nowMs(),
      finishedMs: null,
      message: null,
      certStoreDeleted: 0,
      revokedCertDeleted: 0,
      missingIssuerCert: 0,
      abort: new AbortController(),
      done: Promise.resolve(),
    };
    this.runs.set(mount.uuid, run);
    run.done = this.execute(mount, run);
    const warning = anyTidyEnabled(options)
      ? "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."
      : `Manual tidy requested but no tidy operations were set. Enable at least one tidy operation to be run (${anyTidyFlags}).`;
    return { started: true, warnings: [warning] };
  }

  /** tidy-cancel: asks the running tidy to stop at its next batch; the status shows Cancelling. */
  async cancel(mount: MountRecord): Promise<{ data: Record<string, unknown> | null; warnings: string[] }> {
    const run = this.runs.get(mount.uuid);
    if (!run || !this.isRunning(mount.uuid)) return { data: null, warnings: ['Tidy operation cannot be cancelled as none is currently running.'] };
    if (run.state === 'Running') {
      run.state = 'Cancelling';
      run.abort.abort();
    }
    return { data: await this.status(mount), warnings: [] };
  }

  /** tidy-status, with Vault's fields; the counts of what is stored now are always filled in. */
  async status(mount: MountRecord): Promise<Record<string, unknown>> {
    const counts = await this.store.countCertsAndRevocations(mount.uuid);
    const lastTidyMs = (await readAutoTidyConfig(this.store, mount.uuid)).lastTidyMs;
    return statusData(mount, this.runs.get(mount.uuid), counts, lastTidyMs);
  }

  /** Resolves when the mount's current tidy (if any) has ended. */
  async idle(mountUuid: string): Promise<void> {
    await this.runs.get(mountUuid)?.done;
  }

  async autoTidyConfig(mount: MountRecord): Promise<AutoTidyConfig> {
    return readAutoTidyConfig(this.store, mount.uuid);
  }

  async setAutoTidyConfig(mount: MountRecord, write: AutoTidyWrite): Promise<AutoTidyConfig> {
    return this.updateConfig(mount.uuid, (current) => applyAutoTidyWrite(current, write));
  }

  /**
   * One scheduler tick: starts a tidy on each mount whose auto-tidy is enabled and whose interval
   * has passed since its last tidy (or, never tidied, since the mount was created).
   */
  async runAutoTidy(mounts: MountRecord[]): Promise<void> {
    for (const mount of mounts) {
      const config = await readAutoTidyConfig(this.store, mount.uuid);
      if (!config.enabled || config.intervalDuration <= 0 || this.isRunning(mount.uuid)) continue;
      if (this.clock.nowMs() < (config.lastTidyMs ?? mount.createdAt) + config.intervalDuration * 1000) continue;
      try {
        this.start(mount, tidyOptionsOf(config));
        this.logger.info({ mount: mount.path }, 'auto-tidy started');
      } catch (error) {
        this.logger.error({ err: error, mount: mount.path }, 'auto-tidy could not start');
      }
    }
  }

  /**
   * Checks every `intervalMs` (Vault's periodic function runs about once a minute). The returned
   * stop function also cancels running tidies, so none touches the store after shutdown.
   */
  startScheduler(pkiMounts: () => Promise<MountRecord[]>, intervalMs = 60_000): () => void {
    const stop = startPeriodic(
      async () => this.runAutoTidy(await pkiMounts()),
      intervalMs,
      (error) => this.logger.error({ err: error }, 'scheduled auto-tidy failed'),
    );
    return () => {
      stop();
      for (const run of this.runs.values()) {
        if (run.state === 'Running') {
          run.state = 'Cancelling';
          run.abort.abort();
        }
      }
    };
  }

  private isRunning(mountUuid: string): boolean {
    const state = this.runs.get(mountUuid)?.state;
    return state === 'Running' || state === 'Cancelling';
  }

  private async execute(mount: MountRecord, run: Run): Promise<void> {
    const { options } = run;
    const dirtyIssuers = new Set<string>();
    try {
      await yieldToLoop();
      await this.recordTidy(mount.uuid, run.startedMs);
      if (options.tidyCertStore) await this.tidyCertStore(mount, run);
      if (options.tidyRevokedCertIssuerAssociations) await this.tidyIssuerAssociations(mount, run, dirtyIssuers);
      if (options.tidyRevokedCerts) await this.tidyRevokedCerts(mount, run, dirtyIssuers);
      this.checkpoint(run);
      if (options.tidyExpiredIssuers) await this.tidyExpiredIssuers(mount, run);
      this.checkpoint(run);
      run.state = 'Finished';
      run.message = null;
      run.finishedMs = this.clock.nowMs();
      await this.recordTidy(mount.uuid, run.finishedMs);
      this.logger.info(
        { mount: mount.path, cert_store_deleted_count: run.certStoreDeleted, revoked_cert_deleted_count: run.revokedCertDeleted },
        'tidy finished',
      );
    } catch (error) {
      run.finishedMs = this.clock.nowMs();
      if (error instanceof Cancelled || run.abort.signal.aborted) {
        run.state = 'Cancelled';
        this.logger.info({ mount: mount.path }, 'tidy cancelled');
      } else {
        run.state = 'Error';
        run.error = error instanceof Error ? error.message : String(error);
        this.logger.error({ err: error, mount: mount.path }, 'error running tidy');
      }
    } finally {
      // Whatever was removed before a cancel or an error is gone: the CRLs must follow.
      if (dirtyIssuers.size > 0) {
        for (const issuerId of dirtyIssuers) this.crls.markDirty(mount.uuid, issuerId);
      }
    }
  }

  /** Between batches: stop if cancelled, let other requests run, and pause as asked. */
  private async between(run: Run): Promise<void> {
    this.checkpoint(run);
    try {
      if (run.options.pauseDurationMs > 0) await sleep(run.options.pauseDurationMs, undefined, { signal: run.abort.signal });
      else await yieldToLoop();
    } catch {
      throw new Cancelled();
    }
    this.checkpoint(run);
  }

  private checkpoint(run: Run): void {
    if (run.abort.signal.aborted) throw new Cancelled();
  }

  /** Stored certificates past NotAfter + safety_buffer; revoked ones are left to tidy_revoked_certs. */
  private async tidyCertStore(mount: MountRecord, run: Run): Promise<void> {
    const before = this.clock.nowMs() - run.options.safetyBuffer * 1000;
    let cursor: PkiCertCursor | null = null;
    do {
      await this.between(run);
      const batch = await this.store.deleteExpiredCerts(mount.uuid, before, cursor, run.options.pageSize);
      run.certStoreDeleted += batch.deleted;
      run.message = `Tidying certificate store: ${run.certStoreDeleted} expired certificates removed so far`;
      cursor = batch.next;
    } while (cursor);
  }

  /** Revocations past NotAfter + revoked_safety_buffer, with their certificates; their CRLs are rebuilt. */
  private async tidyRevokedCerts(mount: MountRecord, run: Run, dirtyIssuers: Set<string>): Promise<void> {
    const before = this.clock.nowMs() - revokedBufferOf(run.options) * 1000;
    let afterSeq: number | null = 0;
    do {
      await this.between(run);
      const batch = await this.store.deleteExpiredRevocations(mount.uuid, before, afterSeq, run.options.pageSize);
      run.revokedCertDeleted += batch.revocationsDeleted;
      // As in Vault, the certificate rows deleted here count for the cert store only when it is being tidied too.
      if (run.options.tidyCertStore) run.certStoreDeleted += batch.certsDeleted;
      for (const id of batch.issuerIds) dirtyIssuers.add(id);
      run.message = `Tidying revoked certificates: ${run.revokedCertDeleted} expired revocations removed so far`;
      afterSeq = batch.nextSeq;
    } while (afterSeq !== null);
  }

  /**
   * Revocations whose issuer is unset or was deleted go back to the issuer that signed the
   * certificate; when none of the mount's issuers did, to the default issuer, whose CRL is where
   * Vault lists revocations of unknown issuers.
   */
  private async tidyIssuerAssociations(mount: MountRecord, run: Run, dirtyIssuers: Set<string>): Promise<void> {
    const issuers = await this.store.listIssuers(mount.uuid);
    const fallback = (await defaultIssuerId(this.store, mount.uuid)) || null;
    const keys = new Map<string, KeyObject | null>();
    const keyOf = (issuer: PkiIssuerRecord): KeyObject | null => {
      if (!keys.has(issuer.id)) {
        try {
          keys.set(issuer.id, parseCertificateDer(issuer.certificateDer).publicKey);
        } catch {
          keys.set(issuer.id, null);
        }
      }
      return keys.get(issuer.id)!;
    };
    let afterSeq: number | null = 0;
    do {
      await this.between(run);
      const page = await this.store.listOrphanRevocations(mount.uuid, afterSeq, run.options.pageSize);
      for (const orphan of page.orphans) {
        run.missingIssuerCert++;
        const issuerId = signerOf(orphan, issuers, keyOf)?.id ?? fallback;
        if (issuerId && (await this.store.setRevocationIssuer(mount.uuid, orphan.serial, issuerId))) dirtyIssuers.add(issuerId);
      }
      run.message = `Tidying revoked certificate issuer associations: ${run.missingIssuerCert} revocations without a valid issuer found so far`;
      afterSeq = page.nextSeq;
    } while (afterSeq !== null);
  }

  /** Issuers past NotAfter + issuer_safety_buffer, except the default issuer; their keys stay. */
  private async tidyExpiredIssuers(mount: MountRecord, run: Run): Promise<void> {
    run.message = 'Tidying expired issuers';
    const before = this.clock.nowMs() - run.options.issuerSafetyBuffer * 1000;
    for (const issuer of await this.store.listExpiredIssuers(mount.uuid, before)) {
      const name = `[id:${issuer.id}/name:${issuer.name}]`;
      if ((await defaultIssuerId(this.store, mount.uuid)) === issuer.id) {
        this.logger.warn({ mount: mount.path }, `Issuer ${name} has expired and would be removed via tidy, but won't be, as it is currently the default issuer.`);
        continue;
      }
      this.logger.info(
        { mount: mount.path, serial_number: issuer.serial, key_id: issuer.keyId },
        `Issuer ${name} has expired by ${run.options.issuerSafetyBuffer}s and is being removed.`,
      );
      await this.store.deleteIssuer(mount.uuid, issuer.id);
    }
  }

  private async recordTidy(mountUuid: string, atMs: number): Promise<void> {
    await this.updateConfig(mountUuid, (current) => ({ ...current, lastTidyMs: atMs }));
  }

  private async updateConfig(mountUuid: string, change: (current: AutoTidyConfig) => AutoTidyConfig): Promise<AutoTidyConfig> {
    const previous = this.configWrites.get(mountUuid) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(async () => {
        const updated = change(await readAutoTidyConfig(this.store, mountUuid));
        await this.store.setConfig(mountUuid, 'auto-tidy', updated);
        return updated;
      });
    this.configWrites.set(mountUuid, next);
    return next;
  }
}

/** The issuer of the mount whose key verifies the revoked certificate's signature. */
function signerOf(orphan: PkiOrphanRevocation, issuers: PkiIssuerRecord[], keyOf: (issuer: PkiIssuerRecord) => KeyObject | null): PkiIssuerRecord | null {
  if (!orphan.certificateDer) return null;
  let cert;
  try {
    cert = parseCertificateDer(orphan.certificateDer);
  } catch {
    return null;
  }
  const candidates = issuers.filter((issuer) => issuer.subjectDer.equals(cert.issuerDer) && !issuer.certificateDer.equals(orphan.certificateDer!));
  // Prefer an issuer that can sign CRLs: several issuers may share a subject and key (reissued or cross-signed CAs).
  candidates.sort((a, b) => Number(canSignCrls(b)) - Number(canSignCrls(a)));
  return candidates.find((issuer) => {
    const key = keyOf(issuer);
    return key !== null && cert.verifySignedBy(key);
  }) ?? null;
}

const canSignCrls = (issuer: PkiIssuerRecord): boolean => issuer.keyId !== null && issuer.usage.includes('crl-signing');

const time = (ms: number | null): string | null => (ms === null ? null : formatRfc3339Nano(ms));

/** Vault's tidy-status document; the options and counters are null until a tidy ran in this process. */
function statusData(mount: MountRecord, run: Run | undefined, counts: { certs: number; revocations: number }, lastTidyMs: number | null): Record<string, unknown> {
  const o = run?.options;
  const value = <T>(v: T): T | null => (run ? v : null);
  const zero = value(0);
  return {
    safety_buffer: value(o?.safetyBuffer),
    revoked_safety_buffer: value(o ? revokedBufferOf(o) : null),
    issuer_safety_buffer: value(o?.issuerSafetyBuffer),
    revocation_queue_safety_buffer: value(o?.revocationQueueSafetyBuffer),
    acme_account_safety_buffer: value(o?.acmeAccountSafetyBuffer),
    tidy_cert_store: value(o?.tidyCertStore),
    tidy_revoked_certs: value(o?.tidyRevokedCerts),
    tidy_revoked_cert_issuer_associations: value(o?.tidyRevokedCertIssuerAssociations),
    tidy_expired_issuers: value(o?.tidyExpiredIssuers),
    tidy_move_legacy_ca_bundle: value(o?.tidyMoveLegacyCaBundle),
    tidy_revocation_queue: value(o?.tidyRevocationQueue),
    tidy_cross_cluster_revoked_certs: value(o?.tidyCrossClusterRevokedCerts),
    tidy_acme: value(o?.tidyAcme),
    pause_duration: o ? formatPauseDuration(o.pauseDurationMs) : null,
    page_size: value(o?.pageSize),
    state: run?.state ?? 'Inactive',
    error: run?.state === 'Error' ? run.error : null,
    time_started: time(run?.startedMs ?? null),
    time_finished: run && run.state !== 'Running' && run.state !== 'Cancelling' ? time(run.finishedMs) : null,
    last_auto_tidy_finished: time(lastTidyMs),
    message: run?.message ?? null,
    cert_store_deleted_count: value(run?.certStoreDeleted),
    revoked_cert_deleted_count: value(run?.revokedCertDeleted),
    missing_issuer_cert_count: value(run?.missingIssuerCert),
    revocation_queue_deleted_count: zero,
    cross_revoked_cert_deleted_count: zero,
    total_acme_account_count: zero,
    acme_account_deleted_count: zero,
    acme_account_revoked_count: zero,
    acme_orders_deleted_count: zero,
    internal_backend_uuid: mount.uuid,
    current_cert_store_count: counts.certs,
    current_revoked_cert_count: counts.revocations,
  };
}
