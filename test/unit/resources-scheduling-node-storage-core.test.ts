// Validation, defaults, admission steps and printers of PriorityClass, RuntimeClass, the CSI
// storage kinds, PodTemplate, ReplicationController and ComponentStatus, against upstream's rules
// and words (pkg/apis/*/validation, pkg/apis/*/v1/defaults.go, plugin/pkg/admission, printers.go).
import { describe, expect, it } from 'vitest';
import { priorityClassDef, validatePriorityClass } from '../../src/resources/scheduling/priorityclass.js';
import { admitPodPriority, defaultPriorityClass } from '../../src/resources/scheduling/admission.js';
import { runtimeClassDef, validateRuntimeClass } from '../../src/resources/node/runtimeclass.js';
import { admitPodRuntimeClass, mergeTolerations } from '../../src/resources/node/admission.js';
import { csiDriverDef, defaultCSIDriver, validateCSIDriver } from '../../src/resources/storage/csidriver.js';
import { validateCSINode, validateCSINodeUpdate } from '../../src/resources/storage/csinode.js';
import { validateVolumeAttachment } from '../../src/resources/storage/volumeattachment.js';
import { defaultReplicationController, replicationControllerDef, validateReplicationControllerSpec, validateReplicationControllerStatus } from '../../src/resources/core/replicationcontroller.js';
import { podTemplateDef } from '../../src/resources/core/podtemplate.js';
import { componentStatusDef } from '../../src/resources/core/componentstatus.js';
import { podDef } from '../../src/resources/core/pod.js';
import { StatusError } from '../../src/registry/errors.js';
import { allResources } from '../../src/resources/index.js';

const msgs = (cs: { field: string; message: string }[]) => cs.map((c) => `${c.field}: ${c.message}`);
const pcObj = (name: string, value: number, extra: Record<string, unknown> = {}) => ({ metadata: { name }, value, ...extra });
const refusal = (fn: () => void): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return `${e.code} ${e.message}`;
    throw e;
  }
  return 'admitted';
};

describe('PriorityClass', () => {
  it('system- names must be the built-in classes exactly', () => {
    expect(msgs(validatePriorityClass(pcObj('system-node-critical', 2000001000)))).toEqual([]);
    expect(msgs(validatePriorityClass(pcObj('system-node-critical', 5)))).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
    ]);
    expect(msgs(validatePriorityClass(pcObj('system-cluster-critical', 2000000000, { globalDefault: true })))).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
    ]);
    expect(msgs(validatePriorityClass(pcObj('user', 1000000000)))).toEqual([]);
    expect(msgs(validatePriorityClass(pcObj('user', -5)))).toEqual([]);
    expect(msgs(validatePriorityClass(pcObj('user', 1, { preemptionPolicy: '' })))).toEqual(['preemptionPolicy: Required value']);
  });

  it('prints VALUE as an integer and GLOBAL-DEFAULT as a boolean', () => {
    const row = priorityClassDef.table!.row({ metadata: { name: 'x', creationTimestamp: new Date(0).toISOString() }, value: 3, globalDefault: true, preemptionPolicy: 'Never' }, 90_000);
    expect(row).toEqual(['x', 3, true, '90s', 'Never']);
    // emulating 1.31: no PreemptionPolicy column yet; VolumeAttributesClass served from 1.34
    const at = (minor: number) => allResources(minor);
    expect(at(31).find((d) => d.plural === 'priorityclasses')!.table!.columns.map((c) => c.name)).toEqual(['Name', 'Value', 'Global-Default', 'Age']);
    expect(at(33).some((d) => d.plural === 'volumeattributesclasses')).toBe(false);
    expect(at(34).some((d) => d.plural === 'volumeattributesclasses')).toBe(true);
  });

  it('admission: the lowest-valued of several defaults wins; the pod takes its name', () => {
    const classes = [pcObj('a', 10, { globalDefault: true }), pcObj('b', 5, { globalDefault: true, preemptionPolicy: 'Never' }), pcObj('c', 1)];
    expect(defaultPriorityClass(classes)?.metadata.name).toBe('b');
    const pod = { metadata: { name: 'p' }, spec: { containers: [] } } as any;
    admitPodPriority(podDef, pod, () => undefined, () => classes);
    expect(pod.spec).toMatchObject({ priorityClassName: 'b', priority: 5, preemptionPolicy: 'Never' });
    const named = { metadata: { generateName: 'web-' }, spec: { priorityClassName: 'zzz' } } as any;
    expect(refusal(() => admitPodPriority(podDef, named, () => undefined, () => classes))).toBe('403 pods "web-" is forbidden: no PriorityClass with name zzz was found');
  });
});

