import { join } from 'node:path';
import { SEED } from '../helpers/paths.js';
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { persistentVolumeDef } from '../../src/resources/core/persistentvolume.js';
import { persistentVolumeClaimDef, defaultPersistentVolumeClaimSpec } from '../../src/resources/core/persistentvolumeclaim.js';
import { storageClassDef } from '../../src/resources/storage/storageclass.js';
import type { KObject, ResourceDef } from '../../src/resources/types.js';

const show = (cs: { field: string; message: string }[]) => cs.map((c) => `${c.field}: ${c.message}`);

function create(def: ResourceDef, o: KObject): KObject {
  def.defaults!(o);
  def.prepareForCreate?.(o);
  return o;
}

describe('PersistentVolume', () => {
  const pvs = parseAllDocuments(readFileSync(join(SEED, 'pv.yaml'), 'utf8'))
    .map((d) => d.toJSON())
    .filter((o) => o.kind === 'PersistentVolume');
  it('seed PVs default and validate like a 1.33 cluster', () => {
    expect(pvs).toHaveLength(7);
    for (const pv of pvs) {
      create(persistentVolumeDef, pv);
      expect(persistentVolumeDef.validate!(pv)).toEqual([]);
      expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
      expect(pv.spec.volumeMode).toBe('Filesystem');
      expect(pv.spec.capacity).toEqual({ storage: '5G' });
      expect(pv.status.phase).toBe('Pending');
      expect(pv.status.lastPhaseTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
  });
  it('identity', () => {
    expect(persistentVolumeDef.namespaced).toBe(false);
    expect(persistentVolumeDef.shortNames).toEqual(['pv']);
    expect(persistentVolumeDef.subresources.map((s) => s.name)).toEqual(['status']);
  });
  it('required fields', () => {
    const pv = create(persistentVolumeDef, { metadata: { name: 'x' }, spec: {} });
    expect(show(persistentVolumeDef.validate!(pv))).toEqual([
      'spec.accessModes: Required value',
      'spec.capacity: Required value',
      'spec.capacity: Unsupported value: core.ResourceList(nil): supported values: "storage"',
      'spec: Required value: must specify a volume type',
    ]);
  });
  it('enum, quantity and source checks', () => {
    const pv = create(persistentVolumeDef, {
      metadata: { name: 'x' },
      spec: {
        accessModes: ['ReadWriteOncePod', 'ReadWriteOnce', 'Sometimes'],
        capacity: { storage: '0' },
        persistentVolumeReclaimPolicy: 'Keep',
        hostPath: { path: '/a' },
        nfs: { server: 's', path: 'rel' },
      },
    });
    expect(pv.spec.hostPath.type).toBe('');
    expect(show(persistentVolumeDef.validate!(pv))).toEqual([
      'spec.accessModes: Unsupported value: "Sometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      'spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes',
      'spec.capacity[storage]: Invalid value: "0": must be greater than zero',
      'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
      'spec.nfs: Forbidden: may not specify more than 1 volume type',
    ]);
  });
  it('the volume source is immutable', () => {
    const old = create(persistentVolumeDef, structuredClone(pvs[0]));
    const n = structuredClone(old);
    n.spec.nfs.path = '/other';
    n.spec.capacity.storage = '10G';
    expect(show(persistentVolumeDef.validateUpdate!(n, old))).toEqual([
      'spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation',
    ]);
  });
  it('status writes keep the spec and track lastPhaseTransitionTime', () => {
    const old = create(persistentVolumeDef, structuredClone(pvs[0]));
    old.status.lastPhaseTransitionTime = '2020-01-01T00:00:00Z';
    const same: KObject = { ...structuredClone(old), status: { phase: 'Pending' } };
    persistentVolumeDef.prepareForStatusUpdate!(same, old);
    expect(same.status.lastPhaseTransitionTime).toBe('2020-01-01T00:00:00Z');
    const moved: KObject = { ...structuredClone(old), spec: {}, status: { phase: 'Available' } };
    persistentVolumeDef.prepareForStatusUpdate!(moved, old);
    expect(moved.spec).toEqual(old.spec);
    expect(moved.status.lastPhaseTransitionTime).not.toBe('2020-01-01T00:00:00Z');
  });
});

describe('PersistentVolumeClaim', () => {
  const pvc = (spec: KObject): KObject => create(persistentVolumeClaimDef, { metadata: { name: 'c', namespace: 'd' }, spec });
  it('defaults', () => {
    const c = pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1.5Gi' } } });
    expect(c.spec.volumeMode).toBe('Filesystem');
    expect(c.spec.resources.requests.storage).toBe('1536Mi');
    expect(c.status).toEqual({ phase: 'Pending' });
    expect(persistentVolumeClaimDef.shortNames).toEqual(['pvc']);
    const t: KObject = { resources: { requests: { storage: '2G' } } };
    defaultPersistentVolumeClaimSpec(t);
    expect(t).toEqual({ resources: { requests: { storage: '2G' } }, volumeMode: 'Filesystem' });
  });
  it('validation', () => {
    expect(show(persistentVolumeClaimDef.validate!(pvc({})))).toEqual([
      'spec.accessModes: Required value: at least 1 access mode is required',
      'spec.resources[storage]: Required value',
    ]);
    expect(show(persistentVolumeClaimDef.validate!(pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '0' } }, volumeMode: 'Raw' })))).toEqual([
      'spec.resources[storage]: Invalid value: "0": must be greater than zero',
      'spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"',
    ]);
  });
  it('the spec is immutable except volumeName (once) and storage on bound claims', () => {
    const old = pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    const bind = structuredClone(old);
    bind.spec.volumeName = 'pv-1';
    expect(persistentVolumeClaimDef.validateUpdate!(bind, old)).toEqual([]);
    const change = structuredClone(old);
    change.spec.accessModes = ['ReadWriteMany'];
    expect(show(persistentVolumeClaimDef.validateUpdate!(change, old))).toEqual([
      'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    ]);
    const grow = structuredClone(old);
    grow.spec.resources.requests.storage = '2Gi';
    expect(persistentVolumeClaimDef.validateUpdate!(grow, old)).toHaveLength(1);
    const boundOld: KObject = { ...structuredClone(old), status: { phase: 'Bound', capacity: { storage: '1Gi' } } };
    const boundGrow = { ...structuredClone(grow), status: boundOld.status };
    expect(persistentVolumeClaimDef.validateUpdate!(boundGrow, boundOld)).toEqual([]);
    const shrink: KObject = structuredClone(boundOld);
    shrink.spec.resources.requests.storage = '512Mi';
    expect(show(persistentVolumeClaimDef.validateUpdate!(shrink, boundOld))).toEqual([
      'spec.resources.requests.storage: Forbidden: field can not be less than status.capacity',
    ]);
  });
  it('a nil storageClassName may be set once', () => {
    const old = pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    const n = structuredClone(old);
    n.spec.storageClassName = 'standard';
    expect(persistentVolumeClaimDef.validateUpdate!(n, old)).toEqual([]);
    const n2 = structuredClone(n);
    n2.spec.storageClassName = 'other';
    expect(persistentVolumeClaimDef.validateUpdate!(n2, n)).toHaveLength(1);
  });
  it('status writes keep the spec', () => {
    const old = pvc({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
    const n = { ...structuredClone(old), spec: {}, status: { phase: 'Bound', capacity: { storage: '1Gi' } } };
    persistentVolumeClaimDef.prepareForStatusUpdate!(n, old);
    expect(n.spec).toEqual(old.spec);
    expect(persistentVolumeClaimDef.validateStatusUpdate!(n, old)).toEqual([]);
  });
});

describe('StorageClass', () => {
  it('defaults reclaimPolicy Delete and volumeBindingMode Immediate', () => {
    const sc = create(storageClassDef, { metadata: { name: 'standard' }, provisioner: 'rancher.io/local-path' });
    expect(sc.reclaimPolicy).toBe('Delete');
    expect(sc.volumeBindingMode).toBe('Immediate');
    expect(storageClassDef.validate!(sc)).toEqual([]);
    expect(storageClassDef.shortNames).toEqual(['sc']);
    expect(storageClassDef.namespaced).toBe(false);
  });
  it('validation and immutability', () => {
    const sc = create(storageClassDef, { metadata: { name: 'x' }, reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' });
    expect(show(storageClassDef.validate!(sc))).toEqual([
      'provisioner: Required value',
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
      'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    ]);
    const old = create(storageClassDef, { metadata: { name: 'x' }, provisioner: 'a', parameters: { k: 'v' } });
    const n = { ...structuredClone(old), provisioner: 'b', parameters: { k: 'w' }, reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' };
    expect(show(storageClassDef.validateUpdate!(n, old))).toEqual([
      'parameters: Forbidden: updates to parameters are forbidden.',
      'provisioner: Forbidden: updates to provisioner are forbidden.',
      'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
  });
});
