import type { Logger } from 'pino';
import { badRequest } from '../../core/errors.js';
import type { AuthLogin } from '../../auth/jwt/index.js';
import type { AuthStore, MountRecord } from '../../storage/types.js';
import type { MountService } from '../mount-service.js';
import type { IssuedToken, TokenService } from '../token-service.js';
import { loginFailure } from './login-failure.js';
import { issueLoginToken } from './login-tokens.js';

/** What distinguishes one JWT-style auth method (kubernetes, jwt) from another. */
export interface RoleAuthMethodSpec<Config, Role, ConfigInput, RoleInput> {
  buildConfig(input: ConfigInput): Config;
  buildRole(input: RoleInput, existing?: Role): Role;
  roleWarnings(role: Role): string[];
  /** Verifies the credential and decides the login; refusals are CaError('permission_denied'). */
  login(request: { roleName: string; role: Role; config: Config; jwt: string; remoteAddress: string | undefined }): Promise<AuthLogin>;
  /** Resolves the role name of a login (the JWT method falls back to its default_role). */
  roleName?(requested: string, config: Config): string;
}

const roleNamePattern = /^\w(?:[\w.-]*\w)?$/;

/** Config, roles and login of a role-based auth method mounted at auth/<path>/. */
export class RoleAuthMethod<Config, Role, ConfigInput, RoleInput> {
  constructor(
    private readonly spec: RoleAuthMethodSpec<Config, Role, ConfigInput, RoleInput>,
    private readonly store: AuthStore,
    private readonly tokens: TokenService,
    private readonly mounts: MountService,
    private readonly logger: Logger,
  ) {}

  async config(mount: MountRecord): Promise<Config | null> {
    return this.store.getConfig<Config>(mount.uuid, 'config');
  }

  async setConfig(mount: MountRecord, input: ConfigInput): Promise<Config> {
    const config = this.spec.buildConfig(input);
    await this.store.setConfig(mount.uuid, 'config', config);
    return config;
  }

  async role(mount: MountRecord, name: string): Promise<Role | null> {
    return this.store.getRole<Role>(mount.uuid, name);
  }

  async writeRole(mount: MountRecord, name: string, input: RoleInput): Promise<{ role: Role; warnings: string[] }> {
    if (!roleNamePattern.test(name)) throw badRequest(`invalid role name "${name}"`);
    const role = this.spec.buildRole(input, (await this.role(mount, name)) ?? undefined);
    await this.store.putRole(mount.uuid, name, role);
    return { role, warnings: this.spec.roleWarnings(role) };
  }

  async deleteRole(mount: MountRecord, name: string): Promise<void> {
    await this.store.deleteRole(mount.uuid, name);
  }

  async listRoles(mount: MountRecord): Promise<string[]> {
    return this.store.listRoles(mount.uuid);
  }

  /** The role a login names (or the configured default), for role-scoped quotas. */
  async roleNameOf(mount: MountRecord, requestedRole: string): Promise<string | null> {
    const config = await this.config(mount);
    if (!config) return null;
    return this.spec.roleName ? this.spec.roleName(requestedRole, config) : requestedRole;
  }

  async login(mount: MountRecord, requestedRole: string, jwt: string, remoteAddress: string | undefined): Promise<IssuedToken> {
    const config = await this.config(mount);
    if (!config) throw badRequest('could not load backend configuration');
    const roleName = this.spec.roleName ? this.spec.roleName(requestedRole, config) : requestedRole;
    const role = await this.role(mount, roleName);
    if (!role) throw badRequest(`invalid role name "${roleName}"`);
    try {
      const login = await this.spec.login({ roleName, role, config, jwt, remoteAddress });
      return await issueLoginToken(this.tokens, this.mounts, mount, login);
    } catch (error) {
      throw loginFailure(error, this.logger, mount, roleName);
    }
  }
}
