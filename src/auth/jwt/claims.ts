/**
 * Claim lookups as Vault's JWT method does them (claims.go): a name starting with `/` is a JSON
 * pointer (RFC 6901) into nested claims, anything else a top-level claim; bound claims match any
 * of their values, exactly or as `*` globs; claim mappings copy string claims into metadata.
 */
import { globMatch } from '../../pki/glob.js';
import { denied } from './compact.js';
import { isPlainObject } from './http-fetch.js';

export type ClaimScalar = string | number | boolean;
export type BoundClaimValue = ClaimScalar | ClaimScalar[];

/** A claim value, or undefined when absent (JSON null counts as absent). */
export function getClaim(claims: Record<string, unknown>, name: string): unknown {
  if (!name.startsWith('/')) return claims[name] ?? undefined;
  let node: unknown = claims;
  for (const raw of name.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      if (!/^(?:0|[1-9]\d*)$/.test(token)) return undefined;
      node = node[Number(token)];
    } else if (isPlainObject(node)) {
      node = Object.hasOwn(node, token) ? node[token] : undefined;
    } else {
      return undefined;
    }
    if (node === undefined || node === null) return undefined;
  }
  return node;
}

const isScalar = (value: unknown): value is ClaimScalar =>
  typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

/** A string, bool or number as a one-element list; a list as itself; anything else null. */
export function normalizeList(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (isScalar(value)) return [value];
  return null;
}

/** Every bound claim must be present and match one of its values; throws permission_denied. */
export function checkBoundClaims(boundClaims: Record<string, BoundClaimValue>, useGlobs: boolean, claims: Record<string, unknown>): void {
  for (const [name, expected] of Object.entries(boundClaims)) {
    const actual = getClaim(claims, name);
    if (actual === undefined) throw denied(`claim "${name}" is missing`);
    const actualValues = normalizeList(actual);
    if (!actualValues) throw denied(`claim "${name}" is not a string, bool, number or list`);
    const expectedValues = normalizeList(expected) ?? [];
    const found = expectedValues.some((want) =>
      actualValues.some((got) => (useGlobs ? typeof want === 'string' && typeof got === 'string' && globMatch(want, got) : got === want)),
    );
    if (!found) throw denied(`claim "${name}" does not match any associated bound claim values`);
  }
}

/** `claim_mappings`: source claim → metadata key; a present non-string claim is refused. */
export function extractMetadata(claims: Record<string, unknown>, mappings: Record<string, string>): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [source, target] of Object.entries(mappings)) {
    const value = getClaim(claims, source);
    if (value === undefined) continue;
    if (typeof value !== 'string') throw denied(`error converting claim '${source}' to string`);
    metadata[target] = value;
  }
  return metadata;
}
