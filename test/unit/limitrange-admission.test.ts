// LimitRanger admission: Container defaults written to pods (with the kubernetes.io/limit-ranger
// annotation), Container / Pod / PersistentVolumeClaim min, max and ratio refusals, worded as upstream.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { StatusError } from '../../src/registry/errors.js';
import type { KObject, ResourceDef } from '../../src/resources/types.js';

let emu: KubeEmulator;
let pod: ResourceDef, lr: ResourceDef, nsDef: ResourceDef, pvc: ResourceDef;

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  const r = emu.registry;
  [pod, lr, nsDef, pvc] = [r.mustDef('', 'pods'), r.mustDef('', 'limitranges'), r.mustDef('', 'namespaces'), r.mustDef('', 'persistentvolumeclaims')];
});
afterAll(async () => {
  await emu.close();
});

let n = 0;
function namespaceWith(...limits: KObject[]): string {
  const ns = `lr-${++n}`;
  emu.registry.create(nsDef, '', { metadata: { name: ns } });
  if (limits.length) emu.registry.create(lr, ns, { metadata: { name: 'limits' }, spec: { limits } });
  return ns;
}

const container = (name: string, resources?: KObject): KObject => ({ name, image: 'busybox', ...(resources ? { resources } : {}) });
const mkPod = (ns: string, name: string, containers: KObject[], extra: KObject = {}) =>
  emu.registry.create(pod, ns, { metadata: { name }, spec: { containers, ...extra } }).object;

