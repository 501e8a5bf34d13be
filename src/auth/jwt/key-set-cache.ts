/**
 * Verification keys for logins: parsed PEM keys, and remote JWKS (directly or through OIDC
 * discovery) fetched through the injected HttpFetch and cached against the injected clock.
 *
 * One instance per process, created in deps and handed to the auth methods (no module state).
 * Remote sets are refetched when older than `maxAgeMs`, or early when a token names a `kid` the
 * set lacks (key rotation) but at most once per `refreshCooldownMs`, so a flood of tokens with
 * made-up kids cannot turn into a flood of upstream requests. When a refresh fails, the last good
 * set keeps serving for `maxStaleMs` past its age, so an IdP blip does not stop all logins.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { CaError } from '../../core/errors.js';
import { getJsonObject, isPlainObject, type HttpFetch } from './http-fetch.js';
import { parsePublicKeyPem } from './public-keys.js';

export type RemoteKeySource =
  | { kind: 'jwks'; url: string; caPem: string }
  | { kind: 'oidc_discovery'; url: string; caPem: string };

export interface VerificationKey {
  kid?: string;
  /** The JWK's own `alg`, when it pins one. */
  alg?: string;
  key: KeyObject;
}

export interface RemoteKeySet {
  keys: VerificationKey[];
  fetchedAtMs: number;
  jwksUrl: string;
  /** The issuer the discovery document declares (OIDC discovery only). */
  issuer?: string;
}

export interface KeySetCacheOptions {
  fetch: HttpFetch;
  clock: Clock;
  maxAgeMs?: number;
  refreshCooldownMs?: number;
  failureCooldownMs?: number;
  maxStaleMs?: number;
  maxEntries?: number;
}

interface Entry {
  current?: RemoteKeySet;
  inflight?: Promise<RemoteKeySet>;
  lastAttemptMs?: number;
  lastFailure?: unknown;
}

const MAX_JWKS_KEYS = 100;
const MAX_STATIC_KEYS = 256;

export class KeySetCache {
  private readonly fetchImpl: HttpFetch;
  private readonly clock: Clock;
  private readonly maxAgeMs: number;
  private readonly refreshCooldownMs: number;
  private readonly failureCooldownMs: number;
  private readonly maxStaleMs: number;
  private readonly maxEntries: number;
  private readonly entries = new Map<string, Entry>();
  private readonly staticKeyCache = new Map<string, KeyObject>();

  constructor(options: KeySetCacheOptions) {
    this.fetchImpl = options.fetch;
    this.clock = options.clock;
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    this.refreshCooldownMs = options.refreshCooldownMs ?? 30_000;
    this.failureCooldownMs = options.failureCooldownMs ?? 5_000;
    this.maxStaleMs = options.maxStaleMs ?? 60 * 60_000;
    this.maxEntries = options.maxEntries ?? 64;
  }

  /** Parsed PEM keys; configs were validated on write, so a parse failure here is internal. */
  staticKeys(pems: readonly string[]): KeyObject[] {
    return pems.map((pem) => {
      let key = this.staticKeyCache.get(pem);
      if (!key) {
        try {
          key = parsePublicKeyPem(pem);
        } catch (error) {
          throw new CaError('internal', `stored public key no longer parses: ${error instanceof Error ? error.message : String(error)}`);
        }
        if (this.staticKeyCache.size >= MAX_STATIC_KEYS) this.staticKeyCache.clear();
        this.staticKeyCache.set(pem, key);
      }
      return key;
    });
  }

