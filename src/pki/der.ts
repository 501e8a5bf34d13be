/**
 * A small DER writer for the issuance hot path. Constructed values are kept as trees of
 * Buffers whose total length is known, so nesting never copies bytes; `toBuffer` copies
 * every leaf exactly once into a single allocation at the end.
 */
import { badRequest } from '../core/errors.js';
import { OID } from './oids.js';

/** An encoded element still in pieces: `length` is its full encoded size, header included. */
export interface DerTree {
  readonly length: number;
  readonly parts: readonly Der[];
}

/** A complete DER element, flat (Buffer) or in pieces (DerTree). Never mutate shared Buffers. */
export type Der = Buffer | DerTree;

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  VisibleString: 0x1a,
  UniversalString: 0x1c,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

const isTree = (d: Der): d is DerTree => !(d instanceof Uint8Array);

/** Definite-length header; DER always uses the shortest length form. */
export function header(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.from([tag, length]);
  if (length < 0x100) return Buffer.from([tag, 0x81, length]);
  if (length < 0x10000) return Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  if (length < 0x1000000) return Buffer.from([tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff]);
  return Buffer.from([tag, 0x84, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff]);
}

const headerLength = (length: number): number =>
  length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : length < 0x1000000 ? 5 : 6;

/** A primitive element from raw content, flat (one allocation). */
export function primitive(tag: number, content: Uint8Array): Buffer {
  const hl = headerLength(content.length);
  const out = Buffer.allocUnsafe(hl + content.length);
  header(tag, content.length).copy(out, 0);
  out.set(content, hl);
  return out;
}

/** Any tag around already-encoded content, without copying the content. */
export function wrap(tag: number, content: Der): Der {
  if (!isTree(content) && content.length < 64) return primitive(tag, content);
  const h = header(tag, content.length);
  return { length: h.length + content.length, parts: [h, content] };
}

export function constructed(tag: number, items: readonly Der[]): DerTree {
  let contentLength = 0;
  for (const item of items) contentLength += item.length;
  const h = header(tag, contentLength);
  return { length: h.length + contentLength, parts: [h, ...items] };
}

export const sequence = (items: readonly Der[]): DerTree => constructed(Tag.SEQUENCE, items);

/** SET OF in DER must be sorted by encoding; every SET we write has one element, so order is moot. */
export const set = (items: readonly Der[]): DerTree => constructed(Tag.SET, items);

/** Flattens a tree into one Buffer (a Buffer input is returned as is). */
export function toBuffer(d: Der): Buffer {
  if (!isTree(d)) return d;
  const out = Buffer.allocUnsafe(d.length);
  const end = writeInto(d, out, 0);
  if (end !== d.length) throw new Error(`DER length mismatch: wrote ${end} of ${d.length} bytes`);
  return out;
}

function writeInto(d: Der, out: Buffer, pos: number): number {
  if (!isTree(d)) {
    out.set(d, pos);
    return pos + d.length;
  }
  for (const part of d.parts) pos = writeInto(part, out, pos);
  return pos;
}

/** Non-negative INTEGER from a big-endian magnitude, a bigint or a safe integer. */
export function integer(value: Buffer | bigint | number): Buffer {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`cannot encode ${value} as a DER INTEGER`);
    if (value < 0x80) return Buffer.from([Tag.INTEGER, 1, value]);
    value = BigInt(value);
  }
  let magnitude: Buffer;
  if (typeof value === 'bigint') {
    if (value < 0n) throw new RangeError('negative INTEGERs are not supported');
    const hex = value.toString(16);
    magnitude = Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
  } else {
    magnitude = value;
  }
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const significant = magnitude.length - start;
  if (significant === 0) return Buffer.from([Tag.INTEGER, 1, 0]);
  // A set top bit would read as negative: prefix 0x00 to keep the value positive.
  const pad = (magnitude[start]! & 0x80) !== 0 ? 1 : 0;
  const contentLength = significant + pad;
  const hl = headerLength(contentLength);
  const out = Buffer.allocUnsafe(hl + contentLength);
  header(Tag.INTEGER, contentLength).copy(out, 0);
  if (pad) out[hl] = 0;
  magnitude.copy(out, hl + pad, start);
  return out;
}

const oidPattern = /^[0-2](?:\.(?:0|[1-9][0-9]*))+$/;

