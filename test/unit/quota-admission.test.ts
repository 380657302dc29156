// ResourceQuota admission: usage deltas of pods, services, claims and object counts of any kind
// checked against the namespace's quotas (status.hard) with scopes, refused with upstream's 403,
// and charged to status.used at once.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { StatusError } from '../../src/registry/errors.js';
import type { KObject, ResourceDef } from '../../src/resources/types.js';

let emu: KubeEmulator;
let pod: ResourceDef, rq: ResourceDef, nsDef: ResourceDef, cm: ResourceDef, svc: ResourceDef, pvc: ResourceDef, deploy: ResourceDef, pc: ResourceDef, secret: ResourceDef;

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  const r = emu.registry;
  [pod, rq, nsDef, cm, svc, pvc, deploy, pc, secret] = [
    r.mustDef('', 'pods'),
    r.mustDef('', 'resourcequotas'),
    r.mustDef('', 'namespaces'),
    r.mustDef('', 'configmaps'),
    r.mustDef('', 'services'),
    r.mustDef('', 'persistentvolumeclaims'),
    r.mustDef('apps', 'statefulsets'),
    r.mustDef('scheduling.k8s.io', 'priorityclasses'),
    r.mustDef('', 'secrets'),
  ];
  r.create(pc, '', { metadata: { name: 'high' }, value: 1000 });
});
afterAll(async () => {
  await emu.close();
});

let n = 0;
const newNs = () => {
  const ns = `qa-${++n}`;
  emu.registry.create(nsDef, '', { metadata: { name: ns } });
  return ns;
};

/** A quota as the controller leaves it: status.hard = spec.hard, used from `used` (0 for the rest). */
function quota(ns: string, name: string, hard: Record<string, string>, spec: KObject = {}, used: Record<string, string> = {}): void {
  emu.registry.create(rq, ns, { metadata: { name }, spec: { hard, ...spec } });
  emu.registry.modify(
    rq,
    ns,
    name,
    (q) => {
      q.status = { hard, used: Object.fromEntries(Object.keys(hard).map((k) => [k, used[k] ?? '0'])) };
    },
    { subresource: 'status' },
  );
}
const used = (ns: string, name: string) => emu.registry.get(rq, ns, name).status?.used;

const c = (name: string, resources?: KObject): KObject => ({ name, image: 'busybox', ...(resources ? { resources } : {}) });
const mkPod = (ns: string, name: string, containers: KObject[] = [c('c')], extra: KObject = {}) =>
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

describe('ResourceQuota admission: pods', () => {
  it('charges each pod at once and refuses the one past the quota', () => {
    const ns = newNs();
    quota(ns, 'q', { pods: '2', 'count/pods': '5' });
    mkPod(ns, 'p1');
    expect(used(ns, 'q')).toEqual({ pods: '1', 'count/pods': '1' });
    mkPod(ns, 'p2');
    expect(used(ns, 'q')).toEqual({ pods: '2', 'count/pods': '2' });
    const e = refusal(() => mkPod(ns, 'p3'));
    expect(e.code).toBe(403);
    expect(e.message).toBe('pods "p3" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2');
    expect(used(ns, 'q')).toEqual({ pods: '2', 'count/pods': '2' });
    expect(emu.registry.tryGet(pod, ns, 'p3')).toBeUndefined();
  });

  it('requires compute resources a quota tracks, in upstream words', () => {
    const ns = newNs();
    quota(ns, 'compute', { 'requests.cpu': '1', 'limits.cpu': '2', 'requests.memory': '1Gi' });
    expect(refusal(() => mkPod(ns, 'x', [c('app'), c('side', { requests: { cpu: '100m', memory: '10Mi' } })])).message).toBe(
      'pods "x" is forbidden: failed quota: compute: must specify limits.cpu for: app,side; requests.cpu for: app; requests.memory for: app',
    );
    mkPod(ns, 'a', [c('c', { requests: { cpu: '500m', memory: '100Mi' }, limits: { cpu: '1' } })]);
    expect(used(ns, 'compute')).toEqual({ 'requests.cpu': '500m', 'limits.cpu': '1', 'requests.memory': '100Mi' });
    expect(refusal(() => mkPod(ns, 'b', [c('c', { requests: { cpu: '600m', memory: '100Mi' }, limits: { cpu: '600m' } })])).message).toBe(
      'pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=500m, limited: requests.cpu=1',
    );
  });

  it('matches the BestEffort / NotBestEffort and Terminating / NotTerminating scopes', () => {
    const ns = newNs();
    quota(ns, 'be', { pods: '1' }, { scopes: ['BestEffort'] });
    quota(ns, 'nbe', { pods: '5' }, { scopes: ['NotBestEffort', 'NotTerminating'] });
    quota(ns, 'term', { pods: '5' }, { scopes: ['Terminating'] });
    mkPod(ns, 'be1');
    expect(used(ns, 'be').pods).toBe('1');
    expect(refusal(() => mkPod(ns, 'be2')).message).toBe('pods "be2" is forbidden: exceeded quota: be, requested: pods=1, used: pods=1, limited: pods=1');
    mkPod(ns, 'burst', [c('c', { requests: { cpu: '100m' } })]);
    mkPod(ns, 'job', [c('c', { requests: { cpu: '100m' } })], { activeDeadlineSeconds: 30 });
    expect([used(ns, 'be').pods, used(ns, 'nbe').pods, used(ns, 'term').pods]).toEqual(['1', '1', '1']);
  });

  it('matches the PriorityClass scope selector', () => {
    const ns = newNs();
    quota(ns, 'high', { pods: '1' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } });
    mkPod(ns, 'h1', [c('c')], { priorityClassName: 'high' });
    mkPod(ns, 'plain');
    expect(used(ns, 'high').pods).toBe('1');
    expect(refusal(() => mkPod(ns, 'h2', [c('c')], { priorityClassName: 'high' })).message).toContain('exceeded quota: high');
  });

  it('says when a quota has no usage yet for what it tracks', () => {
    const ns = newNs();
    emu.registry.create(rq, ns, { metadata: { name: 'q' }, spec: { hard: { pods: '1' } } });
    // no status yet: the quota is not enforced until it has one
    mkPod(ns, 'free');
    emu.registry.modify(rq, ns, 'q', (q) => void (q.status = { hard: { pods: '1', secrets: '1' }, used: { secrets: '0' } }), { subresource: 'status' });
    expect(refusal(() => mkPod(ns, 'x')).message).toBe('pods "x" is forbidden: status unknown for quota: q, resources: pods');
  });
});

