/** PEM armour (RFC 7468): writing with 64-character lines, reading leniently from pasted text. */
import { badRequest } from '../core/errors.js';

export interface PemBlock {
  label: string;
  der: Buffer;
}

/** `-----BEGIN label-----`, base64 in 64-character lines, `-----END label-----`, trailing `\n`. */
export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += `${b64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

const blockPattern = /-----BEGIN ([^\r\n-]*)-----([\s\S]*?)-----END ([^\r\n-]*)-----/g;
/** Generous for CA bundles (a system trust store has ~150); beyond it, parsing is a CPU sink. */
export const maxPemBlocks = 500;

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Every PEM block in `text`, in order. Text around and between blocks is ignored and line
 * endings may be CRLF; a block whose content is not base64 is a badRequest rather than
 * being skipped, so a damaged paste is reported instead of silently dropped.
 */
export function parsePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(blockPattern)) {
    if (blocks.length === maxPemBlocks) throw badRequest(`PEM data has more than ${maxPemBlocks} blocks`);
    const label = match[1]!.trim();
    if (match[3]!.trim() !== label) {
      throw badRequest(`PEM block "${label}" ends with a mismatched END line "${match[3]!.trim()}"`);
    }
    let body = match[2]!;
    // RFC 1421 headers (e.g. legacy encrypted keys) precede a blank line.
    if (body.includes(':')) {
      if (/Proc-Type:\s*4,\s*ENCRYPTED/i.test(body)) throw badRequest(`PEM block "${label}" is encrypted, which is not supported`);
      const headerEnd = body.search(/\r?\n\r?\n/);
      if (headerEnd < 0) throw badRequest(`PEM block "${label}" is not valid base64`);
      body = body.slice(headerEnd).trimStart();
    }
    const b64 = body.replace(/\s+/g, '');
    if (b64 === '') throw badRequest(`PEM block "${label}" is empty`);
    if (!base64Pattern.test(b64)) throw badRequest(`PEM block "${label}" is not valid base64`);
    blocks.push({ label, der: Buffer.from(b64, 'base64') });
  }
  if (blocks.length === 0 && text.includes('-----BEGIN ')) {
    throw badRequest('PEM data has a BEGIN line without a matching END line');
  }
  return blocks;
}

/**
 * The DER of one object supplied as PEM (the first block with one of `labels`), as a DER
 * Buffer, or as bare base64 DER. `what` names the object in error messages.
 */
export function decodePemOrDer(
  input: string | Buffer,
  labels: readonly string[],
  what: string,
): { label: string | null; der: Buffer } {
  if (Buffer.isBuffer(input)) {
    if (input.length > 0 && input[0] === 0x30) return { label: null, der: input };
    input = input.toString('utf8');
  }
  if (typeof input !== 'string' || input.trim() === '') throw badRequest(`the ${what} is empty`);
  const blocks = parsePemBlocks(input);
  if (blocks.length > 0) {
    const found = blocks.find((b) => labels.includes(b.label));
    if (!found) {
      const seen = [...new Set(blocks.map((b) => b.label))].join(', ');
      throw badRequest(`expected a PEM ${labels[0]} block for the ${what}, but found ${seen}`);
    }
    return found;
  }
  const b64 = input.replace(/\s+/g, '');
  if (base64Pattern.test(b64)) {
    const der = Buffer.from(b64, 'base64');
    if (der.length > 0 && der[0] === 0x30) return { label: null, der };
  }
  throw badRequest(`the ${what} is neither PEM nor base64-encoded DER`);
}
