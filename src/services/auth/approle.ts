import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { secretsEqual } from '../../core/compare.js';
import { appRoleToWire, buildAppRole, cidrsWithin, type AppRole, type AppRoleWireInput } from '../../auth/approle/role.js';
import { parseBoundCidrs, remoteAddressAllowed, tokenParamsOf } from '../../auth/jwt/token-params.js';
import type { AuthLogin } from '../../auth/jwt/index.js';
import type { Clock } from '../../core/clock.js';
import { badRequest, CaError, notFound } from '../../core/errors.js';
import type { Keyring } from '../../core/keyring.js';
import type { Random } from '../../core/random.js';
import type { AppRoleSecretIdRecord, AppRoleStore, AuthStore, MountRecord } from '../../storage/types.js';
import type { MountService } from '../mount-service.js';
import type { IssuedToken, TokenService } from '../token-service.js';
import { issueLoginToken } from './login-tokens.js';

export { appRoleToWire };

const roleNamePattern = /^\w(?:[\w.@-]*\w)?$/;

/** Vault's one answer for an unknown role ID, an unknown, spent or expired secret ID. */
const invalidCredentials = (): CaError => badRequest('invalid role or secret ID');

export interface SecretIdRequest {
  /** JSON object of strings, as a string. */
  metadata: Record<string, string>;
  cidrList: string[];
  tokenBoundCidrs: string[];
  /** 0 → the role's secret_id_num_uses. */
  numUses: number;
  /** Seconds; 0 → the role's secret_id_ttl. */
  ttl: number;
}

export interface GeneratedSecretId {
  secretId: string;
  accessor: string;
  ttl: number;
  numUses: number;
}

const rfc3339 = (ms: number): string => new Date(ms).toISOString();

/** A secret ID's lookup, in Vault's shape. */
export function secretIdToWire(record: AppRoleSecretIdRecord): Record<string, unknown> {
  return {
    cidr_list: [...record.cidrList],
    creation_time: rfc3339(record.createdAt),
    expiration_time: record.expiresAt === null ? '0001-01-01T00:00:00Z' : rfc3339(record.expiresAt),
    last_updated_time: rfc3339(record.updatedAt),
    metadata: { ...record.metadata },
    secret_id_accessor: record.accessor,
    secret_id_num_uses: record.numUses,
    secret_id_ttl: record.ttl,
    token_bound_cidrs: [...record.tokenBoundCidrs],
  };
}

/**
 * The AppRole auth method (`auth/approle`). Roles are AuthStore documents; role IDs are indexed,
 * and secret IDs stored, only as HMACs under Keyring subkeys.
 */
export class AppRoleAuth {
  private readonly roleIdKey: Buffer;
  private readonly secretIdKey: Buffer;

  constructor(
    private readonly deps: {
      roles: AuthStore;
      store: AppRoleStore;
      tokens: TokenService;
      mounts: MountService;
      keyring: Keyring;
      random: Random;
      clock: Clock;
      logger: Logger;
    },
  ) {
    this.roleIdKey = deps.keyring.subkey('approle-role-id');
    this.secretIdKey = deps.keyring.subkey('approle-secret-id');
  }

  private roleIdHash(mount: MountRecord, roleId: string): string {
    return createHmac('sha256', this.roleIdKey).update(`${mount.uuid}\0${roleId}`, 'utf8').digest('hex');
  }

  private secretIdHash(mount: MountRecord, roleName: string, secretId: string): string {
    return createHmac('sha256', this.secretIdKey).update(`${mount.uuid}\0${roleName}\0${secretId}`, 'utf8').digest('hex');
  }

  async role(mount: MountRecord, name: string): Promise<AppRole | null> {
    return this.deps.roles.getRole<AppRole>(mount.uuid, name);
  }

  private async existingRole(mount: MountRecord, name: string): Promise<AppRole> {
    const role = await this.role(mount, name);
    if (!role) throw badRequest(`role "${name}" does not exist`);
    return role;
  }

  async listRoles(mount: MountRecord): Promise<string[]> {
    return this.deps.roles.listRoles(mount.uuid);
  }

  async writeRole(mount: MountRecord, name: string, input: AppRoleWireInput): Promise<AppRole> {
    if (!roleNamePattern.test(name)) throw badRequest(`invalid role name "${name}"`);
    const existing = (await this.role(mount, name)) ?? undefined;
    const role = buildAppRole(input, existing, () => this.deps.random.uuid());
    if (!existing || role.roleId !== existing.roleId) await this.indexRoleId(mount, name, role.roleId);
    await this.deps.roles.putRole(mount.uuid, name, role);
    return role;
  }

