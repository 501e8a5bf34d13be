/**
 * Storage contracts. Every method is async so a networked backend (PostgreSQL) fits behind
 * the same interface; each method is one atomic unit of work.
 */
export type MountKind = 'secret' | 'auth';

export interface MountConfig {
  defaultLeaseTtl: number;
  maxLeaseTtl: number;
  forceNoCache: boolean;
  auditNonHmacRequestKeys: string[];
  auditNonHmacResponseKeys: string[];
  listingVisibility: string;
  passthroughRequestHeaders: string[];
  allowedResponseHeaders: string[];
}

export interface MountRecord {
  uuid: string;
  kind: MountKind;
  /** With trailing slash, e.g. `pki_int/`. */
  path: string;
  type: string;
  description: string;
  accessor: string;
  config: MountConfig;
  options: Record<string, string>;
  local: boolean;
  sealWrap: boolean;
  createdAt: number;
}

export interface MountStore {
  list(kind: MountKind): Promise<MountRecord[]>;
  /** Inserts unless a mount of the same kind overlaps the path; returns the conflicting path if so. */
  create(mount: MountRecord): Promise<{ conflict: string | null }>;
  updateConfig(kind: MountKind, path: string, config: MountConfig, description: string): Promise<boolean>;
  delete(kind: MountKind, path: string): Promise<boolean>;
  /** Changes with every committed write to mounts, PKI issuers/keys/config/roles or ACL policies, from any process. */
  configGeneration(): Promise<number>;
}

/** The entity and alias a login gave a token (structurally the CallerIdentity of templates). */
export interface TokenIdentity {
  entityId: string;
  entityName: string;
  entityMetadata: Record<string, string>;
  /** By auth mount accessor. */
  aliases: Record<string, { id: string; name: string; metadata: Record<string, string> }>;
}

export interface TokenRecord {
  hash: string;
  accessor: string;
  parentAccessor: string | null;
  policies: string[];
  meta: Record<string, string>;
  displayName: string;
  /** 0 = unlimited. */
  numUses: number;
  /** Unix seconds. */
  creationTime: number;
  creationTtl: number;
  /** Unix seconds; null = never expires. */
  expireTime: number | null;
  explicitMaxTtl: number;
  period: number;
  renewable: boolean;
  path: string;
  type: 'service' | 'batch';
  entityId: string;
  /** Set for tokens from auth-method logins; null for tokens made with auth/token. */
  identity: TokenIdentity | null;
}

export interface TokenStore {
  insert(token: TokenRecord): Promise<void>;
  getByHash(hash: string): Promise<TokenRecord | null>;
  getByAccessor(accessor: string): Promise<TokenRecord | null>;
  setExpiry(hash: string, expireTime: number | null): Promise<void>;
  /**
   * Counts one use of a limited-use token. Returns false when the token had no use left;
   * the token is deleted with its last use.
   */
  consumeUse(hash: string): Promise<boolean>;
  /** Deletes the token and, recursively, every child token. Returns how many were deleted. */
  revokeTree(accessor: string): Promise<number>;
  /** Deletes only this token; its children become orphans. */
  revokeOrphan(accessor: string): Promise<boolean>;
  listAccessors(): Promise<string[]>;
  deleteExpired(nowSeconds: number): Promise<number>;
}

export interface InitRecord {
  clusterId: string;
  clusterName: string;
  initializedAt: number;
}

export interface SystemStore {
  getInit(): Promise<InitRecord | null>;
  /** Marks the store initialized and stores the root token in one step; false if it already was. */
  initialize(init: InitRecord, rootToken: TokenRecord): Promise<boolean>;
  getValue(key: string): Promise<string | null>;
  /** Sets the value only when absent; returns the value now stored. */
  setValueOnce(key: string, value: string): Promise<string>;
}

export interface PolicyRecord {
  name: string;
  policy: string;
  createdAt: number;
  updatedAt: number;
}

export interface PolicyStore {
  get(name: string): Promise<PolicyRecord | null>;
  put(name: string, policy: string, nowMs: number): Promise<void>;
  delete(name: string): Promise<boolean>;
  list(): Promise<string[]>;
  /** As MountStore.configGeneration: changes with every committed policy write, from any process. */
  configGeneration(): Promise<number>;
}

