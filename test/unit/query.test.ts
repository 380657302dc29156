import { describe, expect, it } from 'vitest';
import { queryBool, queryFlag } from '../../src/server/query.js';

describe('queryBool (apimachinery Convert_Slice_string_To_bool)', () => {
  it('absent is undefined, not false', () => {
    expect(queryBool(undefined)).toBeUndefined();
    expect(queryBool([])).toBeUndefined();
    expect(queryFlag(undefined)).toBe(false);
  });
  it('0 and false in any case are false', () => {
    for (const v of ['0', 'false', 'False', 'FALSE', 'fAlSe']) expect(queryBool(v)).toBe(false);
  });
  it('everything else is true, the empty value included', () => {
    for (const v of ['', 'true', 'True', '1', 'yes', 'no', 'off', '00', ' false']) expect(queryBool(v)).toBe(true);
  });
  it('the first of repeated values decides', () => {
    expect(queryBool(['false', 'true'])).toBe(false);
    expect(queryBool(['True', '0'])).toBe(true);
  });
});