function refusal(f: () => unknown): StatusError {
  try {
    f();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('LimitRanger defaults', () => {
  it('gives containers and init containers the Container defaults they lack, and says so in the annotation', () => {
    const ns = namespaceWith({ type: 'Container', default: { cpu: '500m', memory: '128Mi' }, defaultRequest: { cpu: '100m', memory: '64Mi' } });
    const p = mkPod(ns, 'p', [container('app'), container('side', { limits: { cpu: '1' } })], {
      initContainers: [container('init', { requests: { memory: '32Mi' } })],
    });
    expect(p.spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '64Mi' } });
    // pod defaulting made requests.cpu = limits.cpu before admission; only memory is added
    expect(p.spec.containers[1].resources).toEqual({ limits: { cpu: '1', memory: '128Mi' }, requests: { cpu: '1', memory: '64Mi' } });
    expect(p.spec.initContainers[0].resources).toEqual({ limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m', memory: '32Mi' } });
    expect(p.metadata.annotations['kubernetes.io/limit-ranger']).toBe(
      'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; memory request for container side; memory limit for container side; cpu request for init container init; cpu, memory limit for init container init',
    );
    // the QoS class is computed from the defaulted resources
    expect(p.status.qosClass).toBe('Burstable');
  });

  it('defaultRequest defaults to default, and max gives the default limit (LimitRange defaulting)', () => {
    const ns = namespaceWith({ type: 'Container', max: { cpu: '2' } });
    const p = mkPod(ns, 'p', [container('c')]);
    expect(p.spec.containers[0].resources).toEqual({ limits: { cpu: '2' }, requests: { cpu: '2' } });
    expect(p.metadata.annotations['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu request for container c; cpu limit for container c');
  });

  it('leaves pods alone in a namespace without LimitRanges, and a pod that states everything gets no annotation', () => {
    const bare = namespaceWith();
    expect(mkPod(bare, 'p', [container('c')]).metadata.annotations).toBeUndefined();
    const ns = namespaceWith({ type: 'Container', default: { cpu: '1' }, defaultRequest: { cpu: '1' } });
    const p = mkPod(ns, 'p', [container('c', { requests: { cpu: '1' }, limits: { cpu: '1' } })]);
    expect(p.metadata.annotations?.['kubernetes.io/limit-ranger']).toBeUndefined();
  });

  it('does not run on pod updates', () => {
    const ns = namespaceWith();
    mkPod(ns, 'p', [container('c')]);
    emu.registry.create(lr, ns, { metadata: { name: 'late' }, spec: { limits: [{ type: 'Container', default: { cpu: '1' } }] } });
    const upd = emu.registry.modify(pod, ns, 'p', (o) => {
      o.metadata.labels = { a: 'b' };
    }).object;
    expect(upd.spec.containers[0].resources ?? {}).toEqual({});
  });
});

describe('LimitRanger refusals', () => {
  it('refuses a container over the Container max with the 403 upstream words', () => {
    const ns = namespaceWith({ type: 'Container', max: { cpu: '1' } });
    const e = refusal(() => mkPod(ns, 'x', [container('c', { limits: { cpu: '2' } })]));
    expect(e.code).toBe(403);
    expect(e.message).toBe('pods "x" is forbidden: maximum cpu usage per Container is 1, but limit is 2.');
  });

  it('words every min / max / ratio refusal as upstream, several in brackets', () => {
    const ns = namespaceWith({ type: 'Container', min: { cpu: '200m', memory: '64Mi' }, maxLimitRequestRatio: { cpu: '2' } });
    expect(refusal(() => mkPod(ns, 'a', [container('c', { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '100m' } })])).message).toBe(
      'pods "a" is forbidden: minimum cpu usage per Container is 200m, but request is 100m.',
    );
    expect(refusal(() => mkPod(ns, 'b', [container('c', { requests: { cpu: '300m', memory: '64Mi' }, limits: { cpu: '900m' } })])).message).toBe(
      'pods "b" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 3.000000.',
    );
    // min defaults the request (LimitRange defaulting), so here both the request and the limit fall short
    const both = refusal(() => mkPod(ns, 'c', [container('c', { requests: { cpu: '300m', memory: '32Mi' }, limits: { cpu: '300m', memory: '32Mi' } })]));
    expect(both.message).toBe('pods "c" is forbidden: minimum memory usage per Container is 64Mi, but request is 32Mi.');
    const ns2 = namespaceWith({ type: 'Container', max: { memory: '1Gi' }, min: { cpu: '1' } }, { type: 'Container', maxLimitRequestRatio: { memory: '4' } });
    // the first LimitRange's defaults apply (max memory -> limit), cpu min -> request; a 2nd item with a ratio
    expect(refusal(() => mkPod(ns2, 'd', [container('c', { requests: { cpu: '500m', memory: '100Mi' } })])).message).toBe(
      'pods "d" is forbidden: [minimum cpu usage per Container is 1, but request is 500m., memory max limit to request ratio per Container is 4, but provided ratio is 10.240000.]',
    );
  });

  it('enforces Pod limits over the sum of the containers', () => {
    const ns = namespaceWith({ type: 'Pod', max: { memory: '1Gi' } });
    const e = refusal(() =>
      mkPod(ns, 'p', [container('a', { limits: { memory: '600Mi' } }), container('b', { limits: { memory: '600Mi' } })]),
    );
    expect(e.message).toBe('pods "p" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1200Mi.');
    // the pod's limits add up what containers state (podLimits)
    const e2 = refusal(() => mkPod(ns, 'q', [container('a', { requests: { memory: '100Mi' } }), container('b')]));
    expect(e2.message).toBe('pods "q" is forbidden: maximum memory usage per Pod is 1Gi.  No limit is specified.');
    // sidecars (restartable init containers) add up with the containers
    const e3 = refusal(() =>
      mkPod(ns, 's', [container('a', { limits: { memory: '600Mi' } })], { initContainers: [{ ...container('side', { limits: { memory: '600Mi' } }), restartPolicy: 'Always' }] }),
    );
    expect(e3.message).toBe('pods "s" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1200Mi.');
    expect(mkPod(ns, 'ok', [container('a', { limits: { memory: '500Mi' } }), container('b', { limits: { memory: '500Mi' } })]).metadata.name).toBe('ok');
  });

  it('refuses claims outside the PersistentVolumeClaim min / max, on create and on update', () => {
    const ns = namespaceWith();
    const claim = (name: string, storage: string) => ({
      metadata: { name },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
    });
    emu.registry.create(pvc, ns, claim('ok', '5Gi'));
    emu.registry.create(pvc, ns, claim('huge', '50Gi'));
    emu.registry.create(lr, ns, { metadata: { name: 'claims' }, spec: { limits: [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }] } });
    expect(refusal(() => emu.registry.create(pvc, ns, claim('small', '500Mi'))).message).toBe(
      'persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi.',
    );
    expect(refusal(() => emu.registry.create(pvc, ns, claim('big', '20Gi'))).message).toBe(
      'persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi',
    );
    // updates are checked too: a claim made before the LimitRange cannot be changed while outside it
    const e = refusal(() =>
      emu.registry.modify(pvc, ns, 'huge', (o) => {
        o.metadata.labels = { a: 'b' };
      }),
    );
    expect(e.message).toBe('persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 50Gi');
    expect(emu.registry.modify(pvc, ns, 'ok', (o) => void (o.metadata.labels = { a: 'b' })).object.metadata.labels).toEqual({ a: 'b' });
  });

  it('runs after validation: an invalid pod gets its 422, not the LimitRanger 403', () => {
    const ns = namespaceWith({ type: 'Container', max: { cpu: '1' } });
    const e = refusal(() => mkPod(ns, 'bad', [{ name: 'c', resources: { limits: { cpu: '2' } } }]));
    expect(e.code).toBe(422);
  });
});
