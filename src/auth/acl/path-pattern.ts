/**
 * Policy path patterns: exact paths, a trailing `*` (prefix glob, any characters including `/`)
 * and `+` (exactly one path segment), with Vault's rules for which matching pattern is the most
 * specific (vault/acl.go wcPathDescr).
 */

export type PatternKind = 'exact' | 'prefix' | 'segment';

export interface PathPattern {
  readonly kind: PatternKind;
  /** The rule path as written; the key under which same-pattern rules are merged. */
  readonly source: string;
  /** exact: the path; prefix: the path less its `*`; segment: the pattern less a trailing `*`. */
  readonly base: string;
  /** Segment patterns: `base` split on `/`. */
  readonly parts: readonly string[];
  /** The pattern ends in `*`. */
  readonly isPrefix: boolean;
  /** Position of the first `+` (segment) or of the `*` (prefix): later is more specific. */
  readonly firstWildcard: number;
}

/**
 * Null when the path is a valid pattern, else why not: `*` may only end the path and `+` must
 * be a whole segment (Vault's documentation; Vault itself only refuses `+*`).
 */
export function patternProblem(path: string): string | null {
  const star = path.indexOf('*');
  if (star !== -1 && star !== path.length - 1) return 'the glob "*" is only allowed as the last character';
  const body = star === -1 ? path : path.slice(0, -1);
  if (path.includes('+*')) return "invalid use of wildcards ('+*' is forbidden)";
  for (const segment of body.split('/')) {
    if (segment.includes('+') && segment !== '+') return 'the wildcard "+" must be a whole path segment';
  }
  return null;
}

/** Compiles a valid pattern (see patternProblem). */
export function compilePattern(path: string): PathPattern {
  const isPrefix = path.endsWith('*');
  const base = isPrefix ? path.slice(0, -1) : path;
  const parts = base.split('/');
  if (parts.includes('+')) {
    return { kind: 'segment', source: path, base, parts, isPrefix, firstWildcard: path.indexOf('+') };
  }
  if (isPrefix) return { kind: 'prefix', source: path, base, parts, isPrefix, firstWildcard: base.length };
  return { kind: 'exact', source: path, base, parts, isPrefix, firstWildcard: -1 };
}

/** A prefix or segment pattern that matched a path, with what ranks it. */
export interface Candidate<T> {
  readonly pattern: PathPattern;
  /** Number of `+` segments. */
  readonly wildcards: number;
  readonly value: T;
}

/** Does a segment pattern match the path's segments? As vault/acl.go tryMatchWildcardPath. */
export function segmentMatch(pattern: PathPattern, pathParts: readonly string[]): boolean {
  const parts = pattern.parts;
  if (pathParts.length < parts.length) return false;
  if (!pattern.isPrefix && pathParts.length !== parts.length) return false;
  for (let i = 0; i < parts.length; i++) {
    const want = parts[i]!;
    const have = pathParts[i]!;
    if (want === '+' || want === have) continue;
    if (pattern.isPrefix && i === parts.length - 1 && have.startsWith(want)) continue;
    return false;
  }
  return true;
}

/**
 * True when `a` is less specific than `b`: the first wildcard appearing later wins; not ending
 * in `*` beats ending in `*`; fewer `+` wins; longer wins; lexicographically larger wins.
 */
export function lessSpecific<T>(a: Candidate<T>, b: Candidate<T>): boolean {
  if (a.pattern.firstWildcard !== b.pattern.firstWildcard) return a.pattern.firstWildcard < b.pattern.firstWildcard;
  if (a.pattern.isPrefix !== b.pattern.isPrefix) return a.pattern.isPrefix;
  if (a.wildcards !== b.wildcards) return a.wildcards > b.wildcards;
  if (a.pattern.base.length !== b.pattern.base.length) return a.pattern.base.length < b.pattern.base.length;
  return a.pattern.base < b.pattern.base;
}

/** The most specific candidate satisfying `keep`, or null. */
export function mostSpecific<T>(candidates: readonly Candidate<T>[], keep: (c: Candidate<T>) => boolean = () => true): Candidate<T> | null {
  let best: Candidate<T> | null = null;
  for (const candidate of candidates) {
    if (keep(candidate) && (best === null || lessSpecific(best, candidate))) best = candidate;
  }
  return best;
}
