/**
 * The ACL of one request: the token's policies merged as vault/acl.go NewACL merges them
 * (same pattern in several policies: union of capabilities, deny overrides), templated paths
 * rendered for the caller, and Vault's lookup order: exact rule, then the most specific prefix
 * or `+` rule.
 */
import { capabilityBit, DENY, isOperation, namesOf, SUDO, type Operation } from './capabilities.js';
import { parameterProblem } from './parameters.js';
import { compilePattern, mostSpecific, lessSpecific, patternProblem, segmentMatch, type Candidate, type PathPattern } from './path-pattern.js';
import { renderTemplatedPath } from './template.js';
import type { AclDecision, AclIdentity, AllowOptions, PathRule, Policy } from './types.js';

interface Permissions {
  bits: number;
  allowed: Map<string, readonly unknown[]> | null;
  denied: Map<string, readonly unknown[]> | null;
  required: string[];
  minWrappingTtl: number;
  maxWrappingTtl: number;
}

interface Entry {
  pattern: PathPattern;
  perms: Permissions;
}

/** Operations whose request parameters are checked against the rule's constraints (as Vault). */
const parameterOperations: ReadonlySet<Operation> = new Set(['read', 'create', 'update', 'patch', 'recover']);

export class Acl {
  readonly isRoot: boolean;
  private readonly exact = new Map<string, Permissions>();
  private readonly prefixes = new Map<string, Entry>();
  private readonly segments = new Map<string, Entry>();

  /**
   * @param identity the caller's identity for templated paths; without it (e.g. a token with
   *   no entity) every templated rule is dropped.
   */
  constructor(policies: readonly Policy[], identity: AclIdentity | null = null) {
    this.isRoot = policies.some((policy) => policy.root);
    for (const policy of policies) {
      for (const rule of policy.rules) this.add(rule, identity);
    }
  }

  /** What sys/capabilities answers for the path: sorted names, `["deny"]` or `["root"]`. */
  capabilities(path: string): string[] {
    if (this.isRoot) return ['root'];
    return namesOf(this.resolve(stripLeadingSlashes(path), 'list')?.bits ?? 0);
  }

  /**
   * May the caller perform `operation` on `path` with these request parameters? A LIST is
   * checked on the path with a trailing slash (added when missing, as Vault's HTTP layer does).
   * `sudo` as the operation asks whether the rule grants sudo.
   */
  allowOperation(path: string, operation: Operation, params: Readonly<Record<string, unknown>> = {}, options: AllowOptions = {}): AclDecision {
    if (!isOperation(operation)) return { allowed: false, reason: `unknown operation ${JSON.stringify(operation)}`, sudo: false };
    if (this.isRoot) return { allowed: true, sudo: true };
    let target = stripLeadingSlashes(path);
    if (operation === 'list' && !target.endsWith('/')) target += '/';
    const perms = this.resolve(target, operation);
    if (perms === null) return { allowed: false, reason: `no policy grants access to "${target}"`, sudo: false };
    if (perms.bits & DENY) return { allowed: false, reason: `"${target}" is denied by policy`, sudo: false };
    const sudo = (perms.bits & SUDO) !== 0;
    if ((perms.bits & capabilityBit[operation]) === 0) return { allowed: false, reason: `no "${operation}" capability on "${target}"`, sudo };
    if (options.requireSudo === true && !sudo) return { allowed: false, reason: `"${target}" requires the "sudo" capability`, sudo };
    const wrapping = wrappingProblem(perms, options.wrapTtl);
    if (wrapping !== null) return { allowed: false, reason: wrapping, sudo };
    if (parameterOperations.has(operation)) {
      const problem = parameterProblem({ allowed: perms.allowed, denied: perms.denied, required: perms.required }, params);
      if (problem !== null) return { allowed: false, reason: problem, sudo };
    }
    return { allowed: true, sudo };
  }

  private add(rule: PathRule, identity: AclIdentity | null): void {
    const path = rule.templated ? renderTemplatedPath(rule.path, identity) : rule.path;
    if (path === null || patternProblem(path) !== null) return;
    const pattern = compilePattern(path);
    if (pattern.kind === 'exact') {
      const existing = this.exact.get(pattern.base);
      if (existing === undefined) this.exact.set(pattern.base, permissionsOf(rule));
      else merge(existing, rule);
      return;
    }
    const entries = pattern.kind === 'prefix' ? this.prefixes : this.segments;
    const key = pattern.kind === 'prefix' ? pattern.base : pattern.source;
    const existing = entries.get(key);
    if (existing === undefined) entries.set(key, { pattern, perms: permissionsOf(rule) });
    else merge(existing.perms, rule);
  }

