import { describe, it, expect } from 'vitest';
import { allResources } from '../../src/resources/index.js';

// the kinds declare their Go value fields (ResourceDef.valueFields) when registered
allResources();
import {
  apply,
  updateManagedFields,
  formatConflictMessage,
  managerFromUserAgent,
  fieldSetOf,
  parseFieldsV1,
  serializeFieldsV1,
  FieldSet,
  FieldManagerError,
  LAST_APPLIED_ANNOTATION,
  type Conflict,
} from '../../src/fieldmanager/index.js';

const STS = 'io.k8s.api.apps.v1.StatefulSet';
const POD = 'io.k8s.api.core.v1.Pod';
const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-02T00:00:00Z';
const T2 = '2024-01-03T00:00:00Z';

function sts(over: Record<string, any> = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'nginx', image: 'nginx:1', ports: [{ containerPort: 80, name: 'web', protocol: 'TCP' }] }] },
      },
      ...over,
    },
  };
}

/** Create an object through updateManagedFields, as the registry would. */
function created(obj: any, manager: string, definition = STS, apiVersion = 'apps/v1'): any {
  const mf = updateManagedFields({ definition, apiVersion, live: undefined, next: obj, manager, operation: 'Update', now: T0 });
  return { ...obj, metadata: { ...obj.metadata, uid: 'uid-1', resourceVersion: '1', managedFields: mf } };
}

const entry = (obj: any, manager: string, operation?: string) =>
  obj.metadata.managedFields.find((e: any) => e.manager === manager && (!operation || e.operation === operation));

const applyCfg = (spec: any, extra: Record<string, any> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default', ...extra },
  spec,
});

describe('FieldsV1 sets', () => {
  const text = '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"c\\"}":{".":{},"f:image":{}}},"f:finalizers":{"v:\\"x\\"":{}}}}';
  it('round-trips upstream JSON with "." first and keys ordered as path elements', () => {
    const s = parseFieldsV1(text);
    expect(JSON.stringify(serializeFieldsV1(s))).toBe(text);
    expect(s.has([{ kind: 'field', name: 'metadata' }, { kind: 'field', name: 'labels' }])).toBe(true);
    expect(s.has([{ kind: 'field', name: 'metadata' }])).toBe(false);
    expect(s.size()).toBe(5);
  });
  it('union, difference, intersection', () => {
    const a = parseFieldsV1({ 'f:spec': { 'f:a': {}, 'f:b': {} } });
    const b = parseFieldsV1({ 'f:spec': { 'f:b': {}, 'f:c': {} } });
    expect(serializeFieldsV1(a.union(b))).toEqual({ 'f:spec': { 'f:a': {}, 'f:b': {}, 'f:c': {} } });
    expect(serializeFieldsV1(a.difference(b))).toEqual({ 'f:spec': { 'f:a': {} } });
    expect(serializeFieldsV1(a.intersection(b))).toEqual({ 'f:spec': { 'f:b': {} } });
    expect(a.difference(a).empty()).toBe(true);
    expect(new FieldSet().toFieldsV1()).toEqual({});
  });
  it('fieldSetOf: list items and map entries, atomic lists as one leaf, sets by value', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { a: 'b' }, finalizers: ['x'] },
      spec: { containers: [{ name: 'c', image: 'i', args: ['x', 'y'], ports: [{ containerPort: 80 }] }] },
    };
    expect(serializeFieldsV1(fieldSetOf(POD, pod))).toEqual({
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': { 'f:finalizers': { 'v:"x"': {} }, 'f:labels': { 'f:a': {} }, 'f:name': {} },
      'f:spec': {
        'f:containers': {
          'k:{"name":"c"}': {
            '.': {},
            'f:args': {},
            'f:image': {},
            'f:name': {},
            'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
          },
        },
      },
    });
  });
});

