// apps/v1 ReplicaSet: defaults, validation (upstream wording), strategy, scale and printer,
// through the in-memory registry as an HTTP write would go.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import request from 'supertest';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import type { KObject } from '../../src/resources/types.js';
import { StatusError } from '../../src/registry/errors.js';
import { replicaSetDef, replicaSetPrinter, formatLabelSelector } from '../../src/resources/apps/replicaset.js';
import { decodeKubernetesProtobuf, encodeKubernetesProtobuf } from '../../src/server/protobuf.js';

let emu: KubeEmulator;
const NS = 'default';
const rsDef = () => emu.registry.mustDef('apps', 'replicasets');

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
});
afterAll(async () => {
  await emu.close();
});

function rs(name: string, spec: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } },
      ...spec,
    },
  };
}

function causesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) {
      expect(e.code).toBe(422);
      return (e.details?.causes ?? []).map((c: any) => `${c.field}: ${c.message}`);
    }
    throw e;
  }
  throw new Error('no error');
}

describe('ReplicaSet identity', () => {
  it('is discovered as upstream lists it', () => {
    expect(replicaSetDef.shortNames).toEqual(['rs']);
    expect(replicaSetDef.categories).toEqual(['all']);
    expect(replicaSetDef.subresources.map((s) => `${s.name}:${s.kind}`)).toEqual(['status:ReplicaSet', 'scale:Scale']);
    expect(replicaSetDef.defaultDeletePolicy).toBe('Background');
  });
});

describe('ReplicaSet defaults and strategy', () => {
  it('defaults replicas and the pod template, and resets status on create', () => {
    const o = emu.registry.create(rsDef(), NS, { ...rs('d1'), status: { replicas: 7, readyReplicas: 3 } }).object;
    expect(o.spec.replicas).toBe(1);
    expect(o.metadata.generation).toBe(1);
    expect(o.status).toEqual({ replicas: 0 });
    expect(o.spec.template.metadata.creationTimestamp).toBeNull();
    expect(o.spec.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler', securityContext: {} });
    expect(o.spec.template.spec.containers[0]).toMatchObject({ terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' });
  });

  it('bumps generation on a spec change only; status writes keep the spec', () => {
    emu.registry.create(rsDef(), NS, rs('g1', { replicas: 2 }));
    let o = emu.registry.modify(rsDef(), NS, 'g1', (x) => void (x.metadata.labels = { a: 'b' })).object;
    expect(o.metadata.generation).toBe(1);
    o = emu.registry.modify(rsDef(), NS, 'g1', (x) => void (x.spec.replicas = 4)).object;
    expect(o.metadata.generation).toBe(2);
    // a main-resource write cannot set status
    o = emu.registry.modify(rsDef(), NS, 'g1', (x) => void (x.status = { replicas: 9 })).object;
    expect(o.status.replicas).toBe(0);
    o = emu.registry.modify(
      rsDef(),
      NS,
      'g1',
      (x) => {
        x.spec.replicas = 100;
        x.status = { replicas: 2, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 2, observedGeneration: 2 };
      },
      { subresource: 'status' },
    ).object;
    expect(o.spec.replicas).toBe(4);
    expect(o.metadata.generation).toBe(2);
    expect(o.status).toMatchObject({ replicas: 2, readyReplicas: 1, observedGeneration: 2 });
  });
});

describe('ReplicaSet validation (upstream wording)', () => {
  it('refuses negative counts, a missing or empty selector and mismatched labels', () => {
    expect(causesOf(() => emu.registry.create(rsDef(), NS, rs('v1', { replicas: -1, minReadySeconds: -2 })))).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0',
    ]);
    expect(causesOf(() => emu.registry.create(rsDef(), NS, rs('v2', { selector: null })))).toContain('spec.selector: Required value');
    expect(causesOf(() => emu.registry.create(rsDef(), NS, rs('v3', { selector: {} })))).toContain(
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
    );
    expect(causesOf(() => emu.registry.create(rsDef(), NS, rs('v4', { selector: { matchLabels: { app: 'other' } } })))).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"v4"}: `selector` does not match template `labels`',
    ]);
  });

  it('refuses restartPolicy other than Always and activeDeadlineSeconds', () => {
    const o = rs('v5');
    o.spec.template.spec.restartPolicy = 'OnFailure';
    o.spec.template.spec.activeDeadlineSeconds = 5;
    expect(causesOf(() => emu.registry.create(rsDef(), NS, o))).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported',
    ]);
  });

  it('validates the pod template (containers required)', () => {
    const o = rs('v6');
    o.spec.template.spec.containers = [];
    expect(causesOf(() => emu.registry.create(rsDef(), NS, o))).toContain('spec.template.spec.containers: Required value');
  });

  it('the selector is immutable', () => {
    emu.registry.create(rsDef(), NS, rs('v7'));
    expect(
      causesOf(() =>
        emu.registry.modify(rsDef(), NS, 'v7', (x) => {
          x.spec.selector = { matchLabels: { app: 'v7', tier: 'x' } };
          x.spec.template.metadata.labels.tier = 'x';
        }),
      ),
    ).toEqual(['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"v7", "tier":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable']);
  });

  it('status counts are checked', () => {
    emu.registry.create(rsDef(), NS, rs('v8'));
    expect(causesOf(() => emu.registry.modify(rsDef(), NS, 'v8', (x) => void (x.status = { replicas: 1, readyReplicas: 2, availableReplicas: 3, fullyLabeledReplicas: -1 }), { subresource: 'status' }))).toEqual([
      'status.fullyLabeledReplicas: Invalid value: -1: must be greater than or equal to 0',
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas',
    ]);
  });
});

