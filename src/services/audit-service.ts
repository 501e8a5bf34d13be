import { chmod, mkdir, appendFile } from 'node:fs/promises';
import { dirname, isAbsolute } from 'node:path';
import type { Logger } from 'pino';
import {
  auditHash,
  auditLine,
  type AuditRequest,
  type AuditResponse,
  type FormatOptions,
  formatRequestEntry,
  formatResponseEntry,
} from '../audit/format.js';
import type { Clock } from '../core/clock.js';
import { badRequest, CaError } from '../core/errors.js';
import type { Keyring } from '../core/keyring.js';
import type { Random } from '../core/random.js';
import type { AuditDeviceRecord, AuditStore } from '../storage/types.js';
import { normalizeMountPath } from './mount-service.js';

export interface EnableAuditInput {
  type: string;
  description: string;
  options: Record<string, unknown>;
  local: boolean;
}

/** What sys/audit lists for a device. */
export interface AuditDeviceView {
  type: string;
  description: string;
  options: Record<string, string>;
  local: boolean;
  path: string;
}

interface Device {
  record: AuditDeviceRecord;
  salt: Buffer;
  filePath: string;
  /** null: leave the file's mode alone ("0000"). */
  mode: number | null;
  prefix: string;
  format: FormatOptions;
}

/** The devices a request was logged to; its response goes to the same ones. */
export interface AuditTicket {
  devices: readonly Device[];
  request: AuditRequest;
}

const supportedOptions = new Set(['file_path', 'path', 'log_raw', 'hmac_accessor', 'mode', 'prefix', 'format']);
const vaultOnlyTypes = new Set(['syslog', 'socket']);

