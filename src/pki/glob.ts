/**
 * The one glob Vault uses for role allow-lists (allowed_domains with allow_glob_domains,
 * allowed_uri_sans, allowed_other_sans, allowed_serial_numbers, allowed_user_ids): only `*`
 * is special and it matches any run of characters, dots and slashes included.
 * Case-sensitive, anchored at both ends.
 */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!value.startsWith(first)) return false;
  let position = first.length;
  // Leftmost placement of each middle part leaves the most room for the rest, so no backtracking is needed.
  for (const part of parts.slice(1, -1)) {
    const index = value.indexOf(part, position);
    if (index < 0) return false;
    position = index + part.length;
  }
  return value.length - position >= last.length && value.endsWith(last);
}