describe('ReplicaSet scale and printer', () => {
  it('answers and writes autoscaling/v1 Scale', async () => {
    emu.registry.create(rsDef(), NS, rs('s1', { replicas: 3, selector: { matchLabels: { app: 's1' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] } }));
    const api = () => request(emu.app.server);
    const res = await api().get('/apis/apps/v1/namespaces/default/replicasets/s1/scale').expect(200);
    expect(res.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 0, selector: 'app=s1,tier notin (db)' } });
    await api()
      .patch('/apis/apps/v1/namespaces/default/replicasets/s1/scale')
      .set('Content-Type', 'application/merge-patch+json')
      .send({ spec: { replicas: 5 } })
      .expect(200);
    expect(emu.registry.get(rsDef(), NS, 's1').spec.replicas).toBe(5);
  });

  it('prints NAME DESIRED CURRENT READY AGE and the wide columns', () => {
    expect(replicaSetPrinter.columns.map((c) => `${c.name}${c.priority ? '*' : ''}`)).toEqual(['Name', 'Desired', 'Current', 'Ready', 'Age', 'Containers*', 'Images*', 'Selector*']);
    const now = Date.parse('2026-01-01T00:10:00Z');
    const o = rs('p1', { replicas: 3, selector: { matchLabels: { app: 'p1', tier: 'web' } } });
    o.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
    o.spec.template.spec.containers.push({ name: 'side', image: 'busybox' });
    o.status = { replicas: 2, readyReplicas: 1 };
    expect(replicaSetPrinter.row(o, now)).toEqual(['p1', 3, 2, 1, '10m', 'c,side', 'nginx:1.25,busybox', 'app=p1,tier=web']);
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector(null)).toBe('<none>');
  });
});

describe('ReplicaSet over protobuf (client-go)', () => {
  it('creates from a protobuf body and answers protobuf', async () => {
    const PB = 'application/vnd.kubernetes.protobuf';
    const body = encodeKubernetesProtobuf({ ...rs('pb1', { replicas: 2 }), metadata: { name: 'pb1', namespace: NS } });
    expect(body).toBeDefined();
    const created = await fetch(`${emu.url}/apis/apps/v1/namespaces/default/replicasets`, { method: 'POST', headers: { 'Content-Type': PB, Accept: PB }, body: new Uint8Array(body!) });
    expect(created.status).toBe(201);
    const got = await fetch(`${emu.url}/apis/apps/v1/namespaces/default/replicasets/pb1`, { headers: { Accept: `${PB},application/json` } });
    expect(got.headers.get('content-type')).toContain(PB);
    const decoded = decodeKubernetesProtobuf(Buffer.from(await got.arrayBuffer()));
    expect(decoded.object).toMatchObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'pb1' }, spec: { replicas: 2, selector: { matchLabels: { app: 'pb1' } } }, status: { replicas: 0 } });
  });
});
