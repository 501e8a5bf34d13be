/**
 * Certificate validity (reference §4.3, Vault's getCertificateNotAfter): TTL defaults and
 * clamping, fixed not_after, the issuer's NotAfter, and NotBefore backdating. Time is a parameter.
 */
import { formatGoDuration } from '../core/duration.js';
import { badRequest } from '../core/errors.js';

export type LeafNotAfterBehavior = 'err' | 'truncate' | 'permit';

export interface ValidityInput {
  nowMs: number;
  /** Request `ttl` in seconds; 0 when not given. */
  requestTtl: number;
  /** Request `not_after`; "" when not given. */
  requestNotAfter: string;
  roleTtl: number;
  roleMaxTtl: number;
  /** Role `not_after`; wins over the request's. */
  roleNotAfter: string;
  roleNotBeforeDuration: number;
  /** The mount's effective default and max lease TTLs in seconds (system defaults already applied). */
  mountDefaultTtl: number;
  mountMaxTtl: number;
  /** The signing issuer's NotAfter; null when there is no parent to stay within. */
  issuerNotAfterMs: number | null;
  leafNotAfterBehavior: LeafNotAfterBehavior;
}

export interface Validity {
  notBeforeMs: number;
  notAfterMs: number;
  warnings: string[];
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const GO_RFC3339 = '2006-01-02T15:04:05Z07:00';
/** 9999-12-31T23:59:59Z: GeneralizedTime has four year digits (RFC 5280 §4.1.2.5). */
const LATEST_NOT_AFTER_MS = 253402300799000;

/** Go's time.Parse(time.RFC3339, …): fractional seconds and offsets allowed; null when invalid. */
export function parseRfc3339(text: string): number | null {
  const match = rfc3339.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = match as unknown as string[];
  const fields = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  const check = new Date(0);
  check.setUTCFullYear(fields[0], fields[1] - 1, fields[2]);
  check.setUTCHours(fields[3], fields[4], fields[5], 0);
  const utc = check.getTime();
  // Date.UTC rolls 2024-02-30 over into March; a real calendar date survives the round trip.
  if (check.getUTCFullYear() !== fields[0] || check.getUTCMonth() !== fields[1] - 1 || check.getUTCDate() !== fields[2]) return null;
  if (fields[3] > 23 || fields[4] > 59 || fields[5] > 59) return null;
  let offsetMs = 0;
  if (zone !== 'Z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    const [hours, minutes] = zone!.slice(1).split(':').map(Number) as [number, number];
    if (hours > 23 || minutes > 59) return null;
    offsetMs = sign * (hours * 60 + minutes) * 60_000;
  }
  const millis = fraction ? Math.trunc(Number(`0${fraction}`) * 1000) : 0;
  return utc + millis - offsetMs;
}

/** Go's RFC3339Nano in UTC: fractional seconds only when non-zero, trailing zeros trimmed. */
export function formatRfc3339Nano(ms: number): string {
  const date = new Date(ms);
  // Beyond what Date can hold (±8.64e15 ms): a huge TTL must still produce a message, not a RangeError.
  if (Number.isNaN(date.getTime())) return ms > 0 ? '+275760-09-13T00:00:00Z (or later)' : '-271821-04-20T00:00:00Z (or earlier)';
  const iso = date.toISOString();
  return iso.replace(/\.(\d*?)0*Z$/, (_m, digits: string) => (digits === '' ? 'Z' : `.${digits}Z`));
}

export function computeValidity(input: ValidityInput): Validity {
  const warnings: string[] = [];
  const fixedNotAfter = input.roleNotAfter !== '' ? input.roleNotAfter : input.requestNotAfter;
  if (input.requestTtl > 0 && fixedNotAfter !== '') {
    throw badRequest('Either ttl or not_after should be provided. Both should not be provided in the same request.');
  }

  let ttl = input.requestTtl !== 0 ? input.requestTtl : input.roleTtl > 0 ? input.roleTtl : 0;
  if (ttl === 0) ttl = input.mountDefaultTtl;
  const maxTtl = input.roleMaxTtl > 0 ? input.roleMaxTtl : input.mountMaxTtl;
  if (ttl > maxTtl) {
    // Silent for clients that ignore warnings: the request is served, just shorter (§9.1).
    warnings.push(`TTL "${formatGoDuration(ttl)}" is longer than permitted maxTTL "${formatGoDuration(maxTtl)}", so maxTTL is being used`);
    ttl = maxTtl;
  }

  let notAfterMs: number;
  if (fixedNotAfter !== '') {
    const parsed = parseRfc3339(fixedNotAfter);
    if (parsed === null) throw badRequest(`parsing time "${fixedNotAfter}" as "${GO_RFC3339}": not an RFC 3339 timestamp`);
    notAfterMs = parsed;
  } else {
    notAfterMs = input.nowMs + ttl * 1000;
  }

  if (input.issuerNotAfterMs !== null && notAfterMs > input.issuerNotAfterMs) {
    switch (input.leafNotAfterBehavior) {
      case 'permit':
        break;
      case 'truncate':
        notAfterMs = input.issuerNotAfterMs;
        break;
      case 'err':
        throw badRequest(
          `cannot satisfy request, as TTL would result in notAfter of ${formatRfc3339Nano(notAfterMs)} that is beyond the expiration of the CA certificate at ${formatRfc3339Nano(input.issuerNotAfterMs)}`,
        );
    }
  }

  if (notAfterMs > LATEST_NOT_AFTER_MS) {
    throw badRequest(`cannot satisfy request, as it would result in notAfter of ${formatRfc3339Nano(notAfterMs)}, later than 9999-12-31T23:59:59Z, the last time a certificate can express`);
  }

  const notBeforeMs = input.nowMs - input.roleNotBeforeDuration * 1000;
  if (notBeforeMs > notAfterMs) {
    throw badRequest(`The certificate's Not Before (${formatRfc3339Nano(notBeforeMs)}) is later than the certificate's Not After (${formatRfc3339Nano(notAfterMs)})`);
  }
  if (notBeforeMs === notAfterMs) {
    throw badRequest(`The certificate's Not Before (${formatRfc3339Nano(notBeforeMs)}) is equal to the certificate's Not After (${formatRfc3339Nano(notAfterMs)})`);
  }
  return { notBeforeMs, notAfterMs, warnings };
}
