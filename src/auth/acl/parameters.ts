/**
 * Per-path parameter constraints, checked as vault/acl.go AllowOperation does:
 * required_parameters first, then denied_parameters, then allowed_parameters. Names compare
 * lower-cased; string values match with a leading and/or trailing `*` glob; a list value, or a
 * comma-separated string, is checked element by element (any element denied denies, every
 * element must be allowed).
 */
import type { ParameterValues } from './types.js';

export interface ParameterRules {
  allowed: ParameterValues | null;
  denied: ParameterValues | null;
  required: readonly string[];
}

/** Null when the parameters satisfy the rules, else why not. */
export function parameterProblem(rules: ParameterRules, params: Readonly<Record<string, unknown>>): string | null {
  for (const name of rules.required) {
    if (!Object.prototype.hasOwnProperty.call(params, name.toLowerCase())) return `missing required parameter "${name}"`;
  }
  const entries = Object.entries(params);
  if (entries.length === 0) return null;

  const denied = rules.denied;
  if (denied !== null && denied.size > 0) {
    if (denied.has('*')) return 'all parameters are denied';
    for (const [name, value] of entries) {
      const values = denied.get(name.toLowerCase());
      if (values !== undefined && inDeniedList(normalize(name, value), values)) return `parameter "${name}" is denied`;
    }
  }

  const allowed = rules.allowed;
  if (allowed === null || allowed.size === 0) return null;
  const allowAll = allowed.has('*');
  if (allowAll && allowed.size === 1) return null;
  for (const [name, value] of entries) {
    const values = allowed.get(name.toLowerCase());
    if (values === undefined) {
      if (!allowAll) return `parameter "${name}" is not allowed`;
      continue;
    }
    if (!inAllowedList(normalize(name, value), values)) return `value of parameter "${name}" is not allowed`;
  }
  return null;
}

/** Vault lower-cases policy names before use, so their constraints compare lower-cased too. */
function normalize(name: string, value: unknown): unknown {
  const key = name.toLowerCase();
  if (key !== 'policies' && key !== 'token_policies') return value;
  if (typeof value === 'string') return value.toLowerCase();
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v.toLowerCase() : v));
  return value;
}

function inAllowedList(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0 || inList(value, list)) return true;
  const elements = elementsOf(value);
  return elements !== null && elements.every((element) => inList(element, list));
}

function inDeniedList(value: unknown, list: readonly unknown[]): boolean {
  if (list.length === 0 || inList(value, list)) return true;
  const elements = elementsOf(value);
  return elements !== null && elements.some((element) => inList(element, list));
}

/** A list value, or a string read as Vault's comma-separated string slice; null otherwise. */
function elementsOf(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return value === '' ? [] : value.split(',').map((s) => s.trim());
  return null;
}

function inList(value: unknown, list: readonly unknown[]): boolean {
  for (const entry of list) {
    if (entry === null || entry === undefined || value === null || value === undefined) {
      if ((entry ?? null) === (value ?? null)) return true;
    } else if (typeof entry === 'string') {
      if (typeof value === 'string' && globMatch(entry, value)) return true;
    } else if (deepEqual(entry, value)) {
      return true;
    }
  }
  return false;
}

/** strutil.GlobbedStringsMatch: `*` at either or both ends; a lone `*` is literal. */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern.length < 2) return value === pattern;
  const leading = pattern.startsWith('*');
  const trailing = pattern.endsWith('*');
  if (leading && trailing) return value.includes(pattern.slice(1, -1));
  if (leading) return value.endsWith(pattern.slice(1));
  if (trailing) return value.startsWith(pattern.slice(0, -1));
  return value === pattern;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
