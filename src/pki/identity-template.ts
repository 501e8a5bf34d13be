/**
 * Vault identity templates in role allow-lists (`allowed_domains_template`,
 * `allowed_uri_sans_template`): `{{identity.entity.id}}`, `{{identity.entity.name}}`,
 * `{{identity.entity.metadata.<key>}}` and
 * `{{identity.entity.aliases.<mount accessor>.id|name|metadata.<key>}}`.
 */
import type { CallerIdentity } from './types.js';

const placeholder = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** True when the entry contains a `{{…}}` placeholder and so needs rendering before use. */
export function isIdentityTemplate(text: string): boolean {
  return text.includes('{{');
}

/** The value one placeholder names, or null when the caller's identity does not have it. */
function lookup(path: string, identity: CallerIdentity): string | null {
  const parts = path.split('.');
  if (parts[0] !== 'identity' || parts[1] !== 'entity') return null;
  const rest = parts.slice(2);
  if (rest.length === 1 && rest[0] === 'id') return identity.entityId;
  if (rest.length === 1 && rest[0] === 'name') return identity.entityName;
  if (rest.length >= 2 && rest[0] === 'metadata') return own(identity.entityMetadata, rest.slice(1).join('.'));
  if (rest.length >= 3 && rest[0] === 'aliases') {
    const alias = own(identity.aliases, rest[1]!);
    if (alias === null) return null;
    const field = rest.slice(2);
    if (field.length === 1 && field[0] === 'id') return alias.id;
    if (field.length === 1 && field[0] === 'name') return alias.name;
    if (field.length >= 2 && field[0] === 'metadata') return own(alias.metadata, field.slice(1).join('.'));
  }
  return null;
}

/** Own-property lookup, so a key such as `constructor` cannot reach the prototype. */
function own<T>(record: Record<string, T>, key: string): T | null {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key]! : null;
}

/**
 * Renders every placeholder of `template` for the caller. Returns null when the entry cannot
 * be rendered — no identity (e.g. the root token), an unknown placeholder, a missing or empty
 * value — so the caller skips that allow-list entry, as Vault does. A substituted value that
 * contains `*` is also refused: an entity name or metadata value the caller may influence
 * must not turn into a glob that widens its own grant.
 */
export function renderIdentityTemplate(template: string, identity: CallerIdentity | null): string | null {
  if (!isIdentityTemplate(template)) return template;
  if (identity === null) return null;
  let failed = false;
  const rendered = template.replace(placeholder, (_match, path: string) => {
    const value = lookup(path, identity);
    if (value === null || value === '' || value.includes('*')) failed = true;
    return value ?? '';
  });
  // A stray `{{` or `}}` left over means a malformed template: unusable rather than literal.
  if (failed || rendered.includes('{{') || rendered.includes('}}')) return null;
  return rendered;
}
