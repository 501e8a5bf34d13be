import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Keyring } from '../../src/core/keyring.js';
import { cryptoRandom } from '../../src/core/random.js';

describe('Keyring', () => {
  const keyring = new Keyring(randomBytes(32), cryptoRandom);

  it('ok/seals with a fresh nonce and opens only under the same context', () => {
    const secret = Buffer.from('-----BEGIN PRIVATE KEY----- not really');
    const a = keyring.seal(secret, 'key/1');
    const b = keyring.seal(secret, 'key/1');
    expect(a.equals(b)).toBe(false);
    expect(a.includes(secret)).toBe(false);
    expect(keyring.open(a, 'key/1').equals(secret)).toBe(true);
    expect(() => keyring.open(a, 'key/2')).toThrow();
  });

  it('fail/a flipped bit or another KEK does not open', () => {
    const sealed = keyring.seal(Buffer.from('x'), 'c');
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 20]! ^= 1;
    expect(() => keyring.open(flipped, 'c')).toThrow();
    expect(() => new Keyring(randomBytes(32), cryptoRandom).open(sealed, 'c')).toThrow();
    expect(() => keyring.open(Buffer.from('short'), 'c')).toThrow(/unknown format/);
  });

  it('ok/token hashes are keyed and stable', () => {
    expect(keyring.tokenHash('hvs.a')).toBe(keyring.tokenHash('hvs.a'));
    expect(keyring.tokenHash('hvs.a')).not.toBe(new Keyring(randomBytes(32), cryptoRandom).tokenHash('hvs.a'));
  });

  it('fail/refuses a KEK of the wrong size', () => {
    expect(() => new Keyring(randomBytes(16), cryptoRandom)).toThrow(/32 bytes/);
  });
});
