import type { Clock } from '../../core/clock.js';
import { badRequest, CaError, notFound } from '../../core/errors.js';
import type { QuotaConfigRecord, QuotaGroupBy, QuotaStore, RateLimitQuotaRecord } from '../../storage/types.js';
import type { MountService } from '../mount-service.js';
import { isExempt, selectQuota } from './quota-match.js';
import { RateLimiter } from './rate-limiter.js';

/** Vault's default exempt paths, plus sys/quotas itself so a bad quota can always be removed. */
export const defaultExemptPaths: readonly string[] = [
  'sys/generate-recovery-token/attempt',
  'sys/generate-recovery-token/update',
  'sys/generate-root/encoding',
  'sys/generate-root/attempt',
  'sys/generate-root/update',
  'sys/health',
  'sys/seal-status',
  'sys/unseal',
  'sys/quotas/*',
];

/** Auth-method types whose logins name a role (Vault's ResolveRoleOperation). */
const roleAuthTypes = new Set(['approle', 'kubernetes', 'jwt', 'cert']);

export const groupByModes: readonly QuotaGroupBy[] = ['ip', 'none', 'entity_then_ip', 'entity_then_none', 'token'];

/** Another process's writes are picked up within this long. */
const reloadCheckMs = 2000;

export interface QuotaInput {
  path?: string;
  role?: string;
  rate?: number;
  interval?: number;
  blockInterval?: number;
  groupBy?: string;
  secondaryRate?: number;
}

/** What the check needs to know about a request; the lazy parts run only when a quota needs them. */
export interface QuotaRequest {
  path: string;
  remoteAddress: string | undefined;
  /** The caller's entity ID and token accessor, when the request carries a valid token. */
  caller(): Promise<{ entityId: string; accessor: string } | null>;
  /** For logins: the auth mount (`auth/approle/`) and the role the login names. */
  loginRole: (() => Promise<{ mountPath: string; role: string } | null>) | null;
}

export interface QuotaVerdict {
  /** Response headers (X-Ratelimit-*), empty unless enabled in sys/quotas/config. */
  headers: Record<string, string>;
}

/**
 * Rate-limit quotas: stored in the database, cached here, enforced with in-memory buckets.
 * The check is one Map lookup per request when quotas exist and none when none do.
 */
export class QuotaService {
  private quotas: RateLimitQuotaRecord[] = [];
  private config: QuotaConfigRecord = { exemptPaths: null, enableResponseHeaders: false, enableAuditLogging: false };
  private generation = -1;
  private checkedAt = 0;
  private readonly limiter = new RateLimiter();

  constructor(
    private readonly store: QuotaStore,
    private readonly mounts: MountService,
    private readonly clock: Clock,
  ) {}

  async load(): Promise<void> {
    const generation = await this.store.generation();
    this.checkedAt = this.clock.nowMs();
    if (generation === this.generation) return;
    const [quotas, config] = await Promise.all([this.store.list(), this.store.config()]);
    for (const old of this.quotas) {
      const current = quotas.find((q) => q.name === old.name);
      if (!current || JSON.stringify(current) !== JSON.stringify(old)) this.limiter.forget(`${old.name}\0`);
    }
    this.quotas = quotas;
    this.config = config;
    this.generation = generation;
  }

  get auditRejections(): boolean {
    return this.config.enableAuditLogging;
  }

  async list(): Promise<string[]> {
    await this.load();
    return this.quotas.map((q) => q.name);
  }

  async read(name: string): Promise<RateLimitQuotaRecord> {
    await this.load();
    const quota = this.quotas.find((q) => q.name === name);
    if (!quota) throw notFound();
    return quota;
  }

  async write(name: string, input: QuotaInput): Promise<void> {
    await this.load();
    const existing = this.quotas.find((q) => q.name === name) ?? null;
    const path = input.path !== undefined ? await this.normalizePath(input.path) : (existing?.path ?? '');
    const role = input.role ?? existing?.role ?? '';
    const rate = input.rate ?? existing?.rate ?? 0;
    if (!(rate > 0) || !Number.isFinite(rate)) throw badRequest(`invalid rate "${rate}": must be positive`);
    const interval = input.interval !== undefined && input.interval !== 0 ? input.interval : (existing?.interval ?? 1);
    if (interval < 1) throw badRequest('interval must be at least one second');
    const blockInterval = input.blockInterval ?? existing?.blockInterval ?? 0;
    if (blockInterval < 0) throw badRequest('block_interval cannot be negative');
    const groupBy = (input.groupBy === undefined || input.groupBy === '' ? (existing?.groupBy ?? 'ip') : input.groupBy) as QuotaGroupBy;
    if (!groupByModes.includes(groupBy)) throw badRequest(`invalid group_by "${groupBy}": one of ${groupByModes.join(', ')}`);
    const secondaryRate = input.secondaryRate ?? existing?.secondaryRate ?? 0;
    if (secondaryRate < 0 || !Number.isFinite(secondaryRate)) throw badRequest('secondary_rate cannot be negative');
    if (secondaryRate > 0 && !['entity_then_ip', 'entity_then_none', 'token'].includes(groupBy)) {
      throw badRequest('secondary_rate is only valid with group_by entity_then_ip, entity_then_none or token');
    }
    if (role !== '') await this.checkRolePath(path);
    const twin = this.quotas.find((q) => q.name !== name && q.path === path && q.role === role);
    if (twin) throw badRequest(`quota rule with similar properties exists under the name "${twin.name}"`);
    const now = this.clock.nowMs();
    await this.store.put({ name, path, role, rate, interval, blockInterval, groupBy, secondaryRate, createdAt: existing?.createdAt ?? now, updatedAt: now });
    await this.load();
  }