/** Auth methods keep their config and roles as documents per mount. */
export interface AuthStore {
  getConfig<T>(mountUuid: string, name: string): Promise<T | null>;
  setConfig(mountUuid: string, name: string, value: unknown): Promise<void>;
  getRole<T>(mountUuid: string, name: string): Promise<T | null>;
  putRole(mountUuid: string, name: string, role: unknown): Promise<void>;
  deleteRole(mountUuid: string, name: string): Promise<boolean>;
  listRoles(mountUuid: string): Promise<string[]>;
}

/** An audit device (sys/audit); options as Vault stores them, all strings. */
export interface AuditDeviceRecord {
  /** With trailing slash, e.g. `file/`. */
  path: string;
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
  /** The device's HMAC salt, sealed by the Keyring with context `audit-salt:<path>`. */
  sealedSalt: Buffer;
  createdAt: number;
}

export interface AuditStore {
  list(): Promise<AuditDeviceRecord[]>;
  /** False when a device already uses the path. */
  create(device: AuditDeviceRecord): Promise<boolean>;
  delete(path: string): Promise<boolean>;
  /** As MountStore.configGeneration: changes with every committed audit device change, from any process. */
  configGeneration(): Promise<number>;
}

/** An AppRole secret ID; the credential itself is kept only as a keyed hash. */
export interface AppRoleSecretIdRecord {
  mountUuid: string;
  roleName: string;
  /** HMAC of the secret ID under a Keyring subkey. */
  secretIdHash: string;
  accessor: string;
  metadata: Record<string, string>;
  cidrList: string[];
  tokenBoundCidrs: string[];
  /** Uses left; 0 is unlimited. */
  numUses: number;
  /** Seconds, as generated; 0 never expires. */
  ttl: number;
  createdAt: number;
  /** Milliseconds; null never expires. */
  expiresAt: number | null;
  updatedAt: number;
}

/** AppRole storage: role IDs indexed by keyed hash, and secret IDs with their TTL and uses. */
export interface AppRoleStore {
  /** Points `roleIdHash` at the role, replacing the role's previous role ID; false if another role holds it. */
  setRoleId(mountUuid: string, roleName: string, roleIdHash: string): Promise<boolean>;
  roleByRoleId(mountUuid: string, roleIdHash: string): Promise<string | null>;
  /** Drops the role's role-ID index entry and all its secret IDs. */
  deleteRole(mountUuid: string, roleName: string): Promise<void>;
  /** False when the role already has this secret ID. */
  createSecretId(record: AppRoleSecretIdRecord): Promise<boolean>;
  /** A live (unexpired) secret ID; expired ones are deleted and read as absent. */
  secretId(mountUuid: string, roleName: string, secretIdHash: string, nowMs: number): Promise<AppRoleSecretIdRecord | null>;
  secretIdByAccessor(mountUuid: string, roleName: string, accessor: string, nowMs: number): Promise<AppRoleSecretIdRecord | null>;
  listAccessors(mountUuid: string, roleName: string, nowMs: number): Promise<string[]>;
  deleteSecretId(mountUuid: string, roleName: string, secretIdHash: string): Promise<boolean>;
  deleteByAccessor(mountUuid: string, roleName: string, accessor: string): Promise<boolean>;
  /**
   * Spends one use atomically: null if the secret ID is gone or expired; the last use deletes it.
   * Returns the record as it was before this use.
   */
  consumeSecretId(mountUuid: string, roleName: string, secretIdHash: string, nowMs: number): Promise<AppRoleSecretIdRecord | null>;
}

/** How a rate-limit quota splits its callers into buckets (Vault's `group_by`, plus `token`). */
export type QuotaGroupBy = 'ip' | 'none' | 'entity_then_ip' | 'entity_then_none' | 'token';

/** A rate-limit quota (sys/quotas/rate-limit/:name). */
export interface RateLimitQuotaRecord {
  name: string;
  /** '' (global), a mount with trailing slash (`pki_int/`), or a path under a mount (`pki_int/issue/web`, `pki_int/issue/*`). */
  path: string;
  /** An auth-method role: the quota counts logins with that role only. */
  role: string;
  rate: number;
  /** Seconds. */
  interval: number;
  /** Seconds; 0 = no blocking beyond the interval. */
  blockInterval: number;
  groupBy: QuotaGroupBy;
  /** The rate of the fallback group (callers without an entity or token); 0 = `rate`. */
  secondaryRate: number;
  createdAt: number;
  updatedAt: number;
}

