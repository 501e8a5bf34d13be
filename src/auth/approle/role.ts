/**
 * The AppRole auth method's role (Vault's `auth/approle/role/:role_name`): how secret IDs are
 * bound, and the token fields of its logins. Pure: no storage, no HTTP.
 */
import { badRequest } from '../../core/errors.js';
import { parseCidr, parseIp } from '../../pki/ip.js';
import {
  buildTokenParams,
  defaultTokenParams,
  parseBoundCidrs,
  tokenParamsOf,
  tokenParamsToWire,
  type TokenParams,
  type TokenParamsWireInput,
} from '../jwt/token-params.js';

export interface AppRole {
  /** In clear: Vault treats role IDs as identifiers, not secrets. Lookups go through a keyed-hash index. */
  roleId: string;
  bindSecretId: boolean;
  secretIdBoundCidrs: string[];
  /** 0 is unlimited. */
  secretIdNumUses: number;
  /** Seconds; 0 never expires. */
  secretIdTtl: number;
  localSecretIds: boolean;
  token: TokenParams;
}

export interface AppRoleWireInput extends TokenParamsWireInput {
  role_id?: string;
  bind_secret_id?: boolean;
  secret_id_bound_cidrs?: string[];
  secret_id_num_uses?: number;
  secret_id_ttl?: number;
  local_secret_ids?: boolean;
  /** Deprecated alias of secret_id_bound_cidrs. */
  bound_cidr_list?: string[];
}

function nonNegative(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw badRequest(`${field} cannot be negative`);
  return value;
}

/**
 * Applies a role write over `existing` (or Vault's defaults). `roleId` is the role ID a new role
 * gets when the write names none.
 */
export function buildAppRole(input: AppRoleWireInput, existing: AppRole | undefined, newRoleId: () => string): AppRole {
  if (existing && input.local_secret_ids !== undefined && input.local_secret_ids !== existing.localSecretIds) {
    throw badRequest('local_secret_ids can only be modified during role creation');
  }
  const role: AppRole = existing
    ? { ...existing, secretIdBoundCidrs: [...existing.secretIdBoundCidrs], token: tokenParamsOf(existing.token) }
    : {
        roleId: '',
        bindSecretId: true,
        secretIdBoundCidrs: [],
        secretIdNumUses: 0,
        secretIdTtl: 0,
        localSecretIds: input.local_secret_ids ?? false,
        token: tokenParamsOf(defaultTokenParams),
      };
  if (input.role_id !== undefined) {
    if (input.role_id.trim() === '') throw badRequest('role_id cannot be empty');
    role.roleId = input.role_id;
  } else if (!existing) {
    role.roleId = newRoleId();
  }
  if (input.bind_secret_id !== undefined) role.bindSecretId = input.bind_secret_id;
  const cidrs = input.secret_id_bound_cidrs ?? input.bound_cidr_list;
  if (cidrs !== undefined) role.secretIdBoundCidrs = [...new Set(parseBoundCidrs(cidrs, 'secret_id_bound_cidrs'))];
  if (input.secret_id_num_uses !== undefined) role.secretIdNumUses = nonNegative(input.secret_id_num_uses, 'secret_id_num_uses');
  if (input.secret_id_ttl !== undefined) role.secretIdTtl = nonNegative(input.secret_id_ttl, 'secret_id_ttl');
  role.token = buildTokenParams(input, role.token);
  if (!role.bindSecretId && role.secretIdBoundCidrs.length === 0 && role.token.tokenBoundCidrs.length === 0) {
    throw badRequest('at least one constraint should be enabled on the role');
  }
  return role;
}

/** A role read, in Vault's shape. */
export function appRoleToWire(role: AppRole): Record<string, unknown> {
  return {
    bind_secret_id: role.bindSecretId,
    local_secret_ids: role.localSecretIds,
    secret_id_bound_cidrs: [...role.secretIdBoundCidrs],
    secret_id_num_uses: role.secretIdNumUses,
    secret_id_ttl: role.secretIdTtl,
    ...tokenParamsToWire(role.token),
  };
}

function rangeOf(text: string): { address: Buffer; mask: Buffer } {
  if (text.includes('/')) return parseCidr(text);
  const address = parseIp(text);
  if (!address) throw badRequest(`invalid CIDR "${text}"`);
  return { address, mask: Buffer.alloc(address.length, 0xff) };
}

/** Whether every block of `inner` lies inside some block of `outer` (Vault: cidrutil.SubsetBlocks). */
export function cidrsWithin(inner: readonly string[], outer: readonly string[]): boolean {
  const outerRanges = outer.map(rangeOf);
  return inner.every((text) => {
    const range = rangeOf(text);
    return outerRanges.some(
      (o) =>
        o.address.length === range.address.length &&
        o.mask.every((byte, i) => (range.mask[i]! & byte) === byte) &&
        o.address.every((byte, i) => (range.address[i]! & o.mask[i]!) === byte),
    );
  });
}

/** A secret ID's `metadata`: a JSON object of strings, given as a string (as Vault takes it). */
export function parseSecretIdMetadata(text: string): Record<string, string> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest(`failed to parse metadata: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('failed to parse metadata: not a JSON object');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw badRequest(`failed to parse metadata: value of "${key}" is not a string`);
    out[key] = value;
  }
  return out;
}
