import { parseDurationSeconds } from '../core/duration.js';
import { badRequest } from '../core/errors.js';

/**
 * Vault's framework field types with its weak decoding: bools and ints as strings,
 * durations as seconds or Go duration strings, lists as arrays or comma strings.
 */
export type FieldType = 'string' | 'bool' | 'int' | 'float' | 'duration' | 'comma_string_slice' | 'string_slice' | 'map' | 'kv_pairs' | 'object';

export interface FieldSpec {
  type: FieldType;
  description: string;
  default?: unknown;
  required?: boolean;
  allowedValues?: readonly string[];
}

export type Fields = Record<string, FieldSpec>;

type ValueOf<T extends FieldType> = T extends 'string'
  ? string
  : T extends 'bool'
    ? boolean
    : T extends 'int' | 'float' | 'duration'
      ? number
      : T extends 'comma_string_slice' | 'string_slice'
        ? string[]
        : T extends 'object'
          ? Record<string, unknown>
          : Record<string, string>;

export type FieldValues<F extends Fields> = { [K in keyof F]: ValueOf<F[K]['type']> };

const zeroValue = (type: FieldType): unknown => {
  switch (type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int':
    case 'float':
    case 'duration':
      return 0;
    case 'comma_string_slice':
    case 'string_slice':
      return [];
    case 'map':
    case 'kv_pairs':
    case 'object':
      return {};
  }
};

function toBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (['1', 't', 'true'].includes(lower)) return true;
    if (['0', 'f', 'false', ''].includes(lower)) return false;
  }
  throw new Error('cannot parse as a boolean');
}

function toInt(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) {
    const parsed = Number.parseInt(value, 10);
    if (Number.isSafeInteger(parsed)) return parsed;
  }
  if (typeof value === 'string' && value.trim() === '') return 0;
  throw new Error('cannot parse as an integer');
}

function toFloat(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) return Number.parseFloat(value);
  if (typeof value === 'string' && value.trim() === '') return 0;
  throw new Error('cannot parse as a number');
}

function toStringValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error('expected a string');
}

function toStringList(value: unknown, splitCommas: boolean): string[] {
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const item of items) {
    const text = toStringValue(item);
    if (splitCommas) {
      for (const part of text.split(',')) {
        const trimmed = part.trim();
        if (trimmed !== '') out.push(trimmed);
      }
    } else {
      out.push(text);
    }
  }
  return out;
}

function toStringMap(value: unknown, type: 'map' | 'kv_pairs'): Record<string, string> {
  if (value === null || value === '') return {};
  if (typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = toStringValue(item);
    return out;
  }
  if (type === 'kv_pairs') {
    const out: Record<string, string> = {};
    for (const pair of toStringList(value, true)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`"${pair}" is not a key=value pair`);
      out[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return out;
  }
  throw new Error('expected an object');
}

export function coerceField(spec: FieldSpec, value: unknown): unknown {
  switch (spec.type) {
    case 'string':
      return toStringValue(value);
    case 'bool':
      return toBool(value);
    case 'int':
      return toInt(value);
    case 'float':
      return toFloat(value);
    case 'duration':
      return parseDurationSeconds(value);
    case 'comma_string_slice':
      return value === null ? [] : toStringList(value, true);
    case 'string_slice':
      return value === null ? [] : toStringList(value, false);
    case 'map':
    case 'kv_pairs':
      return toStringMap(value, spec.type);
    case 'object':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected an object');
      return value;
  }
}

export interface DecodedFields<F extends Fields> {
  values: FieldValues<F>;
  provided: Set<string>;
  unknown: string[];
}

/** Decodes raw input against the declared fields; a value that does not convert is a 400. */
export function decodeFields<F extends Fields>(fields: F, raw: Record<string, unknown>, pathParams: Record<string, string>): DecodedFields<F> {
  const values: Record<string, unknown> = {};
  const provided = new Set<string>();
  const unknown: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!(key in fields) && !(key in pathParams)) unknown.push(key);
  }
  for (const [name, spec] of Object.entries(fields)) {
    const input = name in pathParams ? pathParams[name] : raw[name];
    if (input === undefined) {
      if (spec.required) throw badRequest(`missing required field "${name}"`);
      values[name] = spec.default !== undefined ? spec.default : zeroValue(spec.type);
      continue;
    }
    try {
      values[name] = coerceField(spec, input);
    } catch (error) {
      throw badRequest(`error converting input for field "${name}": ${(error as Error).message}`);
    }
    if (spec.allowedValues && !spec.allowedValues.includes(values[name] as string)) {
      throw badRequest(`invalid value "${String(values[name])}" for field "${name}": allowed values are ${spec.allowedValues.join(', ')}`);
    }
    provided.add(name);
  }
  return { values: values as FieldValues<F>, provided, unknown: unknown.sort() };
}
