/**
 * A tiny DER encoder for building hostile certificates and CSRs by hand (independent of
 * src/pki's encoder): correct framing around absurd content, signed with real keys so the
 * server's checks past the signature are reached too.
 */
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** One element; takes a list so that 100,000 children do not go through a spread. */
export const tlvOf = (tag: number, content: readonly Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
};

export const tlv = (tag: number, ...content: Buffer[]): Buffer => tlvOf(tag, content);
export const seq = (...content: Buffer[]): Buffer => tlvOf(0x30, content);
export const set = (...content: Buffer[]): Buffer => tlvOf(0x31, content);
export const octets = (content: Buffer): Buffer => tlv(0x04, content);
export const utf8 = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  const bytes: number[] = [];
  const push = (value: bigint) => {
    const chunk: number[] = [Number(value & 0x7fn)];
    for (let v = value >> 7n; v > 0n; v >>= 7n) chunk.unshift(Number(v & 0x7fn) | 0x80);
    bytes.push(...chunk);
  };
  push(arcs[0]! * 40n + arcs[1]!);
  for (const arc of arcs.slice(2)) push(arc);
  return tlv(0x06, Buffer.from(bytes));
}

/** `depth` elements of `tag` inside each other: lengths inside out, then one buffer written outside in. */
export function nestedSequences(depth: number, inner: Buffer = Buffer.alloc(0), tag = 0x30): Buffer {
  const headers: Buffer[] = [];
  let length = inner.length;
  for (let i = 0; i < depth; i++) {
    const header = Buffer.concat([Buffer.from([tag]), lengthBytes(length)]);
    headers.push(header);
    length += header.length;
  }
  return Buffer.concat([...headers.reverse(), inner]);
}

export const pemOf = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;

const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'));
const extensionRequest = '1.2.840.113549.1.9.14';

export interface Extension {
  oid: string;
  critical?: boolean;
  value: Buffer;
}

export const extension = (e: Extension): Buffer =>
  seq(oid(e.oid), ...(e.critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octets(e.value));

/** A subjectAltName extension with `count` dNSNames. */
export const manySans = (count: number): Extension => ({
  oid: '2.5.29.17',
  value: tlvOf(0x30, Array.from({ length: count }, (_, i) => tlv(0x82, Buffer.from(`h${i}.example.com`)))),
});

export interface CsrOptions {
  subject?: Buffer;
  extensions?: Extension[];
  /** Replaces the attributes wholesale. */
  attributes?: Buffer;
  key?: { privateKey: KeyObject; publicKey: KeyObject };
}

let sharedKey: { privateKey: KeyObject; publicKey: KeyObject } | null = null;
export const ecKey = () => (sharedKey ??= generateKeyPairSync('ec', { namedCurve: 'P-256' }));

export const nameWithCn = (cn: string): Buffer => seq(set(seq(oid('2.5.4.3'), utf8(cn))));

/** A CSR, properly signed, with whatever subject and extensions are asked for. */
export function buildCsr(options: CsrOptions = {}): Buffer {
  const key = options.key ?? ecKey();
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const attributes =
    options.attributes ??
    tlv(0xa0, ...(options.extensions ? [seq(oid(extensionRequest), set(tlvOf(0x30, options.extensions.map(extension))))] : []));
  const info = seq(tlv(0x02, Buffer.from([0])), options.subject ?? nameWithCn('csr.example.com'), spki, attributes);
  const signature = sign('sha256', info, key.privateKey);
  return seq(info, ecdsaWithSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

/** A self-signed certificate with hand-chosen serial, validity and extensions. */
export function buildCert(options: { serial?: Buffer; extensions?: Extension[]; subject?: Buffer; key?: { privateKey: KeyObject; publicKey: KeyObject } } = {}): Buffer {
  const key = options.key ?? ecKey();
  const name = options.subject ?? nameWithCn('hostile.example.com');
  const validity = seq(tlv(0x17, Buffer.from('260101000000Z')), tlv(0x17, Buffer.from('360101000000Z')));
  const spki = key.publicKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, options.serial ?? Buffer.from([0x01, 0x23])),
    ecdsaWithSha256,
    name,
    validity,
    name,
    spki,
    ...(options.extensions ? [tlv(0xa3, tlvOf(0x30, options.extensions.map(extension)))] : []),
  );
  const signature = sign('sha256', tbs, key.privateKey);
  return seq(tbs, ecdsaWithSha256, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

export const pemPublicKey = (key: KeyObject): string => createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string;
export const pemPrivateKey = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;
