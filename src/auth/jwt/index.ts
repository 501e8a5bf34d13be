/** The JWT auth method (`auth/jwt`, JWT flow) and the JWT plumbing the Kubernetes method shares. */
export { ASYMMETRIC_ALGORITHMS, type AsymmetricAlgorithm } from './algorithms.js';
export { authorizeRole } from './authorize.js';
export { checkBoundClaims, extractMetadata, getClaim, type BoundClaimValue } from './claims.js';
export { MAX_JWT_LENGTH } from './compact.js';
export { buildJwtConfig, jwtConfigToWire, jwtKeySource, type JwtConfig, type JwtConfigWireInput } from './config.js';
export type { HttpFetch, HttpRequest, HttpResponse } from './http-fetch.js';
export { createHttpsFetch, type HttpsFetchOptions } from './https-fetch.js';
export { KeySetCache, type KeySetCacheOptions, type RemoteKeySource } from './key-set-cache.js';
export { loginJwt, type JwtLoginRequest } from './login.js';
export type { AuthLogin } from './login-result.js';
export { buildJwtRole, jwtRoleToWire, type JwtRole, type JwtRoleWireInput } from './role.js';
export { verifySignature, type KeySource } from './signature.js';
export {
  buildTokenParams,
  defaultTokenParams,
  remoteAddressAllowed,
  tokenParamsToWire,
  type TokenParams,
  type TokenParamsWireInput,
  type TokenType,
} from './token-params.js';
export { probeJwtKeySource, resolveJwtRoleName, verifyJwt, type JwtVerifyContext } from './verify.js';
