import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import * as der from '../../src/pki/der.js';
import { decodeOid, decodeTime, readSingle } from '../../src/pki/der-reader.js';
import { opensslOk, tempDir } from './support.js';

const hex = (d: der.Der): string => der.toBuffer(d).toString('hex');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** What openssl itself encodes for an ASN1_generate_nconf string such as `INTEGER:0x80`. */
function opensslEncoding(genstr: string): string {
  const out = join(tmp.dir, 'gen.der');
  opensslOk(['asn1parse', '-genstr', genstr, '-noout', '-out', out]);
  return readFileSync(out).toString('hex');
}

describe('lengths', () => {
  test.each([
    [0, '0400'],
    [127, '047f'],
    [128, '048180'],
    [255, '0481ff'],
    [256, '04820100'],
    [65535, '0482ffff'],
    [65536, '0483010000'],
    [0x1000000, '048401000000'],
  ])('ok/header for length %i', (length, expected) => {
    expect(der.header(0x04, length).toString('hex')).toBe(expected);
  });

  test('ok/long content keeps its bytes and gets a long-form length', () => {
    const content = Buffer.alloc(300, 0xab);
    const encoded = der.toBuffer(der.octetString(content));
    expect(encoded.subarray(0, 4).toString('hex')).toBe('0482012c');
    expect(encoded.subarray(4).equals(content)).toBe(true);
  });
});

describe('INTEGER', () => {
  test.each([
    [0, '020100'],
    [1, '020101'],
    [0x7f, '02017f'],
    [0x80, '02020080'],
    [0xff, '020200ff'],
    [0x100, '02020100'],
    [0x7fff, '02027fff'],
    [0x8000, '0203008000'],
    [Number.MAX_SAFE_INTEGER, '02071fffffffffffff'],
  ])('ok/number %i', (value, expected) => {
    expect(hex(der.integer(value))).toBe(expected);
    expect(hex(der.integer(BigInt(value)))).toBe(expected);
  });

  test('ok/agrees with openssl on edge values', () => {
    for (const v of ['0x7f', '0x80', '0xff', '0x8000', '0xffffffffffffffffffffffffffffffffffffffff']) {
      expect(hex(der.integer(BigInt(v)))).toBe(opensslEncoding(`INTEGER:${v}`));
    }
  });

  test('ok/buffer magnitudes: leading zeros stripped, sign byte added when the top bit is set', () => {
    expect(hex(der.integer(Buffer.from('0001', 'hex')))).toBe('020101');
    expect(hex(der.integer(Buffer.from('000080', 'hex')))).toBe('02020080');
    expect(hex(der.integer(Buffer.from('80', 'hex')))).toBe('02020080');
    expect(hex(der.integer(Buffer.alloc(0)))).toBe('020100');
    expect(hex(der.integer(Buffer.alloc(3)))).toBe('020100');
    const big = Buffer.alloc(20, 0xff);
    expect(hex(der.integer(big))).toBe(`021500${'ff'.repeat(20)}`);
    const huge = Buffer.alloc(200, 0xff);
    expect(hex(der.integer(huge))).toBe(`0281c900${'ff'.repeat(200)}`);
  });

  test('ok/large bigint', () => {
    expect(hex(der.integer(2n ** 64n))).toBe('0209010000000000000000');
    expect(hex(der.integer(2n ** 159n - 1n))).toBe(`02147f${'ff'.repeat(19)}`);
  });

  test('fail/negative or unsafe numbers are programming errors', () => {
    expect(() => der.integer(-1)).toThrow(RangeError);
    expect(() => der.integer(-1n)).toThrow(RangeError);
    expect(() => der.integer(1.5)).toThrow(RangeError);
    expect(() => der.integer(2 ** 60)).toThrow(RangeError);
  });
});