describe('RuntimeClass', () => {
  it('handler, overhead and scheduling validation', () => {
    expect(msgs(validateRuntimeClass({ handler: 'runc' }))).toEqual([]);
    expect(msgs(validateRuntimeClass({ handler: 'ok', overhead: { podFixed: { cpu: 'lots' } } }))[0]).toMatch(/^overhead\.limits\[cpu\]: Invalid value: "lots": quantities must match the regular expression/);
    const t = { key: 'k', operator: 'Exists', effect: 'NoSchedule' };
    expect(msgs(validateRuntimeClass({ handler: 'ok', scheduling: { nodeSelector: { 'bad key!': 'v' }, tolerations: [t, t, { operator: 'Equal' }] } }))).toEqual([
      "scheduling.nodeSelector: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      'scheduling.tolerations[2].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      'scheduling.tolerations[1]: Duplicate value: core.Toleration{Key:"k", Operator:"Exists", Value:"", Effect:"NoSchedule", TolerationSeconds:(*int64)(nil)}',
    ]);
    expect(runtimeClassDef.allowCreateOnUpdate).toBe(true);
    expect(runtimeClassDef.allowUnconditionalUpdate).toBe(false);
  });

  it("admission: a pod's own overhead must equal the class's", () => {
    const rc = { metadata: { name: 'kata' }, handler: 'kata', overhead: { podFixed: { cpu: '250m' } } };
    const pod = { metadata: { name: 'p' }, spec: { runtimeClassName: 'kata', overhead: { cpu: '1' } } } as any;
    expect(refusal(() => admitPodRuntimeClass(podDef, pod, () => rc))).toBe("403 pods \"p\" is forbidden: pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    const same = { metadata: { name: 'q' }, spec: { runtimeClassName: 'kata', overhead: { cpu: '250m' } } } as any;
    expect(refusal(() => admitPodRuntimeClass(podDef, same, () => rc))).toBe('admitted');
  });
});

describe('MergeTolerations (pkg/util/tolerations)', () => {
  it('keeps both lists without what another toleration covers', () => {
    const all = { operator: 'Exists' };
    const k = { key: 'k', operator: 'Exists', effect: 'NoSchedule' };
    const kv = { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' };
    const ne300 = { key: 'n', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
    const ne60 = { key: 'n', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 };
    expect(mergeTolerations([kv], [k])).toEqual([k]);
    expect(mergeTolerations([k], [kv, k])).toEqual([k]);
    expect(mergeTolerations([ne60], [ne300])).toEqual([ne300]);
    expect(mergeTolerations([ne300, kv], [all])).toEqual([all]);
    expect(mergeTolerations([kv], [ne60])).toEqual([kv, ne60]);
  });
});

describe('CSI storage kinds', () => {
  it('CSIDriver: defaults keep what is set; token requests and modes validated', () => {
    const d: any = { metadata: { name: 'x.csi' }, spec: { attachRequired: false, volumeLifecycleModes: ['Ephemeral'] } };
    defaultCSIDriver(d);
    expect(d.spec).toMatchObject({ attachRequired: false, volumeLifecycleModes: ['Ephemeral'], fsGroupPolicy: 'ReadWriteOnceWithFSType' });
    d.spec.tokenRequests = [{ audience: 'a', expirationSeconds: 60 }, { audience: 'a' }];
    d.spec.volumeLifecycleModes = ['Sometimes'];
    expect(msgs(validateCSIDriver(d))).toEqual([
      'spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes',
      'spec.tokenRequests[1].audience: Duplicate value: "a"',
      'spec.volumeLifecycleModes: Unsupported value: "Sometimes": supported values: "Persistent", "Ephemeral"',
    ]);
    expect(csiDriverDef.validateName).toBeUndefined(); // ValidateCSIDriverName = NameIsDNSSubdomain, at metadata.name
  });

  it('CSINode: topology keys and immutable driver entries', () => {
    const drivers = [{ name: 'a.csi', nodeID: 'n', topologyKeys: ['ok/key', 'bad key'] }];
    expect(msgs(validateCSINode({ spec: { drivers } }))).toEqual([
      "spec.drivers[0]: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
    const old = { spec: { drivers: [{ name: 'a.csi', nodeID: 'n' }] } };
    expect(msgs(validateCSINodeUpdate({ spec: { drivers: [{ name: 'a.csi', nodeID: 'm' }] } }, old))).toEqual([
      'spec.drivers: Invalid value: storage.CSINodeDriver{Name:"a.csi", NodeID:"m", TopologyKeys:[]string(nil), Allocatable:(*storage.VolumeNodeResources)(nil)}: field is immutable',
    ]);
    expect(validateCSINodeUpdate({ spec: { drivers: [{ name: 'a.csi', nodeID: 'n' }, { name: 'b.csi', nodeID: 'n' }] } }, old)).toEqual([]);
  });

  it('VolumeAttachment: both sources forbidden, attacher is a CSI driver name, node name a subdomain', () => {
    expect(msgs(validateVolumeAttachment({ spec: { attacher: 'Bad_Attacher', nodeName: 'Node_1', source: { persistentVolumeName: 'pv', inlineVolumeSpec: {} } } }))).toEqual([
      'spec.source: Forbidden: must specify exactly one of inlineVolumeSpec and persistentVolumeName',
      expect.stringMatching(/^spec\.nodeName: Invalid value: "Node_1": a lowercase RFC 1123 subdomain/),
      expect.stringMatching(/^spec\.attacher: Invalid value: "Bad_Attacher": a lowercase RFC 1123 subdomain/),
    ]);
  });
});

describe('PodTemplate, ReplicationController, ComponentStatus', () => {
  it('RC defaults: labels kept when set, selector from the template, replicas 1', () => {
    const rc: any = { metadata: { labels: { own: 'x' } }, spec: { template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
    defaultReplicationController(rc);
    expect(rc.metadata.labels).toEqual({ own: 'x' });
    expect(rc.spec).toMatchObject({ replicas: 1, selector: { app: 'a' } });
    expect(rc.spec.template.spec).toMatchObject({ restartPolicy: 'Always', terminationGracePeriodSeconds: 30 });
    expect(msgs(validateReplicationControllerSpec(rc.spec))).toEqual([]);
    rc.spec.template.spec.activeDeadlineSeconds = 5;
    rc.spec.minReadySeconds = -1;
    expect(msgs(validateReplicationControllerSpec(rc.spec))).toEqual([
      'spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.template.spec.activeDeadlineSeconds: Invalid value: 5: activeDeadlineSeconds in ReplicationController is not Supported',
    ]);
    expect(replicationControllerDef.defaultDeletePolicy).toBe('Orphan');
    const shared = { ...rc.spec, minReadySeconds: 0, replicas: 2, template: { ...rc.spec.template, spec: { ...rc.spec.template.spec, activeDeadlineSeconds: undefined, volumes: [{ name: 'd', gcePersistentDisk: { pdName: 'disk' } }] } } };
    expect(msgs(validateReplicationControllerSpec(shared))).toEqual([
      'spec.template.spec.volumes[0].gcePersistentDisk.readOnly: Invalid value: false: must be true for replicated pods > 1; GCE PD can only be mounted on multiple machines if it is read-only',
    ]);
  });

  it('RC status rules', () => {
    expect(msgs(validateReplicationControllerStatus({ status: { replicas: 2, readyReplicas: 1, availableReplicas: 2, fullyLabeledReplicas: -1 } }))).toEqual([
      'status.fullyLabeledReplicas: Invalid value: -1: must be greater than or equal to 0',
      'status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas',
    ]);
  });

  it('PodTemplate generation follows the template only', () => {
    const a = { metadata: { labels: { x: '1' } }, template: { spec: { containers: [] } } };
    expect(podTemplateDef.generationChanged!({ ...a, metadata: { labels: { x: '2' } } }, a)).toBe(false);
    expect(podTemplateDef.generationChanged!({ ...a, template: { spec: { containers: [{ name: 'c' }] } } }, a)).toBe(true);
    expect(podTemplateDef.table!.row({ metadata: { name: 't' }, template: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } } }, 0)).toEqual(['t', 'a,b', 'x,y', '<none>']);
  });

  it('ComponentStatus printer: Unhealthy with its error, Unknown without a Healthy condition; wire form has only the name', () => {
    const p = componentStatusDef.table!;
    expect(p.row({ metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'False', message: 'm', error: 'dial tcp: refused' }] }, 0)).toEqual(['etcd-0', 'Unhealthy', 'm', 'dial tcp: refused']);
    expect(p.row({ metadata: { name: 'x' } }, 0)).toEqual(['x', 'Unknown', '', '']);
    const stored = { kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'scheduler', uid: 'u', resourceVersion: '5' }, conditions: [] };
    expect(componentStatusDef.storage!.fromStorage(stored)).toEqual({ kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'scheduler' }, conditions: [] });
    expect(componentStatusDef.deprecationWarning!(33)).toBe('v1 ComponentStatus is deprecated in v1.19+');
  });
});
