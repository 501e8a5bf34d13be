/**
 * Vault ACL policies from HCL or JSON text, validated as vault/policy.go does: top-level keys
 * `name` and `path`; per path `capabilities`, the legacy `policy`, parameter constraints and
 * wrapping TTLs. Every problem is a 400 "failed to parse policy: ...".
 */
import { parseDurationSeconds } from '../../core/duration.js';
import { badRequest } from '../../core/errors.js';
import { capabilityBit, isCapabilityName, legacyPolicyCapabilities, type CapabilityName } from './capabilities.js';
import { parseHcl } from './hcl.js';
import { patternProblem } from './path-pattern.js';
import { hasTemplate, substituteAll, templateProblem } from './template.js';
import type { ParameterValues, PathRule, Policy } from './types.js';

const topLevelKeys = new Set(['name', 'path']);
const pathKeys = new Set([
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'subscribe_event_types',
]);
/** Vault Enterprise controls: ignoring them would grant without the approval they demand. */
const enterpriseKeys = new Set(['mfa_methods', 'control_group']);

/** Parses and validates a policy. Async because HCL is parsed in a thread of its own. */
export async function parsePolicy(name: string, text: string): Promise<Policy> {
  policyName(name);
  // Like HCL v1, which Vault uses: a document starting with `{` is JSON.
  const document = text.trimStart().startsWith('{') ? parseJson(text) : await parseHcl(text);
  return policyFromDocument(name, text, document);
}

/** A policy from its text's already-parsed document (what the HCL parser or JSON.parse gives). */
export function policyFromDocument(name: string, text: string, document: unknown): Policy {
  const rules = readDocument(document);
  return { name: policyName(name), raw: text, rules, templated: rules.some((rule) => rule.templated), root: false };
}

function policyName(name: string): string {
  const normalized = name.trim().toLowerCase();
  if (normalized === '') throw badRequest('policy name missing');
  if (normalized === 'root') throw badRequest('cannot update "root" policy');
  return normalized;
}

