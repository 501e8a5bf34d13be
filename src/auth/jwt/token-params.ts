/**
 * Vault's common token fields of an auth role (sdk/helper/tokenutil): what a login's token gets.
 * Shared by the JWT and Kubernetes roles. Durations are whole seconds, already decoded by the
 * HTTP layer; the deprecated names (`policies`, `ttl`, `max_ttl`, `period`, `bound_cidrs`,
 * `num_uses`) are read only when the `token_` name is absent, as Vault's UpgradeValue does.
 */
import { badRequest } from '../../core/errors.js';
import { formatCidr, formatIp, parseCidr, parseIp } from '../../pki/ip.js';
import { cleanList } from './public-keys.js';

export type TokenType = 'default' | 'service' | 'batch' | 'default-service' | 'default-batch';
const tokenTypes: readonly TokenType[] = ['default', 'service', 'batch', 'default-service', 'default-batch'];

export interface TokenParams {
  /** Seconds; 0 → the mount's default lease TTL. */
  tokenTtl: number;
  /** Seconds; 0 → the mount's max lease TTL. */
  tokenMaxTtl: number;
  tokenExplicitMaxTtl: number;
  /** Seconds; non-zero makes periodic tokens. */
  tokenPeriod: number;
  tokenPolicies: string[];
  /** Canonical CIDRs (`10.0.0.0/8`) or single addresses. */
  tokenBoundCidrs: string[];
  tokenNoDefaultPolicy: boolean;
  /** 0 → unlimited. */
  tokenNumUses: number;
  tokenType: TokenType;
}

export interface TokenParamsWireInput {
  token_ttl?: number;
  token_max_ttl?: number;
  token_explicit_max_ttl?: number;
  token_period?: number;
  token_policies?: string[];
  token_bound_cidrs?: string[];
  token_no_default_policy?: boolean;
  token_num_uses?: number;
  token_type?: string;
  /** Deprecated aliases. */
  policies?: string[];
  ttl?: number;
  max_ttl?: number;
  period?: number;
  bound_cidrs?: string[];
  num_uses?: number;
}

export const defaultTokenParams: Readonly<TokenParams> = Object.freeze({
  tokenTtl: 0,
  tokenMaxTtl: 0,
  tokenExplicitMaxTtl: 0,
  tokenPeriod: 0,
  tokenPolicies: [],
  tokenBoundCidrs: [],
  tokenNoDefaultPolicy: false,
  tokenNumUses: 0,
  tokenType: 'default',
});

function nonNegativeSeconds(value: number, field: string): number {
  if (!Number.isSafeInteger(value)) throw badRequest(`'${field}' must be a whole number of seconds`);
  if (value < 0) throw badRequest(`'${field}' cannot be negative`);
  return value;
}

/** Vault accepts single addresses and CIDR blocks; stored canonical. */
export function parseBoundCidrs(values: readonly string[], field: string): string[] {
  return cleanList(values).map((text) => {
    if (text.includes('/')) {
      let range;
      try {
        range = parseCidr(text);
      } catch {
        throw badRequest(`invalid ${field}: "${text}" is not an IP address or CIDR block`);
      }
      return formatCidr(range.address, range.mask);
    }
    const ip = parseIp(text);
    if (!ip) throw badRequest(`invalid ${field}: "${text}" is not an IP address or CIDR block`);
    return formatIp(ip);
  });
}

const dedupe = (values: string[]): string[] => [...new Set(values)];

/**
 * Applies a role write's token fields over `existing` (or the defaults): only the fields present
 * in `input` change, as in Vault's ParseTokenFields.
 */
