import { type Clock } from '../core/clock.js';
import { badRequest } from '../core/errors.js';
import type { Random } from '../core/random.js';
import type { MountConfig, MountKind, MountRecord, Store } from '../storage/types.js';

export interface EnableMountInput {
  type: string;
  description: string;
  defaultLeaseTtl: number;
  maxLeaseTtl: number;
  options: Record<string, string>;
  local: boolean;
  sealWrap: boolean;
}

export interface TuneMountInput {
  description?: string;
  defaultLeaseTtl?: number;
  maxLeaseTtl?: number;
}

export interface SystemTtls {
  defaultLeaseTtl: number;
  maxLeaseTtl: number;
}

const reservedSecretPrefixes = ['sys/', 'auth/', 'cubbyhole/', 'identity/'];

/** Vault stores mount paths with one trailing slash and no leading one. */
export function normalizeMountPath(raw: string): string {
  const trimmed = raw.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') throw badRequest('path cannot be empty');
  if (trimmed.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw badRequest(`invalid mount path "${raw}"`);
  }
  if (!/^[\w.\-/]+$/.test(trimmed)) throw badRequest(`invalid mount path "${raw}": use letters, digits, '_', '-', '.' and '/'`);
  return `${trimmed}/`;
}

export class MountService {
  /** Mount tables by kind, valid while the store's config generation stays the same. */
  private readonly tables = new Map<MountKind, { generation: number; mounts: readonly MountRecord[] }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly system: SystemTtls,
    private readonly knownTypes: (kind: MountKind) => ReadonlySet<string>,
  ) {}

  async list(kind: MountKind): Promise<MountRecord[]> {
    return this.store.mounts.list(kind);
  }

  async get(kind: MountKind, rawPath: string): Promise<MountRecord | null> {
    const path = normalizeMountPath(rawPath);
    return (await this.list(kind)).find((m) => m.path === path) ?? null;
  }

  /** Every request resolves its mount: one generation read instead of reading and parsing the table. */
  private async table(kind: MountKind): Promise<readonly MountRecord[]> {
    const generation = await this.store.mounts.configGeneration();
    const cached = this.tables.get(kind);
    if (cached && cached.generation === generation) return cached.mounts;
    const mounts = (await this.store.mounts.list(kind)).map((m) => Object.freeze(m));
    this.tables.set(kind, { generation, mounts });
    return mounts;
  }

  /** The mount a request path falls under (longest prefix), with the path inside it. */
  async resolve(kind: MountKind, requestPath: string): Promise<{ mount: MountRecord; rest: string } | null> {
    let best: MountRecord | null = null;
    const withSlash = requestPath.endsWith('/') ? requestPath : `${requestPath}/`;
    for (const mount of await this.table(kind)) {
      if (withSlash.startsWith(mount.path) && (!best || mount.path.length > best.path.length)) best = mount;
    }
    if (!best) return null;
    return { mount: best, rest: requestPath.slice(best.path.length) };
  }

  async enable(kind: MountKind, rawPath: string, input: EnableMountInput): Promise<MountRecord> {
    const path = normalizeMountPath(rawPath);
    if (kind === 'secret' && reservedSecretPrefixes.some((prefix) => path.startsWith(prefix))) {
      throw badRequest(`cannot mount at reserved path "${path}"`);
    }
    if (kind === 'auth' && path.startsWith('token/')) throw badRequest('token credential backend cannot be instantiated');
    if (!this.knownTypes(kind).has(input.type)) throw badRequest(`plugin not found in the catalog: ${input.type}`);
    const config: MountConfig = {
      defaultLeaseTtl: input.defaultLeaseTtl,
      maxLeaseTtl: input.maxLeaseTtl,
      forceNoCache: false,
      auditNonHmacRequestKeys: [],
      auditNonHmacResponseKeys: [],
      listingVisibility: '',
      passthroughRequestHeaders: [],
      allowedResponseHeaders: [],
    };
    this.checkTtls(config);
    const mount: MountRecord = {
      uuid: this.random.uuid(),
      kind,
      path,
      type: input.type,
      description: input.description,
      // Vault's accessors: pki_1a2b3c4d for engines, auth_kubernetes_1a2b3c4d for auth methods.
      accessor: `${kind === 'auth' ? 'auth_' : ''}${input.type}_${this.random.bytes(4).toString('hex')}`,
      config,
      options: input.options,
      local: input.local,
      sealWrap: input.sealWrap,
      createdAt: this.clock.nowMs(),
    };
    const { conflict } = await this.store.mounts.create(mount);
    if (conflict) throw badRequest(`path is already in use at ${conflict}`);
    return mount;
  }

  async disable(kind: MountKind, rawPath: string): Promise<void> {
    await this.store.mounts.delete(kind, normalizeMountPath(rawPath));
  }

  async tune(kind: MountKind, rawPath: string, input: TuneMountInput): Promise<void> {
    const mount = await this.get(kind, rawPath);
    if (!mount) throw badRequest(`no mount entry found at "${rawPath}"`);
    const config: MountConfig = {
      ...mount.config,
      defaultLeaseTtl: input.defaultLeaseTtl ?? mount.config.defaultLeaseTtl,
      maxLeaseTtl: input.maxLeaseTtl ?? mount.config.maxLeaseTtl,
    };
    this.checkTtls(config);
    await this.store.mounts.updateConfig(kind, mount.path, config, input.description ?? mount.description);
  }

  /** A mount's TTLs with the system defaults filled in where the mount has none. */
  effectiveTtls(mount: MountRecord): SystemTtls {
    return {
      defaultLeaseTtl: mount.config.defaultLeaseTtl || this.system.defaultLeaseTtl,
      maxLeaseTtl: mount.config.maxLeaseTtl || this.system.maxLeaseTtl,
    };
  }

  private checkTtls(config: MountConfig): void {
    if (config.defaultLeaseTtl < 0 || config.maxLeaseTtl < 0) throw badRequest('lease TTLs cannot be negative');
    // A mount's max may exceed the system's (PKI roots are tuned to 87600h); its default may not exceed its max.
    const effectiveMax = config.maxLeaseTtl || this.system.maxLeaseTtl;
    if (config.defaultLeaseTtl > effectiveMax) {
      throw badRequest('backend default lease TTL cannot be greater than backend max lease TTL');
    }
  }
}