export interface QuotaConfigRecord {
  /** Null until set: Vault's default exempt paths apply. */
  exemptPaths: string[] | null;
  enableResponseHeaders: boolean;
  enableAuditLogging: boolean;
}

export interface QuotaStore {
  list(): Promise<RateLimitQuotaRecord[]>;
  put(quota: RateLimitQuotaRecord): Promise<void>;
  delete(name: string): Promise<boolean>;
  config(): Promise<QuotaConfigRecord>;
  setConfig(config: QuotaConfigRecord): Promise<void>;
  /** Grows with every write above, in any process. */
  generation(): Promise<number>;
}

export interface Store {
  readonly system: SystemStore;
  readonly audit: AuditStore;
  readonly policies: PolicyStore;
  readonly auth: AuthStore;
  readonly appRoles: AppRoleStore;
  readonly mounts: MountStore;
  readonly tokens: TokenStore;
  readonly pki: PkiStore;
  readonly quotas: QuotaStore;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// PKI engine storage. Every record belongs to one mount (by mount uuid); disabling the
// mount deletes them all.

export type LeafNotAfterBehavior = 'err' | 'truncate' | 'permit';

export interface PkiKeyRecord {
  id: string;
  /** '' when unnamed; unique per mount otherwise. */
  name: string;
  keyType: 'rsa' | 'ec' | 'ed25519';
  keyBits: number;
  /** SubjectPublicKeyInfo DER; unique per mount (a key is stored once). */
  publicKeyDer: Buffer;
  /** PKCS#8 DER sealed by the Keyring with context `pki-key:<id>`. */
  sealedPrivateKey: Buffer;
  createdAt: number;
}

export interface IssuerUrls {
  issuingCertificates: string[];
  crlDistributionPoints: string[];
  deltaCrlDistributionPoints: string[];
  ocspServers: string[];
  enableTemplating: boolean;
}

export interface PkiIssuerRecord {
  id: string;
  /** '' when unnamed; unique per mount otherwise. */
  name: string;
  /** The key this certificate's public key belongs to, when the mount holds it. */
  keyId: string | null;
  /** Unique per mount (an issuer certificate is stored once). */
  certificateDer: Buffer;
  /** Colon-separated lowercase hex. */
  serial: string;
  subjectDer: Buffer;
  issuerDer: Buffer;
  subjectKeyId: Buffer;
  authorityKeyId: Buffer | null;
  notBeforeMs: number;
  notAfterMs: number;
  leafNotAfterBehavior: LeafNotAfterBehavior;
  /** Sorted subset of read-only, issuing-certificates, crl-signing, ocsp-signing. */
  usage: string[];
  /** Issuer ids, first is this issuer; empty = build the chain automatically. */
  manualChain: string[];
  revocationSignatureAlgorithm: string;
  urls: IssuerUrls;
  revoked: boolean;
  revocationTimeMs: number | null;
  createdAt: number;
}

export interface PkiCertRecord {
  /** Colon-separated lowercase hex of the minimal serial; unique per mount. */
  serial: string;
  issuerId: string | null;
  certificateDer: Buffer;
  notAfterMs: number;
  createdAt: number;
}

/** Keys, issuers and certificates created or imported together, stored in one transaction. */
export interface PkiChange {
  keys: PkiKeyRecord[];
  issuers: PkiIssuerRecord[];
  certs: PkiCertRecord[];
  /** Make the first of `issuers` the mount's default issuer when it has none (or always). */
  defaultIssuer: 'if-unset' | 'always' | 'never';
  /** Make the first of `keys` the mount's default key when it has none. */
  defaultKey: 'if-unset' | 'never';
}

export interface PkiChangeResult {
  /** Ids actually stored, and the ids of records that already existed with the same key / certificate. */
  insertedKeys: string[];
  existingKeys: string[];
  insertedIssuers: string[];
  existingIssuers: string[];
  /** Issuer id -> key id for every issuer of the change, new or existing. */
  issuerKeys: Record<string, string | null>;
}

export interface PkiRevocationRecord {
  serial: string;
  issuerId: string | null;
  revokedAtMs: number;
  /** RFC 5280 CRLReason; null = unspecified. */
  reason: number | null;
  /** Order of revocation within the store, for delta CRLs. */
  seq: number;
}

export interface StoredCrl {
  issuerId: string;
  delta: boolean;
  number: number;
  /** For a delta CRL, the number of the full CRL it builds on. */
  baseNumber: number | null;
  der: Buffer;
  thisUpdateMs: number;
  nextUpdateMs: number;
  /** The highest revocation seq the CRL includes. */
  coversSeq: number;
}

export type PkiConfigName = 'issuers' | 'keys' | 'urls' | 'cluster' | 'crl' | 'auto-tidy';

export interface PkiStore {
  /** As MountStore.configGeneration: caches of issuers, keys, config and roles are valid while it stays. */
  configGeneration(): Promise<number>;
  /** Lists are ordered by id (Vault's LIST order); serials and role names in text order. */
  listKeys(mountUuid: string): Promise<PkiKeyRecord[]>;
  getKey(mountUuid: string, id: string): Promise<PkiKeyRecord | null>;
  findKeyByName(mountUuid: string, name: string): Promise<PkiKeyRecord | null>;
  findKeyByPublicKey(mountUuid: string, publicKeyDer: Buffer): Promise<PkiKeyRecord | null>;
  renameKey(mountUuid: string, id: string, name: string): Promise<'ok' | 'missing' | 'name_taken'>;
  /** Refused while an issuer uses the key; clears the default key setting if it pointed at it. */
  deleteKey(mountUuid: string, id: string): Promise<'ok' | 'missing' | 'in_use'>;

