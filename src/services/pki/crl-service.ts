import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import { buildCrl } from '../../pki/crl.js';
import { parseSerial } from '../../pki/serial.js';
import type { IssuerUrls, MountRecord, PkiIssuerRecord, PkiStore, StoredCrl } from '../../storage/types.js';
import { type CrlConfig, type CrlConfigWrite, readCrlConfig, writeCrlConfig } from './crl-config.js';
import type { KeyCustody } from './key-custody.js';
import { findIssuer } from './references.js';

const reasonUnspecified = 0;

interface Job {
  running: Promise<StoredCrl | null> | null;
  again: boolean;
}

/**
 * CRLs are built from the revocation rows and served as stored bytes. A revocation never
 * builds a CRL inside its request: it marks the issuer dirty and a background job rebuilds
 * (several revocations in a burst share one rebuild). A read that finds its CRL behind the
 * revocations waits for that rebuild, so a CRL fetched after a revocation answered 200 always
 * lists it. Jobs are per issuer and never run twice at once in this process; CRL numbers come
 * from the store, so several processes stay monotonic.
 */
export class CrlService {
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly store: PkiStore,
    private readonly custody: KeyCustody,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async config(mount: MountRecord): Promise<CrlConfig> {
    return readCrlConfig(this.store, mount.uuid);
  }

  /** config/crl writes; switching CRLs on or off, or changing their shape, rebuilds them at once. */
  async setConfig(mount: MountRecord, write: CrlConfigWrite): Promise<CrlConfig> {
    const { config, rebuild } = await writeCrlConfig(this.store, mount.uuid, write);
    if (rebuild) {
      await this.rotate(mount, false);
      if (config.enableDelta) await this.rotate(mount, true);
    }
    return config;
  }

  /** A revocation happened: rebuild soon, in the background. */
  markDirty(mountUuid: string, issuerId: string): void {
    setImmediate(() => {
      void this.refresh(mountUuid, issuerId).catch((error: unknown) =>
        this.logger.error({ err: error, mount: mountUuid, issuer: issuerId }, 'background CRL rebuild failed'),
      );
    });
  }

  /** The CRL to serve: rebuilt first when it is missing, behind the revocations, or expiring. */
  async current(mount: MountRecord, issuer: PkiIssuerRecord, delta: boolean): Promise<StoredCrl | null> {
    const config = await readCrlConfig(this.store, mount.uuid);
    if (delta && !config.enableDelta) return null;
    const stored = await this.store.getCrl(mount.uuid, issuer.id, delta);
    if (stored && !(await this.isStale(mount.uuid, issuer.id, stored, config))) return stored;
    return this.rebuild(mount.uuid, issuer.id, delta);
  }

  /** crl/rotate and crl/rotate-delta: rebuild every issuer's CRL now. */
  async rotate(mount: MountRecord, delta: boolean): Promise<string[]> {
    const config = await readCrlConfig(this.store, mount.uuid);
    if (delta && !config.enableDelta) return ['delta CRLs are not enabled (config/crl enable_delta); nothing to rotate'];
    const warnings: string[] = [];
    for (const issuer of await this.store.listIssuers(mount.uuid)) {
      if (!this.canSign(issuer)) continue;
      await this.rebuild(mount.uuid, issuer.id, delta);
    }
    return warnings;
  }

  /** Called periodically and at start: rebuild what is missing, behind, or within its grace period. */
  async maintain(mounts: MountRecord[]): Promise<void> {
    for (const mount of mounts) {
      const config = await readCrlConfig(this.store, mount.uuid);
      for (const issuer of await this.store.listIssuers(mount.uuid)) {
        if (!this.canSign(issuer)) continue;
        const stored = await this.store.getCrl(mount.uuid, issuer.id, false);
        if (!stored || (await this.isStale(mount.uuid, issuer.id, stored, config))) await this.rebuild(mount.uuid, issuer.id, false);
        if (config.enableDelta) {
          const delta = await this.store.getCrl(mount.uuid, issuer.id, true);
          if (!delta || (await this.isStale(mount.uuid, issuer.id, delta, config))) await this.rebuild(mount.uuid, issuer.id, true);
        }
      }
    }
  }

