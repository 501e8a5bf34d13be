import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseDurationSeconds } from '../../src/core/duration.js';

describe('Vault durations', () => {
  const ok: Array<[unknown, number]> = [
    [3600, 3600],
    ['3600', 3600],
    ['72h', 259200],
    ['2160h0m0s', 7776000],
    ['1h30m', 5400],
    ['1.5h', 5400],
    ['30s', 30],
    ['500ms', 0],
    ['1d', 86400],
    ['', 0],
    ['0', 0],
    ['-5m', -300],
    [12.9, 12],
  ];
  for (const [input, seconds] of ok) {
    it(`ok/${JSON.stringify(input)} is ${seconds}s`, () => expect(parseDurationSeconds(input)).toBe(seconds));
  }
  for (const input of ['h', '1x', '1h 30m', 'forever', null, true, {}, Number.NaN, '9'.repeat(30) + 'h']) {
    it(`fail/${JSON.stringify(input)}`, () => expect(() => parseDurationSeconds(input)).toThrow());
  }
  it('ok/formats like Go', () => {
    expect(formatGoDuration(768 * 3600)).toBe('768h0m0s');
    expect(formatGoDuration(90)).toBe('1m30s');
    expect(formatGoDuration(0)).toBe('0s');
  });
});
