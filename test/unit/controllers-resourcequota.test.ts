// The resource quota controller: status.hard from spec.hard, status.used measured from the
// namespace's objects, lowered when objects go (deletes, pods that finish), and corrected on resync.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer, testControllerOptions, untilSettled } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { resourceQuotaController, QUOTA_RESYNC_MS } from '../../src/controllers/resourcequota.js';
import { FakeClock } from '../../src/controllers/runtime/index.js';
import type { KObject, ResourceDef } from '../../src/resources/types.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
let clock: FakeClock;
let pod: ResourceDef, rq: ResourceDef, nsDef: ResourceDef, cm: ResourceDef, sts: ResourceDef, svc: ResourceDef;

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  clock = new FakeClock(Date.now());
  mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions({ clock }), [resourceQuotaController]);
  mgr.start(['resourcequota']);
  const r = emu.registry;
  [pod, rq, nsDef, cm, sts, svc] = [
    r.mustDef('', 'pods'),
    r.mustDef('', 'resourcequotas'),
    r.mustDef('', 'namespaces'),
    r.mustDef('', 'configmaps'),
    r.mustDef('apps', 'statefulsets'),
    r.mustDef('', 'services'),
  ];
});
afterAll(async () => {
  mgr.stop();
  await emu.close();
});

let n = 0;
const newNs = () => {
  const ns = `rqc-${++n}`;
  emu.registry.create(nsDef, '', { metadata: { name: ns } });
  return ns;
};
const status = (ns: string, name: string): KObject | undefined => emu.registry.tryGet(rq, ns, name)?.status;
const json = (v: unknown) => JSON.stringify(v);
/** waits until the quota's status.used is `want` */
const usedBecomes = (ns: string, name: string, want: Record<string, string>) =>
  untilSettled(mgr, () => json(status(ns, name)?.used) === json(want) || undefined).catch(() => {
    throw new Error(`used is ${json(status(ns, name)?.used)}, want ${json(want)}`);
  });
