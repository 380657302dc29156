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

describe('cloneJSON at depth', () => {
  it('copies 100,000 levels of objects and arrays without recursion', () => {
    let v: unknown = { leaf: [1, 'x', null] };
    for (let i = 0; i < 100_000; i++) v = i % 3 ? { a: v, n: i } : [i, v];
    const c = cloneJSON(v);
    // walk both side by side, iteratively (expect() on so deep a value would recurse itself)
    let a: any = v;
    let b: any = c;
    let shared = 0;
    let differ = 0;
    for (let i = 0; i < 100_000; i++) {
      if (a === b) shared++;
      if (Array.isArray(a)) {
        if (!Array.isArray(b) || b[0] !== a[0]) differ++;
        a = a[1];
        b = b[1];
      } else {
        if (b.n !== a.n) differ++;
        a = a.a;
        b = b.a;
      }
    }
    expect({ shared, differ }).toEqual({ shared: 0, differ: 0 });
    expect(b).toEqual({ leaf: [1, 'x', null] });
    expect(b.leaf).not.toBe(a.leaf);
  });
});
