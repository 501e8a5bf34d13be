/**
 * A minimal, bounds-checked DER reader. It hands out exact byte ranges (names, TBS, SPKI)
 * so signatures and issuer names are checked against the bytes as received, never against
 * a re-encoding. Every malformation is a DerError; callers turn it into a badRequest.
 */
import { Tag } from './der.js';

export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One element: `buf[start, end)` is the whole TLV, `buf[contentStart, end)` its content. */
export interface DerNode {
  readonly tag: number;
  readonly buf: Buffer;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export function readNode(buf: Buffer, offset: number, limit: number = buf.length): DerNode {
  if (offset + 2 > limit) throw new DerError('truncated element header');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  const first = buf[offset + 1]!;
  let length: number;
  let contentStart: number;
  if (first < 0x80) {
    length = first;
    contentStart = offset + 2;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite length is not allowed in DER');
    if (count > 4) throw new DerError('element length is too large');
    if (offset + 2 + count > limit) throw new DerError('truncated element length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[offset + 2 + i]!;
    contentStart = offset + 2 + count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError('element runs past the end of its container (truncated input?)');
  return { tag, buf, start: offset, contentStart, end };
}

/** The buffer must hold exactly one element, with nothing after it. */
export function readSingle(buf: Buffer): DerNode {
  const node = readNode(buf, 0);
  if (node.end !== buf.length) throw new DerError('unexpected bytes after the end of the element');
  return node;
}

export function childrenOf(node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) throw new DerError(`element with tag 0x${node.tag.toString(16)} is not constructed`);
  const out: DerNode[] = [];
  for (let pos = node.contentStart; pos < node.end; ) {
    const child = readNode(node.buf, pos, node.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

export const contentOf = (node: DerNode): Buffer => node.buf.subarray(node.contentStart, node.end);
export const rawOf = (node: DerNode): Buffer => node.buf.subarray(node.start, node.end);

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined) throw new DerError(`missing ${what}`);
  if (node.tag !== tag) throw new DerError(`${what} has tag 0x${node.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return node;
}

/** Children of a SEQUENCE, checking the tag. */
export const sequenceOf = (node: DerNode | undefined, what: string): DerNode[] =>
  childrenOf(expectTag(node, Tag.SEQUENCE, what));

export function decodeOid(node: DerNode): string {
  const bytes = contentOf(expectTag(node, Tag.OID, 'object identifier'));
  if (bytes.length === 0) throw new DerError('empty object identifier');
  const arcs: bigint[] = [];
  let value = 0n;
  let started = false;
  for (const byte of bytes) {
    if (!started && byte === 0x80) throw new DerError('object identifier arc is not minimally encoded');
    started = true;
    value = (value << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) {
      arcs.push(value);
      value = 0n;
      started = false;
    }
  }
  if (started) throw new DerError('truncated object identifier');
  const head = arcs[0]!;
  const firstArc = head < 40n ? 0n : head < 80n ? 1n : 2n;
  return [firstArc, head - firstArc * 40n, ...arcs.slice(1)].join('.');
}

export function decodeBoolean(node: DerNode): boolean {
  const content = contentOf(expectTag(node, Tag.BOOLEAN, 'boolean'));
  if (content.length !== 1) throw new DerError('boolean must be one byte');
  return content[0] !== 0;
}

/** The raw two's-complement content of an INTEGER. */
export function integerContent(node: DerNode): Buffer {
  const content = contentOf(expectTag(node, Tag.INTEGER, 'integer'));
  if (content.length === 0) throw new DerError('empty integer');
  return content;
}

/** A small non-negative INTEGER (versions, path lengths, salt lengths). */
export function decodeSmallInteger(node: DerNode): number {
  const content = integerContent(node);
  if ((content[0]! & 0x80) !== 0) throw new DerError('negative integer where a non-negative one is required');
  if (content.length > 6) throw new DerError('integer is too large');
  return content.readUIntBE(0, content.length);
}

export interface BitStringValue {
  unusedBits: number;
  bytes: Buffer;
}

export function decodeBitString(node: DerNode): BitStringValue {
  const content = contentOf(expectTag(node, Tag.BIT_STRING, 'bit string'));
  if (content.length === 0) throw new DerError('empty bit string');
  const unusedBits = content[0]!;
  if (unusedBits > 7 || (unusedBits > 0 && content.length === 1)) throw new DerError('invalid bit string padding');
  return { unusedBits, bytes: content.subarray(1) };
}

/** Any of the string types found in names and GeneralNames, as a JS string. */
export function decodeString(node: DerNode): string {
  const content = contentOf(node);
  switch (node.tag) {
    case Tag.UTF8String:
      return content.toString('utf8');
    case Tag.PrintableString:
    case Tag.IA5String:
    case Tag.VisibleString:
    case 0x12: // NumericString
      return content.toString('latin1');
    case Tag.T61String:
      return content.toString('latin1');
    case Tag.BMPString:
      if (content.length % 2 !== 0) throw new DerError('BMPString has an odd length');
      return Buffer.from(content).swap16().toString('utf16le');
    case Tag.UniversalString: {
      if (content.length % 4 !== 0) throw new DerError('UniversalString length is not a multiple of 4');
      let out = '';
      for (let i = 0; i < content.length; i += 4) out += String.fromCodePoint(content.readUInt32BE(i));
      return out;
    }
    default:
      throw new DerError(`tag 0x${node.tag.toString(16)} is not a string type`);
  }
}

const utcTimePattern = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const generalizedTimePattern = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/;

/** UTCTime or GeneralizedTime in UTC (`Z`), to epoch milliseconds (fractions dropped). */
export function decodeTime(node: DerNode): number {
  const text = contentOf(node).toString('latin1');
  let match: RegExpExecArray | null;
  let year: number;
  if (node.tag === Tag.UTCTime && (match = utcTimePattern.exec(text))) {
    const yy = Number(match[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (node.tag === Tag.GeneralizedTime && (match = generalizedTimePattern.exec(text))) {
    year = Number(match[1]);
  } else {
    throw new DerError(`invalid time "${text}"`);
  }
  const [month, day, hour, minute, second] = match.slice(2, 7).map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new DerError(`invalid time "${text}"`);
  }
  // Date.UTC maps years 0-99 to 1900-1999; set the year explicitly.
  check.setUTCFullYear(year);
  return check.getTime();
}
