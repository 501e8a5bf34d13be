import { newAccessor, newServiceToken, tokenDisplayName } from '../auth/token-format.js';
import { type Clock, nowSeconds } from '../core/clock.js';
import { badRequest, CaError } from '../core/errors.js';
import type { Keyring } from '../core/keyring.js';
import type { Random } from '../core/random.js';
import type { Store, TokenIdentity, TokenRecord } from '../storage/types.js';

export interface TokenLimits {
  defaultTtl: number;
  maxTtl: number;
}

export interface CreateTokenInput {
  id: string;
  policies: string[] | null;
  meta: Record<string, string>;
  noParent: boolean;
  noDefaultPolicy: boolean;
  renewable: boolean;
  ttl: number;
  explicitMaxTtl: number;
  period: number;
  displayName: string;
  numUses: number;
  type: string;
}

/** What an auth method's role grants a login (Vault's token_* role fields). */
export interface LoginTokenInput {
  policies: string[];
  noDefaultPolicy: boolean;
  ttl: number;
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
  numUses: number;
  meta: Record<string, string>;
  displayName: string;
  /** e.g. auth/kubernetes/login */
  path: string;
  identity: TokenIdentity;
}

/** An authenticated caller: the presented token and its stored record. */
export interface Caller {
  token: string;
  record: TokenRecord;
}

export interface IssuedToken {
  token: string;
  record: TokenRecord;
  warnings: string[];
}

export const isRootRecord = (record: TokenRecord): boolean => record.policies.includes('root');

export class TokenService {
  constructor(
    private readonly store: Store,
    private readonly keyring: Keyring,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly limits: TokenLimits,
  ) {}

  /** The record for a presented token, or null when unknown or expired. */
  async authenticate(token: string): Promise<TokenRecord | null> {
    const record = await this.store.tokens.getByHash(this.keyring.tokenHash(token));
    if (!record) return null;
    if (this.isExpired(record)) {
      await this.store.tokens.revokeTree(record.accessor);
      return null;
    }
    return record;
  }

  /** Counts a use of a limited-use token; false when it had none left. */
  async consumeUse(record: TokenRecord): Promise<boolean> {
    if (record.numUses === 0) return true;
    return this.store.tokens.consumeUse(record.hash);
  }

  async lookupByToken(token: string): Promise<TokenRecord | null> {
    return this.authenticate(token);
  }

  async lookupByAccessor(accessor: string): Promise<TokenRecord | null> {
    const record = await this.store.tokens.getByAccessor(accessor);
    if (!record || this.isExpired(record)) return null;
    return record;
  }

  /** A new root token, as sys/init and dev mode hand out. */
  newRootRecord(id: string | null): { token: string; record: TokenRecord } {
    const token = id ?? newServiceToken(this.random);
    const record: TokenRecord = {
      hash: this.keyring.tokenHash(token),
      accessor: newAccessor(this.random),
      parentAccessor: null,
      policies: ['root'],
      meta: {},
      displayName: 'root',
      numUses: 0,
      creationTime: nowSeconds(this.clock),
      creationTtl: 0,
      expireTime: null,
      explicitMaxTtl: 0,
      period: 0,
      renewable: false,
      path: 'auth/token/root',
      type: 'service',
      entityId: '',
      identity: null,
    };
    return { token, record };
  }

  async create(parent: TokenRecord, input: CreateTokenInput, orphanEndpoint: boolean): Promise<IssuedToken> {
    const parentIsRoot = isRootRecord(parent);
    const warnings: string[] = [];
    if (input.type !== '' && input.type !== 'service') throw badRequest(`unsupported token type "${input.type}": only service tokens are supported`);
    if (input.id !== '' && !parentIsRoot) throw badRequest('root or sudo privileges required to specify token id');
    if (input.noParent && !parentIsRoot) throw badRequest('root or sudo privileges required to create orphan token');
    if (input.numUses < 0) throw badRequest('number of uses cannot be negative');
    if (input.ttl < 0 || input.explicitMaxTtl < 0 || input.period < 0) throw badRequest('ttl, explicit_max_ttl and period cannot be negative');

    const policies = this.childPolicies(parent, input);
    const ttl = this.initialTtl(input, policies, warnings);
    const now = nowSeconds(this.clock);
    const token = input.id !== '' ? input.id : newServiceToken(this.random);
    if (input.id !== '' && (await this.store.tokens.getByHash(this.keyring.tokenHash(token)))) {
      throw badRequest('cannot create a token with a duplicate ID');
    }
    const orphan = orphanEndpoint || input.noParent;
    const record: TokenRecord = {
      hash: this.keyring.tokenHash(token),
      accessor: newAccessor(this.random),
      parentAccessor: orphan ? null : parent.accessor,
      policies,
      meta: input.meta,
      displayName: tokenDisplayName(input.displayName),
      numUses: input.numUses,
      creationTime: now,
      creationTtl: ttl,
      expireTime: ttl === 0 ? null : now + ttl,
      explicitMaxTtl: input.explicitMaxTtl,
      period: input.period,
      renewable: input.renewable,
      path: orphanEndpoint ? 'auth/token/create-orphan' : 'auth/token/create',
      type: 'service',
      // A child token keeps its parent's entity and identity, as in Vault.
      entityId: parent.entityId,
      identity: parent.identity,
    };
    await this.store.tokens.insert(record);
    return { token, record, warnings };
  }