export function buildTokenParams(input: TokenParamsWireInput, existing: TokenParams = defaultTokenParams): TokenParams {
  const pick = <K extends keyof TokenParamsWireInput>(name: K, legacy: keyof TokenParamsWireInput): TokenParamsWireInput[K] =>
    input[name] !== undefined ? input[name] : (input[legacy] as TokenParamsWireInput[K]);

  const out: TokenParams = { ...existing, tokenPolicies: [...existing.tokenPolicies], tokenBoundCidrs: [...existing.tokenBoundCidrs] };
  const ttl = pick('token_ttl', 'ttl');
  if (ttl !== undefined) out.tokenTtl = nonNegativeSeconds(ttl, 'token_ttl');
  const maxTtl = pick('token_max_ttl', 'max_ttl');
  if (maxTtl !== undefined) out.tokenMaxTtl = nonNegativeSeconds(maxTtl, 'token_max_ttl');
  if (input.token_explicit_max_ttl !== undefined) out.tokenExplicitMaxTtl = nonNegativeSeconds(input.token_explicit_max_ttl, 'token_explicit_max_ttl');
  const period = pick('token_period', 'period');
  if (period !== undefined) out.tokenPeriod = nonNegativeSeconds(period, 'token_period');
  const numUses = pick('token_num_uses', 'num_uses');
  if (numUses !== undefined) out.tokenNumUses = nonNegativeSeconds(numUses, 'token_num_uses');
  const policies = pick('token_policies', 'policies');
  if (policies !== undefined) out.tokenPolicies = dedupe(cleanList(policies));
  const cidrs = pick('token_bound_cidrs', 'bound_cidrs');
  if (cidrs !== undefined) out.tokenBoundCidrs = dedupe(parseBoundCidrs(cidrs, 'token_bound_cidrs'));
  if (input.token_no_default_policy !== undefined) out.tokenNoDefaultPolicy = input.token_no_default_policy;
  if (input.token_type !== undefined) {
    const type = input.token_type.trim() === '' ? 'default' : input.token_type.trim();
    if (!(tokenTypes as readonly string[]).includes(type)) throw badRequest(`invalid 'token_type' value "${input.token_type}"`);
    out.tokenType = type as TokenType;
  }

  if (out.tokenType === 'batch' || out.tokenType === 'default-batch') {
    if (out.tokenPeriod !== 0) throw badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
    if (out.tokenNumUses !== 0) throw badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count");
  }
  if (out.tokenTtl > 0 && out.tokenMaxTtl > 0 && out.tokenTtl > out.tokenMaxTtl) {
    throw badRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
  return out;
}

/** Just the token fields of a role, copied. */
export function tokenParamsOf(source: TokenParams): TokenParams {
  return {
    tokenTtl: source.tokenTtl,
    tokenMaxTtl: source.tokenMaxTtl,
    tokenExplicitMaxTtl: source.tokenExplicitMaxTtl,
    tokenPeriod: source.tokenPeriod,
    tokenPolicies: [...source.tokenPolicies],
    tokenBoundCidrs: [...source.tokenBoundCidrs],
    tokenNoDefaultPolicy: source.tokenNoDefaultPolicy,
    tokenNumUses: source.tokenNumUses,
    tokenType: source.tokenType,
  };
}

/** The token fields of a role read, as Vault's PopulateTokenData shows them. */
export function tokenParamsToWire(params: TokenParams): Record<string, unknown> {
  return {
    token_bound_cidrs: [...params.tokenBoundCidrs],
    token_explicit_max_ttl: params.tokenExplicitMaxTtl,
    token_max_ttl: params.tokenMaxTtl,
    token_no_default_policy: params.tokenNoDefaultPolicy,
    token_num_uses: params.tokenNumUses,
    token_period: params.tokenPeriod,
    token_policies: [...params.tokenPolicies],
    token_ttl: params.tokenTtl,
    token_type: params.tokenType,
  };
}

/**
 * Whether a login from `remoteAddress` may proceed under `cidrs`. An empty list allows all; a
 * bound role with no known client address refuses, as Vault does.
 */
export function remoteAddressAllowed(remoteAddress: string | undefined, cidrs: readonly string[]): boolean {
  if (cidrs.length === 0) return true;
  if (!remoteAddress) return false;
  const address = parseIp(remoteAddress.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  if (!address) return false;
  return cidrs.some((text) => {
    const range = text.includes('/') ? parseCidr(text) : null;
    if (!range) return formatIp(address) === text;
    if (range.address.length !== address.length) return false;
    return range.address.every((byte, i) => (address[i]! & range.mask[i]!) === byte);
  });
}