  /**
   * The key set of a remote source. `refresh` asks for a newer set than the cached one (an
   * unknown kid); it is honoured at most once per cooldown.
   */
  async remote(source: RemoteKeySource, options: { refresh?: boolean } = {}): Promise<RemoteKeySet> {
    const id = `${source.kind}\n${source.url}\n${source.caPem}`;
    let entry = this.entries.get(id);
    if (!entry) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      entry = {};
      this.entries.set(id, entry);
    }
    const now = this.clock.nowMs();
    const current = entry.current;
    const recentlyTried = entry.lastAttemptMs !== undefined && now - entry.lastAttemptMs < this.refreshCooldownMs;
    if (current) {
      const age = now - current.fetchedAtMs;
      if (age < this.maxAgeMs && (!options.refresh || recentlyTried)) return current;
      if (recentlyTried && age < this.maxAgeMs + this.maxStaleMs) return current;
    } else if (entry.lastFailure !== undefined && entry.lastAttemptMs !== undefined && now - entry.lastAttemptMs < this.failureCooldownMs) {
      throw entry.lastFailure;
    }
    return this.refresh(entry, source, now);
  }

  private refresh(entry: Entry, source: RemoteKeySource, now: number): Promise<RemoteKeySet> {
    if (entry.inflight) return entry.inflight;
    entry.lastAttemptMs = now;
    const attempt = this.load(source).then(
      (set) => {
        entry.current = set;
        entry.lastFailure = undefined;
        return set;
      },
      (error: unknown) => {
        entry.lastFailure = error;
        const stale = entry.current;
        if (stale && this.clock.nowMs() - stale.fetchedAtMs < this.maxAgeMs + this.maxStaleMs) return stale;
        throw error;
      },
    );
    entry.inflight = attempt.finally(() => {
      entry.inflight = undefined;
    });
    return entry.inflight;
  }

  private async load(source: RemoteKeySource): Promise<RemoteKeySet> {
    let jwksUrl = source.url;
    let issuer: string | undefined;
    if (source.kind === 'oidc_discovery') {
      const base = source.url.replace(/\/+$/, '');
      const wellKnown = `${base}/.well-known/openid-configuration`;
      const doc = await getJsonObject(this.fetchImpl, wellKnown, source.caPem, 'OIDC discovery');
      if (typeof doc.issuer !== 'string' || doc.issuer.replace(/\/+$/, '') !== base) {
        throw new CaError('upstream', `OIDC discovery: ${wellKnown} declares issuer ${JSON.stringify(doc.issuer)}, expected "${source.url}"`);
      }
      if (typeof doc.jwks_uri !== 'string' || !/^https?:\/\//i.test(doc.jwks_uri)) {
        throw new CaError('upstream', `OIDC discovery: ${wellKnown} has no usable jwks_uri`);
      }
      issuer = doc.issuer;
      jwksUrl = doc.jwks_uri;
    }
    const body = await getJsonObject(this.fetchImpl, jwksUrl, source.caPem, 'JWKS');
    const keys = parseJwks(body, jwksUrl);
    return { keys, fetchedAtMs: this.clock.nowMs(), jwksUrl, ...(issuer === undefined ? {} : { issuer }) };
  }
}

const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Signing keys of a JWKS document. Symmetric (`oct`) and encryption keys are never loaded. */
export function parseJwks(body: Record<string, unknown>, url: string): VerificationKey[] {
  if (!Array.isArray(body.keys)) throw new CaError('upstream', `JWKS at ${url} has no "keys" array`);
  const out: VerificationKey[] = [];
  for (const raw of body.keys.slice(0, MAX_JWKS_KEYS)) {
    if (!isPlainObject(raw)) continue;
    if (raw.kty !== 'RSA' && raw.kty !== 'EC' && raw.kty !== 'OKP') continue;
    if (raw.use !== undefined && raw.use !== 'sig') continue;
    const jwk: Record<string, unknown> = { ...raw };
    for (const member of privateMembers) delete jwk[member];
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      continue;
    }
    out.push({
      key,
      ...(typeof raw.kid === 'string' ? { kid: raw.kid } : {}),
      ...(typeof raw.alg === 'string' ? { alg: raw.alg } : {}),
    });
  }
  if (out.length === 0) throw new CaError('upstream', `JWKS at ${url} holds no usable signing keys`);
  return out;
}
