import { describe, expect, it } from 'vitest';
import { secretsEqual } from '../../src/core/compare.js';

describe('secretsEqual', () => {
  it('ok/equal strings compare equal', () => {
    expect(secretsEqual('hvs.abc', 'hvs.abc')).toBe(true);
    expect(secretsEqual('', '')).toBe(true);
    expect(secretsEqual('ünïcode', 'ünïcode')).toBe(true);
  });

  it('fail/any difference, of content or length, compares unequal', () => {
    for (const [a, b] of [['a', 'b'], ['abc', 'abcd'], ['', 'x'], ['role-1', 'role-2'], ['x'.repeat(64), `${'x'.repeat(63)}y`]]) {
      expect(secretsEqual(a!, b!), `${a} vs ${b}`).toBe(false);
    }
  });
});