  private async indexRoleId(mount: MountRecord, name: string, roleId: string): Promise<void> {
    if (!(await this.deps.store.setRoleId(mount.uuid, name, this.roleIdHash(mount, roleId)))) {
      throw badRequest('role_id already in use');
    }
  }

  async deleteRole(mount: MountRecord, name: string): Promise<void> {
    await this.deps.store.deleteRole(mount.uuid, name);
    await this.deps.roles.deleteRole(mount.uuid, name);
  }

  async setRoleId(mount: MountRecord, name: string, roleId: string): Promise<void> {
    if (roleId.trim() === '') throw badRequest('missing role_id');
    const role = await this.role(mount, name);
    if (!role) throw notFound(`role "${name}" does not exist`);
    if (role.roleId === roleId) return;
    await this.indexRoleId(mount, name, roleId);
    await this.deps.roles.putRole(mount.uuid, name, { ...role, roleId });
  }

  /** Generates (or, with `custom`, registers) a secret ID for the role. */
  async createSecretId(mount: MountRecord, name: string, request: SecretIdRequest, custom?: string): Promise<GeneratedSecretId> {
    const role = await this.existingRole(mount, name);
    if (!role.bindSecretId) throw badRequest('bind_secret_id is not set on the role');
    const cidrList = [...new Set(parseBoundCidrs(request.cidrList, 'cidr_list'))];
    if (role.secretIdBoundCidrs.length > 0 && !cidrsWithin(cidrList, role.secretIdBoundCidrs)) {
      throw badRequest('failed to verify the CIDR restrictions set on the secret ID: cidr_list is not a subset of the role\'s secret_id_bound_cidrs');
    }
    const tokenBoundCidrs = [...new Set(parseBoundCidrs(request.tokenBoundCidrs, 'token_bound_cidrs'))];
    if (role.token.tokenBoundCidrs.length > 0 && !cidrsWithin(tokenBoundCidrs, role.token.tokenBoundCidrs)) {
      throw badRequest('failed to verify the CIDR restrictions set on the secret ID: token_bound_cidrs is not a subset of the role\'s token_bound_cidrs');
    }
    if (request.numUses < 0) throw badRequest('num_uses cannot be negative');
    if (role.secretIdNumUses > 0 && request.numUses > role.secretIdNumUses) {
      throw badRequest('num_uses cannot be higher than the role\'s secret_id_num_uses');
    }
    if (request.ttl < 0) throw badRequest('ttl cannot be negative');
    if (role.secretIdTtl > 0 && request.ttl > role.secretIdTtl) throw badRequest('ttl cannot be longer than the role\'s secret_id_ttl');
    const numUses = request.numUses > 0 ? request.numUses : role.secretIdNumUses;
    const ttl = request.ttl > 0 ? request.ttl : role.secretIdTtl;
    if (custom !== undefined && custom === '') throw badRequest('missing secret_id');
    const secretId = custom ?? this.deps.random.uuid();
    const accessor = this.deps.random.uuid();
    const now = this.deps.clock.nowMs();
    const created = await this.deps.store.createSecretId({
      mountUuid: mount.uuid,
      roleName: name,
      secretIdHash: this.secretIdHash(mount, name, secretId),
      accessor,
      metadata: request.metadata,
      cidrList,
      tokenBoundCidrs,
      numUses,
      ttl,
      createdAt: now,
      expiresAt: ttl > 0 ? now + ttl * 1000 : null,
      updatedAt: now,
    });
    if (!created) throw badRequest('SecretID is already registered');
    return { secretId, accessor, ttl, numUses };
  }

  async listSecretIdAccessors(mount: MountRecord, name: string): Promise<string[]> {
    await this.existingRole(mount, name);
    return this.deps.store.listAccessors(mount.uuid, name, this.deps.clock.nowMs());
  }

  async lookupSecretId(mount: MountRecord, name: string, secretId: string): Promise<AppRoleSecretIdRecord | null> {
    if (secretId === '') throw badRequest('missing secret_id');
    await this.existingRole(mount, name);
    return this.deps.store.secretId(mount.uuid, name, this.secretIdHash(mount, name, secretId), this.deps.clock.nowMs());
  }