  listIssuers(mountUuid: string): Promise<PkiIssuerRecord[]>;
  getIssuer(mountUuid: string, id: string): Promise<PkiIssuerRecord | null>;
  findIssuerByName(mountUuid: string, name: string): Promise<PkiIssuerRecord | null>;
  /**
   * Replaces the mutable fields (name, keyId, leafNotAfterBehavior, usage, manualChain,
   * revocationSignatureAlgorithm, urls, revoked, revocationTimeMs); keyId may only link a
   * key-less issuer to the key of its certificate.
   */
  updateIssuer(mountUuid: string, issuer: PkiIssuerRecord): Promise<'ok' | 'missing' | 'name_taken'>;
  /** Clears the default issuer setting if it pointed at it. */
  deleteIssuer(mountUuid: string, id: string): Promise<boolean>;
  /** DELETE /root: every issuer and key of the mount, and both default settings. */
  deleteAllIssuersAndKeys(mountUuid: string): Promise<void>;

  /**
   * Stores a change atomically; keys and issuers already present (same public key / certificate)
   * are not duplicated. Names must be checked free by the caller first (a race surfaces as an error).
   */
  applyChange(mountUuid: string, change: PkiChange): Promise<PkiChangeResult>;

  getConfig<T>(mountUuid: string, name: PkiConfigName): Promise<T | null>;
  setConfig(mountUuid: string, name: PkiConfigName, value: unknown): Promise<void>;

  getRole(mountUuid: string, name: string): Promise<unknown | null>;
  putRole(mountUuid: string, name: string, role: unknown): Promise<void>;
  deleteRole(mountUuid: string, name: string): Promise<boolean>;
  listRoles(mountUuid: string): Promise<string[]>;

  /** The issuance hot path: one insert; 'duplicate' when the serial exists in the mount. */
  insertCert(mountUuid: string, cert: PkiCertRecord): Promise<'ok' | 'duplicate'>;
  getCert(mountUuid: string, serial: string): Promise<PkiCertRecord | null>;
  listCertSerials(mountUuid: string): Promise<string[]>;

  /**
   * Idempotent and durable once resolved: revoking a serial again returns the first
   * revocation with created = false.
   */
  revokeCert(
    mountUuid: string,
    revocation: Omit<PkiRevocationRecord, 'seq'>,
  ): Promise<{ record: PkiRevocationRecord; created: boolean }>;
  getRevocation(mountUuid: string, serial: string): Promise<PkiRevocationRecord | null>;
  listRevokedSerials(mountUuid: string): Promise<string[]>;
  /** An issuer's revocations in seq order, optionally only those after a seq (delta CRLs). */
  listRevocations(mountUuid: string, issuerId: string, afterSeq?: number): Promise<PkiRevocationRecord[]>;
  /** How many revocations are on an issuer's list (detects removals, e.g. by tidy in another process). */
  countRevocations(mountUuid: string, issuerId: string): Promise<number>;
  /** The highest revocation seq of the mount; 0 when nothing was revoked. */
  latestRevocationSeq(mountUuid: string): Promise<number>;

