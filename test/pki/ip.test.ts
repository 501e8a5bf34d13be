import { describe, expect, test } from 'vitest';
import { formatCidr, formatIp, parseCidr, parseIp } from '../../src/pki/ip.js';

describe('IP addresses', () => {
  test.each([
    ['10.0.0.1', '0a000001'],
    ['255.255.255.255', 'ffffffff'],
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['2001:db8::8a2e:370:7334', '20010db80000000000008a2e03707334'],
    ['fe80::1:2', 'fe800000000000000000000000010002'],
    ['::ffff:192.0.2.1', 'c0000201'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221'],
  ])('ok/%s', (text, expected) => {
    expect(parseIp(text)?.toString('hex')).toBe(expected);
  });

  test.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1::2::3', ':1', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '12345::', 'example.com', '1.2.3.4::'])(
    'fail/%j',
    (text) => {
      expect(parseIp(text)).toBeNull();
    },
  );

  test('ok/formatting is RFC 5952 canonical', () => {
    expect(formatIp(parseIp('2001:DB8:0:0:0:0:0:1')!)).toBe('2001:db8::1');
    expect(formatIp(parseIp('2001:db8:0:1:0:0:0:1')!)).toBe('2001:db8:0:1::1');
    expect(formatIp(parseIp('2001:db8:0:1:1:1:1:1')!)).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIp(parseIp('::')!)).toBe('::');
    expect(formatIp(parseIp('10.1.2.3')!)).toBe('10.1.2.3');
  });

  test('ok/CIDR ranges mask host bits', () => {
    const v4 = parseCidr('10.1.2.3/8');
    expect(v4.address.toString('hex')).toBe('0a000000');
    expect(v4.mask.toString('hex')).toBe('ff000000');
    const v6 = parseCidr('fd00:1234::1/20');
    expect(v6.address.toString('hex')).toBe('fd001000000000000000000000000000');
    expect(v6.mask.toString('hex')).toBe('fffff000000000000000000000000000');
    expect(formatCidr(v6.address, v6.mask)).toBe('fd00:1000::/20');
    expect(formatCidr(parseCidr('0.0.0.0/0').address, parseCidr('0.0.0.0/0').mask)).toBe('0.0.0.0/0');
  });

  test.each(['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '::/129', 'x/8', '10.0.0.0/08'])('fail/CIDR %j', (text) => {
    expect(() => parseCidr(text)).toThrow(/invalid IP range/);
  });
});