  async destroySecretId(mount: MountRecord, name: string, secretId: string): Promise<void> {
    if (secretId === '') throw badRequest('missing secret_id');
    await this.existingRole(mount, name);
    await this.deps.store.deleteSecretId(mount.uuid, name, this.secretIdHash(mount, name, secretId));
  }

  async lookupAccessor(mount: MountRecord, name: string, accessor: string): Promise<AppRoleSecretIdRecord> {
    if (accessor === '') throw badRequest('missing secret_id_accessor');
    await this.existingRole(mount, name);
    const record = await this.deps.store.secretIdByAccessor(mount.uuid, name, accessor, this.deps.clock.nowMs());
    if (!record) throw notFound(`failed to find accessor entry for secret_id_accessor: "${accessor}"`);
    return record;
  }

  async destroyAccessor(mount: MountRecord, name: string, accessor: string): Promise<void> {
    await this.lookupAccessor(mount, name, accessor);
    await this.deps.store.deleteByAccessor(mount.uuid, name, accessor);
  }

  /** The role a role ID belongs to, for role-scoped quotas; null when unknown. */
  async roleNameOf(mount: MountRecord, roleId: string): Promise<string | null> {
    if (roleId === '') return null;
    return this.deps.store.roleByRoleId(mount.uuid, this.roleIdHash(mount, roleId));
  }

  /** Checks the role ID and secret ID, spends a use, and mints the token. */
  async login(mount: MountRecord, roleId: string, secretId: string, remoteAddress: string | undefined): Promise<IssuedToken> {
    if (roleId === '') throw badRequest('missing role_id');
    const roleName = await this.deps.store.roleByRoleId(mount.uuid, this.roleIdHash(mount, roleId));
    const role = roleName === null ? null : await this.role(mount, roleName);
    if (roleName === null || !role || !secretsEqual(role.roleId, roleId)) throw this.refuse(mount, roleName, 'unknown role_id');
    const now = this.deps.clock.nowMs();
    let secret: AppRoleSecretIdRecord | null = null;
    if (role.bindSecretId) {
      if (secretId === '') throw badRequest('missing secret_id');
      const hash = this.secretIdHash(mount, roleName, secretId);
      const found = await this.deps.store.secretId(mount.uuid, roleName, hash, now);
      if (!found) throw this.refuse(mount, roleName, 'unknown, spent or expired secret_id');
      // Address checks before the use is spent: a refused source does not burn a use.
      if (!remoteAddressAllowed(remoteAddress, found.cidrList)) {
        throw this.refuse(mount, roleName, 'source address outside the secret ID cidr_list', `source address "${remoteAddress ?? ''}" unauthorized through CIDR restrictions on the secret ID`);
      }
      secret = found;
    }
    if (!remoteAddressAllowed(remoteAddress, role.secretIdBoundCidrs)) {
      throw this.refuse(mount, roleName, 'source address outside secret_id_bound_cidrs', `source address "${remoteAddress ?? ''}" unauthorized by CIDR restrictions on the role`);
    }
    const token = tokenParamsOf(role.token);
    if (secret && secret.tokenBoundCidrs.length > 0) token.tokenBoundCidrs = [...secret.tokenBoundCidrs];
    if (!remoteAddressAllowed(remoteAddress, token.tokenBoundCidrs)) {
      throw this.refuse(mount, roleName, 'source address outside token_bound_cidrs', `source address "${remoteAddress ?? ''}" unauthorized by CIDR restrictions on the token`);
    }
    if (secret && !(await this.deps.store.consumeSecretId(mount.uuid, roleName, secret.secretIdHash, now))) {
      throw this.refuse(mount, roleName, 'secret_id spent by a concurrent login');
    }
    const metadata = { ...(secret?.metadata ?? {}), role_name: roleName };
    const login: AuthLogin = {
      roleName,
      aliasName: role.roleId,
      aliasMetadata: metadata,
      metadata,
      displayName: '',
      groupAliases: [],
      token,
    };
    return issueLoginToken(this.deps.tokens, this.deps.mounts, mount, login);
  }

  /** The reason goes to the server log; the caller gets Vault's text, which does not say which part was wrong. */
  private refuse(mount: MountRecord, roleName: string | null, reason: string, message?: string): CaError {
    this.deps.logger.info({ mount: mount.path, role: roleName, reason }, 'login refused');
    return message ? badRequest(message) : invalidCredentials();
  }
}
