import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import {
  buildCertConfig,
  buildCertRole,
  type CertConfig,
  type CertConfigWireInput,
  type CertRole,
  type CertRoleWireInput,
  defaultCertConfig,
  loginCert,
  normalizeCertRoleName,
} from '../../auth/cert/index.js';
import type { AuthStore, MountRecord } from '../../storage/types.js';
import type { MountService } from '../mount-service.js';
import type { IssuedToken, TokenService } from '../token-service.js';
import { loginFailure } from './login-failure.js';
import { issueLoginToken } from './login-tokens.js';

const roleNamePattern = /^\w(?:[\w.-]*\w)?$/;

/** Trusted certificates (`certs/:name`), config and login of a cert auth mount. */
export class CertAuth {
  constructor(
    private readonly store: AuthStore,
    private readonly tokens: TokenService,
    private readonly mounts: MountService,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async config(mount: MountRecord): Promise<CertConfig> {
    return (await this.store.getConfig<CertConfig>(mount.uuid, 'config')) ?? { ...defaultCertConfig };
  }

  async setConfig(mount: MountRecord, input: CertConfigWireInput): Promise<CertConfig> {
    const config = buildCertConfig(input, await this.config(mount));
    await this.store.setConfig(mount.uuid, 'config', config);
    return config;
  }

  async role(mount: MountRecord, name: string): Promise<CertRole | null> {
    return this.store.getRole<CertRole>(mount.uuid, normalizeCertRoleName(name));
  }

  async writeRole(mount: MountRecord, requested: string, input: CertRoleWireInput): Promise<CertRole> {
    const name = normalizeCertRoleName(requested);
    if (!roleNamePattern.test(name)) throw badRequest(`invalid certificate name "${requested}"`);
    const role = buildCertRole(name, input, (await this.role(mount, name)) ?? undefined);
    await this.store.putRole(mount.uuid, name, role);
    return role;
  }

  async deleteRole(mount: MountRecord, name: string): Promise<void> {
    await this.store.deleteRole(mount.uuid, normalizeCertRoleName(name));
  }

  async listRoles(mount: MountRecord): Promise<string[]> {
    return this.store.listRoles(mount.uuid);
  }

  /** Logs in with the connection's client certificate; `requested` ('' for any) picks one role. */
  async login(mount: MountRecord, requested: string, peerCertificate: Buffer | null, remoteAddress: string | undefined): Promise<IssuedToken> {
    const wanted = normalizeCertRoleName(requested.trim());
    const names = wanted !== '' ? [wanted] : [...(await this.listRoles(mount))].sort();
    const roles: Array<{ name: string; role: CertRole }> = [];
    for (const name of names) {
      const role = await this.role(mount, name);
      if (role) roles.push({ name, role });
    }
    const config = await this.config(mount);
    try {
      const login = loginCert({ peerCertificate, roles, config, remoteAddress }, { clock: this.clock });
      return await issueLoginToken(this.tokens, this.mounts, mount, login);
    } catch (error) {
      throw loginFailure(error, this.logger, mount, wanted || '(any)');
    }
  }
}
