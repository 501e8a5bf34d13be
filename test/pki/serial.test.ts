import { describe, expect, test } from 'vitest';
import { CaError } from '../../src/core/errors.js';
import { cryptoRandom, type Random } from '../../src/core/random.js';
import { formatSerial, generateSerial, parseSerial, serialStorageKey } from '../../src/pki/serial.js';

/** A Random that replays the given byte strings. */
const scripted = (...chunks: string[]): Random => ({
  bytes: (n) => {
    const next = chunks.shift();
    if (next === undefined) throw new Error('script exhausted');
    const b = Buffer.from(next, 'hex');
    expect(b.length).toBe(n);
    return b;
  },
  uuid: () => '00000000-0000-4000-8000-000000000000',
});

describe('generateSerial', () => {
  test('ok/20 bytes masked below 2^159', () => {
    const serial = generateSerial(scripted('ff'.repeat(20)));
    expect(serial.toString('hex')).toBe(`7f${'ff'.repeat(19)}`);
  });

  test('ok/leading zero bytes are stripped to the minimal magnitude', () => {
    const serial = generateSerial(scripted(`8000${'00'.repeat(17)}ab`));
    expect(serial.toString('hex')).toBe('ab');
  });

  test('ok/an all-zero draw is retried (zero is not a valid serial)', () => {
    const serial = generateSerial(scripted(`80${'00'.repeat(19)}`, `00${'00'.repeat(18)}01`));
    expect(serial.toString('hex')).toBe('01');
  });

  test('ok/real randomness: positive, at most 20 bytes, never a leading zero, distinct', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const s = generateSerial(cryptoRandom);
      expect(s.length).toBeLessThanOrEqual(20);
      expect(s[0]).toBeLessThan(s.length === 20 ? 0x80 : 0x100);
      expect(s[0]).not.toBe(0);
      seen.add(s.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });
});

describe('formatSerial / parseSerial', () => {
  test('ok/Vault format: lowercase, colon pairs, no sign byte', () => {
    expect(formatSerial(Buffer.from('39dd2e90', 'hex'))).toBe('39:dd:2e:90');
    expect(formatSerial(Buffer.from('00ff01', 'hex'))).toBe('ff:01');
    expect(formatSerial(Buffer.from('0a', 'hex'))).toBe('0a');
    expect(serialStorageKey(Buffer.from('39dd2e90', 'hex'))).toBe('39-dd-2e-90');
  });

  test.each([
    ['39:dd:2e:90', '39dd2e90'],
    ['39-DD-2E-90', '39dd2e90'],
    ['39DD2E90', '39dd2e90'],
    ['  39:dd:2e:90\n', '39dd2e90'],
    ['00:b1', 'b1'],
    ['1a2', '01a2'],
    ['7f', '7f'],
    ['0', '00'],
  ])('ok/parse %j', (text, expected) => {
    expect(parseSerial(text).toString('hex')).toBe(expected);
  });

  test('ok/round trip of random serials through every accepted spelling', () => {
    for (let i = 0; i < 200; i++) {
      const s = generateSerial(cryptoRandom);
      const text = formatSerial(s);
      expect(parseSerial(text).equals(s)).toBe(true);
      expect(parseSerial(serialStorageKey(s)).equals(s)).toBe(true);
      expect(parseSerial(text.replace(/:/g, '').toUpperCase()).equals(s)).toBe(true);
      expect(formatSerial(parseSerial(text))).toBe(text);
    }
  });

  test.each(['', 'xyz', '39::dd', '39:dd-2e', '39:ddd', ':39', '39:', '0x39', 'ab'.repeat(200)])('fail/%j', (text) => {
    expect(() => parseSerial(text)).toThrow(CaError);
    try {
      parseSerial(text);
    } catch (err) {
      expect((err as CaError).kind).toBe('bad_request');
      expect((err as CaError).message).toMatch(/invalid serial number/);
    }
  });
});
