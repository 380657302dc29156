import { describe, it, expect } from 'vitest';
import { podDef } from '../../src/resources/core/pod.js';
import { serviceDef } from '../../src/resources/core/service.js';
import { namespaceDef } from '../../src/resources/core/namespace.js';
import { secretDef } from '../../src/resources/core/secret.js';
import { configMapDef } from '../../src/resources/core/configmap.js';
import { limitRangeDef } from '../../src/resources/core/limitrange.js';
import { nodeDef } from '../../src/resources/core/node.js';
import { eventDef } from '../../src/resources/core/event.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec, computeQOSClass } from '../../src/resources/podspec.js';

const pod = (spec: any, name = 'p') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec });
function created(def: any, obj: any) {
  def.defaults?.(obj);
  def.prepareForCreate?.(obj);
  return obj;
}

describe('pod defaults (as a 1.33 cluster shows them)', () => {
  it('defaults spec, containers, admission effects and status', () => {
    const p = created(podDef, pod({ containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] }));
    const c = p.spec.containers[0];
    expect(c).toMatchObject({
      imagePullPolicy: 'Always',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: {},
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
    expect(p.spec).toMatchObject({
      dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {},
      terminationGracePeriodSeconds: 30, enableServiceLinks: true,
    });
    expect(p.spec.tolerations).toEqual([
      { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
      { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
    ]);
    // the account and its kube-api-access volume come from the ServiceAccount admission plugin,
    // which reads the account (test/api/serviceaccount-admission.test.ts), not from the strategy
    expect(p.spec.serviceAccountName).toBeUndefined();
    expect(p.spec.volumes).toBeUndefined();
    expect(p.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(p.metadata.generation).toBe(1);
    expect(podDef.validate!(p)).toEqual([]);
  });
  it('imagePullPolicy by tag', () => {
    const p = created(podDef, pod({ containers: [
      { name: 'a', image: 'nginx:1.25' }, { name: 'b', image: 'nginx:latest' }, { name: 'c', image: 'reg:5000/x' },
      { name: 'd', image: 'nginx@sha256:abc' },
    ] }));
    expect(p.spec.containers.map((c: any) => c.imagePullPolicy)).toEqual(['IfNotPresent', 'Always', 'Always', 'IfNotPresent']);
  });
  it('requests default to limits and QoS is Guaranteed', () => {
    const p = created(podDef, pod({ containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '1000m', memory: '2048Mi' } } }] }));
    expect(p.spec.containers[0].resources).toEqual({ limits: { cpu: '1', memory: '2Gi' }, requests: { cpu: '1', memory: '2Gi' } });
    expect(p.status.qosClass).toBe('Guaranteed');
  });
  it('QoS Burstable', () => {
    expect(computeQOSClass(pod({ containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }] }))).toBe('Burstable');
    expect(computeQOSClass(pod({ containers: [
      { name: 'a', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } },
      { name: 'b' },
    ] }))).toBe('Burstable');
  });
  it('templates get spec defaults but not pod-only ones', () => {
    const tpl: any = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '1' } } }], volumes: [{ name: 'v' }, { name: 's', secret: { secretName: 's' } }] } };
    defaultPodTemplateSpec(tpl);
    expect(tpl.spec.enableServiceLinks).toBeUndefined();
    expect(tpl.spec.priority).toBeUndefined();
    expect(tpl.spec.containers[0].resources).toEqual({ limits: { cpu: '1' } });
    expect(tpl.spec.volumes).toEqual([{ name: 'v', emptyDir: {} }, { name: 's', secret: { secretName: 's', defaultMode: 420 } }]);
    expect(validatePodTemplateSpec(tpl, 'spec.template')).toEqual([]);
  });
});

