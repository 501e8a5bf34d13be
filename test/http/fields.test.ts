import { describe, expect, it } from 'vitest';
import { decodeFields, type Fields } from '../../src/http/fields.js';

const fields = {
  flag: { type: 'bool', description: '' },
  count: { type: 'int', description: '' },
  ttl: { type: 'duration', description: '' },
  names: { type: 'comma_string_slice', description: '' },
  raw: { type: 'string_slice', description: '' },
  text: { type: 'string', description: '', default: 'dflt' },
  meta: { type: 'map', description: '' },
  pairs: { type: 'kv_pairs', description: '' },
  mode: { type: 'string', description: '', allowedValues: ['a', 'b'] },
} as const satisfies Fields;

describe('Vault weak decoding', () => {
  it('ok/decodes strings into bools, ints, durations and lists', () => {
    const { values, provided, unknown } = decodeFields(fields, {
      flag: '1',
      count: '42',
      ttl: '2h',
      names: 'a, b,,c',
      raw: ['x,y', 'z'],
      meta: { a: 1, b: true },
      pairs: 'k=v,x=y=z',
      extra: 1,
    }, {});
    expect(values).toMatchObject({ flag: true, count: 42, ttl: 7200, names: ['a', 'b', 'c'], raw: ['x,y', 'z'], text: 'dflt', meta: { a: '1', b: 'true' }, pairs: { k: 'v', x: 'y=z' } });
    expect(provided.has('text')).toBe(false);
    expect(unknown).toEqual(['extra']);
  });

  it('ok/zero values for absent fields and path params win over the body', () => {
    const { values } = decodeFields(fields, { text: 'body' }, { text: 'path' });
    expect(values).toMatchObject({ flag: false, count: 0, ttl: 0, names: [], text: 'path' });
  });

  const bad: Array<[string, unknown]> = [
    ['flag', 'yes'],
    ['flag', 2],
    ['count', '4.5'],
    ['count', 1.5],
    ['ttl', 'soon'],
    ['names', { a: 1 }],
    ['meta', [1]],
    ['pairs', 'novalue'],
    ['mode', 'c'],
    ['text', { nested: 1 }],
  ];
  for (const [name, value] of bad) {
    it(`fail/${name}=${JSON.stringify(value)} is a 400 naming the field`, () => {
      expect(() => decodeFields(fields, { [name]: value }, {})).toThrow(new RegExp(`"${name}"`));
    });
  }
});
