import { createHash } from 'node:crypto';
import type { AuthLogin } from '../../auth/jwt/index.js';
import type { MountRecord, TokenIdentity } from '../../storage/types.js';
import type { IssuedToken, TokenService } from '../token-service.js';
import type { MountService } from '../mount-service.js';

/** A stable id from a name: the same alias always maps to the same entity, across logins and restarts. */
function stableUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Mints the token for a successful auth-method login. mintca keeps no separate identity store:
 * each alias (mount accessor + alias name) is its own entity, with a stable id, which is what
 * identity templates such as `{{identity.entity.aliases.<accessor>.metadata.service_account_name}}` need.
 */
export async function issueLoginToken(
  tokens: TokenService,
  mounts: MountService,
  mount: MountRecord,
  login: AuthLogin,
): Promise<IssuedToken> {
  const entityId = stableUuid(`entity:${mount.accessor}:${login.aliasName}`);
  const identity: TokenIdentity = {
    entityId,
    entityName: `entity_${entityId.slice(0, 8)}`,
    entityMetadata: {},
    aliases: { [mount.accessor]: { id: stableUuid(`alias:${mount.accessor}:${login.aliasName}`), name: login.aliasName, metadata: login.aliasMetadata } },
  };
  const ttls = mounts.effectiveTtls(mount);
  const params = login.token;
  return tokens.createForLogin({
    policies: params.tokenPolicies,
    noDefaultPolicy: params.tokenNoDefaultPolicy,
    ttl: params.tokenTtl || ttls.defaultLeaseTtl,
    maxTtl: params.tokenMaxTtl || ttls.maxLeaseTtl,
    explicitMaxTtl: params.tokenExplicitMaxTtl,
    period: params.tokenPeriod,
    numUses: params.tokenNumUses,
    meta: login.metadata,
    // Vault: the mount path, then `-<display name>` when the method gives one (AppRole gives none).
    displayName: mount.path.replace(/\/$/, '') + (login.displayName === '' ? '' : `-${login.displayName}`),
    path: `auth/${mount.path}login`,
    identity,
  });
}
