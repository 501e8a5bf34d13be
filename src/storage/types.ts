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

export interface Store {
  readonly system: SystemStore;
  readonly mounts: MountStore;
  readonly tokens: TokenStore;
  readonly pki: PkiStore;
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
