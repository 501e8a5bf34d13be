/**
 * Certificate serial numbers. Generated like Vault's certutil (uniform in [1, 2^159), so the
 * DER INTEGER never exceeds RFC 5280's 20 octets) and written the way Vault writes them:
 * lowercase hex pairs of the minimal magnitude, colon-separated (`39:dd:2e:90`).
 */
import { badRequest } from '../core/errors.js';
import type { Random } from '../core/random.js';

export const serialByteLength = 20;

/** Strips leading zero bytes, keeping one byte for zero. Returns a view, not a copy. */
export function minimalMagnitude(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytes.subarray(start);
}

/** A random positive serial as its minimal big-endian magnitude. */
export function generateSerial(random: Random): Buffer {
  for (;;) {
    const bytes = Buffer.from(random.bytes(serialByteLength));
    if (bytes.length !== serialByteLength) throw new Error('random source returned the wrong number of bytes');
    bytes[0] = bytes[0]! & 0x7f; // < 2^159
    const serial = minimalMagnitude(bytes);
    if (serial.length > 1 || serial[0] !== 0) return serial;
    // All zero: astronomically unlikely with real randomness, but zero is not a valid serial.
  }
}

function hexPairs(serial: Buffer, separator: string): string {
  const hex = minimalMagnitude(serial).toString('hex');
  if (hex.length === 0) return '00';
  let out = hex.slice(0, 2);
  for (let i = 2; i < hex.length; i += 2) out += separator + hex.slice(i, i + 2);
  return out;
}

/** `39:dd:2e:90`, with no `00` sign byte (unlike `openssl x509 -serial`). */
export const formatSerial = (serial: Buffer): string => hexPairs(serial, ':');

/** `39-dd-2e-90`: the form used in storage keys (`certs/<serial>`). */
export const serialStorageKey = (serial: Buffer): string => hexPairs(serial, '-');

const separated = /^[0-9a-f]{1,2}(?:([:-])[0-9a-f]{1,2})*$/;
const bare = /^[0-9a-f]+$/;

/**
 * Accepts `39:dd:2e:90`, `39-DD-2E-90` or `39dd2e90` and returns the minimal magnitude.
 * Leading zero bytes are dropped, so `00:b1` (as openssl prints it) finds serial `b1`.
 */
export function parseSerial(text: string): Buffer {
  const input = typeof text === 'string' ? text.trim().toLowerCase() : '';
  if (input === '' || input.length > 256) throw badRequest(`invalid serial number "${String(text)}"`);
  let hex: string;
  const match = separated.exec(input);
  if (match && match[1] !== undefined) {
    const separator = match[1];
    const groups = input.split(separator);
    if (groups.some((g) => g.includes(separator === ':' ? '-' : ':'))) {
      throw badRequest(`invalid serial number "${text}": mixed separators`);
    }
    hex = groups.map((g) => g.padStart(2, '0')).join('');
  } else if (bare.test(input)) {
    hex = input.length % 2 === 1 ? `0${input}` : input;
  } else {
    throw badRequest(`invalid serial number "${text}": expected hex bytes separated by ':' or '-'`);
  }
  return minimalMagnitude(Buffer.from(hex, 'hex'));
}