describe('updateManagedFields', () => {
  it('records the creator, with "." for added maps and list items but not for value structs', () => {
    const obj = created(sts(), 'kubectl-create');
    expect(obj.metadata.managedFields).toHaveLength(1);
    const e = obj.metadata.managedFields[0];
    expect(Object.keys(e)).toEqual(['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
    expect(e).toMatchObject({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1' });
    expect(e.fieldsV1['f:metadata']).toEqual({ 'f:labels': { '.': {}, 'f:app': {} } });
    const containers = e.fieldsV1['f:spec']['f:template']['f:spec']['f:containers'];
    expect(containers['.']).toBeUndefined();
    expect(containers['k:{"name":"nginx"}']['.']).toEqual({});
    expect(containers['k:{"name":"nginx"}']['f:ports']['k:{"containerPort":80,"protocol":"TCP"}']).toEqual({
      '.': {},
      'f:containerPort': {},
      'f:name': {},
      'f:protocol': {},
    });
    expect(e.fieldsV1['f:spec']['.']).toBeUndefined();
  });

  it('moves changed fields to the second manager and keeps the rest with the first', () => {
    const live = created(sts(), 'kubectl-create');
    const next = structuredClone(live);
    next.spec.template.spec.containers[0].image = 'nginx:2';
    next.metadata.labels.tier = 'x';
    const mf = updateManagedFields({ definition: STS, apiVersion: 'apps/v1', live, next, manager: 'kubectl-edit', operation: 'Update', now: T1 });
    expect(mf!.map((e) => e.manager)).toEqual(['kubectl-create', 'kubectl-edit']);
    const edit = mf!.find((e) => e.manager === 'kubectl-edit')!;
    expect(edit.time).toBe(T1);
    expect(edit.fieldsV1).toEqual({
      'f:metadata': { 'f:labels': { 'f:tier': {} } },
      'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { 'f:image': {} } } } } },
    });
    const create = mf!.find((e) => e.manager === 'kubectl-create')!;
    expect(create.time).toBe(T0);
    expect(create.fieldsV1!['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:image']).toBeUndefined();
    expect(create.fieldsV1!['f:spec']['f:replicas']).toEqual({});
  });

  it('leaves entries and times alone when nothing changed; drops removed fields from every manager', () => {
    const live = created(sts(), 'kubectl-create');
    const same = updateManagedFields({ definition: STS, apiVersion: 'apps/v1', live, next: structuredClone(live), manager: 'other', operation: 'Update', now: T1 });
    expect(same).toEqual(live.metadata.managedFields);
    const next = structuredClone(live);
    delete next.metadata.labels;
    const mf = updateManagedFields({ definition: STS, apiVersion: 'apps/v1', live, next, manager: 'other', operation: 'Update', now: T1 });
    expect(mf).toHaveLength(1);
    expect(mf![0].fieldsV1!['f:metadata']).toBeUndefined();
  });

  it('ignores metadata the server owns and status on the main resource; status writes record the subresource', () => {
    const live = created(sts(), 'kubectl-create');
    const next = structuredClone(live);
    next.metadata.resourceVersion = '9';
    next.metadata.generation = 2;
    next.status = { replicas: 2 };
    expect(updateManagedFields({ definition: STS, apiVersion: 'apps/v1', live, next, manager: 'x', operation: 'Update', now: T1 })).toEqual(
      live.metadata.managedFields,
    );
    const st = structuredClone(live);
    st.status = { replicas: 2 };
    st.spec.replicas = 7;
    const mf = updateManagedFields({ definition: STS, apiVersion: 'apps/v1', live, next: st, manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', now: T1 });
    const e = mf!.find((x) => x.manager === 'kube-controller-manager')!;
    expect(e).toMatchObject({ subresource: 'status', operation: 'Update' });
    expect(Object.keys(e).at(-1)).toBe('subresource');
    expect(e.fieldsV1).toEqual({ 'f:status': { '.': {}, 'f:replicas': {} } });
  });

  it('does not start tracking an existing object without managedFields; [] resets them', () => {
    const live = { ...sts(), metadata: { ...sts().metadata, uid: 'u' } };
    const next = structuredClone(live);
    next.spec.replicas = 5;
    expect(updateManagedFields({ definition: STS, apiVersion: 'apps/v1', live, next, manager: 'm', operation: 'Update', now: T1 })).toBeUndefined();
    const tracked = created(sts(), 'kubectl-create');
    const reset = structuredClone(tracked);
    reset.metadata.managedFields = [];
    expect(updateManagedFields({ definition: STS, apiVersion: 'apps/v1', live: tracked, next: reset, manager: 'm', operation: 'Update', now: T1 })).toBeUndefined();
  });

  it('caps Update managers at 10, merging the oldest into ancient-changes', () => {
    let obj = created(sts(), 'm0');
    for (let i = 1; i <= 10; i++) {
      const next = structuredClone(obj);
      next.metadata.labels[`l${i}`] = 'v';
      const now = `2024-01-01T00:00:${String(i).padStart(2, '0')}Z`;
      const mf = updateManagedFields({ definition: STS, apiVersion: 'apps/v1', live: obj, next, manager: `m${i}`, operation: 'Update', now });
      obj = { ...next, metadata: { ...next.metadata, managedFields: mf } };
    }
    const names = obj.metadata.managedFields.map((e: any) => e.manager);
    expect(names).toHaveLength(10);
    expect(names).toContain('ancient-changes');
    expect(names).not.toContain('m0');
    expect(names).not.toContain('m1');
    const ancient = entry(obj, 'ancient-changes');
    expect(ancient.fieldsV1['f:metadata']['f:labels']['f:l1']).toEqual({});
    expect(ancient.time).toBe('2024-01-01T00:00:01Z');
  });

  it('names an empty manager after the User-Agent', () => {
    expect(managerFromUserAgent('kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0')).toBe('kubectl');
    expect(managerFromUserAgent('kube-controller-manager/v1.33.1 (linux/amd64) kubernetes/x/system:serviceaccount')).toBe('kube-controller-manager');
    expect(managerFromUserAgent('')).toBe('');
  });
});

describe('apply', () => {
  it('creates a missing object, owning exactly what was applied', () => {
    const cfg = sts();
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live: undefined, config: cfg, manager: 'kubectl', force: false, now: T0 });
    expect(r.conflicts).toBeUndefined();
    expect(r.changed).toBe(true);
    expect(r.object.spec).toEqual(cfg.spec);
    const mf = r.object.metadata.managedFields;
    expect(mf).toHaveLength(1);
    expect(mf[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: T0 });
    expect(mf[0].fieldsV1['f:metadata']).toEqual({ 'f:labels': { 'f:app': {} } });
    expect(mf[0].fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['.']).toEqual({});
  });

  it('re-applying the same configuration changes nothing', () => {
    const first = apply({ definition: STS, apiVersion: 'apps/v1', live: undefined, config: sts(), manager: 'kubectl', force: false, now: T0 }).object;
    first.metadata.uid = 'u';
    const again = apply({ definition: STS, apiVersion: 'apps/v1', live: first, config: sts(), manager: 'kubectl', force: false, now: T1 });
    expect(again.changed).toBe(false);
    expect(again.object).toEqual(first);
  });

  it('removes fields, map entries and list items dropped from the configuration unless someone else owns them', () => {
    const cfg = sts();
    cfg.metadata.labels.tier = 'fe';
    cfg.metadata.labels.gone = 'x';
    cfg.spec.template.spec.containers.push({ name: 'sidecar', image: 'busybox' });
    const live = apply({ definition: STS, apiVersion: 'apps/v1', live: undefined, config: cfg, manager: 'kubectl', force: false, now: T0 }).object;
    live.metadata.uid = 'u';
    // another manager takes the "tier" label by changing it
    const edited = structuredClone(live);
    edited.metadata.labels.tier = 'be';
    edited.metadata.managedFields = updateManagedFields({ definition: STS, apiVersion: 'apps/v1', live, next: edited, manager: 'kubectl-label', operation: 'Update', now: T1 });
    const cfg2 = sts();
    delete cfg2.spec.replicas;
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live: edited, config: cfg2, manager: 'kubectl', force: false, now: T2 });
    expect(r.conflicts).toBeUndefined();
    expect(r.object.metadata.labels).toEqual({ app: 'web', tier: 'be' });
    expect(r.object.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['nginx']);
    expect(r.object.spec.replicas).toBeUndefined();
  });

  it('reports a conflict with an Update manager worded as upstream', () => {
    const live = created(sts(), 'kubectl-client-side-apply');
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live, config: applyCfg({ replicas: 3 }), manager: 'kubectl', force: false, now: T1 });
    expect(r.changed).toBe(false);
    expect(r.conflicts).toEqual([
      expect.objectContaining({ field: '.spec.replicas', manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', time: T0 }),
    ]);
    expect(formatConflictMessage(r.conflicts!)).toEqual({
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
      causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }],
    });
  });

  it('no conflict when the value is the same: ownership is shared', () => {
    const live = created(sts(), 'kubectl-create');
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live, config: applyCfg({ replicas: 2 }), manager: 'kubectl', force: false, now: T1 });
    expect(r.conflicts).toBeUndefined();
    expect(entry(r.object, 'kubectl-create').fieldsV1['f:spec']['f:replicas']).toEqual({});
    expect(entry(r.object, 'kubectl', 'Apply').fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });

  it('formats several conflicts grouped by manager, with list-map keys in paths', () => {
    const live = created(sts(), 'kubectl-client-side-apply');
    const cfg = applyCfg({ replicas: 3, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:2' }] } } });
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live, config: cfg, manager: 'kubectl', force: false, now: T1 });
    expect(r.conflicts!.map((c) => c.field)).toEqual(['.spec.replicas', '.spec.template.spec.containers[name="nginx"].image']);
    expect(formatConflictMessage(r.conflicts!).message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
  });

  it('prints appliers without apiVersion and subresources', () => {
    const cs: Conflict[] = [
      { field: '.spec.a', manager: 'b', operation: 'Apply', identifier: '{"manager":"b","operation":"Apply"}' },
      { field: '.status.x', manager: 'a', operation: 'Update', apiVersion: 'v1', subresource: 'status', identifier: '{"manager":"a","operation":"Update","apiVersion":"v1","subresource":"status"}' },
    ];
    expect(formatConflictMessage(cs).message).toBe(
      'Apply failed with 2 conflicts: conflicts with "a" with subresource "status" using v1:\n- .status.x\nconflicts with "b":\n- .spec.a',
    );
    expect(formatConflictMessage(cs).causes[0].message).toBe('conflict with "b"');
  });

  it('force moves ownership to the applier', () => {
    const live = created(sts(), 'kubectl-client-side-apply');
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live, config: applyCfg({ replicas: 3 }), manager: 'kubectl', force: true, now: T1 });
    expect(r.conflicts).toBeUndefined();
    expect(r.object.spec.replicas).toBe(3);
    expect(entry(r.object, 'kubectl', 'Apply').fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(r.object, 'kubectl-client-side-apply').fieldsV1['f:spec']['f:replicas']).toBeUndefined();
    expect(r.object.metadata.managedFields.map((e: any) => e.operation)).toEqual(['Apply', 'Update']);
  });

  it('merges list-map items by key: containers by name, ports by containerPort+protocol', () => {
    const base = sts();
    base.spec.template.spec.containers.push({ name: 'side', image: 'busybox' });
    const live = created(base, 'kubectl-create');
    const cfg = applyCfg({
      template: { spec: { containers: [{ name: 'nginx', ports: [{ containerPort: 80, name: 'web' }, { containerPort: 80, protocol: 'UDP', name: 'dns' }] }] } },
    });
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live, config: cfg, manager: 'kubectl', force: false, now: T1 });
    expect(r.conflicts).toBeUndefined();
    const cs = r.object.spec.template.spec.containers;
    expect(cs.map((c: any) => c.name)).toEqual(['nginx', 'side']);
    expect(cs[0].image).toBe('nginx:1');
    expect(cs[0].ports).toEqual([
      { containerPort: 80, name: 'web', protocol: 'TCP' },
      { containerPort: 80, protocol: 'UDP', name: 'dns' },
    ]);
    const ports = entry(r.object, 'kubectl', 'Apply').fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:ports'];
    expect(Object.keys(ports)).toEqual(['k:{"containerPort":80,"protocol":"TCP"}', 'k:{"containerPort":80,"protocol":"UDP"}']);
  });

  it('replaces atomic lists whole and owns them as one field', () => {
    const base = sts();
    base.spec.template.spec.containers[0].args = ['a', 'b'];
    const live = apply({ definition: STS, apiVersion: 'apps/v1', live: undefined, config: base, manager: 'kubectl', force: false, now: T0 }).object;
    live.metadata.uid = 'u';
    const cfg = sts();
    cfg.spec.template.spec.containers[0].args = ['c'];
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live, config: cfg, manager: 'kubectl', force: false, now: T1 });
    expect(r.object.spec.template.spec.containers[0].args).toEqual(['c']);
    const c = entry(r.object, 'kubectl', 'Apply').fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}'];
    expect(c['f:args']).toEqual({});
    // another applier touching the atomic list conflicts on the list as a whole
    const other = apply({ definition: STS, apiVersion: 'apps/v1', live: r.object, config: applyCfg({ template: { spec: { containers: [{ name: 'nginx', args: ['d'] }] } } }), manager: 'other', force: false, now: T2 });
    expect(other.conflicts!.map((x) => `${x.manager} ${x.field}`)).toEqual(['kubectl .spec.template.spec.containers[name="nginx"].args']);
    expect(formatConflictMessage(other.conflicts!).message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl": .spec.template.spec.containers[name="nginx"].args',
    );
  });

  it('never owns status through the main resource', () => {
    const cfg = { ...sts(), status: { replicas: 5 } };
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live: undefined, config: cfg, manager: 'kubectl', force: false, now: T0 });
    expect(r.object.metadata.managedFields[0].fieldsV1['f:status']).toBeUndefined();
  });

  it('rejects a configuration of another kind or carrying managedFields', () => {
    expect(() =>
      apply({ definition: STS, apiVersion: 'apps/v1', live: undefined, config: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }, manager: 'k', force: false, now: T0 }),
    ).toThrowError(new FieldManagerError('invalid object type: /v1, Kind=Pod'));
    const bad = { ...sts(), metadata: { name: 'web', managedFields: [] } };
    expect(() => apply({ definition: STS, apiVersion: 'apps/v1', live: undefined, config: bad, manager: 'k', force: false, now: T0 })).toThrow(
      'metadata.managedFields must be nil',
    );
  });

  it('gives fields set before the first apply to "before-first-apply"', () => {
    const live = { ...sts(), metadata: { ...sts().metadata, uid: 'u' } };
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live, config: applyCfg({ replicas: 4 }), manager: 'kubectl', force: false, now: T1 });
    expect(formatConflictMessage(r.conflicts!).message).toBe(
      'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
    );
  });
});

