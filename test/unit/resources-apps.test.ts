import { join } from 'node:path';
import { SEED } from '../helpers/paths.js';
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { statefulSetDef } from '../../src/resources/apps/statefulset.js';
import { goStringMap } from '../../src/resources/goformat.js';
import { controllerRevisionDef } from '../../src/resources/apps/controllerrevision.js';
import { scaleFromStatefulSet, applyScale, scalePreconditionError } from '../../src/resources/scale.js';
import { validateLabelSelector } from '../../src/resources/labelselector.js';
import type { KObject } from '../../src/resources/types.js';

function seed(file: string, kind: string): KObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJSON())
    .filter((o) => o?.kind === kind);
}

function create(o: KObject): KObject {
  statefulSetDef.defaults!(o);
  statefulSetDef.prepareForCreate!(o);
  return o;
}

function sts(over: KObject = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      serviceName: 'web',
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...over,
    },
  };
}

const msgs = (o: KObject) => statefulSetDef.validate!(o).map((c) => `${c.field}: ${c.message}`);

describe('StatefulSet identity', () => {
  it('matches upstream discovery', () => {
    expect(statefulSetDef.shortNames).toEqual(['sts']);
    expect(statefulSetDef.categories).toEqual(['all']);
    expect(statefulSetDef.subresources.map((s) => [s.name, s.group ?? '', s.version ?? '', s.kind])).toEqual([
      ['status', '', '', 'StatefulSet'],
      ['scale', 'autoscaling', 'v1', 'Scale'],
    ]);
    expect(statefulSetDef.generation).toBe(true);
    expect(statefulSetDef.defaultDeletePolicy).toBe('Background');
  });
  it('names are DNS-1123 labels', () => {
    expect(statefulSetDef.validateName!('web-0')).toEqual([]);
    expect(statefulSetDef.validateName!('a.b')[0]).toContain('RFC 1123 label');
  });
});

