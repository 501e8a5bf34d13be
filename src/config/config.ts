import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseDurationSeconds } from '../core/duration.js';

export interface ListenerConfig {
  /** host:port */
  address: string;
  tlsDisable: boolean;
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
  tlsClientCaFile: string | null;
  tlsRequireClientCert: boolean;
  maxRequestSize: number;
}

export interface Config {
  dev: boolean;
  devRootTokenId: string | null;
  storagePath: string;
  listener: ListenerConfig;
  /** Path of the 32-byte key-encryption key file; MINTCA_KEK (base64) is used when null. */
  kekFile: string | null;
  kekBase64: string | null;
  logLevel: string;
  clusterName: string;
  defaultLeaseTtl: number;
  maxLeaseTtl: number;
  /** RSA key generations running at once (issue, root/intermediate/key generation). */
  keyGenerationConcurrency: number;
  /** RSA key generations that may wait for a slot; past it 503 with Retry-After. */
  keyGenerationQueueSize: number;
  /** Server processes sharing the listener and the database (node:cluster); 1 serves in this process. */
  workers: number;
}

const defaultMaxRequestSize = 32 * 1024 * 1024;
const defaultKeyGenerationQueueSize = 64;
const systemDefaultTtl = 768 * 3600;
const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export const defaultListener = (address: string): ListenerConfig => ({
  address,
  tlsDisable: true,
  tlsCertFile: null,
  tlsKeyFile: null,
  tlsClientCaFile: null,
  tlsRequireClientCert: false,
  maxRequestSize: defaultMaxRequestSize,
});

export function baseConfig(overrides: Partial<Config> = {}): Config {
  return {
    dev: false,
    devRootTokenId: null,
    storagePath: 'mintca.db',
    listener: defaultListener('127.0.0.1:8200'),
    kekFile: null,
    kekBase64: null,
    logLevel: 'info',
    clusterName: 'mintca',
    defaultLeaseTtl: systemDefaultTtl,
    maxLeaseTtl: systemDefaultTtl,
    keyGenerationConcurrency: availableParallelism(),
    keyGenerationQueueSize: defaultKeyGenerationQueueSize,
    workers: 1,
    ...overrides,
  };
}

export class ConfigError extends Error {}

type Json = Record<string, unknown>;