  /** A token for a successful auth-method login (auth/<method>/login). */
  async createForLogin(input: LoginTokenInput): Promise<IssuedToken> {
    const warnings: string[] = [];
    const policies = [...new Set(input.policies.map((p) => p.trim().toLowerCase()).filter((p) => p !== '' && p !== 'root'))];
    if (!input.noDefaultPolicy && !policies.includes('default')) policies.push('default');
    policies.sort();
    let max = input.maxTtl > 0 ? input.maxTtl : this.limits.maxTtl;
    if (input.explicitMaxTtl > 0) max = Math.min(max, input.explicitMaxTtl);
    let ttl = input.period > 0 ? input.period : input.ttl > 0 ? input.ttl : this.limits.defaultTtl;
    if (ttl > max && input.period === 0) {
      warnings.push(`TTL of "${ttl}s" exceeded the effective max_ttl of "${max}s"; TTL value is capped accordingly`);
      ttl = max;
    }
    const now = nowSeconds(this.clock);
    const token = newServiceToken(this.random);
    const record: TokenRecord = {
      hash: this.keyring.tokenHash(token),
      accessor: newAccessor(this.random),
      parentAccessor: null,
      policies,
      meta: input.meta,
      // Login tokens are named after the method and alias (kubernetes-default-web), without the token- prefix.
      displayName: input.displayName,
      numUses: input.numUses,
      creationTime: now,
      creationTtl: ttl,
      expireTime: now + ttl,
      explicitMaxTtl: input.explicitMaxTtl > 0 ? input.explicitMaxTtl : input.maxTtl,
      period: input.period,
      renewable: true,
      path: input.path,
      type: 'service',
      entityId: input.identity.entityId,
      identity: input.identity,
    };
    await this.store.tokens.insert(record);
    return { token, record, warnings };
  }

  async renew(record: TokenRecord, increment: number): Promise<{ record: TokenRecord; warnings: string[] }> {
    const warnings: string[] = [];
    if (record.expireTime === null) return { record, warnings };
    if (!record.renewable) throw badRequest('lease is not renewable');
    const now = nowSeconds(this.clock);
    let requested = record.period > 0 ? record.period : increment > 0 ? increment : record.creationTtl;
    let latest = record.creationTime + this.limits.maxTtl;
    if (record.period > 0) latest = Number.POSITIVE_INFINITY;
    if (record.explicitMaxTtl > 0) latest = Math.min(latest, record.creationTime + record.explicitMaxTtl);
    if (now + requested > latest) {
      requested = Math.max(0, latest - now);
      warnings.push(`TTL of "${increment}s" exceeded the effective max_ttl of "${requested}s"; TTL value is capped accordingly`);
    }
    const expireTime = now + requested;
    await this.store.tokens.setExpiry(record.hash, expireTime);
    return { record: { ...record, expireTime }, warnings };
  }

  async revokeTree(accessor: string): Promise<void> {
    await this.store.tokens.revokeTree(accessor);
  }

  async revokeOrphan(accessor: string): Promise<void> {
    await this.store.tokens.revokeOrphan(accessor);
  }

  async listAccessors(): Promise<string[]> {
    return this.store.tokens.listAccessors();
  }

  remainingTtl(record: TokenRecord): number {
    return record.expireTime === null ? 0 : Math.max(0, record.expireTime - nowSeconds(this.clock));
  }

  private isExpired(record: TokenRecord): boolean {
    return record.expireTime !== null && record.expireTime <= nowSeconds(this.clock);
  }

  private childPolicies(parent: TokenRecord, input: CreateTokenInput): string[] {
    const parentIsRoot = isRootRecord(parent);
    const requested = input.policies === null ? parent.policies.filter((p) => p !== 'default') : input.policies;
    const unique = [...new Set(requested.map((p) => p.trim().toLowerCase()).filter((p) => p !== ''))];
    if (!parentIsRoot) {
      const outside = unique.filter((p) => p !== 'default' && !parent.policies.includes(p));
      if (outside.length > 0) throw new CaError('bad_request', 'child policies must be subset of parent');
    }
    if (unique.includes('root')) return ['root'];
    const withDefault = input.noDefaultPolicy || unique.includes('default') ? unique : [...unique, 'default'];
    return withDefault.sort();
  }

  /** 0 means no expiry, which only root-policy tokens without any TTL get. */
  private initialTtl(input: CreateTokenInput, policies: string[], warnings: string[]): number {
    const hasRoot = policies.includes('root');
    let ttl = input.period > 0 ? input.period : input.ttl;
    if (ttl === 0 && hasRoot && input.explicitMaxTtl === 0) return 0;
    if (ttl === 0) ttl = this.limits.defaultTtl;
    let max = input.period > 0 ? Number.POSITIVE_INFINITY : this.limits.maxTtl;
    if (input.explicitMaxTtl > 0) max = Math.min(max, input.explicitMaxTtl);
    if (ttl > max) {
      if (input.ttl > 0) warnings.push(`TTL of "${input.ttl}s" exceeded the effective max_ttl of "${max}s"; TTL value is capped accordingly`);
      ttl = max;
    }
    return ttl;
  }
}
