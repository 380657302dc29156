// Strategic merge patches real kubectl sends, applied against the generated schema model.
// Expected results were checked against `kubectl patch --local --type strategic` (Go's strategicpatch).
import { describe, expect, it } from 'vitest';
import { StrategicMergePatchError, strategicMergePatch } from '../../src/patch/strategic.js';

const STS = 'io.k8s.api.apps.v1.StatefulSet';
const POD = 'io.k8s.api.core.v1.Pod';

function statefulSet() {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web', x: '1' }, finalizers: ['a/b', 'c/d'] },
    spec: {
      serviceName: 'web',
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'c',
              image: 'old',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
              ],
              ports: [{ containerPort: 80, name: 'http' }],
            },
            { name: 'side', image: 'side:1' },
          ],
          volumes: [{ name: 'v1', emptyDir: {} }],
        },
      },
    },
  };
}
type Sts = ReturnType<typeof statefulSet>;
const edit = (f: (o: Sts) => void) => {
  const o = statefulSet();
  f(o);
  return o;
};

describe('strategic merge patch: kubectl requests', () => {
  it('kubectl set image', () => {
    const patch = {
      spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'c' }], containers: [{ image: 'img', name: 'c' }] } } },
    };
    expect(strategicMergePatch(STS, statefulSet(), patch)).toEqual(edit((o) => (o.spec.template.spec.containers[0].image = 'img')));
  });

  it('kubectl rollout undo replaces the whole template', () => {
    const template = {
      metadata: { labels: { app: 'web' }, annotations: { note: 'v1' } },
      spec: { containers: [{ name: 'c', image: 'v1' }] },
    };
    const out = strategicMergePatch(STS, statefulSet(), { spec: { template: { ...template, $patch: 'replace' } } });
    expect(out).toEqual(edit((o) => ((o.spec as { template: unknown }).template = template)));
  });

  it('kubectl rollout restart adds the restartedAt annotation', () => {
    const at = '2024-05-01T10:00:00Z';
    const patch = { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } } };
    const out = strategicMergePatch(STS, statefulSet(), patch);
    expect(out).toEqual(
      edit((o) => ((o.spec.template.metadata as Record<string, unknown>).annotations = { 'kubectl.kubernetes.io/restartedAt': at })),
    );
  });

  it("kubectl apply's three-way patch: changed image and a removed env var", () => {
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'c' }, { name: 'side' }],
            containers: [{ '$setElementOrder/env': [{ name: 'A' }], env: [{ $patch: 'delete', name: 'B' }], image: 'img2', name: 'c' }],
          },
        },
      },
    };
    const want = edit((o) => {
      (o.metadata as Record<string, unknown>).annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' };
      o.spec.template.spec.containers[0].image = 'img2';
      o.spec.template.spec.containers[0].env = [{ name: 'A', value: '1' }];
    });
    expect(strategicMergePatch(STS, statefulSet(), patch)).toEqual(want);
  });

  it("kubectl apply's label removal", () => {
    const out = strategicMergePatch(STS, statefulSet(), { metadata: { labels: { x: null } } });
    expect(out).toEqual(edit((o) => delete (o.metadata.labels as Record<string, string>).x));
  });

  it('adds and deletes merge-list items in upstream order (live order seen through the edited list)', () => {
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', env: [{ name: '1' }, { name: '2', value: 'b' }, { name: '4' }] }] } };
    const patch = {
      spec: {
        containers: [
          { name: 'c', '$setElementOrder/env': [{ name: '2' }, { name: '3' }], env: [{ name: '3' }, { $patch: 'delete', name: '1' }] },
        ],
      },
    };
    const out = strategicMergePatch(POD, pod, patch) as typeof pod;
    expect(out.spec.containers[0].env.map((e) => e.name)).toEqual(['2', '4', '3']);
  });

  it('merges containers by name, ports by containerPort; new items without an order go first', () => {
    const patch = {
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'c', ports: [{ containerPort: 80, protocol: 'UDP' }, { containerPort: 81 }] },
              { name: 'new', image: 'n' },
            ],
          },
        },
      },
    };
    const out = strategicMergePatch(STS, statefulSet(), patch) as Sts;
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['c', 'new', 'side']);
    expect(out.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80, name: 'http', protocol: 'UDP' }, { containerPort: 81 }]);
  });

  it('volumes honour $retainKeys (merge,retainKeys): switching the volume source', () => {
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/volumes': [{ name: 'v1' }],
            volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'cm' }, name: 'v1' }],
          },
        },
      },
    };
    const out = strategicMergePatch(STS, statefulSet(), patch) as Sts;
    expect(out.spec.template.spec.volumes).toEqual([{ name: 'v1', configMap: { name: 'cm' } }]);
  });

  it('finalizers: primitive merge list union, $deleteFromPrimitiveList and $setElementOrder', () => {
    const union = strategicMergePatch(STS, statefulSet(), { metadata: { finalizers: ['e/f', 'a/b'] } }) as Sts;
    expect(union.metadata.finalizers).toEqual(['e/f', 'a/b', 'c/d']);
    const del = strategicMergePatch(STS, statefulSet(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a/b'] } }) as Sts;
    expect(del.metadata.finalizers).toEqual(['c/d']);
    const ordered = strategicMergePatch(STS, statefulSet(), {
      metadata: { '$setElementOrder/finalizers': ['c/d', 'x/y', 'a/b'], finalizers: ['x/y'] },
    }) as Sts;
    expect(ordered.metadata.finalizers).toEqual(['c/d', 'x/y', 'a/b']);
  });

  it('lists without a merge strategy are replaced; maps without a schema merge as JSON merge patch', () => {
    const out = strategicMergePatch(STS, statefulSet(), {
      spec: { template: { spec: { containers: [{ name: 'c', command: ['x'] }], nodeSelector: { a: 'b', c: null } } } },
    }) as Sts;
    expect((out.spec.template.spec.containers[0] as Record<string, unknown>).command).toEqual(['x']);
    expect((out.spec.template.spec as Record<string, unknown>).nodeSelector).toEqual({ a: 'b' });
  });

  it('errors are worded as upstream', () => {
    const run = (patch: object) => () => strategicMergePatch(STS, statefulSet(), patch);
    expect(run({ spec: { template: { spec: { containers: [{ image: 'x' }] } } } })).toThrow(
      'map: map[image:x] does not contain declared merge key: name',
    );
    expect(run({ spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'c' }], containers: [{ name: 'side' }] } } } })).toThrow(
      "The order in patch list:\n[map[name:side]]\n doesn't match $setElementOrder list:\n[map[name:c]]\n",
    );
    expect(run({ metadata: { labels: { $patch: 'bogus' } } })).toThrow('unknown patch type: bogus in map: map[$patch:bogus]');
    expect(run({ metadata: { '$setElementOrder/finalizers': 'x' } })).toThrow('expected a []interface {}, but received a string');
    expect(run({ metadata: { labels: { $patch: 'bogus' } } })).toThrow(StrategicMergePatchError);
    const withUnknown = { ...statefulSet(), spec: { ...statefulSet().spec, foo: { a: 1 } } };
    expect(() => strategicMergePatch(STS, withUnknown, { spec: { foo: { b: 2 } } }, { strictFields: true })).toThrow(
      'unable to find api field in struct StatefulSetSpec for the json field "foo"',
    );
  });
});
