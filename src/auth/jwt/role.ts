/**
 * `auth/jwt/role/:name` (Vault's jwtRole, JWT flow only). A write updates an existing role field
 * by field (absent fields keep their value), except `role_type` and `bound_claims_type`, which
 * Vault reads with their defaults on every write.
 */
import { badRequest } from '../../core/errors.js';
import type { BoundClaimValue, ClaimScalar } from './claims.js';
import { isPlainObject } from './http-fetch.js';
import { cleanList } from './public-keys.js';
import { buildTokenParams, defaultTokenParams, tokenParamsToWire, type TokenParams, type TokenParamsWireInput } from './token-params.js';

export interface JwtRole extends TokenParams {
  roleType: 'jwt';
  /** Any one must be in `aud`. With none, a token that has `aud` is refused (Vault's strict rule). */
  boundAudiences: string[];
  boundSubject: string;
  boundClaimsType: 'string' | 'glob';
  /** Claim name or JSON pointer → accepted value(s). */
  boundClaims: Record<string, BoundClaimValue>;
  /** Claim name or JSON pointer → metadata key. */
  claimMappings: Record<string, string>;
  /** Claim whose (string) value names the identity alias; "sub" by default. */
  userClaim: string;
  userClaimJsonPointer: boolean;
  /** Claim listing group alias names; "" for none. */
  groupsClaim: string;
  /** Seconds; 0 → 60, negative → no leeway. */
  clockSkewLeeway: number;
  /** Seconds; used to invent `exp` when a token has none; 0 → 150, negative → 0. */
  expirationLeeway: number;
  /** Seconds; used to invent `nbf` when a token has neither nbf nor iat; 0 → 150, negative → 0. */
  notBeforeLeeway: number;
}

export interface JwtRoleWireInput extends TokenParamsWireInput {
  role_type?: string;
  bound_audiences?: string[];
  bound_subject?: string;
  bound_claims_type?: string;
  bound_claims?: Record<string, unknown>;
  claim_mappings?: Record<string, string>;
  user_claim?: string;
  user_claim_json_pointer?: boolean;
  groups_claim?: string;
  clock_skew_leeway?: number;
  expiration_leeway?: number;
  not_before_leeway?: number;
}

export const DEFAULT_CLOCK_SKEW_LEEWAY = 60;
export const DEFAULT_CLAIM_LEEWAY = 150;
const reservedMetadata = ['role'];

const isScalar = (v: unknown): v is ClaimScalar => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

function parseBoundClaims(raw: Record<string, unknown>, glob: boolean): Record<string, BoundClaimValue> {
  if (!isPlainObject(raw)) throw badRequest('bound_claims must be a map');
  const out: Record<string, BoundClaimValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    const values = Array.isArray(value) ? value : [value];
    if (!Array.isArray(value) && !isScalar(value)) throw badRequest(`claim is not a string or list: ${JSON.stringify(value)}`);
    for (const v of values) {
      if (!isScalar(v)) throw badRequest(`bound claim "${name}" holds a value that is not a string, bool or number`);
      if (glob && typeof v !== 'string') throw badRequest(`claim is not a string: ${JSON.stringify(v)}`);
    }
    out[name] = Array.isArray(value) ? (value as ClaimScalar[]) : (value as ClaimScalar);
  }
  return out;
}

function parseClaimMappings(raw: Record<string, string>): Record<string, string> {
  const targets = new Set<string>();
  const out: Record<string, string> = {};
  for (const [claim, key] of Object.entries(raw)) {
    if (typeof key !== 'string') throw badRequest('claim_mappings values must be strings');
    if (reservedMetadata.includes(key)) throw badRequest(`metadata key "${key}" is reserved and may not be a mapping destination`);
    if (targets.has(key)) throw badRequest(`multiple keys are mapped to metadata key "${key}"`);
    targets.add(key);
    out[claim] = key;
  }
  return out;
}

function leeway(value: number | undefined, previous: number, field: string): number {
  if (value === undefined) return previous;
  if (!Number.isSafeInteger(value)) throw badRequest(`'${field}' must be a whole number of seconds`);
  return value;
}