  async delete(name: string): Promise<void> {
    await this.store.delete(name);
    await this.load();
  }

  async readConfig(): Promise<{ exemptPaths: readonly string[]; enableResponseHeaders: boolean; enableAuditLogging: boolean }> {
    await this.load();
    return { ...this.config, exemptPaths: this.exemptPaths() };
  }

  async writeConfig(input: Partial<QuotaConfigRecord>): Promise<void> {
    await this.load();
    await this.store.setConfig({
      exemptPaths: input.exemptPaths !== undefined ? input.exemptPaths : this.config.exemptPaths,
      enableResponseHeaders: input.enableResponseHeaders ?? this.config.enableResponseHeaders,
      enableAuditLogging: input.enableAuditLogging ?? this.config.enableAuditLogging,
    });
    await this.load();
  }

  /** Counts the request against the quota that applies to it; a 429 when that quota is spent. */
  async check(request: QuotaRequest): Promise<QuotaVerdict | null> {
    if (this.clock.nowMs() - this.checkedAt >= reloadCheckMs) await this.load();
    if (this.quotas.length === 0 || isExempt(this.exemptPaths(), request.path)) return null;
    const hasRoleQuotas = request.loginRole !== null && this.quotas.some((q) => q.role !== '');
    const loginRole = hasRoleQuotas ? await request.loginRole!() : null;
    const quota = selectQuota(this.quotas, request.path, loginRole);
    if (!quota) return null;
    const { key, secondary } = await this.bucketKey(quota, request);
    const rate = secondary && quota.secondaryRate > 0 ? quota.secondaryRate : quota.rate;
    const now = this.clock.nowMs();
    const result = this.limiter.take(`${quota.name}\0${key}`, Math.max(1, Math.round(rate)), quota.interval * 1000, quota.blockInterval * 1000, now);
    const resetSeconds = String(Math.max(0, Math.ceil((result.resetMs - now) / 1000)));
    const headers: Record<string, string> = this.config.enableResponseHeaders
      ? { 'X-Ratelimit-Limit': String(result.limit), 'X-Ratelimit-Remaining': String(result.remaining), 'X-Ratelimit-Reset': resetSeconds }
      : {};
    if (!result.allowed) {
      throw new CaError('rate_limited', `request path "${request.path}": rate limit quota exceeded`, { headers: { ...headers, 'Retry-After': resetSeconds } });
    }
    return { headers };
  }

  private exemptPaths(): readonly string[] {
    return this.config.exemptPaths ?? defaultExemptPaths;
  }

  private async bucketKey(quota: RateLimitQuotaRecord, request: QuotaRequest): Promise<{ key: string; secondary: boolean }> {
    const ip = `ip:${request.remoteAddress ?? ''}`;
    switch (quota.groupBy) {
      case 'ip':
        return { key: ip, secondary: false };
      case 'none':
        return { key: 'all', secondary: false };
      case 'entity_then_ip':
      case 'entity_then_none': {
        const caller = await request.caller();
        if (caller && caller.entityId !== '') return { key: `entity:${caller.entityId}`, secondary: false };
        return { key: quota.groupBy === 'entity_then_ip' ? ip : 'all', secondary: true };
      }
      case 'token': {
        const caller = await request.caller();
        return caller ? { key: `token:${caller.accessor}`, secondary: false } : { key: ip, secondary: true };
      }
    }
  }

  /** '' (global), a mount (`pki_int/`, `auth/approle/`, `sys/`) or a path under one, optionally ending in `*`. */
  private async normalizePath(raw: string): Promise<string> {
    const path = raw.trim().replace(/^\/+/, '');
    if (path === '') return '';
    if (path.includes('*') && (path.indexOf('*') !== path.length - 1)) throw badRequest(`invalid path "${raw}": a glob may only end the path`);
    if (/(^|\/)\.\.?(\/|$)|\/\//.test(path)) throw badRequest(`invalid path "${raw}"`);
    const bare = path.replace(/\*$/, '');
    let mountPath: string;
    if (bare === 'sys' || bare.startsWith('sys/')) mountPath = 'sys/';
    else if (bare === 'auth/token' || bare.startsWith('auth/token/')) mountPath = 'auth/token/';
    else {
      const isAuth = bare.startsWith('auth/');
      const resolved = await this.mounts.resolve(isAuth ? 'auth' : 'secret', isAuth ? bare.slice('auth/'.length) : bare);
      if (!resolved) throw badRequest(`invalid mount path "${raw}": no mount at that path`);
      mountPath = `${isAuth ? 'auth/' : ''}${resolved.mount.path}`;
    }
    // A path naming just the mount is the mount quota, always written with its trailing slash.
    if (`${bare}/` === mountPath || bare === mountPath) return mountPath;
    return path;
  }

  private async checkRolePath(path: string): Promise<void> {
    const mount = path.startsWith('auth/') && path.endsWith('/') ? await this.mounts.get('auth', path.slice('auth/'.length)) : null;
    if (!mount || !roleAuthTypes.has(mount.type)) {
      throw badRequest(`role can only be set on a quota whose path is an auth mount with roles (${[...roleAuthTypes].join(', ')})`);
    }
  }
}