describe('pod validation', () => {
  const v = (spec: any) => {
    const p = pod(spec);
    podDef.defaults!(p);
    return podDef.validate!(p);
  };
  it('requires containers', () => {
    expect(v({})).toContainEqual({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' });
  });
  it('container name/image, duplicates, ports, mounts', () => {
    const errs = v({ containers: [
      { name: 'a', image: '' },
      { name: 'a', image: 'x', ports: [{ containerPort: 70000, protocol: 'XTP' }], volumeMounts: [{ name: 'nope', mountPath: '/d' }] },
      { name: 'Bad_Name', image: 'x' },
    ], restartPolicy: 'Sometimes' });
    const fields = errs.map((e) => `${e.field}: ${e.message}`);
    expect(fields).toContain('spec.containers[0].image: Required value');
    expect(fields).toContain('spec.containers[1].name: Duplicate value: "a"');
    expect(fields).toContain('spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive');
    expect(fields).toContain('spec.containers[1].ports[0].protocol: Unsupported value: "XTP": supported values: "SCTP", "TCP", "UDP"');
    expect(fields).toContain('spec.containers[1].volumeMounts[0].name: Not found: "nope"');
    expect(fields).toContain('spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
    expect(fields.some((f) => f.startsWith('spec.containers[2].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label'))).toBe(true);
  });
  it('requests must not exceed limits', () => {
    const errs = v({ containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] });
    expect(errs).toContainEqual({ reason: 'FieldValueInvalid', field: 'spec.containers[0].resources.requests', message: 'Invalid value: "2": must be less than or equal to cpu limit of 1' });
  });
  it('update may only change images', () => {
    const old = created(podDef, pod({ containers: [{ name: 'a', image: 'x:1' }] }));
    const ok = JSON.parse(JSON.stringify(old));
    ok.spec.containers[0].image = 'x:2';
    expect(podDef.validateUpdate!(ok, old)).toEqual([]);
    const bad = JSON.parse(JSON.stringify(old));
    bad.spec.containers[0].ports = [{ containerPort: 80, protocol: 'TCP' }];
    const errs = podDef.validateUpdate!(bad, old);
    expect(errs).toHaveLength(1);
    expect(errs[0].field).toBe('spec');
    expect(errs[0].message.startsWith('Forbidden: pod updates may not change fields other than `spec.containers[*].image`')).toBe(true);
  });
  it('graceful delete', () => {
    const p = created(podDef, pod({ containers: [{ name: 'a', image: 'x' }] }));
    expect(podDef.gracePeriod!(p, undefined)).toBe(0);
    p.spec.nodeName = 'n1';
    expect(podDef.gracePeriod!(p, undefined)).toBe(30);
    expect(podDef.gracePeriod!(p, -5)).toBe(1);
    p.status.phase = 'Succeeded';
    expect(podDef.gracePeriod!(p, 10)).toBe(0);
  });
  it('status update keeps spec', () => {
    const old = created(podDef, pod({ containers: [{ name: 'a', image: 'x' }] }));
    const n = JSON.parse(JSON.stringify(old));
    n.spec.nodeName = 'hijack';
    n.status = { phase: 'Running' };
    podDef.prepareForStatusUpdate!(n, old);
    expect(n.spec.nodeName).toBeUndefined();
    expect(n.status).toEqual({ phase: 'Running', qosClass: 'BestEffort' });
  });
});

describe('service', () => {
  it('defaults', () => {
    const s: any = created(serviceDef, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    expect(s.spec).toMatchObject({
      type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'],
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    });
    expect(s.status).toEqual({ loadBalancer: {} });
    expect(serviceDef.validate!(s)).toEqual([]);
  });
  it('validation', () => {
    const s: any = { metadata: { name: 'web' }, spec: { type: 'Bogus' } };
    serviceDef.defaults!(s);
    const msgs = serviceDef.validate!(s).map((e) => `${e.field}: ${e.message}`);
    expect(msgs).toContain('spec.type: Unsupported value: "Bogus": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"');
    expect(msgs).toContain('spec.ports: Required value');
    expect(serviceDef.validateName!('1abc')[0]).toMatch(/^a DNS-1035 label/);
  });
  it('clusterIP may not change', () => {
    const old: any = created(serviceDef, { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }], clusterIP: '10.0.0.5' } });
    const n = JSON.parse(JSON.stringify(old));
    n.spec.clusterIP = '10.0.0.6';
    n.spec.clusterIPs = ['10.0.0.6'];
    expect(serviceDef.validateUpdate!(n, old)).toContainEqual({
      reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: []string{"10.0.0.6"}: may not change once set',
    });
    const omitted = JSON.parse(JSON.stringify(old));
    delete omitted.spec.clusterIP;
    delete omitted.spec.clusterIPs;
    serviceDef.prepareForUpdate!(omitted, old);
    expect(omitted.spec.clusterIPs).toEqual(['10.0.0.5']);
    expect(serviceDef.validateUpdate!(omitted, old)).toEqual([]);
  });
});