/** The content octets of an OBJECT IDENTIFIER (X.690 8.19), arcs of any size. */
export function encodeOidContent(dotted: string): Buffer {
  if (dotted.length > 512 || !oidPattern.test(dotted)) throw badRequest(`invalid object identifier "${dotted}"`);
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const first = arcs[0]!;
  const second = arcs[1]!;
  if (first < 2n && second >= 40n) throw badRequest(`invalid object identifier "${dotted}"`);
  const bytes: number[] = [];
  const pushArc = (arc: bigint): void => {
    const group: number[] = [Number(arc & 0x7fn)];
    for (let rest = arc >> 7n; rest > 0n; rest >>= 7n) group.push(Number(rest & 0x7fn) | 0x80);
    for (let i = group.length - 1; i >= 0; i--) bytes.push(group[i]!);
  };
  pushArc(first * 40n + second);
  for (let i = 2; i < arcs.length; i++) pushArc(arcs[i]!);
  return Buffer.from(bytes);
}

// Encoded once at module load and never mutated: constant OIDs cost a Map lookup.
const knownOids: ReadonlyMap<string, Buffer> = new Map(
  Object.values(OID).map((dotted) => [dotted, primitive(Tag.OID, encodeOidContent(dotted))]),
);

/** OBJECT IDENTIFIER element from dotted text; bad text is a badRequest (OIDs come from users). */
export function oid(dotted: string): Buffer {
  return knownOids.get(dotted) ?? primitive(Tag.OID, encodeOidContent(dotted));
}

const TRUE = Buffer.from([Tag.BOOLEAN, 1, 0xff]);
const FALSE = Buffer.from([Tag.BOOLEAN, 1, 0x00]);
export const boolean = (value: boolean): Buffer => (value ? TRUE : FALSE);

export const NULL: Buffer = Buffer.from([Tag.NULL, 0]);

/** BIT STRING; `unusedBits` counts the zero bits padding the last content byte. */
export function bitString(content: Der, unusedBits = 0): Der {
  if (unusedBits < 0 || unusedBits > 7 || (unusedBits > 0 && content.length === 0)) {
    throw new RangeError(`invalid BIT STRING unused bit count ${unusedBits}`);
  }
  const h = header(Tag.BIT_STRING, content.length + 1);
  return { length: h.length + 1 + content.length, parts: [h, Buffer.from([unusedBits]), content] };
}

export const octetString = (content: Der): Der => wrap(Tag.OCTET_STRING, content);

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const ascii = /^[\x00-\x7f]*$/;

export const isPrintableString = (s: string): boolean => printable.test(s);

export function utf8String(s: string, what = 'value'): Buffer {
  if (loneSurrogate.test(s)) throw badRequest(`${what} "${s}" is not valid Unicode`);
  return primitive(Tag.UTF8String, Buffer.from(s, 'utf8'));
}

export function printableString(s: string, what = 'value'): Buffer {
  if (!printable.test(s)) throw badRequest(`${what} "${s}" contains characters not allowed in a PrintableString`);
  return primitive(Tag.PrintableString, Buffer.from(s, 'latin1'));
}

/** IA5String content octets (ASCII), for implicitly tagged names such as dNSName. */
export function asciiBytes(s: string, what = 'value'): Buffer {
  if (!ascii.test(s)) throw badRequest(`${what} "${s}" must be ASCII`);
  return Buffer.from(s, 'latin1');
}

export const ia5String = (s: string, what = 'value'): Buffer => primitive(Tag.IA5String, asciiBytes(s, what));

/** Context-specific [n] IMPLICIT: replaces the tag of a primitive value with raw `content`. */
export const implicit = (n: number, content: Der): Der => wrap(0x80 | tagNumber(n), content);

/** Context-specific [n] constructed around `items`: IMPLICIT SEQUENCE/SET contents, or EXPLICIT. */
export const contextConstructed = (n: number, items: readonly Der[]): DerTree =>
  constructed(0xa0 | tagNumber(n), items);

/** Context-specific [n] EXPLICIT around one complete element. */
export const explicit = (n: number, inner: Der): DerTree => contextConstructed(n, [inner]);

function tagNumber(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag [${n}] is not supported`);
  return n;
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * X.509 Time (RFC 5280 4.1.2.5): UTCTime for 1950-2049, GeneralizedTime otherwise, always
 * in UTC with `Z` and whole seconds (milliseconds are dropped).
 */
export function time(ms: number): Buffer {
  if (!Number.isFinite(ms)) throw new RangeError('time is not a finite number');
  const date = new Date(Math.floor(ms / 1000) * 1000);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw badRequest(`time ${date.toISOString()} cannot be encoded in a certificate`);
  const rest =
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year <= 2049) return primitive(Tag.UTCTime, Buffer.from(two(year % 100) + rest, 'latin1'));
  return primitive(Tag.GeneralizedTime, Buffer.from(String(year).padStart(4, '0') + rest, 'latin1'));
}
