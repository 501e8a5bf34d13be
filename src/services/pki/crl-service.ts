import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { startPeriodic } from '../../core/periodic.js';
import { badRequest } from '../../core/errors.js';
import { buildCrl, type CrlEntry } from '../../pki/crl.js';
import type { IssuerUrls, MountRecord, PkiIssuerRecord, PkiRevocationRecord, PkiStore, StoredCrl } from '../../storage/types.js';
import { type CrlConfig, type CrlConfigWrite, readCrlConfig, writeCrlConfig } from './crl-config.js';
import type { KeyCustody } from './key-custody.js';
import { findIssuer } from './references.js';

const reasonUnspecified = 0;

/** Stored serials are canonical colon hex, so a plain hex decode is enough (and 20x faster than parsing input). */
const toEntry = (revocation: PkiRevocationRecord): CrlEntry => ({
  serial: Buffer.from(revocation.serial.replaceAll(':', ''), 'hex'),
  revokedAtMs: revocation.revokedAtMs,
  reason: revocation.reason ?? reasonUnspecified,
});

interface Job {
  running: Promise<StoredCrl | null> | null;
  again: boolean;
  /** When the last build ended and how long it took: paces background rebuilds of large CRLs. */
  lastEndMs: number;
  lastDurationMs: number;
  timer: NodeJS.Timeout | null;
}

/** An issuer's revoked list, decoded once and then extended with newer rows only. */
interface EntryCache {
  seq: number;
  entries: CrlEntry[];
}

/**
 * Background rebuilds may take at most about 2% of the event loop: a CRL that took 40 ms to
 * build is rebuilt at most every 2 s while revocations keep coming. Readers never wait for the
 * pace: a read finding the CRL behind rebuilds at once.
 */
const backgroundShare = 50;
const maxBackgroundDelayMs = 5000;
/** Roughly how fast a CRL is encoded, signed and stored on a small machine (100k entries ~ 40 ms). */
const entriesPerMs = 2500;

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
  private readonly entryCaches = new Map<string, EntryCache>();

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
    const job = this.job(`${mountUuid}/${issuerId}/background`);
    if (job.timer) return;
    // Pacing uses the monotonic clock: it is scheduling, not certificate time. Before a first
    // background build, its cost is estimated from the size of the cached list.
    const cachedEntries = this.entryCaches.get(`${mountUuid}/${issuerId}`)?.entries.length ?? 0;
    const expectedMs = job.lastDurationMs || cachedEntries / entriesPerMs;
    const since = job.lastEndMs || performance.now();
    const delay = Math.min(maxBackgroundDelayMs, Math.max(0, since + expectedMs * backgroundShare - performance.now()));
    job.timer = setTimeout(() => {
      job.timer = null;
      const started = performance.now();
      void this.refresh(mountUuid, issuerId)
        .catch((error: unknown) => this.logger.error({ err: error, mount: mountUuid, issuer: issuerId }, 'background CRL rebuild failed'))
        .finally(() => {
          job.lastEndMs = performance.now();
          job.lastDurationMs = job.lastEndMs - started;
        });
    }, delay);
    job.timer.unref();
  }

  private job(key: string): Job {
    let job = this.jobs.get(key);
    if (!job) {
      job = { running: null, again: false, lastEndMs: 0, lastDurationMs: 0, timer: null };
      this.jobs.set(key, job);
    }
    return job;
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
    return startPeriodic(
      async () => this.maintain(await pkiMounts()),
      intervalMs,
      (error) => this.logger.error({ err: error }, 'scheduled CRL maintenance failed'),
    );
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
    const job = this.job(`${mountUuid}/${issuerId}/${delta}`);
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
    const { entries, seq } = delta
      ? await this.deltaEntries(mountUuid, issuerId, base!.coversSeq)
      : config.disable
        ? { entries: [], seq: 0 }
        : await this.fullEntries(mountUuid, issuerId);
    if (config.maxCrlEntries !== -1 && entries.length > config.maxCrlEntries) {
      throw badRequest(`the CRL of issuer ${issuer.id} would list ${entries.length} certificates, over max_crl_entries (${config.maxCrlEntries})`);
    }
    const coversSeq = Math.max(seq, base?.coversSeq ?? 0);
    const deltaUrls = !delta && config.enableDelta ? await this.deltaCrlUrls(mountUuid, issuer) : undefined;
    const now = this.clock.nowMs();
    const number = await this.store.nextCrlNumber(mountUuid, issuerId);
    const nextUpdateMs = now + (delta ? Math.min(config.expiry, config.deltaRebuildInterval * 2) : config.expiry) * 1000;
    const der = buildCrl({
      issuer: { subjectDer: issuer.subjectDer, subjectKeyId: issuer.subjectKeyId, privateKey: this.custody.unseal(key), signatureBits: 0, usePss: false },
      thisUpdateMs: now,
      nextUpdateMs,
      crlNumber: number,
      entries,
      delta: base ? { baseCrlNumber: base.number } : undefined,
      freshestCrl: deltaUrls,
    });
    const stored: StoredCrl = { issuerId, delta, number, baseNumber: base?.number ?? null, der, thisUpdateMs: now, nextUpdateMs, coversSeq };
    await this.store.saveCrl(mountUuid, stored);
    return stored;
  }

  /** Every revocation of the issuer, from the cache plus newer rows; reloaded when rows were removed. */
  private async fullEntries(mountUuid: string, issuerId: string): Promise<{ entries: CrlEntry[]; seq: number }> {
    const key = `${mountUuid}/${issuerId}`;
    let cache = this.entryCaches.get(key) ?? { seq: 0, entries: [] };
    const newer = await this.store.listRevocations(mountUuid, issuerId, cache.seq);
    const entries = cache.entries.concat(newer.map(toEntry));
    if (entries.length !== (await this.store.countRevocations(mountUuid, issuerId))) {
      const all = await this.store.listRevocations(mountUuid, issuerId);
      cache = { seq: all.at(-1)?.seq ?? 0, entries: all.map(toEntry) };
    } else {
      cache = { seq: newer.at(-1)?.seq ?? cache.seq, entries };
    }
    this.entryCaches.set(key, cache);
    return { entries: cache.entries, seq: cache.seq };
  }

  private async deltaEntries(mountUuid: string, issuerId: string, afterSeq: number): Promise<{ entries: CrlEntry[]; seq: number }> {
    const rows = await this.store.listRevocations(mountUuid, issuerId, afterSeq);
    return { entries: rows.map(toEntry), seq: rows.at(-1)?.seq ?? afterSeq };
  }

  /** Where the delta CRL is published (the full CRL's Freshest CRL pointer): the issuer's URLs, else config/urls. */
  private async deltaCrlUrls(mountUuid: string, issuer: PkiIssuerRecord): Promise<string[]> {
    if (issuer.urls.deltaCrlDistributionPoints.length > 0) return issuer.urls.deltaCrlDistributionPoints;
    return (await this.store.getConfig<IssuerUrls>(mountUuid, 'urls'))?.deltaCrlDistributionPoints ?? [];
  }
}
