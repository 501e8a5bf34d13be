/**
 * Templated policy paths (Vault's identitytpl in ACL mode): `{{identity.entity.id}}`,
 * `{{identity.entity.name}}`, `{{identity.entity.metadata.<key>}}`,
 * `{{identity.entity.aliases.<mount accessor>.id|name|metadata.<key>|custom_metadata.<key>}}`,
 * `{{identity.groups.ids.<group id>.id|name|metadata.<key>}}` and
 * `{{identity.groups.names.<group name>.id|name|metadata.<key>}}`.
 * A path that cannot be rendered for the caller is dropped from its ACL, as Vault does.
 */
import type { AclGroup, AclIdentity } from './types.js';

export function hasTemplate(path: string): boolean {
  return path.includes('{{');
}

/** Null when `{{` and `}}` pair up as Vault requires, else the problem. */
export function templateProblem(path: string): string | null {
  const pieces = path.split('{{');
  if (pieces[0]!.includes('}}')) return 'unbalanced templating characters';
  for (const piece of pieces.slice(1)) {
    if (piece.split('}}').length !== 2) return 'unbalanced templating characters';
  }
  return null;
}

/** The path with every placeholder replaced by `value`: for checking the literal parts. */
export function substituteAll(path: string, value: string): string {
  return path.replace(/\{\{[^{}]*\}\}/g, value);
}

/**
 * Renders the path for the caller, or null when it cannot be: no identity, an unknown
 * directive, a missing or empty value, or a value holding `*`, `+` or `/`, which would let a
 * name or metadata value the caller may influence widen its own grant.
 */
export function renderTemplatedPath(path: string, identity: AclIdentity | null): string | null {
  if (!hasTemplate(path)) return path;
  if (identity === null || templateProblem(path) !== null) return null;
  const pieces = path.split('{{');
  let out = pieces[0]!;
  for (const piece of pieces.slice(1)) {
    const [directive, rest] = piece.split('}}') as [string, string];
    const value = lookup(directive.trim(), identity);
    if (value === null || value === '' || /[*+/]/.test(value)) return null;
    out += value + rest;
  }
  return out;
}

function lookup(directive: string, identity: AclIdentity): string | null {
  if (directive.startsWith('identity.entity.')) return entityValue(directive.slice('identity.entity.'.length), identity);
  if (directive.startsWith('identity.groups.')) return groupValue(directive.slice('identity.groups.'.length), identity.groups ?? []);
  // `time.now…` renders in Vault too; it needs a clock and no PKI policy uses it: unrenderable here.
  return null;
}

function entityValue(selector: string, identity: AclIdentity): string | null {
  if (identity.entityId === '') return null;
  if (selector === 'id') return identity.entityId;
  if (selector === 'name') return identity.entityName;
  if (selector.startsWith('metadata.')) return own(identity.entityMetadata, selector.slice('metadata.'.length));
  if (selector.startsWith('aliases.')) {
    const rest = selector.slice('aliases.'.length);
    const dot = rest.indexOf('.');
    if (dot === -1) return null;
    const alias = own(identity.aliases, rest.slice(0, dot));
    if (alias === null) return null;
    const field = rest.slice(dot + 1);
    if (field === 'id') return alias.id;
    if (field === 'name') return alias.name;
    if (field.startsWith('metadata.')) return own(alias.metadata, field.slice('metadata.'.length));
    if (field.startsWith('custom_metadata.')) return own(alias.customMetadata ?? {}, field.slice('custom_metadata.'.length));
  }
  return null;
}

function groupValue(selector: string, groups: readonly AclGroup[]): string | null {
  const [by, rest] = splitOnce(selector);
  if ((by !== 'ids' && by !== 'names') || rest === null) return null;
  const [key, field] = splitOnce(rest);
  if (field === null) return null;
  const group = groups.find((g) => (by === 'ids' ? g.id : g.name) === key);
  if (group === undefined) return null;
  if (field === 'id') return group.id;
  if (field === 'name') return group.name;
  if (field.startsWith('metadata.')) return own(group.metadata, field.slice('metadata.'.length));
  return null;
}

function splitOnce(text: string): [string, string | null] {
  const dot = text.indexOf('.');
  return dot === -1 ? [text, null] : [text.slice(0, dot), text.slice(dot + 1)];
}

/** Own-property lookup, so `constructor` or `__proto__` cannot reach the prototype. */
function own<T>(record: Record<string, T>, key: string): T | null {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key]! : null;
}