describe('StatefulSet defaults (seed sts.yaml, as a 1.33 cluster shows it)', () => {
  const o = create(seed(join(SEED, 'sts.yaml'), 'StatefulSet')[0]);
  it('spec defaults', () => {
    expect(o.spec.replicas).toBe(2);
    expect(o.spec.podManagementPolicy).toBe('OrderedReady');
    expect(o.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    expect(o.spec.revisionHistoryLimit).toBe(10);
    expect(o.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(o.status).toEqual({ replicas: 0, availableReplicas: 0 });
  });
  it('pod template defaults', () => {
    const t = o.spec.template;
    expect(t.metadata.creationTimestamp).toBeNull();
    expect(t.spec).toMatchObject({
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
    });
    expect(t.spec.enableServiceLinks).toBeUndefined();
    expect(t.spec.containers[0]).toMatchObject({
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: {},
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
    });
  });
  it('claim template defaults', () => {
    expect(o.spec.volumeClaimTemplates).toEqual([
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'sts-pvc', namespace: 'sts', creationTimestamp: null },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2G' } }, volumeMode: 'Filesystem' },
        status: { phase: 'Pending' },
      },
    ]);
  });
  it('validates', () => {
    expect(statefulSetDef.validate!(o)).toEqual([]);
  });
  it('rollingUpdate stays nil when the type is given without it', () => {
    const x = create(sts({ updateStrategy: { type: 'RollingUpdate' } }));
    expect(x.spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    const y = create(sts({ updateStrategy: { type: 'OnDelete' } }));
    expect(y.spec.updateStrategy).toEqual({ type: 'OnDelete' });
  });
  it('drops maxUnavailable (MaxUnavailableStatefulSet is off)', () => {
    const x = create(sts({ updateStrategy: { rollingUpdate: { maxUnavailable: 2 } } }));
    expect(x.spec.updateStrategy.rollingUpdate).toEqual({ partition: 0 });
  });
});

describe('StatefulSet validation (upstream wording)', () => {
  it('selector missing: required and no match', () => {
    expect(msgs(create(sts({ selector: undefined })))).toEqual([
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
  });
  it('selector mismatch', () => {
    expect(msgs(create(sts({ selector: { matchLabels: { app: 'other' } } })))).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
    ]);
  });
  it('empty selector', () => {
    expect(msgs(create(sts({ selector: {} })))).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset',
    ]);
  });
  it('matchExpressions are honoured', () => {
    const x = create(sts({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'x'] }] } }));
    expect(msgs(x)).toEqual([]);
    const bad = create(sts({ selector: { matchExpressions: [{ key: 'app', operator: 'Foo' }] } }));
    expect(msgs(bad)[0]).toBe('spec.selector.matchExpressions[0].operator: Invalid value: "Foo": not a valid selector operator');
  });
  it('enums and numbers', () => {
    const x = create(sts({ podManagementPolicy: 'Random', replicas: -1, minReadySeconds: -2, revisionHistoryLimit: -1, ordinals: { start: -1 } }));
    expect(msgs(x)).toEqual([
      "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.minReadySeconds: Invalid value: -2: must be greater than or equal to 0',
      'spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0',
      'spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
  it('update strategy', () => {
    expect(msgs(create(sts({ updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } })))).toEqual([
      "spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:1, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'",
    ]);
    expect(msgs(create(sts({ updateStrategy: { rollingUpdate: { partition: -1 } } })))).toEqual([
      'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
    ]);
    expect(msgs(create(sts({ updateStrategy: { type: 'Foo' } })))[0]).toContain("spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:\"Foo\"");
  });
  it('pod template restrictions', () => {
    const x = sts();
    x.spec.template.spec.restartPolicy = 'Never';
    x.spec.template.spec.activeDeadlineSeconds = 5;
    expect(msgs(create(x))).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported',
    ]);
  });
  it('retention policy and serviceName', () => {
    const x = create(sts({ serviceName: 'Bad_Name', persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' } }));
    expect(msgs(x)).toEqual([
      'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
      expect.stringContaining('spec.serviceName: Invalid value: "Bad_Name": a lowercase RFC 1123 label'),
    ]);
  });
  it('template labels are checked at spec.template.labels', () => {
    const x = sts();
    x.spec.template.metadata.labels = { app: 'web', 'a b': 'x' };
    expect(msgs(create(x))).toEqual([expect.stringMatching(/^spec\.template\.labels: Invalid value: "a b": name part must consist/)]);
    // an unconvertible selector skips the template checks, as upstream
    const y = sts({ selector: { matchLabels: { 'a b': 'x' } } });
    expect(msgs(create(y)).some((m) => m.startsWith('spec.template'))).toBe(false);
  });
  it('goStringMap sorts keys like %#v', () => {
    expect(goStringMap({ b: '2', a: '1' })).toBe('map[string]string{"a":"1", "b":"2"}');
  });
});

describe('StatefulSet update strategy', () => {
  const old = create(sts());
  old.status = { replicas: 1, availableReplicas: 1 };
  function upd(mut: (o: KObject) => void): string[] {
    const n = structuredClone(old);
    mut(n);
    statefulSetDef.prepareForUpdate!(n, old);
    statefulSetDef.defaults!(n);
    return statefulSetDef.validateUpdate!(n, old).map((c) => `${c.field}: ${c.message}`);
  }
  const FORBIDDEN =
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
  it('allows replicas, template, updateStrategy, minReadySeconds, ordinals, retention policy', () => {
    expect(
      upd((n) => {
        n.spec.replicas = 5;
        n.spec.template.spec.containers[0].image = 'nginx:2';
        n.spec.updateStrategy = { type: 'OnDelete' };
        n.spec.minReadySeconds = 3;
        n.spec.ordinals = { start: 2 };
        n.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Delete' };
      }),
    ).toEqual([]);
  });
  it('forbids the rest', () => {
    expect(upd((n) => (n.spec.serviceName = 'other'))).toEqual([FORBIDDEN]);
    expect(upd((n) => (n.spec.podManagementPolicy = 'Parallel'))).toEqual([FORBIDDEN]);
    expect(upd((n) => (n.spec.revisionHistoryLimit = 3))).toEqual([FORBIDDEN]);
    expect(upd((n) => (n.spec.volumeClaimTemplates = [{ metadata: { name: 'd' }, spec: { accessModes: ['ReadWriteOnce'] } }]))).toEqual([FORBIDDEN]);
  });
  it('keeps the old status on a main-resource update and the old spec on a status update', () => {
    const n = structuredClone(old);
    n.status = { replicas: 9 };
    statefulSetDef.prepareForUpdate!(n, old);
    expect(n.status).toEqual({ replicas: 1, availableReplicas: 1 });
    const s = structuredClone(old);
    s.spec.replicas = 7;
    s.status = { replicas: 1, readyReplicas: 1, availableReplicas: 1 };
    statefulSetDef.prepareForStatusUpdate!(s, old);
    expect(s.spec.replicas).toBe(1);
    expect(s.status.readyReplicas).toBe(1);
  });
  it('validates status writes', () => {
    const n = structuredClone(old);
    n.status = { replicas: 1, readyReplicas: 2, availableReplicas: 2, collisionCount: 0 };
    const o2 = { ...old, status: { ...old.status, collisionCount: 1 } };
    expect(statefulSetDef.validateStatusUpdate!(n, o2).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas',
      'status.collisionCount: Invalid value: 0: cannot be decremented',
    ]);
  });
});

describe('Scale subresource', () => {
  const o = create(sts({ replicas: 3, selector: { matchLabels: { app: 'web', tier: 'fe' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['b', 'a'] }] } }));
  o.metadata = { ...o.metadata, uid: 'u1', resourceVersion: '42', creationTimestamp: '2024-01-01T00:00:00Z', labels: { x: 'y' } };
  o.status.replicas = 2;
  it('builds an autoscaling/v1 Scale', () => {
    expect(scaleFromStatefulSet(o)).toEqual({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '42', creationTimestamp: '2024-01-01T00:00:00Z' },
      spec: { replicas: 3 },
      status: { replicas: 2, selector: 'app=web,env notin (a,b),tier=fe' },
    });
  });
  it('omits spec.replicas 0 (omitempty)', () => {
    expect(scaleFromStatefulSet({ ...o, spec: { ...o.spec, replicas: 0 } }).spec).toEqual({});
  });
  it('applies a scale write', () => {
    const target = structuredClone(o);
    expect(applyScale(target, { spec: { replicas: 5 }, metadata: { resourceVersion: '42' } })).toEqual([]);
    expect(target.spec.replicas).toBe(5);
    expect(target.metadata.resourceVersion).toBe('42');
    const t2 = structuredClone(o);
    applyScale(t2, { spec: { replicas: 1 }, metadata: {} });
    expect(t2.metadata.resourceVersion).toBeUndefined();
  });
  it('rejects negative replicas like ValidateScale', () => {
    const target = structuredClone(o);
    expect(applyScale(target, { spec: { replicas: -1 } })).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' },
    ]);
    expect(target.spec.replicas).toBe(3);
  });
  it('uid preconditions', () => {
    expect(scalePreconditionError(o, { metadata: { uid: 'u1' } })).toBeUndefined();
    expect(scalePreconditionError(o, { metadata: { uid: 'zz' } })).toBe('Precondition failed: UID in precondition: zz, UID in object meta: u1');
  });
  it('label selector validation', () => {
    expect(validateLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In' }, { key: 'b', operator: 'Exists', values: ['x'] }] }, 's')).toEqual([
      { reason: 'FieldValueRequired', message: "Required value: must be specified when `operator` is 'In' or 'NotIn'", field: 's.matchExpressions[0].values' },
      { reason: 'FieldValueForbidden', message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'", field: 's.matchExpressions[1].values' },
    ]);
  });
});

describe('ControllerRevision', () => {
  it('requires data and keeps it immutable', () => {
    const cr: KObject = { metadata: { name: 'web-abc' } };
    controllerRevisionDef.defaults!(cr);
    expect(cr.revision).toBe(0);
    expect(controllerRevisionDef.validate!(cr)).toEqual([{ reason: 'FieldValueRequired', message: 'Required value: data is mandatory', field: 'data' }]);
    const a = { ...cr, data: { spec: 1 }, revision: 1 };
    expect(controllerRevisionDef.validateUpdate!({ ...a, revision: 3 }, a)).toEqual([]);
    expect(controllerRevisionDef.validateUpdate!({ ...a, data: { spec: 2 } }, a)[0].message).toContain('field is immutable');
  });
});
