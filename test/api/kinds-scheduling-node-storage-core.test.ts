// PriorityClass, RuntimeClass, the CSI storage kinds, PodTemplate, ReplicationController and
// ComponentStatus over HTTP: defaults, refusals with upstream's words, the Priority and
// RuntimeClass admission plugins on pods, start-up objects, subresources and tables.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { TABLE_ACCEPT, pod, startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

const PCS = '/apis/scheduling.k8s.io/v1/priorityclasses';
const RCS = '/apis/node.k8s.io/v1/runtimeclasses';
const PODS = '/api/v1/namespaces/default/pods';
const pc = (name: string, value: number, extra: Record<string, unknown> = {}) => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value, ...extra });
const causes = (res: request.Response) => res.body.details?.causes?.map((c: any) => `${c.field}: ${c.message}`);

describe('PriorityClass', () => {
  it('the system classes exist from the start and cannot be deleted', async () => {
    const list = (await api().get(PCS).expect(200)).body.items.map((p: any) => [p.metadata.name, p.value, p.preemptionPolicy]);
    expect(list).toEqual([
      ['system-cluster-critical', 2000000000, 'PreemptLowerPriority'],
      ['system-node-critical', 2000001000, 'PreemptLowerPriority'],
    ]);
    const res = await api().delete(`${PCS}/system-node-critical`).expect(403);
    expect(res.body.message).toBe('priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted');
  });

  it('defaults preemptionPolicy; refuses reserved names, the value ceiling and bad policies', async () => {
    const zero = (await api().post(PCS).send({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'zero' } }).expect(201)).body;
    expect(zero.value).toBe(0); // int32 without omitempty
    const made = (await api().post(PCS).send(pc('high', 1000)).expect(201)).body;
    expect(made).toMatchObject({ value: 1000, preemptionPolicy: 'PreemptLowerPriority', metadata: { generation: 1 } });
    let res = await api().post(PCS).send(pc('system-mine', 10)).expect(422);
    expect(res.body.message).toBe(
      "PriorityClass.scheduling.k8s.io \"system-mine\" is invalid: metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    );
    res = await api().post(PCS).send(pc('too-high', 1000000001)).expect(422);
    expect(causes(res)).toEqual(['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
    res = await api().post(PCS).send(pc('bad-policy', 1, { preemptionPolicy: 'Sometimes' })).expect(422);
    expect(causes(res)).toEqual(['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"']);
  });

  it('value and preemptionPolicy are immutable', async () => {
    await api().post(PCS).send(pc('fixed', 5)).expect(201);
    const res = await api().patch(`${PCS}/fixed`).set('Content-Type', 'application/merge-patch+json').send({ value: 6, preemptionPolicy: 'Never' }).expect(422);
    expect(causes(res)).toEqual(['value: Forbidden: may not be changed in an update.', 'preemptionPolicy: Invalid value: "Never": field is immutable']);
  });

  it('only one globalDefault; pods get its value and name, others 0', async () => {
    let p = (await api().post(PODS).send(pod('no-class')).expect(201)).body;
    expect(p.spec).toMatchObject({ priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
    expect(p.spec.priorityClassName).toBeUndefined();
    await api().post(PCS).send(pc('default-one', 7, { globalDefault: true, preemptionPolicy: 'Never' })).expect(201);
    const res = await api().post(PCS).send(pc('default-two', 8, { globalDefault: true })).expect(403);
    expect(res.body.message).toBe('priorityclasses.scheduling.k8s.io "default-two" is forbidden: PriorityClass default-one is already marked as default. Only one default can exist');
    p = (await api().post(PODS).send(pod('defaulted')).expect(201)).body;
    expect(p.spec).toMatchObject({ priority: 7, priorityClassName: 'default-one', preemptionPolicy: 'Never' });
    await api().delete(`${PCS}/default-one`).expect(200);
  });

  it('a pod names its class: priority resolved; unknown class and disagreeing values refused', async () => {
    const p = (await api().post(PODS).send({ ...pod('critical'), spec: { ...pod('x').spec, priorityClassName: 'system-node-critical' } }).expect(201)).body;
    expect(p.spec).toMatchObject({ priority: 2000001000, preemptionPolicy: 'PreemptLowerPriority' });
    let res = await api().post(PODS).send({ ...pod('nope'), spec: { ...pod('x').spec, priorityClassName: 'missing' } }).expect(403);
    expect(res.body).toMatchObject({ reason: 'Forbidden', message: 'pods "nope" is forbidden: no PriorityClass with name missing was found', details: { name: 'nope', kind: 'pods' } });
    // admission runs before the name is generated: the message names the generateName
    res = await api().post(PODS).send({ metadata: { generateName: 'gen-' }, spec: { ...pod('x').spec, priorityClassName: 'missing' } }).expect(403);
    expect(res.body.message).toBe('pods "gen-" is forbidden: no PriorityClass with name missing was found');
    res = await api().post(PODS).send({ ...pod('wrong'), spec: { ...pod('x').spec, priorityClassName: 'high', priority: 5 } }).expect(403);
    expect(res.body.message).toBe('pods "wrong" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name');
    res = await api().post(PODS).send({ ...pod('never'), spec: { ...pod('x').spec, preemptionPolicy: 'Never' } }).expect(403);
    expect(res.body.message).toBe('pods "never" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name');
    await api().post(PODS).send({ ...pod('agrees'), spec: { ...pod('x').spec, priorityClassName: 'high', priority: 1000 } }).expect(201);
  });

  it('admission comes before validation: an invalid pod naming an unknown class is refused by admission (403), as upstream', async () => {
    const spec = { ...pod('x').spec, priorityClassName: 'missing', containers: [{ name: 'Bad_Name' }] };
    const res = await api().post(PODS).send({ ...pod('both'), spec }).expect(403);
    expect(res.body.message).toBe('pods "both" is forbidden: no PriorityClass with name missing was found');
    // with a known class the same pod reaches validation
    const bad = await api().post(PODS).send({ ...pod('both'), spec: { ...spec, priorityClassName: 'high' } }).expect(422);
    expect(bad.body.message).toContain('spec.containers[0].name: Invalid value: "Bad_Name"');
  });

  it('prints NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY', async () => {
    const t = (await api().get(`${PCS}/high`).set('Accept', TABLE_ACCEPT).expect(200)).body;
    expect(t.columnDefinitions.map((c: any) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0], ['Value', 'integer', 0], ['Global-Default', 'boolean', 0], ['Age', 'string', 0], ['PreemptionPolicy', 'string', 0],
    ]);
    expect(t.rows[0].cells).toEqual(['high', 1000, false, expect.any(String), 'PreemptLowerPriority']);
  });
});

describe('RuntimeClass', () => {
  it('validates the handler (immutable) and needs a resourceVersion to update', async () => {
    let res = await api().post(RCS).send({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'bad' }, handler: 'Not_A_Label' }).expect(422);
    expect(causes(res)).toEqual([
      "handler: Invalid value: \"Not_A_Label\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    const made = (await api().post(RCS).send({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'kata' }, handler: 'kata', overhead: { podFixed: { cpu: '250m', memory: '120Mi' } }, scheduling: { nodeSelector: { sandbox: 'yes' }, tolerations: [{ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' }] } }).expect(201)).body;
    res = await api().patch(`${RCS}/kata`).set('Content-Type', 'application/merge-patch+json').send({ handler: 'runc' }).expect(422);
    expect(causes(res)).toEqual(['handler: Invalid value: "runc": field is immutable']);
    const put = { ...made, metadata: { ...made.metadata, resourceVersion: undefined } };
    res = await api().put(`${RCS}/kata`).send(put).expect(422);
    expect(causes(res)).toEqual(['metadata.resourceVersion: Invalid value: 0: must be specified for an update']);
    const t = (await api().get(`${RCS}/kata`).set('Accept', TABLE_ACCEPT).expect(200)).body;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Handler', 'Age']);
    expect(t.rows[0].cells.slice(0, 2)).toEqual(['kata', 'kata']);
  });

  it('admission: unknown class refused; overhead, node selector and tolerations come from the class', async () => {
    let res = await api().post(PODS).send({ ...pod('rc-missing'), spec: { ...pod('x').spec, runtimeClassName: 'gvisor' } }).expect(403);
    expect(res.body.message).toBe('pods "rc-missing" is forbidden: pod rejected: RuntimeClass "gvisor" not found');
    const p = (await api().post(PODS).send({ ...pod('sandboxed'), spec: { ...pod('x').spec, runtimeClassName: 'kata' } }).expect(201)).body;
    expect(p.spec.overhead).toEqual({ cpu: '250m', memory: '120Mi' });
    expect(p.spec.nodeSelector).toEqual({ sandbox: 'yes' });
    expect(p.spec.tolerations).toContainEqual({ key: 'sandbox', operator: 'Exists', effect: 'NoSchedule' });
    res = await api().post(PODS).send({ ...pod('conflict'), spec: { ...pod('x').spec, runtimeClassName: 'kata', nodeSelector: { sandbox: 'no' } } }).expect(403);
    expect(res.body.message).toBe('pods "conflict" is forbidden: conflict: runtimeClass.scheduling.nodeSelector[sandbox] = yes; pod.spec.nodeSelector[sandbox] = no');
    res = await api().post(PODS).send({ ...pod('own-overhead'), spec: { ...pod('x').spec, overhead: { cpu: '1' } } }).expect(403);
    expect(res.body.message).toBe('pods "own-overhead" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
  });
});

describe('storage.k8s.io CSI kinds', () => {
  const S = '/apis/storage.k8s.io/v1';
  it('CSIDriver defaults and printer', async () => {
    const d = (await api().post(`${S}/csidrivers`).send({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'hostpath.csi.k8s.io' }, spec: {} }).expect(201)).body;
    expect(d.spec).toEqual({ attachRequired: true, podInfoOnMount: false, storageCapacity: false, fsGroupPolicy: 'ReadWriteOnceWithFSType', volumeLifecycleModes: ['Persistent'], requiresRepublish: false, seLinuxMount: false });
    const t = (await api().get(`${S}/csidrivers`).set('Accept', TABLE_ACCEPT).expect(200)).body;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'AttachRequired', 'PodInfoOnMount', 'StorageCapacity', 'TokenRequests', 'RequiresRepublish', 'Modes', 'Age']);
    expect(t.rows[0].cells.slice(0, 7)).toEqual(['hostpath.csi.k8s.io', true, false, false, '<unset>', false, 'Persistent']);
    const res = await api().patch(`${S}/csidrivers/hostpath.csi.k8s.io`).set('Content-Type', 'application/merge-patch+json').send({ spec: { attachRequired: false, fsGroupPolicy: 'Bogus' } }).expect(422);
    expect(causes(res)).toEqual([
      'spec.fsGroupPolicy: Unsupported value: "Bogus": supported values: "File", "None", "ReadWriteOnceWithFSType"',
      'spec.attachedRequired: Invalid value: false: field is immutable',
    ]);
    // fsGroupPolicy may change; the name is a DNS subdomain
    await api().patch(`${S}/csidrivers/hostpath.csi.k8s.io`).set('Content-Type', 'application/merge-patch+json').send({ spec: { fsGroupPolicy: 'File' } }).expect(200);
    const bad = await api().post(`${S}/csidrivers`).send({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: 'Bad_Name' }, spec: {} }).expect(422);
    expect(causes(bad)[0]).toMatch(/^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  });

  it('CSINode: drivers validated, printer counts them', async () => {
    let res = await api().post(`${S}/csinodes`).send({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-1' }, spec: { drivers: [{ name: 'a.csi', nodeID: '' }, { name: 'a.csi', nodeID: 'n' }] } }).expect(422);
    expect(causes(res)).toEqual(['spec.drivers[0].nodeID: Required value', 'spec.drivers[1].name: Duplicate value: "a.csi"']);
    const made = (await api().post(`${S}/csinodes`).send({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-1' }, spec: { drivers: [{ name: 'a.csi', nodeID: 'n1' }] } }).expect(201)).body;
    expect(made.spec).toEqual({ drivers: [{ name: 'a.csi', nodeID: 'n1', topologyKeys: null }] });
    const empty = (await api().post(`${S}/csinodes`).send({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-2' } }).expect(201)).body;
    expect(empty.spec).toEqual({ drivers: null });
    const t = (await api().get(`${S}/csinodes/node-1`).set('Accept', TABLE_ACCEPT).expect(200)).body;
    expect(t.rows[0].cells.slice(0, 2)).toEqual(['node-1', 1]);
  });

  it('VolumeAttachment: source rules, status only through the subresource, spec read-only', async () => {
    const va = (source: unknown) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'va-1' }, spec: { attacher: 'a.csi', nodeName: 'node-1', source }, status: { attached: true } });
    let res = await api().post(`${S}/volumeattachments`).send(va({})).expect(422);
    expect(causes(res)).toEqual(['spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName']);
    const made = (await api().post(`${S}/volumeattachments`).send(va({ persistentVolumeName: 'pv-1' })).expect(201)).body;
    expect(made.status).toEqual({ attached: false }); // what the client sent is dropped; attached has no omitempty
    await api().patch(`${S}/volumeattachments/va-1/status`).set('Content-Type', 'application/merge-patch+json').send({ status: { attached: true } }).expect(200);
    res = await api().patch(`${S}/volumeattachments/va-1`).set('Content-Type', 'application/merge-patch+json').send({ spec: { nodeName: 'node-2' } }).expect(422);
    expect(causes(res)[0]).toMatch(/^spec: Invalid value: storage\.VolumeAttachmentSpec\{Attacher:"a\.csi", .*NodeName:"node-2"\}: field is immutable$/);
    const t = (await api().get(`${S}/volumeattachments/va-1`).set('Accept', TABLE_ACCEPT).expect(200)).body;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Attacher', 'PV', 'Node', 'Attached', 'Age']);
    expect(t.rows[0].cells.slice(0, 5)).toEqual(['va-1', 'a.csi', 'pv-1', 'node-1', true]);
  });

  it('VolumeAttributesClass is not served at v1 by 1.33', async () => {
    await api().get(`${S}/volumeattributesclasses`).expect(404);
  });
});

describe('PodTemplate, ReplicationController, ComponentStatus', () => {
  const NS = '/api/v1/namespaces/default';
  const tpl = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx' }] } });
  it('PodTemplate: template defaulted and validated; printer', async () => {
    const made = (await api().post(`${NS}/podtemplates`).send({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'pt' }, template: tpl({ app: 'web' }) }).expect(201)).body;
    expect(made.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' });
    const res = await api().post(`${NS}/podtemplates`).send({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'pt2' }, template: { spec: { containers: [] } } }).expect(422);
    expect(causes(res)).toContain('template.spec.containers: Required value');
    const t = (await api().get(`${NS}/podtemplates/pt`).set('Accept', TABLE_ACCEPT).expect(200)).body;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Containers', 'Images', 'Pod Labels']);
    expect(t.rows[0].cells).toEqual(['pt', 'web', 'nginx', 'app=web']);
  });

  it('ReplicationController: selector and labels from the template, replicas 1, status kept, scale', async () => {
    const made = (await api().post(`${NS}/replicationcontrollers`).send({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc' }, spec: { template: tpl({ app: 'web' }) } }).expect(201)).body;
    expect(made.spec).toMatchObject({ replicas: 1, selector: { app: 'web' } });
    expect(made.metadata.labels).toEqual({ app: 'web' });
    expect(made.status).toEqual({ replicas: 0 });
    let res = await api().post(`${NS}/replicationcontrollers`).send({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc2' }, spec: { selector: { app: 'other' }, template: { ...tpl({ app: 'web' }), spec: { ...tpl({}).spec, restartPolicy: 'Never' } } } }).expect(422);
    expect(causes(res)).toEqual([
      'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`',
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]);
    res = await api().post(`${NS}/replicationcontrollers`).send({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc3' }, spec: { replicas: -1 } }).expect(422);
    expect(causes(res)).toEqual(['spec.selector: Required value', 'spec.replicas: Invalid value: -1: must be greater than or equal to 0', 'spec.template: Required value']);
    const scale = (await api().get(`${NS}/replicationcontrollers/rc/scale`).expect(200)).body;
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 }, status: { replicas: 0, selector: 'app=web' } });
    await api().patch(`${NS}/replicationcontrollers/rc/scale`).set('Content-Type', 'application/merge-patch+json').send({ spec: { replicas: 3 } }).expect(200);
    const t = (await api().get(`${NS}/replicationcontrollers/rc?includeObject=None`).set('Accept', TABLE_ACCEPT).expect(200)).body;
    expect(t.columnDefinitions.map((c: any) => [c.name, c.priority])).toEqual([
      ['Name', 0], ['Desired', 0], ['Current', 0], ['Ready', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
    ]);
    expect(t.rows[0].cells).toEqual(['rc', 3, 0, 0, expect.any(String), 'web', 'nginx', 'app=web']);
    res = await api().patch(`${NS}/replicationcontrollers/rc/status`).set('Content-Type', 'application/merge-patch+json').send({ status: { replicas: 1, readyReplicas: 2 } }).expect(422);
    expect(causes(res)).toEqual(['status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas']);
  });

  it('ComponentStatus: get and list only, healthy, with the deprecation warning', async () => {
    const list = await api().get('/api/v1/componentstatuses').expect(200);
    expect(list.headers.warning).toBe('299 - "v1 ComponentStatus is deprecated in v1.19+"');
    expect(list.body.items.map((c: any) => c.metadata.name).sort()).toEqual(['controller-manager', 'etcd-0', 'scheduler']);
    const one = (await api().get('/api/v1/componentstatuses/etcd-0').expect(200)).body;
    expect(one).toEqual({ kind: 'ComponentStatus', apiVersion: 'v1', metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] });
    await api().delete('/api/v1/componentstatuses/etcd-0').expect(405);
    await api().post('/api/v1/componentstatuses').send({ apiVersion: 'v1', kind: 'ComponentStatus', metadata: { name: 'x' } }).expect(405);
    const t = (await api().get('/api/v1/componentstatuses/scheduler').set('Accept', TABLE_ACCEPT).expect(200)).body;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Status', 'Message', 'Error']);
    expect(t.rows[0].cells).toEqual(['scheduler', 'Healthy', 'ok', '']);
  });
});

describe('VolumeAttributesClass at --emulated-version v1.34', () => {
  let emu34: KubeEmulator;
  const api34 = () => request(emu34.app.server);
  const VACS = '/apis/storage.k8s.io/v1/volumeattributesclasses';
  beforeAll(async () => {
    emu34 = await startBare({ emulatedVersion: 'v1.34.0' });
  });
  afterAll(async () => {
    await emu34.close();
  });

  it('is served, listed in discovery, validated and printed', async () => {
    const resources = (await api34().get('/apis/storage.k8s.io/v1').expect(200)).body.resources.map((r: any) => [r.name, r.shortNames]);
    expect(resources).toContainEqual(['volumeattributesclasses', ['vac']]);
    let res = await api34().post(VACS).send({ apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttributesClass', metadata: { name: 'gold' } }).expect(422);
    expect(causes(res)).toEqual(['driverName: Required value', 'parameters: Required value: must contain at least one key/value pair']);
    await api34().post(VACS).send({ apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttributesClass', metadata: { name: 'gold' }, driverName: 'pd.csi.storage.gke.io', parameters: { iops: '3000' } }).expect(201);
    res = await api34().patch(`${VACS}/gold`).set('Content-Type', 'application/merge-patch+json').send({ driverName: 'other.csi', parameters: { iops: '1' } }).expect(422);
    expect(causes(res)).toEqual(['driverName: Forbidden: updates to driverName are forbidden.', 'parameters: Forbidden: updates to parameters are forbidden.']);
    const t = (await api34().get(`${VACS}/gold`).set('Accept', TABLE_ACCEPT).expect(200)).body;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'DriverName', 'Age']);
    expect(t.rows[0].cells.slice(0, 2)).toEqual(['gold', 'pd.csi.storage.gke.io']);
  });
});