describe('namespace, secret, configmap, limitrange, node, event', () => {
  it('namespace create', () => {
    const ns: any = created(namespaceDef, { metadata: { name: 'team-a' } });
    expect(ns).toMatchObject({ metadata: { labels: { 'kubernetes.io/metadata.name': 'team-a' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    expect(namespaceDef.validateName!('Bad.Name').length).toBeGreaterThan(0);
    expect(namespaceDef.verbs).not.toContain('deletecollection');
  });
  it('secret stringData and type', () => {
    const s: any = { metadata: { name: 's' }, stringData: { user: 'admin' } };
    secretDef.defaults!(s);
    expect(s).toEqual({ metadata: { name: 's' }, type: 'Opaque', data: { user: 'YWRtaW4=' } });
    const tls: any = { metadata: { name: 't' }, type: 'kubernetes.io/tls', data: {} };
    expect(secretDef.validate!(tls).map((e) => e.field)).toEqual(['data[tls.crt]', 'data[tls.key]']);
    expect(secretDef.validateUpdate!({ ...s, type: 'kubernetes.io/tls' }, s)[0]).toMatchObject({ field: 'type', message: 'Invalid value: "kubernetes.io/tls": field is immutable' });
  });
  it('configmap keys and immutability', () => {
    expect(configMapDef.validate!({ metadata: { name: 'c' }, data: { 'bad key': 'x' } })[0].field).toBe('data[bad key]');
    const old = { metadata: { name: 'c' }, immutable: true, data: { a: '1' } };
    expect(configMapDef.validateUpdate!({ ...old, data: { a: '2' } }, old)).toContainEqual({
      reason: 'FieldValueForbidden', field: 'data', message: 'Forbidden: field is immutable when `immutable` is set',
    });
  });
  it('limitrange defaults and checks', () => {
    const lr: any = { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', max: { cpu: '2' }, min: { memory: '100Mi' } }] } };
    limitRangeDef.defaults!(lr);
    expect(lr.spec.limits[0]).toMatchObject({ default: { cpu: '2' }, defaultRequest: { cpu: '2', memory: '100Mi' } });
    const bad: any = { metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] } };
    expect(limitRangeDef.validate!(bad).map((e) => e.message)).toContain('Invalid value: "2": min value 2 is greater than max value 1');
  });
  it('node allocatable defaults to capacity', () => {
    const n: any = { metadata: { name: 'n1' }, status: { capacity: { cpu: '4', memory: '8192Mi' } } };
    nodeDef.defaults!(n);
    expect(n.status.allocatable).toEqual({ cpu: '4', memory: '8Gi' });
    expect(nodeDef.fieldSelectors!['spec.unschedulable'](n)).toBe('false');
  });
  it('event namespace must match', () => {
    const ev = { metadata: { name: 'e', namespace: 'a' }, involvedObject: { kind: 'Pod', namespace: 'b', name: 'p' } };
    expect(eventDef.validate!(ev)).toEqual([{ reason: 'FieldValueInvalid', field: 'involvedObject.namespace', message: 'Invalid value: "b": does not match event.namespace' }]);
  });
});