function optionString(options: Record<string, unknown>, name: string): string | undefined {
  const value = options[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  throw badRequest(`option "${name}" must be a string`);
}

function parseBool(name: string, value: string): boolean {
  const lower = value.trim().toLowerCase();
  if (['1', 't', 'true'].includes(lower)) return true;
  if (['0', 'f', 'false'].includes(lower)) return false;
  throw badRequest(`unable to parse option "${name}": "${value}" is not a boolean`);
}

/** Validates Vault's file device options; returns them normalized as Vault lists them. */
function normalizeOptions(raw: Record<string, unknown>): Record<string, string> {
  for (const key of Object.keys(raw)) {
    if (!supportedOptions.has(key)) throw badRequest(`unsupported audit option "${key}"`);
  }
  const filePath = optionString(raw, 'file_path') ?? optionString(raw, 'path') ?? '';
  if (filePath === '') throw badRequest('file_path is required');
  if (filePath !== 'stdout' && filePath !== 'discard' && !isAbsolute(filePath)) {
    throw badRequest(`file_path must be an absolute path, "stdout" or "discard"`);
  }
  const options: Record<string, string> = { file_path: filePath };
  const logRaw = optionString(raw, 'log_raw');
  if (logRaw !== undefined) options.log_raw = String(parseBool('log_raw', logRaw));
  const hmacAccessor = optionString(raw, 'hmac_accessor');
  if (hmacAccessor !== undefined) options.hmac_accessor = String(parseBool('hmac_accessor', hmacAccessor));
  const mode = optionString(raw, 'mode');
  if (mode !== undefined) {
    if (!/^0?[0-7]{3}$/.test(mode)) throw badRequest(`invalid file mode "${mode}": expected octal, e.g. 0600`);
    options.mode = mode;
  }
  const prefix = optionString(raw, 'prefix');
  if (prefix !== undefined && prefix !== '') options.prefix = prefix;
  const format = optionString(raw, 'format') ?? 'json';
  if (format === 'jsonx') throw badRequest('format "jsonx" is not supported by mintca; use "json"');
  if (format !== 'json') throw badRequest(`unknown format type "${format}"`);
  if (raw.format !== undefined) options.format = format;
  return options;
}

const saltContext = (path: string) => `audit-salt:${path}`;

/**
 * Vault's audit broker: the enabled devices, their salts, and the writes. When a device is
 * enabled, a request proceeds only once at least one device logged it.
 */
export class AuditService {
  private devices: Device[] = [];
  private generation = -1;

  constructor(
    private readonly store: AuditStore,
    private readonly keyring: Keyring,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly logger: Logger,
  ) {}

  /** Cheap check for the request hot path. */
  get enabled(): boolean {
    return this.devices.length > 0;
  }

  async load(): Promise<void> {
    this.generation = await this.store.configGeneration();
    this.devices = (await this.store.list()).map((record) => this.deviceOf(record));
  }

  /** Per request: picks up devices another process enabled or disabled on the same database. */
  async refresh(): Promise<void> {
    if ((await this.store.configGeneration()) !== this.generation) await this.load();
  }

  list(): AuditDeviceView[] {
    return this.devices.map(({ record }) => ({
      type: record.type,
      description: record.description,
      options: record.options,
      local: record.local,
      path: record.path,
    }));
  }

  async enable(rawPath: string, input: EnableAuditInput): Promise<void> {
    const path = normalizeMountPath(rawPath);
    if (input.type === '') throw badRequest('missing required field "type"');
    if (vaultOnlyTypes.has(input.type)) {
      throw badRequest(`audit device type "${input.type}" is not supported by mintca; use "file" (file_path may be "stdout")`);
    }
    if (input.type !== 'file') throw badRequest(`unknown backend type: "${input.type}"`);
    const options = normalizeOptions(input.options);
    if (this.devices.some(({ record }) => record.path.startsWith(path) || path.startsWith(record.path))) {
      throw badRequest('path already in use');
    }
    const salt = this.random.bytes(32);
    const record: AuditDeviceRecord = {
      path,
      type: input.type,
      description: input.description,
      options,
      local: input.local,
      sealedSalt: this.keyring.seal(salt, saltContext(path)),
      createdAt: this.clock.nowMs(),
    };
    const device = this.deviceOf(record, salt);
    // Vault's sanity check: the file must open for appending before the device is enabled.
    try {
      await this.write(device, '');
    } catch (error) {
      throw badRequest(`sanity check failed; unable to open "${device.filePath}" for writing: ${(error as Error).message}`);
    }
    if (!(await this.store.create(record))) throw badRequest('path already in use');
    this.devices = [...this.devices, device];
  }

  async disable(rawPath: string): Promise<void> {
    const path = normalizeMountPath(rawPath);
    await this.store.delete(path);
    this.devices = this.devices.filter(({ record }) => record.path !== path);
  }

  /** sys/audit-hash: what the device would write for a value. */
  hash(rawPath: string, input: string): string {
    const path = normalizeMountPath(rawPath);
    const device = this.devices.find(({ record }) => record.path === path);
    if (!device) throw badRequest('unknown audit backend');
    return auditHash(device.salt, input);
  }

  /**
   * Logs a request entry to every device; `error` is set for requests refused before their
   * handler. Throws Vault's 500 "internal error" when no device could write it.
   */
  async logRequest(request: AuditRequest, error = ''): Promise<AuditTicket> {
    const devices = this.devices;
    const now = this.clock.nowMs();
    await this.writeAll(devices, (device) => formatRequestEntry(now, request, error, device.format), 'request');
    return { devices, request };
  }

  /** Logs the response entry of a logged request; throws "internal error" when no device could write it. */
  async logResponse(ticket: AuditTicket, response: AuditResponse | null, error = ''): Promise<void> {
    const now = this.clock.nowMs();
    await this.writeAll(ticket.devices, (device) => formatResponseEntry(now, ticket.request, response, error, device.format), 'response');
  }

  private async writeAll(devices: readonly Device[], entryOf: (device: Device) => Record<string, unknown>, what: string): Promise<void> {
    if (devices.length === 0) return;
    const results = await Promise.allSettled(devices.map((device) => this.write(device, auditLine(entryOf(device), device.prefix))));
    let written = 0;
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') written++;
      else this.logger.error({ err: result.reason, device: devices[index]!.record.path }, `audit device failed to log the ${what}`);
    });
    if (written === 0) {
      this.logger.error(`no audit device logged the ${what}; refusing it`);
      throw new CaError('internal', 'internal error');
    }
  }

  private async write(device: Device, line: string): Promise<void> {
    if (device.filePath === 'discard') return;
    if (device.filePath === 'stdout') {
      if (line !== '') process.stdout.write(line);
      return;
    }
    if (line === '') {
      await mkdir(dirname(device.filePath), { recursive: true, mode: 0o700 });
      await appendFile(device.filePath, '', { mode: device.mode ?? 0o600 });
      if (device.mode !== null) await chmod(device.filePath, device.mode);
      return;
    }
    // Opened per write, in append mode: a rotated or removed file is recreated, and an
    // unwritable path fails the write (fail-closed) instead of writing into a lost inode.
    await appendFile(device.filePath, line, { mode: device.mode ?? 0o600 });
  }

  private deviceOf(record: AuditDeviceRecord, knownSalt?: Buffer): Device {
    const options = record.options;
    const salt = knownSalt ?? this.keyring.open(record.sealedSalt, saltContext(record.path));
    const mode = options.mode === undefined ? 0o600 : Number.parseInt(options.mode, 8);
    return {
      record,
      salt,
      filePath: options.file_path ?? options.path ?? '',
      mode: mode === 0 ? null : mode,
      prefix: options.prefix ?? '',
      format: {
        logRaw: options.log_raw === 'true',
        hmacAccessor: options.hmac_accessor !== 'false',
        hash: (value) => auditHash(salt, value),
      },
    };
  }
}