const mkPod = (ns: string, name: string, resources?: KObject, extra: KObject = {}) =>
  emu.registry.create(pod, ns, { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox', ...(resources ? { resources } : {}) }], ...extra } });
const mkQuota = (ns: string, name: string, hard: Record<string, string>, spec: KObject = {}) =>
  emu.registry.create(rq, ns, { metadata: { name }, spec: { hard, ...spec } });

describe('resource quota controller', () => {
  it('fills status.hard and status.used from what the namespace holds', async () => {
    const ns = newNs();
    mkPod(ns, 'a', { requests: { cpu: '100m', memory: '64Mi' } });
    mkPod(ns, 'b', { requests: { cpu: '250m' } });
    emu.registry.create(cm, ns, { metadata: { name: 'one' } });
    emu.registry.create(cm, ns, { metadata: { name: 'two' } });
    mkQuota(ns, 'q', { pods: '2', 'count/configmaps': '3', 'requests.cpu': '1', 'requests.memory': '1Gi', 'count/statefulsets.apps': '1' });
    await usedBecomes(ns, 'q', { 'count/configmaps': '2', 'count/statefulsets.apps': '0', pods: '2', 'requests.cpu': '350m', 'requests.memory': '64Mi' });
    expect(status(ns, 'q')!.hard).toEqual({ 'count/configmaps': '3', 'count/statefulsets.apps': '1', pods: '2', 'requests.cpu': '1', 'requests.memory': '1Gi' });
    // admission refuses past it now that the status is known
    expect(() => mkPod(ns, 'c')).toThrow('pods "c" is forbidden: failed quota: q: must specify requests.cpu for: c; requests.memory for: c');
    expect(() => mkPod(ns, 'c', { requests: { cpu: '1m', memory: '1Mi' } })).toThrow('exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
  });

  it('lowers usage when objects are deleted, and when pods finish', async () => {
    const ns = newNs();
    mkQuota(ns, 'q', { pods: '3', 'count/pods': '3', configmaps: '2' });
    await usedBecomes(ns, 'q', { configmaps: '0', 'count/pods': '0', pods: '0' });
    mkPod(ns, 'a');
    mkPod(ns, 'b');
    emu.registry.create(cm, ns, { metadata: { name: 'x' } });
    await usedBecomes(ns, 'q', { configmaps: '1', 'count/pods': '2', pods: '2' });
    emu.registry.delete(cm, ns, 'x');
    await usedBecomes(ns, 'q', { configmaps: '0', 'count/pods': '2', pods: '2' });
    // a pod at its end of life gives back "pods" but still counts as an object
    emu.registry.modify(pod, ns, 'a', (p) => void (p.status = { ...p.status, phase: 'Succeeded' }), { subresource: 'status' });
    await usedBecomes(ns, 'q', { configmaps: '0', 'count/pods': '2', pods: '1' });
    emu.registry.delete(pod, ns, 'b', { gracePeriodSeconds: 0 });
    await usedBecomes(ns, 'q', { configmaps: '0', 'count/pods': '1', pods: '0' });
  });

  it('follows spec.hard changes and counts any kind by count/<resource>.<group>', async () => {
    const ns = newNs();
    mkQuota(ns, 'q', { services: '1' });
    await usedBecomes(ns, 'q', { services: '0' });
    const set = (name: string) => ({
      metadata: { name },
      spec: { serviceName: name, selector: { matchLabels: { a: name } }, template: { metadata: { labels: { a: name } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
    });
    emu.registry.create(sts, ns, set('s1'));
    emu.registry.create(sts, ns, set('s2'));
    emu.registry.modify(rq, ns, 'q', (q) => void (q.spec.hard = { services: '2', 'count/statefulsets.apps': '5' }));
    await usedBecomes(ns, 'q', { 'count/statefulsets.apps': '2', services: '0' });
    expect(status(ns, 'q')!.hard).toEqual({ 'count/statefulsets.apps': '5', services: '2' });
    emu.registry.delete(sts, ns, 's1', { propagationPolicy: 'Orphan' });
    // the Orphan finalizer keeps it until the garbage collector (not running here) lets go: still counted
    emu.registry.modify(sts, ns, 's1', (o) => void (o.metadata.finalizers = []));
    await usedBecomes(ns, 'q', { 'count/statefulsets.apps': '1', services: '0' });
  });

  it('counts only what is in the quota scopes', async () => {
    const ns = newNs();
    mkPod(ns, 'be');
    mkPod(ns, 'burst', { requests: { cpu: '100m' } });
    mkPod(ns, 'job', { requests: { cpu: '200m' } }, { activeDeadlineSeconds: 60 });
    mkQuota(ns, 'be', { pods: '10' }, { scopes: ['BestEffort'] });
    mkQuota(ns, 'long', { pods: '10', 'requests.cpu': '4' }, { scopes: ['NotBestEffort', 'NotTerminating'] });
    mkQuota(ns, 'term', { pods: '10', 'requests.cpu': '4' }, { scopes: ['Terminating'] });
    await usedBecomes(ns, 'be', { pods: '1' });
    await usedBecomes(ns, 'long', { pods: '1', 'requests.cpu': '100m' });
    await usedBecomes(ns, 'term', { pods: '1', 'requests.cpu': '200m' });
  });

  it('corrects a wrong usage at the periodic resync, and a deleted quota is given back to count/resourcequotas', async () => {
    const ns = newNs();
    mkQuota(ns, 'q', { resourcequotas: '3', 'services.nodeports': '5' });
    await usedBecomes(ns, 'q', { resourcequotas: '1', 'services.nodeports': '0' });
    mkQuota(ns, 'other', { configmaps: '1' });
    await usedBecomes(ns, 'q', { resourcequotas: '2', 'services.nodeports': '0' });
    emu.registry.create(svc, ns, { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    await usedBecomes(ns, 'q', { resourcequotas: '2', 'services.nodeports': '1' });
    // someone writes a wrong usage: it stays until the resync
    emu.registry.modify(rq, ns, 'q', (q) => void (q.status.used = { resourcequotas: '0', 'services.nodeports': '0' }), { subresource: 'status' });
    await mgr.settled();
    expect(status(ns, 'q')!.used).toEqual({ resourcequotas: '0', 'services.nodeports': '0' });
    clock.advance(QUOTA_RESYNC_MS + 1);
    await usedBecomes(ns, 'q', { resourcequotas: '2', 'services.nodeports': '1' });
    emu.registry.delete(rq, ns, 'other');
    await usedBecomes(ns, 'q', { resourcequotas: '1', 'services.nodeports': '1' });
    // a service that stops being a NodePort gives its ports back
    emu.registry.modify(svc, ns, 'np', (s) => {
      s.spec.type = 'ClusterIP';
      for (const p of s.spec.ports) delete p.nodePort;
    });
    await usedBecomes(ns, 'q', { resourcequotas: '1', 'services.nodeports': '0' });
  });
});