  private resolve(path: string, operation: Operation): Permissions | null {
    const exact = this.exact.get(path);
    if (exact !== undefined) return exact;
    if (operation !== 'list') return mostSpecific(this.candidates(path))?.value ?? null;

    const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
    const exactTrimmed = this.exact.get(trimmed);
    if (exactTrimmed !== undefined) return exactTrimmed;
    if (trimmed === path) return mostSpecific(this.candidates(path))?.value ?? null;

    // LIST on "a/b/": rules for "a/b" (e.g. "a/+") and for "a/b/" (e.g. "a/b/*") both apply.
    // The most specific deny wins over any less specific grant; otherwise the most specific
    // rule granting list; otherwise the most specific rule (which then refuses).
    const all = [...this.candidates(trimmed), ...this.candidates(path)];
    const bestDeny = mostSpecific(all, (c) => (c.value.bits & DENY) !== 0);
    const bestList = mostSpecific(all, (c) => (c.value.bits & capabilityBit.list) !== 0);
    if (bestDeny !== null && (bestList === null || lessSpecific(bestList, bestDeny))) return bestDeny.value;
    return (bestList ?? mostSpecific(all))?.value ?? null;
  }

  /** The longest matching prefix rule and every matching `+` rule. */
  private candidates(path: string): Candidate<Permissions>[] {
    const found: Candidate<Permissions>[] = [];
    if (this.prefixes.size > 0) {
      for (let end = path.length; end >= 0; end--) {
        const entry = this.prefixes.get(path.slice(0, end));
        if (entry !== undefined) {
          found.push({ pattern: entry.pattern, wildcards: 0, value: entry.perms });
          break;
        }
      }
    }
    if (this.segments.size > 0) {
      const parts = path.split('/');
      for (const entry of this.segments.values()) {
        if (segmentMatch(entry.pattern, parts)) {
          found.push({ pattern: entry.pattern, wildcards: entry.pattern.parts.filter((p) => p === '+').length, value: entry.perms });
        }
      }
    }
    return found;
  }
}

function stripLeadingSlashes(path: string): string {
  return path.replace(/^\/+/, '');
}

function permissionsOf(rule: PathRule): Permissions {
  let bits = 0;
  for (const capability of rule.capabilities) bits |= capabilityBit[capability];
  if (bits & DENY) return { bits: DENY, allowed: null, denied: null, required: [], minWrappingTtl: 0, maxWrappingTtl: 0 };
  return {
    bits,
    allowed: rule.allowedParameters === null ? null : new Map(rule.allowedParameters),
    denied: rule.deniedParameters === null ? null : new Map(rule.deniedParameters),
    required: [...rule.requiredParameters],
    minWrappingTtl: rule.minWrappingTtl,
    maxWrappingTtl: rule.maxWrappingTtl,
  };
}

/** Adds a rule for the same pattern to what earlier policies granted, as vault/acl.go does. */
function merge(perms: Permissions, rule: PathRule): void {
  if (perms.bits & DENY) return;
  const incoming = permissionsOf(rule);
  if (incoming.bits & DENY) {
    perms.bits = DENY;
    perms.allowed = null;
    perms.denied = null;
    return;
  }
  perms.bits |= incoming.bits;
  // The shorter of two wrapping TTL bounds wins.
  if (incoming.maxWrappingTtl > 0 && (perms.maxWrappingTtl === 0 || incoming.maxWrappingTtl < perms.maxWrappingTtl)) perms.maxWrappingTtl = incoming.maxWrappingTtl;
  if (incoming.minWrappingTtl > 0 && (perms.minWrappingTtl === 0 || incoming.minWrappingTtl < perms.minWrappingTtl)) perms.minWrappingTtl = incoming.minWrappingTtl;
  perms.allowed = mergeParameters(perms.allowed, incoming.allowed);
  perms.denied = mergeParameters(perms.denied, incoming.denied);
  for (const name of incoming.required) if (!perms.required.includes(name)) perms.required.push(name);
}

/** Values for the same name are joined; an empty list (any value) outweighs values. */
function mergeParameters(current: Map<string, readonly unknown[]> | null, incoming: Map<string, readonly unknown[]> | null): Map<string, readonly unknown[]> | null {
  if (incoming === null || incoming.size === 0) return current;
  if (current === null) return new Map(incoming);
  for (const [name, values] of incoming) {
    const existing = current.get(name);
    current.set(name, values.length === 0 || (existing !== undefined && existing.length === 0) ? [] : [...values, ...(existing ?? [])]);
  }
  return current;
}

function wrappingProblem(perms: Permissions, wrapTtl: number | undefined): string | null {
  if (perms.maxWrappingTtl > 0 && (wrapTtl === undefined || wrapTtl > perms.maxWrappingTtl)) {
    return `response wrapping with a TTL of at most ${perms.maxWrappingTtl}s is required`;
  }
  if (perms.minWrappingTtl > 0 && (wrapTtl === undefined || wrapTtl < perms.minWrappingTtl)) {
    return `response wrapping with a TTL of at least ${perms.minWrappingTtl}s is required`;
  }
  if (perms.minWrappingTtl !== 0 && perms.maxWrappingTtl !== 0 && perms.maxWrappingTtl < perms.minWrappingTtl) {
    return 'the merged policies require an impossible wrapping TTL';
  }
  return null;
}