  /**
   * Keeps CRLs fresh across restarts: checks at start and then every `intervalMs` (Vault's
   * periodic function runs about once a minute). Returns a stop function.
   */
  startScheduler(pkiMounts: () => Promise<MountRecord[]>, intervalMs = 60_000): () => void {
    let stopped = false;
    const tick = async () => {
      if (stopped) return;
      try {
        await this.maintain(await pkiMounts());
      } catch (error) {
        this.logger.error({ err: error }, 'scheduled CRL maintenance failed');
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), intervalMs);
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  /** The issuer whose CRL a revoked certificate belongs on: its signer, else the default issuer. */
  async issuerFor(mount: MountRecord, issuerId: string | null): Promise<PkiIssuerRecord | null> {
    const issuer = issuerId ? await this.store.getIssuer(mount.uuid, issuerId) : null;
    return issuer ?? findIssuer(this.store, mount.uuid, 'default');
  }

  private canSign(issuer: PkiIssuerRecord): boolean {
    return issuer.keyId !== null && issuer.usage.includes('crl-signing');
  }

  private async isStale(mountUuid: string, issuerId: string, crl: StoredCrl, config: CrlConfig): Promise<boolean> {
    const now = this.clock.nowMs();
    const grace = config.autoRebuild ? config.autoRebuildGracePeriod * 1000 : 0;
    if (now >= crl.nextUpdateMs - grace) return true;
    // With deltas on, the full CRL is rebuilt on schedule; the delta carries the recent revocations.
    if (!crl.delta && config.enableDelta) return false;
    if (config.disable && !crl.delta) return false;
    if ((await this.store.latestRevocationSeq(mountUuid)) <= crl.coversSeq) return false;
    return (await this.store.listRevocations(mountUuid, issuerId, crl.coversSeq)).length > 0;
  }

  private async refresh(mountUuid: string, issuerId: string): Promise<void> {
    const config = await readCrlConfig(this.store, mountUuid);
    await this.rebuild(mountUuid, issuerId, config.enableDelta);
  }

  /** Coalesces: a rebuild requested while one runs makes exactly one more run after it. */
  private rebuild(mountUuid: string, issuerId: string, delta: boolean): Promise<StoredCrl | null> {
    const key = `${mountUuid}/${issuerId}/${delta}`;
    let job = this.jobs.get(key);
    if (!job) {
      job = { running: null, again: false };
      this.jobs.set(key, job);
    }
    if (job.running) {
      job.again = true;
      return job.running.then(() => this.rebuild(mountUuid, issuerId, delta));
    }
    const run = this.build(mountUuid, issuerId, delta).finally(() => {
      job.running = null;
      if (job.again) {
        job.again = false;
        this.markDirty(mountUuid, issuerId);
      }
    });
    job.running = run;
    return run;
  }

  private async build(mountUuid: string, issuerId: string, delta: boolean): Promise<StoredCrl | null> {
    const issuer = await this.store.getIssuer(mountUuid, issuerId);
    if (!issuer || !this.canSign(issuer)) return null;
    const key = await this.store.getKey(mountUuid, issuer.keyId!);
    if (!key) return null;
    const config = await readCrlConfig(this.store, mountUuid);
    let base: StoredCrl | null = null;
    if (delta) {
      base = (await this.store.getCrl(mountUuid, issuerId, false)) ?? (await this.build(mountUuid, issuerId, false));
      if (!base) return null;
    }
    const revocations = config.disable && !delta ? [] : await this.store.listRevocations(mountUuid, issuerId, base?.coversSeq ?? 0);
    if (config.maxCrlEntries !== -1 && revocations.length > config.maxCrlEntries) {
      throw badRequest(`the CRL of issuer ${issuer.id} would list ${revocations.length} certificates, over max_crl_entries (${config.maxCrlEntries})`);
    }
    const coversSeq = revocations.reduce((max, r) => Math.max(max, r.seq), base?.coversSeq ?? 0);
    const deltaUrls = !delta && config.enableDelta ? await this.deltaCrlUrls(mountUuid, issuer) : undefined;
    const now = this.clock.nowMs();
    const number = await this.store.nextCrlNumber(mountUuid, issuerId);
    const nextUpdateMs = now + (delta ? Math.min(config.expiry, config.deltaRebuildInterval * 2) : config.expiry) * 1000;
    const der = buildCrl({
      issuer: { subjectDer: issuer.subjectDer, subjectKeyId: issuer.subjectKeyId, privateKey: this.custody.unseal(key), signatureBits: 0, usePss: false },
      thisUpdateMs: now,
      nextUpdateMs,
      crlNumber: number,
      entries: revocations.map((r) => ({ serial: parseSerial(r.serial), revokedAtMs: r.revokedAtMs, reason: r.reason ?? reasonUnspecified })),
      delta: base ? { baseCrlNumber: base.number } : undefined,
      freshestCrl: deltaUrls,
    });
    const stored: StoredCrl = { issuerId, delta, number, baseNumber: base?.number ?? null, der, thisUpdateMs: now, nextUpdateMs, coversSeq };
    await this.store.saveCrl(mountUuid, stored);
    return stored;
  }

  /** Where the delta CRL is published (the full CRL's Freshest CRL pointer): the issuer's URLs, else config/urls. */
  private async deltaCrlUrls(mountUuid: string, issuer: PkiIssuerRecord): Promise<string[]> {
    if (issuer.urls.deltaCrlDistributionPoints.length > 0) return issuer.urls.deltaCrlDistributionPoints;
    return (await this.store.getConfig<IssuerUrls>(mountUuid, 'urls'))?.deltaCrlDistributionPoints ?? [];
  }
}