describe('ResourceQuota admission: other kinds', () => {
  it('counts configmaps and secrets by their legacy and count/ names', () => {
    const ns = newNs();
    quota(ns, 'q', { 'count/configmaps': '1', secrets: '1' });
    emu.registry.create(cm, ns, { metadata: { name: 'a' } });
    expect(refusal(() => emu.registry.create(cm, ns, { metadata: { name: 'b' } })).message).toBe(
      'configmaps "b" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1',
    );
    emu.registry.create(secret, ns, { metadata: { name: 's' } });
    expect(refusal(() => emu.registry.create(secret, ns, { metadata: { generateName: 's-' } })).message).toMatch(
      /^secrets "s-[a-z0-9]{5}" is forbidden: exceeded quota: q, requested: secrets=1, used: secrets=1, limited: secrets=1$/,
    );
    // updates of counted objects charge nothing
    emu.registry.modify(cm, ns, 'a', (o) => void (o.data = { k: 'v' }));
    expect(used(ns, 'q')).toEqual({ 'count/configmaps': '1', secrets: '1' });
  });

  it('counts any kind by count/<resource>.<group>', () => {
    const ns = newNs();
    quota(ns, 'q', { 'count/statefulsets.apps': '1' });
    const d = (name: string) => ({
      metadata: { name },
      spec: { selector: { matchLabels: { a: name } }, template: { metadata: { labels: { a: name } }, spec: { containers: [c('c')] } } },
    });
    emu.registry.create(deploy, ns, d('one'));
    expect(used(ns, 'q')).toEqual({ 'count/statefulsets.apps': '1' });
    expect(refusal(() => emu.registry.create(deploy, ns, d('two'))).message).toBe(
      'statefulsets.apps "two" is forbidden: exceeded quota: q, requested: count/statefulsets.apps=1, used: count/statefulsets.apps=1, limited: count/statefulsets.apps=1',
    );
  });

  it('charges services, node ports and load balancers, on create and when the type changes', () => {
    const ns = newNs();
    quota(ns, 'q', { services: '5', 'services.nodeports': '2', 'services.loadbalancers': '1' });
    emu.registry.create(svc, ns, { metadata: { name: 'ip' }, spec: { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } });
    expect(used(ns, 'q')).toEqual({ services: '1', 'services.nodeports': '0', 'services.loadbalancers': '0' });
    expect(refusal(() => emu.registry.create(svc, ns, { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }, { name: 'c', port: 82 }] } })).message).toBe(
      'services "np" is forbidden: exceeded quota: q, requested: services.nodeports=3, used: services.nodeports=0, limited: services.nodeports=2',
    );
    emu.registry.create(svc, ns, { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
    expect(used(ns, 'q')).toEqual({ services: '2', 'services.nodeports': '1', 'services.loadbalancers': '1' });
    const e = refusal(() => emu.registry.modify(svc, ns, 'ip', (o) => void (o.spec.type = 'NodePort')));
    expect(e.message).toBe('services "ip" is forbidden: exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=1, limited: services.nodeports=2');
  });

  it('charges claims, their storage and their storage class', () => {
    const ns = newNs();
    quota(ns, 'q', { persistentvolumeclaims: '3', 'requests.storage': '10Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '2Gi' });
    const claim = (name: string, storage: string, cls?: string) => ({
      metadata: { name },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, ...(cls ? { storageClassName: cls } : {}) },
    });
    emu.registry.create(pvc, ns, claim('a', '5Gi'));
    emu.registry.create(pvc, ns, claim('g', '1Gi', 'gold'));
    expect(used(ns, 'q')).toEqual({ persistentvolumeclaims: '2', 'requests.storage': '6Gi', 'gold.storageclass.storage.k8s.io/requests.storage': '1Gi' });
    expect(refusal(() => emu.registry.create(pvc, ns, claim('g2', '2Gi', 'gold'))).message).toBe(
      'persistentvolumeclaims "g2" is forbidden: exceeded quota: q, requested: gold.storageclass.storage.k8s.io/requests.storage=2Gi, used: gold.storageclass.storage.k8s.io/requests.storage=1Gi, limited: gold.storageclass.storage.k8s.io/requests.storage=2Gi',
    );
    expect(refusal(() => emu.registry.create(pvc, ns, claim('b', '5Gi'))).message).toBe(
      'persistentvolumeclaims "b" is forbidden: exceeded quota: q, requested: requests.storage=5Gi, used: requests.storage=6Gi, limited: requests.storage=10Gi',
    );
  });

  it('names every exceeded resource of the first quota that cannot take the request', () => {
    const ns = newNs();
    quota(ns, 'roomy', { pods: '10' });
    quota(ns, 'tight', { pods: '1', 'requests.memory': '100Mi' }, {}, { pods: '1', 'requests.memory': '100Mi' });
    expect(refusal(() => mkPod(ns, 'x', [c('c', { requests: { memory: '1Mi' } })])).message).toBe(
      'pods "x" is forbidden: exceeded quota: tight, requested: pods=1,requests.memory=1Mi, used: pods=1,requests.memory=100Mi, limited: pods=1,requests.memory=100Mi',
    );
    expect(used(ns, 'roomy').pods).toBe('0');
  });

  it('charges nothing for a dry run or a write that fails', () => {
    const ns = newNs();
    quota(ns, 'q', { configmaps: '2' });
    emu.registry.create(cm, ns, { metadata: { name: 'a' } }, { dryRun: true });
    expect(used(ns, 'q').configmaps).toBe('0');
    emu.registry.create(cm, ns, { metadata: { name: 'a' } });
    expect(refusal(() => emu.registry.create(cm, ns, { metadata: { name: 'a' } })).code).toBe(409);
    expect(used(ns, 'q').configmaps).toBe('1');
  });

  it('leaves cluster-scoped kinds and other namespaces alone', () => {
    const ns = newNs();
    quota(ns, 'q', { configmaps: '0' });
    const other = newNs();
    emu.registry.create(cm, other, { metadata: { name: 'a' } });
    emu.registry.create(pc, '', { metadata: { name: `pc-${ns}` }, value: 5 });
    expect(refusal(() => emu.registry.create(cm, ns, { metadata: { name: 'a' } })).code).toBe(403);
  });
});

