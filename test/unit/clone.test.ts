import { describe, expect, it } from 'vitest';
import { cloneJSON } from '../../src/util/clone.js';

describe('cloneJSON', () => {
  it('copies JSON data deeply, as structuredClone does', () => {
    const v = { a: [1, { b: 'x', c: null }, [true, false]], d: { e: { f: -0.5 } }, g: '', h: 0 };
    const c = cloneJSON(v);
    expect(c).toEqual(structuredClone(v));
    expect(c).not.toBe(v);
    expect(c.a).not.toBe(v.a);
    expect(c.a[1]).not.toBe(v.a[1]);
    expect(c.d.e).not.toBe(v.d.e);
    (c.a[1] as { b: string }).b = 'changed';
    expect((v.a[1] as { b: string }).b).toBe('x');
    expect(cloneJSON(null)).toBeNull();
    expect(cloneJSON('s')).toBe('s');
    expect(cloneJSON(undefined)).toBeUndefined();
  });
});