  getCrl(mountUuid: string, issuerId: string, delta: boolean): Promise<StoredCrl | null>;
  /** The next CRL number of an issuer, allocated atomically (several processes may build CRLs). */
  nextCrlNumber(mountUuid: string, issuerId: string): Promise<number>;
  /** Stores the CRL unless a newer one (higher number) is already stored. */
  saveCrl(mountUuid: string, crl: StoredCrl): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// PKI tidy (the `tidy` endpoint and auto-tidy), merged into PkiStore above. Every method is
// one short unit of work over at most `limit` rows that continues from a keyset cursor, so a
// tidy of millions of rows never holds the database for long and never spans an await.

/** Where a walk over stored certificates stopped; certificates are walked in (notAfter, serial) order. */
export interface PkiCertCursor {
  notAfterMs: number;
  serial: string;
}

export interface PkiTidyCertBatch {
  /** Certificates deleted by this batch (at most `limit` rows were examined). */
  deleted: number;
  /** Where the next batch starts; null when no expired certificate is left after this batch. */
  next: PkiCertCursor | null;
}

export interface PkiTidyRevocationBatch {
  /** Revocations deleted, and the stored certificates deleted with them. */
  revocationsDeleted: number;
  certsDeleted: number;
  /** Issuers whose CRLs lost entries, sorted, each once (revocations without an issuer are not listed). */
  issuerIds: string[];
  /** The revocation seq the next batch continues after; null when the walk is done. */
  nextSeq: number | null;
}

/** A revocation whose issuer is unset or no longer an issuer of the mount. */
export interface PkiOrphanRevocation {
  seq: number;
  serial: string;
  issuerId: string | null;
  /** The revoked certificate: its stored row, else an issuer of the mount with that serial; null when unknown. */
  certificateDer: Buffer | null;
}

export interface PkiStore {
  /**
   * One batch of tidy_cert_store: examines up to `limit` stored certificates with notAfter before
   * `expiredBeforeMs`, after `after`, and deletes those that are not revoked. A revoked
   * certificate stays until tidy_revoked_certs removes it with its revocation: its row is what
   * tells when the revocation itself may go.
   */
  deleteExpiredCerts(mountUuid: string, expiredBeforeMs: number, after: PkiCertCursor | null, limit: number): Promise<PkiTidyCertBatch>;
  /**
   * One batch of tidy_revoked_certs: examines up to `limit` revocations after seq `afterSeq` and
   * deletes those whose certificate expired before `expiredBeforeMs`, with the certificate's
   * stored row. The expiry comes from the stored certificate, else from an issuer of the mount
   * with that serial (a revoked intermediate). A revocation whose certificate is neither is kept:
   * nothing proves it expired, and dropping a live revocation from a CRL would un-revoke it.
   */
  deleteExpiredRevocations(mountUuid: string, expiredBeforeMs: number, afterSeq: number, limit: number): Promise<PkiTidyRevocationBatch>;
  /** Examines up to `limit` revocations after seq `afterSeq`; returns those whose issuer is unset or deleted. */
  listOrphanRevocations(mountUuid: string, afterSeq: number, limit: number): Promise<{ orphans: PkiOrphanRevocation[]; nextSeq: number | null }>;
  /** Points one revocation at another issuer (its CRL); false when the serial is not revoked. */
  setRevocationIssuer(mountUuid: string, serial: string, issuerId: string): Promise<boolean>;
  /** How many certificates are stored and how many are revoked in the mount (tidy-status). */
  countCertsAndRevocations(mountUuid: string): Promise<{ certs: number; revocations: number }>;
  /** Issuers whose certificate's notAfter is before `expiredBeforeMs`, by id. */
  listExpiredIssuers(mountUuid: string, expiredBeforeMs: number): Promise<PkiIssuerRecord[]>;
}
