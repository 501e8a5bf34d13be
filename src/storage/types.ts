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
  close(): Promise<void>;
}
