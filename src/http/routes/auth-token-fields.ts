import type { Fields } from '../fields.js';

/** Vault's token_* fields of auth-method roles (and their deprecated names). */
export const tokenParamFields = {
  token_ttl: { type: 'duration', description: 'TTL of tokens from this role; 0 uses the mount default.' },
  token_max_ttl: { type: 'duration', description: 'Max TTL of tokens from this role; 0 uses the mount max.' },
  token_explicit_max_ttl: { type: 'duration', description: 'Hard limit on the token lifetime.' },
  token_period: { type: 'duration', description: 'Makes periodic tokens.' },
  token_policies: { type: 'comma_string_slice', description: 'Policies of tokens from this role.' },
  token_bound_cidrs: { type: 'comma_string_slice', description: 'Client CIDRs allowed to log in and use the token.' },
  token_no_default_policy: { type: 'bool', description: 'Do not add the default policy.' },
  token_num_uses: { type: 'int', description: 'Uses of the token; 0 is unlimited.' },
  token_type: { type: 'string', description: 'service (batch tokens are not supported).' },
  policies: { type: 'comma_string_slice', description: 'Deprecated: token_policies.' },
  ttl: { type: 'duration', description: 'Deprecated: token_ttl.' },
  max_ttl: { type: 'duration', description: 'Deprecated: token_max_ttl.' },
  period: { type: 'duration', description: 'Deprecated: token_period.' },
  bound_cidrs: { type: 'comma_string_slice', description: 'Deprecated: token_bound_cidrs.' },
  num_uses: { type: 'int', description: 'Deprecated: token_num_uses.' },
} as const satisfies Fields;

/** Only the fields the request carried, so role writes can tell "given" from "defaulted". */
export function providedValues<T extends Record<string, unknown>>(data: T, provided: (name: string) => boolean): Partial<T> {
  return Object.fromEntries(Object.entries(data).filter(([name]) => provided(name))) as Partial<T>;
}