describe('client-side apply migration (manager "kubectl")', () => {
  function csaObject(): any {
    const obj = sts();
    const lastApplied = JSON.stringify({ ...sts(), metadata: { annotations: {}, name: 'web', namespace: 'default', labels: { app: 'web' } } });
    obj.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: lastApplied + '\n' };
    return created(obj, 'kubectl-client-side-apply');
  }

  it('forgives conflicts on fields the last-applied annotation still matches, and refreshes the annotation', () => {
    const live = csaObject();
    const cfg = sts({ replicas: 3 });
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live, config: cfg, manager: 'kubectl', force: false, now: T1 });
    expect(r.conflicts).toBeUndefined();
    expect(r.object.spec.replicas).toBe(3);
    expect(entry(r.object, 'kubectl', 'Apply').fieldsV1['f:spec']['f:replicas']).toEqual({});
    const ann = r.object.metadata.annotations[LAST_APPLIED_ANNOTATION];
    expect(ann.endsWith('}\n')).toBe(true);
    expect(JSON.parse(ann).spec.replicas).toBe(3);
    expect(ann.startsWith('{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{')).toBe(true);
  });

  it('keeps conflicts for other managers and for fields that drifted from the annotation', () => {
    const live = csaObject();
    const other = apply({ definition: STS, apiVersion: 'apps/v1', live, config: sts({ replicas: 3 }), manager: 'my-tool', force: false, now: T1 });
    expect(other.conflicts!.map((c) => c.field)).toEqual(['.spec.replicas']);
    const drifted = structuredClone(live);
    drifted.spec.replicas = 9; // no longer what the annotation says
    const r = apply({ definition: STS, apiVersion: 'apps/v1', live: drifted, config: sts({ replicas: 3 }), manager: 'kubectl', force: false, now: T1 });
    expect(r.conflicts!.map((c) => c.field)).toEqual(['.spec.replicas']);
  });
});
