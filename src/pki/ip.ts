/**
 * Textual IP addresses and CIDR ranges to and from the octets X.509 stores (iPAddress SANs,
 * name-constraint address+mask). Follows Go's net package, which Vault uses: IPv4 parts
 * without leading zeros, no zone ids, and an IPv4-mapped IPv6 SAN is written as 4 bytes.
 */
import { badRequest } from '../core/errors.js';

const ipv4Part = /^(?:0|[1-9][0-9]{0,2})$/;
const ipv6Group = /^[0-9a-fA-F]{1,4}$/;

function parseIpv4(text: string): Buffer | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!ipv4Part.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    out[i] = value;
  }
  return out;
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (!v4) return null;
      groups.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
    } else if (ipv6Group.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return null;
    }
  }
  return groups;
}

function parseIpv6(text: string): Buffer | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return null;
  // An embedded IPv4 part may only end the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return null;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

const isV4Mapped = (b: Buffer): boolean =>
  b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

/** Address octets as X.509 writes them (4 or 16), or null if the text is not an IP address. */
export function parseIp(text: string): Buffer | null {
  if (text.includes(':')) {
    const v6 = parseIpv6(text);
    return v6 && isV4Mapped(v6) ? v6.subarray(12) : v6;
  }
  return parseIpv4(text);
}

export function parseIpOrThrow(text: string): Buffer {
  const ip = parseIp(text);
  if (!ip) throw badRequest(`invalid IP address "${text}"`);
  return ip;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run as `::`). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return Buffer.from(bytes).toString('hex');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

export interface IpRange {
  /** Network address with host bits cleared (4 or 16 bytes). */
  address: Buffer;
  mask: Buffer;
}

/** `10.0.0.0/8` or `fd00::/8`; the family follows the address syntax, as Go's ParseCIDR does. */
export function parseCidr(text: string): IpRange {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? '' : text.slice(0, slash);
  const prefixText = slash < 0 ? '' : text.slice(slash + 1);
  const address = addressText.includes(':') ? parseIpv6(addressText) : parseIpv4(addressText);
  const bits = address ? address.length * 8 : 0;
  if (!address || !/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
    throw badRequest(`invalid IP range "${text}": expected CIDR notation such as 10.0.0.0/8`);
  }
  const prefix = Number(prefixText);
  const mask = Buffer.alloc(address.length);
  for (let i = 0; i < mask.length; i++) {
    const ones = Math.max(0, Math.min(8, prefix - i * 8));
    mask[i] = (0xff << (8 - ones)) & 0xff;
    address[i] = address[i]! & mask[i]!;
  }
  return { address, mask };
}

/** Inverse of parseCidr, for reading name constraints back. */
export function formatCidr(address: Uint8Array, mask: Uint8Array): string {
  let prefix = 0;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0 && (byte >> bit) & 1; bit--) prefix++;
  }
  return `${formatIp(address)}/${prefix}`;
}
