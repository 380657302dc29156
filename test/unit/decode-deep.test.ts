// The null decoding (zero values by element type, as encoding/json leaves them) and the walks that
// must survive 10,000 levels of nesting.
import { describe, expect, it } from 'vitest';
import { decodeNulls, containsNull } from '../../src/registry/decode.js';
import { deepEqual } from '../../src/registry/validation.js';
import { cloneDeep, goValue, mergePatch, removeDirectives } from '../../src/patch/deep.js';

const deep = (levels: number, leaf: unknown = 1): any => {
  let v: any = leaf;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};

describe('decodeNulls', () => {
  it('a null element or map value is the zero value of its type', () => {
    const pod: any = {
      metadata: { labels: { a: null }, annotations: { b: null }, finalizers: [null], creationTimestamp: null },
      spec: {
        containers: [{ name: 'c', args: [null], ports: [null, { containerPort: 80 }], resources: { limits: { cpu: null } }, env: [null] }],
        tolerations: [null],
        nodeSelector: null,
        securityContext: { supplementalGroups: [null] },
        readinessGates: null,
      },
      status: { conditions: [{ type: 'Ready', lastProbeTime: null }] },
    };
    decodeNulls('io.k8s.api.core.v1.Pod', pod);
    expect(pod).toEqual({
      metadata: { labels: { a: '' }, annotations: { b: '' }, finalizers: [''], creationTimestamp: null },
      spec: {
        containers: [{ name: 'c', args: [''], ports: [{}, { containerPort: 80 }], resources: { limits: { cpu: '0' } }, env: [{}] }],
        tolerations: [{}],
        securityContext: { supplementalGroups: [0] },
        // a nil slice of a field without omitempty is written back as null by Go: it stays
        readinessGates: null,
      },
      status: { conditions: [{ type: 'Ready', lastProbeTime: null }] },
    });
  });

  it('booleans, int-or-string and what the schema leaves open', () => {
    const svc: any = { spec: { ports: [{ port: 80, targetPort: null }] } };
    decodeNulls('io.k8s.api.core.v1.Service', svc);
    expect(svc.spec.ports[0]).toEqual({ port: 80 });
    const rev: any = { data: { x: [null], y: null }, metadata: { ownerReferences: [null] } };
    decodeNulls('io.k8s.api.apps.v1.ControllerRevision', rev);
    expect(rev).toEqual({ data: { x: [null], y: null }, metadata: { ownerReferences: [{}] } });
    const sec: any = { data: { k: null }, immutable: null };
    decodeNulls('io.k8s.api.core.v1.Secret', sec);
    expect(sec).toEqual({ data: { k: '' } });
  });

  it('unknown fields and wrong types are left for field validation', () => {
    const cm: any = { spec: { x: null }, data: [null], metadata: { labels: 'x' } };
    decodeNulls('io.k8s.api.core.v1.ConfigMap', cm);
    expect(cm).toEqual({ spec: { x: null }, data: [null], metadata: { labels: 'x' } });
  });

  it('is iterative: 10,000 levels under an open schema', () => {
    const rev: any = { data: deep(9998, null) };
    expect(containsNull(rev)).toBe(true);
    expect(() => decodeNulls('io.k8s.api.apps.v1.ControllerRevision', rev)).not.toThrow();
  });
});

describe('walks at 10,000 levels', () => {
  it('deepEqual', () => {
    expect(deepEqual(deep(10000), deep(10000))).toBe(true);
    expect(deepEqual(deep(10000), deep(10000, 2))).toBe(false);
    expect(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe(false);
  });

  it('cloneDeep keeps key order and copies', () => {
    const src = { z: 1, a: { y: [1, { b: 2 }], c: null } };
    const c = cloneDeep(src);
    expect(JSON.stringify(c)).toBe(JSON.stringify(src));
    expect(c.a).not.toBe(src.a);
    expect(deepEqual(cloneDeep(deep(10000)), deep(10000))).toBe(true);
  });

  it('mergePatch (RFC 7386), with key order as a recursive merge gives it', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: { f: null, g: 1 } }, h: [null] })).toEqual({ a: 1, b: { d: 3, e: { g: 1 } }, h: [null] });
    expect(Object.keys(mergePatch({ a: 1, b: 2 }, { c: { x: 1 }, b: 3, d: 4 }) as object)).toEqual(['a', 'b', 'c', 'd']);
    expect(deepEqual(mergePatch({}, deep(10000)), deep(10000))).toBe(true);
  });

  it('removeDirectives and goValue', () => {
    const [v] = removeDirectives({ a: [{ $patch: 'delete' }, 1, { b: { $patch: 'x' }, c: 2 }] }, '$patch');
    expect(v).toEqual({ a: [1, { c: 2 }] });
    expect(() => removeDirectives(deep(10000), '$patch')).not.toThrow();
    expect(goValue({ b: [1, 'x', null], a: { c: true } })).toBe('map[a:map[c:true] b:[1 x <nil>]]');
    expect(goValue(deep(10000))).toBe('map[a:'.repeat(10000) + '1' + ']'.repeat(10000));
  });
});
