import { booleanOf, fieldOf, jsonText, NUMERIC_ID, recordIdOf } from './answer-shape';

describe('reading an answer of unknown shape', () => {
  it('takes a field only from an object of its own', () => {
    expect(fieldOf({ id: 7 }, 'id')).toBe(7);
    expect(fieldOf([7], '0')).toBeUndefined();
    expect(fieldOf(null, 'id')).toBeUndefined();
    expect(fieldOf({}, 'toString')).toBeUndefined();
  });

  it('reads booleans as booleans only', () => {
    expect([true, false, 'false', 0, null].map(booleanOf)).toEqual([true, false, null, null, null]);
  });

  it('keeps a record id only of the expected form', () => {
    expect([7, '7', 0, -1, 1.5, '../users/7', '7/../8', 2 ** 60].map((v) => recordIdOf(v, NUMERIC_ID))).toEqual([
      '7',
      '7',
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('writes any value as short JSON text, a deep one elided below 16 levels, a long one cut', () => {
    expect(jsonText({ a: [1, 'x', null, true] })).toBe('{"a":[1,"x",null,true]}');
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(jsonText(deep)).toBe(`${'['.repeat(16)}[…]${']'.repeat(16)}`);
    const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 'v'.repeat(50)]));
    expect(jsonText(wide, 40)).toHaveLength(40);
    expect(jsonText('a'.repeat(500))).toHaveLength(300);
  });
});