describe('OBJECT IDENTIFIER', () => {
  test.each([
    ['2.5.29.17', '0603551d11'],
    ['1.2.840.113549', '06062a864886f70d'],
    ['1.2.840.113549.1.1.11', '06092a864886f70d01010b'],
    ['0.9.2342.19200300.100.1.1', '060a0992268993f22c640101'],
    ['2.999.3', '0603883703'],
    ['1.3.6.1.4.1.311.20.2.3', '060a2b0601040182371402 03'.replace(' ', '')],
  ])('ok/%s', (dotted, expected) => {
    expect(hex(der.oid(dotted))).toBe(expected);
    expect(decodeOid(readSingle(der.oid(dotted)))).toBe(dotted);
  });

  test('ok/arcs beyond 2^53 and 2^64 match openssl and round trip', () => {
    for (const dotted of [
      '2.25.329800735698586629295641978511506172918',
      '1.2.3.18446744073709551616',
      '1.3.6.1.4.1.9007199254740993',
      '2.4294967296',
    ]) {
      expect(hex(der.oid(dotted))).toBe(opensslEncoding(`OID:${dotted}`));
      expect(decodeOid(readSingle(der.oid(dotted)))).toBe(dotted);
    }
  });

  test('ok/constant OIDs are encoded once and shared', () => {
    expect(der.oid('2.5.29.17')).toBe(der.oid('2.5.29.17'));
  });

  test.each(['', '1', '3.1', '1.40', '0.40.1', '1.2.', '.1.2', '1..2', '1.02', '1.2.a', '1.2.-3', ' 1.2'])(
    'fail/%j is refused as a bad request',
    (dotted) => {
      const err = (() => {
        try {
          der.oid(dotted);
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(CaError);
      expect((err as CaError).kind).toBe('bad_request');
      expect((err as CaError).message).toContain('invalid object identifier');
    },
  );
});

describe('primitives', () => {
  test('ok/boolean, null, octet and bit strings', () => {
    expect(hex(der.boolean(true))).toBe('0101ff');
    expect(hex(der.boolean(false))).toBe('010100');
    expect(hex(der.NULL)).toBe('0500');
    expect(hex(der.octetString(Buffer.from('0102', 'hex')))).toBe('04020102');
    expect(hex(der.bitString(Buffer.from('0680', 'hex'), 7))).toBe('0303070680');
    expect(hex(der.bitString(Buffer.alloc(0)))).toBe('030100');
    expect(() => der.bitString(Buffer.alloc(0), 1)).toThrow(RangeError);
    expect(() => der.bitString(Buffer.from([1]), 8)).toThrow(RangeError);
  });

  test('ok/strings', () => {
    expect(hex(der.utf8String('Zürich'))).toBe(`0c07${Buffer.from('Zürich').toString('hex')}`);
    expect(hex(der.printableString('US'))).toBe('13025553');
    expect(hex(der.ia5String('a.example'))).toBe(`1609${Buffer.from('a.example').toString('hex')}`);
    expect(der.isPrintableString("Acme (Ltd.) 'x' +,-./:=?")).toBe(true);
    expect(der.isPrintableString('a@b')).toBe(false);
    expect(der.isPrintableString('a*b')).toBe(false);
  });

  test('fail/strings outside their character set', () => {
    expect(() => der.printableString('a@b', 'country')).toThrow(/country "a@b" contains characters not allowed/);
    expect(() => der.ia5String('bücher.de', 'DNS SAN')).toThrow(/DNS SAN "bücher.de" must be ASCII/);
    expect(() => der.utf8String('bad \ud800 surrogate')).toThrow(/not valid Unicode/);
  });

  test('ok/context tags', () => {
    expect(hex(der.implicit(2, Buffer.from('ab', 'hex')))).toBe('8201ab');
    expect(hex(der.explicit(0, der.integer(2)))).toBe('a003020102');
    expect(hex(der.contextConstructed(1, [der.NULL, der.NULL]))).toBe('a10405000500');
    expect(() => der.implicit(31, Buffer.alloc(0))).toThrow(RangeError);
  });

  test('ok/nested trees flatten to the same bytes as a hand encoding', () => {
    const tree = der.sequence([der.integer(1), der.set([der.sequence([der.oid('2.5.4.3'), der.utf8String('a')])]), der.sequence([])]);
    expect(hex(tree)).toBe('3011020101310a300806035504030c01613000');
    expect(tree.length).toBe(19);
    expect(opensslOk(['asn1parse', '-inform', 'DER'], der.toBuffer(tree))).toContain(':commonName');
  });
});

describe('Time (RFC 5280 4.1.2.5)', () => {
  const at = (iso: string): number => Date.parse(iso);
  test.each([
    ['1950-01-01T00:00:00Z', '17', '500101000000Z'],
    ['1949-12-31T23:59:59Z', '18', '19491231235959Z'],
    ['2049-12-31T23:59:59Z', '17', '491231235959Z'],
    ['2050-01-01T00:00:00Z', '18', '20500101000000Z'],
    ['2000-02-29T12:34:56Z', '17', '000229123456Z'],
    ['9999-12-31T23:59:59Z', '18', '99991231235959Z'],
  ])('ok/%s', (iso, tag, text) => {
    const encoded = der.time(at(iso));
    expect(encoded[0]!.toString(16).padStart(2, '0')).toBe(tag);
    expect(encoded.subarray(2).toString('latin1')).toBe(text);
    expect(decodeTime(readSingle(encoded))).toBe(at(iso));
  });

  test('ok/milliseconds are dropped, not rounded', () => {
    expect(der.time(at('2024-01-02T03:04:05.999Z')).subarray(2).toString()).toBe('240102030405Z');
  });

  test('fail/years that do not fit GeneralizedTime', () => {
    expect(() => der.time(at('+010000-01-01T00:00:00Z'))).toThrow(CaError);
    expect(() => der.time(Number.NaN)).toThrow(RangeError);
  });
});
