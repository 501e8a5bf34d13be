import pino, { type Logger } from 'pino';
import type { Config } from './config/config.js';
import type { HttpFetch } from './auth/jwt/index.js';
import { type Clock, systemClock } from './core/clock.js';
import { Keyring } from './core/keyring.js';
import { cryptoRandom, type Random } from './core/random.js';
import { AuditService } from './services/audit-service.js';
import { type AuthMethods, createAuthMethods } from './services/auth/auth-methods.js';
import { MountService } from './services/mount-service.js';
import { PolicyService } from './services/policy-service.js';
import { QuotaService } from './services/quota/quota-service.js';
import { createPkiServices, type PkiServices } from './services/pki/pki-services.js';
import { SystemService } from './services/system-service.js';
import { TokenService } from './services/token-service.js';
import { openSqliteStore } from './storage/sqlite/store.js';
import type { MountKind, Store } from './storage/types.js';

export interface Services {
  system: SystemService;
  mounts: MountService;
  tokens: TokenService;
  policies: PolicyService;
  pki: PkiServices;
  auth: AuthMethods;
  audit: AuditService;
  quotas: QuotaService;
}

export interface Deps {
  config: Config;
  clock: Clock;
  random: Random;
  logger: Logger;
  store: Store;
  keyring: Keyring;
  services: Services;
}

export interface DepsOptions {
  kek: Buffer;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  /** Outbound HTTP of the auth methods (JWKS, OIDC discovery, TokenReview); tests pass one that never leaves the machine. */
  fetch?: HttpFetch;
}

/** Mount types this build can serve, by mount kind. */
export const engineTypes: Record<MountKind, ReadonlySet<string>> = {
  secret: new Set(['pki']),
  auth: new Set(['kubernetes', 'jwt', 'cert', 'approle']),
};

/** Fields whose values must never reach a log line, wherever they appear. */
export const redactedLogPaths = ['*.token', '*.client_token', '*.private_key', '*.csr', 'headers["x-vault-token"]', 'headers.authorization'];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: redactedLogPaths, censor: '[redacted]' } });
}

/** The composition root: the one place that picks a storage backend and wires services. */
export async function createDeps(config: Config, options: DepsOptions): Promise<Deps> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const logger = options.logger ?? createLogger(config.logLevel);
  const keyring = new Keyring(options.kek, random);
  const store = openSqliteStore({ path: config.storagePath, nowMs: clock.nowMs() });
  const tokens = new TokenService(store, keyring, clock, random, { defaultTtl: config.defaultLeaseTtl, maxTtl: config.maxLeaseTtl });
  const mounts = new MountService(
    store,
    clock,
    random,
    { defaultLeaseTtl: config.defaultLeaseTtl, maxLeaseTtl: config.maxLeaseTtl },
    (kind) => engineTypes[kind],
  );
  const system = new SystemService(store, keyring, clock, random, tokens, config.clusterName);
  try {
    await system.checkKeyEncryptionKey();
  } catch (error) {
    await store.close();
    throw error;
  }
  const keyGeneration = { concurrency: config.keyGenerationConcurrency, queueSize: config.keyGenerationQueueSize };
  const pki = createPkiServices({ store: store.pki, keyring, clock, random, mounts, logger, keyGeneration });
  const policies = new PolicyService(store, clock);
  const auth = createAuthMethods({ store: store.auth, appRoles: store.appRoles, keyring, random, tokens, mounts, clock, logger, fetch: options.fetch });
  const audit = new AuditService(store.audit, keyring, clock, random, logger);
  await audit.load();
  const quotas = new QuotaService(store.quotas, mounts, clock);
  await quotas.load();
  return { config, clock, random, logger, store, keyring, services: { system, mounts, tokens, policies, pki, auth, audit, quotas } };
}
