import { randomBase62, type Random } from '../core/random.js';

/** Service tokens look like Vault's: `hvs.` and 24 base62 characters. */
export const newServiceToken = (random: Random): string => `hvs.${randomBase62(random, 24)}`;
export const newAccessor = (random: Random): string => randomBase62(random, 24);

/** Vault's display names: `token` or `token-<name>`, lower case, other characters turned into dashes. */
export function tokenDisplayName(requested: string): string {
  const cleaned = requested.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  if (cleaned === '' || cleaned === 'token') return 'token';
  return cleaned.startsWith('token-') ? cleaned : `token-${cleaned}`;
}
