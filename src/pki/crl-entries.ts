/**
 * The revokedCertificates list of a CRL, encoded in two flat passes: the first checks every
 * entry and adds up the exact encoded size, the second writes each entry in place into the
 * caller's buffer. No per-entry objects or Buffers are created, so 100,000 entries take a
 * few milliseconds (a DER tree or an ASN.1 library would allocate several objects each).
 *
 *   SEQUENCE {
 *     userCertificate     INTEGER,
 *     revocationDate      Time,
 *     crlEntryExtensions  SEQUENCE { reasonCode } OPTIONAL -- only for a reason other than unspecified
 *   }
 */
import { badRequest } from '../core/errors.js';
import { checkReason, CrlReason, reasonEntryExtensions } from './crl-extensions.js';
import { checkTime, newDayMemo, timeLength, writeTime } from './crl-time.js';
import { Tag } from './der.js';

export interface CrlEntry {
  /** Big-endian magnitude of the (positive) serial; leading zero bytes are ignored. */
  serial: Buffer;
  revokedAtMs: number;
  /** A CRLReason code; undefined or 0 (unspecified) writes no reasonCode extension. */
  reason?: number;
}

/**
 * Longest serial magnitude accepted. RFC 5280 allows 20 octets; tolerating more for foreign
 * certificates is harmless, and this bound keeps every length in one byte (entry < 128).
 */
export const MAX_SERIAL_OCTETS = 64;

/** Index of the first significant byte (the last byte for zero). */
function firstSignificant(serial: Buffer): number {
  let start = 0;
  const last = serial.length - 1;
  while (start < last && serial[start] === 0) start++;
  return start;
}

/** Bytes of the whole entry SEQUENCE; validates the entry (badRequest). */
function entryLength(entry: CrlEntry, index: number, allowRemoveFromCrl: boolean): number {
  const serial = entry.serial;
  if (!Buffer.isBuffer(serial) || serial.length === 0) throw badRequest(`revoked entry ${index} has no serial number`);
  const start = firstSignificant(serial);
  const magnitude = serial.length - start;
  if (magnitude > MAX_SERIAL_OCTETS) throw badRequest(`revoked entry ${index} has a serial longer than ${MAX_SERIAL_OCTETS} octets`);
  const serialContent = magnitude + (serial[start]! >= 0x80 ? 1 : 0);
  const ms = entry.revokedAtMs;
  checkTime(ms, `revocation time of entry ${index}`);
  let content = 2 + serialContent + timeLength(ms);
  const reason = entry.reason;
  if (reason !== undefined && reason !== CrlReason.unspecified) {
    checkReason(reason);
    if (reason === CrlReason.removeFromCRL && !allowRemoveFromCrl) {
      throw badRequest('reason removeFromCRL may only appear on a delta CRL');
    }
    content += 14;
  }
  return 2 + content;
}

/** Total encoded size of all entries (the content of revokedCertificates). */
export function entriesLength(entries: readonly CrlEntry[], allowRemoveFromCrl: boolean): number {
  let total = 0;
  for (let i = 0; i < entries.length; i++) total += entryLength(entries[i]!, i, allowRemoveFromCrl);
  return total;
}

/** Writes the entries (already sized by entriesLength) at `pos`; returns the end position. */
export function writeEntries(out: Buffer, pos: number, entries: readonly CrlEntry[]): number {
  const memo = newDayMemo();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const serial = entry.serial;
    const start = firstSignificant(serial);
    const pad = serial[start]! >= 0x80 ? 1 : 0;
    const serialContent = serial.length - start + pad;
    const ms = entry.revokedAtMs;
    const reason = entry.reason;
    const extensions = reason !== undefined && reason !== 0 ? reasonEntryExtensions.get(reason)! : null;

    out[pos] = Tag.SEQUENCE;
    out[pos + 1] = 2 + serialContent + timeLength(ms) + (extensions ? extensions.length : 0);
    out[pos + 2] = Tag.INTEGER;
    out[pos + 3] = serialContent;
    pos += 4;
    if (pad) out[pos++] = 0;
    if (start === 0) {
      out.set(serial, pos);
      pos += serial.length;
    } else {
      for (let j = start; j < serial.length; j++) out[pos++] = serial[j]!;
    }
    pos = writeTime(out, pos, ms, false, memo);
    if (extensions) {
      out.set(extensions, pos);
      pos += extensions.length;
    }
  }
  return pos;
}
