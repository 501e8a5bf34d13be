import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import { decodePemOrDer, parsePemBlocks, toPem } from '../../src/pki/pem.js';
import { opensslOk } from './support.js';

const badRequestMessage = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CaError);
    expect((err as CaError).kind).toBe('bad_request');
    return (err as CaError).message;
  }
  throw new Error('expected a bad request');
};

describe('toPem', () => {
  test('ok/64-character lines and a trailing newline', () => {
    const der = randomBytes(200);
    const pem = toPem(der, 'CERTIFICATE');
    const lines = pem.split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines.at(-2)).toBe('-----END CERTIFICATE-----');
    expect(lines.at(-1)).toBe('');
    const body = lines.slice(1, -2);
    expect(body.slice(0, -1).every((l) => l.length === 64)).toBe(true);
    expect(body.at(-1)!.length).toBeLessThanOrEqual(64);
    expect(Buffer.from(body.join(''), 'base64').equals(der)).toBe(true);
  });

  test('ok/exact multiple of 48 bytes has no short line', () => {
    expect(toPem(Buffer.alloc(96), 'X').split('\n')).toHaveLength(5);
  });

  test('ok/openssl reads what we write', () => {
    const der = Buffer.from('300a06035504030c03616263', 'hex');
    const out = opensslOk(['asn1parse', '-inform', 'PEM'], toPem(der, 'SOMETHING'));
    expect(out).toContain(':commonName');
  });
});

describe('parsePemBlocks', () => {
  const a = Buffer.from('30030201 01'.replace(' ', ''), 'hex');
  const b = randomBytes(100);

  test('ok/several blocks with CRLF and text around them', () => {
    const text = `Bag Attributes: junk\r\n${toPem(a, 'CERTIFICATE').replace(/\n/g, '\r\n')}between\r\n${toPem(b, 'RSA PRIVATE KEY')}trailing`;
    const blocks = parsePemBlocks(text);
    expect(blocks.map((x) => x.label)).toEqual(['CERTIFICATE', 'RSA PRIVATE KEY']);
    expect(blocks[0]!.der.equals(a)).toBe(true);
    expect(blocks[1]!.der.equals(b)).toBe(true);
  });

  test('ok/no PEM at all is an empty list', () => {
    expect(parsePemBlocks('hello')).toEqual([]);
  });

  test('fail/garbage inside a block, mismatched END, missing END, empty, encrypted', () => {
    expect(badRequestMessage(() => parsePemBlocks('-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----'))).toMatch(/not valid base64/);
    expect(badRequestMessage(() => parsePemBlocks('-----BEGIN CERTIFICATE-----\nAAAA\n-----END PRIVATE KEY-----'))).toMatch(/mismatched END/);
    expect(badRequestMessage(() => parsePemBlocks('-----BEGIN CERTIFICATE-----\nAAAA\n'))).toMatch(/without a matching END/);
    expect(badRequestMessage(() => parsePemBlocks('-----BEGIN CERTIFICATE-----\n\n-----END CERTIFICATE-----'))).toMatch(/is empty/);
    const encrypted = '-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n';
    expect(badRequestMessage(() => parsePemBlocks(encrypted))).toMatch(/encrypted/);
  });
});

describe('decodePemOrDer', () => {
  const der = Buffer.from('300a06035504030c03616263', 'hex');
  test('ok/PEM, raw DER and base64 DER', () => {
    expect(decodePemOrDer(toPem(der, 'CERTIFICATE'), ['CERTIFICATE'], 'certificate')).toEqual({ label: 'CERTIFICATE', der });
    expect(decodePemOrDer(der, ['CERTIFICATE'], 'certificate')).toEqual({ label: null, der });
    expect(decodePemOrDer(der.toString('base64'), ['CERTIFICATE'], 'certificate')).toEqual({ label: null, der });
  });

  test('fail/wrong label, garbage, empty', () => {
    expect(badRequestMessage(() => decodePemOrDer(toPem(der, 'CERTIFICATE'), ['CERTIFICATE REQUEST'], 'CSR'))).toBe(
      'expected a PEM CERTIFICATE REQUEST block for the CSR, but found CERTIFICATE',
    );
    expect(badRequestMessage(() => decodePemOrDer('hello world', ['CERTIFICATE'], 'certificate'))).toBe(
      'the certificate is neither PEM nor base64-encoded DER',
    );
    expect(badRequestMessage(() => decodePemOrDer('  ', ['CERTIFICATE'], 'certificate'))).toBe('the certificate is empty');
  });
});