describe('ResourceQuota admission: updates', () => {
  it('lets a pod made before a compute quota be updated (only creates of pods are measured)', () => {
    const ns = newNs();
    mkPod(ns, 'old');
    quota(ns, 'compute', { 'requests.cpu': '1' });
    expect(emu.registry.modify(pod, ns, 'old', (p) => void (p.metadata.labels = { a: 'b' })).object.metadata.labels).toEqual({ a: 'b' });
    expect(refusal(() => mkPod(ns, 'new')).message).toBe('pods "new" is forbidden: failed quota: compute: must specify requests.cpu for: c');
  });
});

describe('ResourceQuota admission: extended resources and hugepages', () => {
  it('charges requests.<extended resource> and hugepages', () => {
    const ns = newNs();
    quota(ns, 'q', { 'requests.example.com/gpu': '1', 'requests.hugepages-2Mi': '4Mi' });
    const gpu = { requests: { 'example.com/gpu': '1' }, limits: { 'example.com/gpu': '1' } };
    mkPod(ns, 'g1', [c('c', gpu)]);
    expect(used(ns, 'q')).toEqual({ 'requests.example.com/gpu': '1', 'requests.hugepages-2Mi': '0' });
    expect(refusal(() => mkPod(ns, 'g2', [c('c', gpu)])).message).toBe(
      'pods "g2" is forbidden: exceeded quota: q, requested: requests.example.com/gpu=1, used: requests.example.com/gpu=1, limited: requests.example.com/gpu=1',
    );
    const huge = { requests: { 'hugepages-2Mi': '4Mi', memory: '10Mi' }, limits: { 'hugepages-2Mi': '4Mi', memory: '10Mi' } };
    mkPod(ns, 'h1', [c('c', huge)]);
    expect(used(ns, 'q')['requests.hugepages-2Mi']).toBe('4Mi');
  });
});