export function buildJwtRole(input: JwtRoleWireInput, existing?: JwtRole): JwtRole {
  const roleType = (input.role_type ?? '').trim() || 'oidc';
  if (roleType === 'oidc') {
    throw badRequest("role_type \"oidc\" (Vault's default) is not supported by mintca: OIDC browser logins are not implemented; set role_type=jwt");
  }
  if (roleType !== 'jwt') throw badRequest(`invalid 'role_type': ${roleType}`);

  const boundClaimsType = (input.bound_claims_type ?? '').trim() || 'string';
  if (boundClaimsType !== 'string' && boundClaimsType !== 'glob') throw badRequest(`invalid 'bound_claims_type': ${boundClaimsType}`);

  const tokenParams = buildTokenParams(input, existing ?? defaultTokenParams);
  const userClaim = input.user_claim !== undefined ? input.user_claim.trim() : (existing?.userClaim ?? 'sub');
  if (userClaim === '') throw badRequest('a user claim must be defined on the role');

  let boundClaims = existing?.boundClaims ?? {};
  if (input.bound_claims !== undefined) boundClaims = parseBoundClaims(input.bound_claims, boundClaimsType === 'glob');
  else if (boundClaimsType === 'glob') parseBoundClaims(boundClaims, true);

  const role: JwtRole = {
    ...tokenParams,
    roleType: 'jwt',
    boundAudiences: input.bound_audiences !== undefined ? [...new Set(cleanList(input.bound_audiences))] : [...(existing?.boundAudiences ?? [])],
    boundSubject: input.bound_subject !== undefined ? input.bound_subject : (existing?.boundSubject ?? ''),
    boundClaimsType,
    boundClaims,
    claimMappings: input.claim_mappings !== undefined ? parseClaimMappings(input.claim_mappings) : { ...(existing?.claimMappings ?? {}) },
    userClaim,
    userClaimJsonPointer: input.user_claim_json_pointer ?? existing?.userClaimJsonPointer ?? false,
    groupsClaim: input.groups_claim !== undefined ? input.groups_claim.trim() : (existing?.groupsClaim ?? ''),
    clockSkewLeeway: leeway(input.clock_skew_leeway, existing?.clockSkewLeeway ?? 0, 'clock_skew_leeway'),
    expirationLeeway: leeway(input.expiration_leeway, existing?.expirationLeeway ?? 0, 'expiration_leeway'),
    notBeforeLeeway: leeway(input.not_before_leeway, existing?.notBeforeLeeway ?? 0, 'not_before_leeway'),
  };
  if (role.boundAudiences.length === 0 && role.boundSubject === '' && Object.keys(role.boundClaims).length === 0 && role.tokenBoundCidrs.length === 0) {
    throw badRequest('must have at least one bound constraint when creating/updating a role');
  }
  return role;
}

/** The read shape of a JWT role (Vault's pathRoleRead; nil maps and lists read as null there). */
export function jwtRoleToWire(role: JwtRole): Record<string, unknown> {
  return {
    role_type: role.roleType,
    expiration_leeway: role.expirationLeeway,
    not_before_leeway: role.notBeforeLeeway,
    clock_skew_leeway: role.clockSkewLeeway,
    bound_audiences: role.boundAudiences.length > 0 ? [...role.boundAudiences] : null,
    bound_subject: role.boundSubject,
    bound_claims_type: role.boundClaimsType,
    bound_claims: Object.keys(role.boundClaims).length > 0 ? structuredClone(role.boundClaims) : null,
    claim_mappings: Object.keys(role.claimMappings).length > 0 ? { ...role.claimMappings } : null,
    user_claim: role.userClaim,
    user_claim_json_pointer: role.userClaimJsonPointer,
    groups_claim: role.groupsClaim,
    allowed_redirect_uris: null,
    callback_mode: 'client',
    oidc_scopes: null,
    verbose_oidc_logging: false,
    max_age: 0,
    ...tokenParamsToWire(role),
  };
}

/** Vault's rule for the leeway fields: 0 → the default, negative → none. */
export const effectiveLeeway = (value: number, fallback: number): number => (value < 0 ? 0 : value === 0 ? fallback : value);
