/**
 * The whole `auth/jwt/login` decision once the route has loaded config and role: CIDR binding,
 * verification, authorization. The route resolves the role name (resolveJwtRoleName), answers
 * 400 for an unknown role, mints the token from the result and renders Vault's `auth` block.
 */
import { CaError } from '../../core/errors.js';
import { authorizeRole } from './authorize.js';
import type { JwtConfig } from './config.js';
import type { AuthLogin } from './login-result.js';
import type { JwtRole } from './role.js';
import { remoteAddressAllowed } from './token-params.js';
import { verifyJwt, type JwtVerifyContext } from './verify.js';

export interface JwtLoginRequest {
  roleName: string;
  role: JwtRole;
  config: JwtConfig;
  jwt: string;
  /** Client address, for token_bound_cidrs. */
  remoteAddress?: string;
}

export async function loginJwt(request: JwtLoginRequest, ctx: JwtVerifyContext): Promise<AuthLogin> {
  if (!remoteAddressAllowed(request.remoteAddress, request.role.tokenBoundCidrs)) {
    throw new CaError('permission_denied', `client address ${request.remoteAddress ?? '(unknown)'} is outside the role's token_bound_cidrs`);
  }
  const claims = await verifyJwt(request.jwt, request.config, request.role, ctx);
  return authorizeRole(claims, request.role, request.roleName);
}
