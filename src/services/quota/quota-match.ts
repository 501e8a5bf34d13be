import type { RateLimitQuotaRecord } from '../../storage/types.js';

/**
 * Vault's precedence, most specific first: a role quota for a login with that role, a quota on
 * the exact path, the longest path prefix (`mount/prefix*` or the mount itself), the global quota.
 */
export function selectQuota(
  quotas: readonly RateLimitQuotaRecord[],
  path: string,
  loginRole: { mountPath: string; role: string } | null,
): RateLimitQuotaRecord | null {
  if (loginRole) {
    const byRole = quotas.find((q) => q.role !== '' && q.role === loginRole.role && q.path === loginRole.mountPath);
    if (byRole) return byRole;
  }
  let best: RateLimitQuotaRecord | null = null;
  let bestLength = -1;
  const withSlash = `${path}/`;
  for (const quota of quotas) {
    if (quota.role !== '') continue;
    if (quota.path === path) return quota;
    const prefix = quotaPrefix(quota.path);
    if (prefix === null) continue;
    if ((prefix === '' || withSlash.startsWith(prefix) || (quota.path.endsWith('*') && path.startsWith(prefix))) && prefix.length > bestLength) {
      best = quota;
      bestLength = prefix.length;
    }
  }
  return best;
}

/** The prefix a quota covers: '' for global, `mount/` for a mount, `mount/pre` for `mount/pre*`; null for an exact path. */
function quotaPrefix(path: string): string | null {
  if (path === '' || path.endsWith('/')) return path;
  if (path.endsWith('*')) return path.slice(0, -1);
  return null;
}

/** Whether a request path is exempt: entries ending in `*` or `/` cover everything below them. */
export function isExempt(exemptPaths: readonly string[], path: string): boolean {
  for (const entry of exemptPaths) {
    if (entry === path) return true;
    if (entry.endsWith('*') && path.startsWith(entry.slice(0, -1))) return true;
    if (entry.endsWith('/') && `${path}/`.startsWith(entry)) return true;
  }
  return false;
}