function fail(message: string): never {
  throw badRequest(`failed to parse policy: ${message}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return fail(error instanceof Error ? error.message : 'invalid JSON');
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readDocument(document: unknown): PathRule[] {
  if (!isObject(document)) fail('does not contain a root object');
  for (const key of Object.keys(document)) {
    if (!topLevelKeys.has(key)) fail(`invalid key "${key}"`);
  }
  if (document.path === undefined) return [];
  return pathBlocks(document.path).map(([path, body]) => readRule(path, body));
}

/**
 * The `path` blocks as [label, body] pairs, from either shape: hcl2json gives
 * `{label: [body, ...]}`; Vault's JSON form is `{label: body}`, or a list of such objects.
 */
function pathBlocks(section: unknown): Array<[string, unknown]> {
  const objects = Array.isArray(section) ? section : [section];
  const blocks: Array<[string, unknown]> = [];
  for (const object of objects) {
    if (!isObject(object)) fail('"path" must be a block with the path as its label');
    for (const [label, bodies] of Object.entries(object)) {
      for (const body of Array.isArray(bodies) ? bodies : [bodies]) blocks.push([label, body]);
    }
  }
  return blocks;
}

function readRule(label: string, body: unknown): PathRule {
  const where = `path ${JSON.stringify(label)}`;
  if (!isObject(body)) fail(`${where}: expected a block`);
  for (const key of Object.keys(body)) {
    if (enterpriseKeys.has(key)) fail(`${where}: "${key}" is a Vault Enterprise feature and is not supported`);
    if (!pathKeys.has(key)) fail(`${where}: invalid key "${key}"`);
  }
  const path = label.startsWith('/') ? label.slice(1) : label;
  const templated = hasTemplate(path);
  if (templated) {
    const problem = templateProblem(path);
    if (problem !== null) fail(`failed to validate policy templating: ${problem}`);
  }
  const problem = patternProblem(templated ? substituteAll(path, 'x') : path);
  if (problem !== null) fail(`${where}: ${problem}`);

  const capabilities = readCapabilities(where, body.policy, body.capabilities);
  const minWrappingTtl = readTtl(where, 'min_wrapping_ttl', body.min_wrapping_ttl);
  const maxWrappingTtl = readTtl(where, 'max_wrapping_ttl', body.max_wrapping_ttl);
  if (minWrappingTtl !== 0 && maxWrappingTtl !== 0 && maxWrappingTtl < minWrappingTtl) {
    fail(`${where}: max_wrapping_ttl cannot be less than min_wrapping_ttl`);
  }
  const allowedParameters = readParameters(where, 'allowed_parameters', body.allowed_parameters);
  const deniedParameters = readParameters(where, 'denied_parameters', body.denied_parameters);
  const requiredParameters = readStrings(where, 'required_parameters', body.required_parameters);
  for (const parameter of requiredParameters) {
    if (parameter.includes('*')) fail(`${where}: required_parameters: parameter key "${parameter}": wildcard is not permitted here`);
  }
  const subscribeEventTypes = readStrings(where, 'subscribe_event_types', body.subscribe_event_types);

  if (capabilities.includes('deny')) {
    // A deny rule keeps nothing else, as in Vault.
    return rule(path, templated, ['deny'], null, null, [], 0, 0, []);
  }
  return rule(path, templated, capabilities, allowedParameters, deniedParameters, requiredParameters, minWrappingTtl, maxWrappingTtl, subscribeEventTypes);
}

function rule(
  path: string,
  templated: boolean,
  capabilities: readonly CapabilityName[],
  allowedParameters: ParameterValues | null,
  deniedParameters: ParameterValues | null,
  requiredParameters: readonly string[],
  minWrappingTtl: number,
  maxWrappingTtl: number,
  subscribeEventTypes: readonly string[],
): PathRule {
  return { path, templated, capabilities, allowedParameters, deniedParameters, requiredParameters, minWrappingTtl, maxWrappingTtl, subscribeEventTypes };
}

function readCapabilities(where: string, legacy: unknown, listed: unknown): CapabilityName[] {
  const names: CapabilityName[] = [];
  for (const capability of readStrings(where, 'capabilities', listed)) {
    if (!isCapabilityName(capability)) fail(`${where}: invalid capability ${JSON.stringify(capability)}`);
    names.push(capability);
  }
  if (legacy !== undefined) {
    if (typeof legacy !== 'string') fail(`${where}: "policy" must be a string`);
    const mapped = legacyPolicyCapabilities[legacy];
    if (mapped === undefined || !Object.prototype.hasOwnProperty.call(legacyPolicyCapabilities, legacy)) {
      fail(`${where}: invalid policy ${JSON.stringify(legacy)}`);
    }
    if (legacy === 'deny') return ['deny'];
    names.push(...mapped);
  }
  // One entry per capability, in bit order, so equal rules compare equal.
  return [...new Set(names)].sort((a, b) => capabilityBit[a] - capabilityBit[b]);
}

function readStrings(where: string, key: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    fail(`${where}: "${key}" must be a list of strings`);
  }
  return [...value];
}

function readTtl(where: string, key: string, value: unknown): number {
  if (value === undefined) return 0;
  let seconds: number;
  try {
    seconds = parseDurationSeconds(value);
  } catch {
    return fail(`${where}: error parsing ${key}: invalid duration ${JSON.stringify(value)}`);
  }
  if (seconds < 0) fail(`${where}: error parsing ${key}: negative duration`);
  return seconds;
}

/**
 * `{name = [values]}`, or (JSON written for HCL v1) a list of such objects. Names are
 * lower-cased; a single value stands for a one-element list.
 */
function readParameters(where: string, key: string, value: unknown): ParameterValues | null {
  if (value === undefined) return null;
  const objects = Array.isArray(value) ? value : [value];
  const out = new Map<string, readonly unknown[]>();
  for (const object of objects) {
    if (!isObject(object)) fail(`${where}: "${key}" must be a map of parameter names to lists of values`);
    for (const [name, values] of Object.entries(object)) {
      if (name.includes('*') && name !== '*') fail(`${where}: ${key}: parameter key "${name}" cannot contain non-tail wildcards`);
      const list = Array.isArray(values) ? values : [values];
      const lower = name.toLowerCase();
      const earlier = out.get(lower);
      // As when Vault merges rules: an empty list (any value) outweighs a list of values.
      out.set(lower, earlier === undefined ? list : earlier.length === 0 || list.length === 0 ? [] : [...earlier, ...list]);
    }
  }
  return out;
}