function objectAt(value: unknown, where: string): Json {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${where} must be an object`);
  return value as Json;
}

function onlyKeys(object: Json, allowed: string[], where: string): void {
  const unknown = Object.keys(object).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new ConfigError(`unknown setting${unknown.length > 1 ? 's' : ''} in ${where}: ${unknown.join(', ')}`);
}

function stringAt(object: Json, key: string, where: string): string | null {
  const value = object[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ConfigError(`${where}.${key} must be a string`);
  return value;
}

function boolAt(object: Json, key: string, where: string): boolean | null {
  const value = object[key];
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new ConfigError(`${where}.${key} must be a boolean`);
}

function durationAt(object: Json, key: string): number | null {
  const value = object[key];
  if (value === undefined) return null;
  try {
    return parseDurationSeconds(value);
  } catch (error) {
    throw new ConfigError(`${key}: ${(error as Error).message}`);
  }
}

function countAt(object: Json, key: string, min: number, where = 'key_generation.'): number | null {
  const value = object[key];
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`${where}${key} must be an integer >= ${min}`);
  }
  return value;
}

/** `workers` from the config file or the -workers flag. */
export function parseWorkers(value: unknown): number {
  const count = countAt({ workers: typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value }, 'workers', 1, '');
  if (count === null) throw new ConfigError('workers must be an integer >= 1');
  if (count > 64) throw new ConfigError('workers must be at most 64');
  return count;
}

/**
 * Reads a JSON config file in the shape of Vault's server configuration:
 * `{"storage": {"sqlite": {"path": ...}}, "listener": {"tcp": {...}}, "kek_file": ..., ...}`.
 */
export function parseConfigFile(text: string, file: string): Config {
  let root: Json;
  try {
    root = objectAt(JSON.parse(text), file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  onlyKeys(root, ['storage', 'listener', 'kek_file', 'log_level', 'cluster_name', 'default_lease_ttl', 'max_lease_ttl', 'ui', 'api_addr', 'key_generation', 'workers'], file);

  const storage = objectAt(root.storage, 'storage');
  onlyKeys(storage, ['sqlite'], 'storage');
  const sqlite = objectAt(storage.sqlite, 'storage.sqlite');
  onlyKeys(sqlite, ['path'], 'storage.sqlite');
  const storagePath = stringAt(sqlite, 'path', 'storage.sqlite');
  if (!storagePath) throw new ConfigError('storage.sqlite.path is required');

  const listenerRoot = objectAt(root.listener, 'listener');
  onlyKeys(listenerRoot, ['tcp'], 'listener');
  const tcp = objectAt(listenerRoot.tcp, 'listener.tcp');
  onlyKeys(
    tcp,
    ['address', 'tls_disable', 'tls_cert_file', 'tls_key_file', 'tls_client_ca_file', 'tls_require_and_verify_client_cert', 'max_request_size'],
    'listener.tcp',
  );
  const listener = defaultListener(stringAt(tcp, 'address', 'listener.tcp') ?? '127.0.0.1:8200');
  listener.tlsCertFile = stringAt(tcp, 'tls_cert_file', 'listener.tcp');
  listener.tlsKeyFile = stringAt(tcp, 'tls_key_file', 'listener.tcp');
  listener.tlsClientCaFile = stringAt(tcp, 'tls_client_ca_file', 'listener.tcp');
  listener.tlsRequireClientCert = boolAt(tcp, 'tls_require_and_verify_client_cert', 'listener.tcp') ?? false;
  listener.tlsDisable = boolAt(tcp, 'tls_disable', 'listener.tcp') ?? false;
  const maxRequestSize = tcp.max_request_size;
  if (maxRequestSize !== undefined) {
    if (typeof maxRequestSize !== 'number' || !Number.isInteger(maxRequestSize) || maxRequestSize <= 0) {
      throw new ConfigError('listener.tcp.max_request_size must be a positive integer of bytes');
    }
    listener.maxRequestSize = maxRequestSize;
  }
  if (!listener.tlsDisable && (!listener.tlsCertFile || !listener.tlsKeyFile)) {
    throw new ConfigError('listener.tcp needs tls_cert_file and tls_key_file, or tls_disable: true');
  }
  if (listener.tlsRequireClientCert && !listener.tlsClientCaFile) {
    throw new ConfigError('tls_require_and_verify_client_cert needs tls_client_ca_file');
  }

  const logLevel = stringAt(root, 'log_level', file) ?? 'info';
  if (!logLevels.includes(logLevel)) throw new ConfigError(`log_level must be one of ${logLevels.join(', ')}`);
  const config = baseConfig({
    storagePath,
    listener,
    kekFile: stringAt(root, 'kek_file', file),
    logLevel,
    clusterName: stringAt(root, 'cluster_name', file) ?? 'mintca',
  });
  config.defaultLeaseTtl = durationAt(root, 'default_lease_ttl') ?? config.defaultLeaseTtl;
  config.maxLeaseTtl = durationAt(root, 'max_lease_ttl') ?? config.maxLeaseTtl;
  if (root.workers !== undefined) config.workers = parseWorkers(root.workers);
  if (root.key_generation !== undefined) {
    const keyGeneration = objectAt(root.key_generation, 'key_generation');
    onlyKeys(keyGeneration, ['concurrency', 'queue_size'], 'key_generation');
    config.keyGenerationConcurrency = countAt(keyGeneration, 'concurrency', 1) ?? config.keyGenerationConcurrency;
    config.keyGenerationQueueSize = countAt(keyGeneration, 'queue_size', 0) ?? config.keyGenerationQueueSize;
  }
  return config;
}

export function loadConfigFile(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  return parseConfigFile(text, file);
}
