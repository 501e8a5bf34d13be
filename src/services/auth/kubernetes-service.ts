import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import { createHttpsFetch, type HttpFetch, KeySetCache } from '../../auth/jwt/index.js';
import {
  buildKubernetesConfig,
  buildKubernetesRole,
  kubernetesRoleWarnings,
  type KubernetesConfig,
  type KubernetesConfigWireInput,
  type KubernetesRole,
  type KubernetesRoleWireInput,
  loginKubernetes,
} from '../../auth/kubernetes/index.js';
import type { AuthStore, MountRecord } from '../../storage/types.js';
import type { MountService } from '../mount-service.js';
import type { IssuedToken, TokenService } from '../token-service.js';
import { issueLoginToken } from './login-tokens.js';
import { loginFailure } from './login-failure.js';

/** auth/<kubernetes mount>/: config, roles and login. */
export class KubernetesAuthService {
  private readonly keys: KeySetCache;

  constructor(
    private readonly store: AuthStore,
    private readonly tokens: TokenService,
    private readonly mounts: MountService,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly fetch: HttpFetch = createHttpsFetch(),
  ) {
    this.keys = new KeySetCache({ fetch: this.fetch, clock });
  }

  async config(mount: MountRecord): Promise<KubernetesConfig | null> {
    return this.store.getConfig<KubernetesConfig>(mount.uuid, 'config');
  }

  async setConfig(mount: MountRecord, input: KubernetesConfigWireInput): Promise<KubernetesConfig> {
    const config = buildKubernetesConfig(input);
    await this.store.setConfig(mount.uuid, 'config', config);
    return config;
  }

  async role(mount: MountRecord, name: string): Promise<KubernetesRole | null> {
    return this.store.getRole<KubernetesRole>(mount.uuid, name);
  }

  async writeRole(mount: MountRecord, name: string, input: KubernetesRoleWireInput): Promise<{ role: KubernetesRole; warnings: string[] }> {
    if (!/^\w(?:[\w.-]*\w)?$/.test(name)) throw badRequest(`invalid role name "${name}"`);
    const existing = (await this.role(mount, name)) ?? undefined;
    const role = buildKubernetesRole(input, existing);
    await this.store.putRole(mount.uuid, name, role);
    return { role, warnings: kubernetesRoleWarnings(role) };
  }

  async deleteRole(mount: MountRecord, name: string): Promise<void> {
    await this.store.deleteRole(mount.uuid, name);
  }

  async listRoles(mount: MountRecord): Promise<string[]> {
    return this.store.listRoles(mount.uuid);
  }

  async login(mount: MountRecord, roleName: string, jwt: string, remoteAddress: string | undefined): Promise<IssuedToken> {
    const config = await this.config(mount);
    if (!config) throw badRequest('could not load backend configuration');
    const role = await this.role(mount, roleName);
    if (!role) throw badRequest(`invalid role name "${roleName}"`);
    try {
      const login = await loginKubernetes({ roleName, role, config, jwt, remoteAddress }, { clock: this.clock, fetch: this.fetch, keys: this.keys });
      return await issueLoginToken(this.tokens, this.mounts, mount, login);
    } catch (error) {
      throw loginFailure(error, this.logger, mount, roleName);
    }
  }
}
