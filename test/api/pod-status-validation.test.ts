// pods/status validation (ValidatePodStatusUpdate, pkg/apis/core/validation/validation.go) and the
// podIP/podIPs normalisation of a v1 write (pkg/apis/core/v1/conversion.go), with upstream's words.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { endpointsController } from '../../src/controllers/network/endpoints.js';
import { endpointSliceController } from '../../src/controllers/network/endpointslice.js';
import { startServer, testControllerOptions, untilSettled } from '../helpers/server.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
const api = () => request(emu.app.server);
const POD = '/api/v1/namespaces/default/pods';
const MERGE = 'application/merge-patch+json';
const BAD_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const ONE_PER_FAMILY = 'may specify no more than one IP for each IP family';

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions(), [endpointsController(), endpointSliceController()]);
  mgr.start(['*']);
  await api().post('/api/v1/nodes').send({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } }).expect(201);
});
afterAll(async () => {
  mgr.stop();
  await emu.close();
});

let seq = 0;
async function createPod(spec: Record<string, unknown> = {}, labels?: Record<string, string>): Promise<string> {
  const name = `p${++seq}`;
  await api()
    .post(POD)
    .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(labels ? { labels } : {}) }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }], ...spec } })
    .expect(201);
  return name;
}

const patchStatus = (name: string, status: unknown) =>
  api().patch(`${POD}/${name}/status`).set('Content-Type', MERGE).send(JSON.stringify({ status }));

/** Asserts a 422 Invalid with exactly these causes and upstream's aggregated message. */
async function expectInvalid(name: string, status: unknown, causes: { field: string; reason: string; message: string }[]) {
  const res = await patchStatus(name, status).expect(422);
  expect(res.body.reason).toBe('Invalid');
  expect(res.body.details).toMatchObject({ name, kind: 'Pod' });
  expect(res.body.details.causes).toEqual(causes);
  const each = causes.map((c) => `${c.field}: ${c.message}`);
  expect(res.body.message).toBe(`Pod "${name}" is invalid: ${each.length === 1 ? each[0] : `[${each.join(', ')}]`}`);
  return res;
}

describe('status.podIPs', () => {
  it('rejects an invalid IP in podIP and podIPs (the fuzz case)', async () => {
    const name = await createPod();
    await expectInvalid(name, { podIP: 'x', podIPs: [{ ip: 'x' }] }, [
      { field: 'status.podIPs[0]', reason: 'FieldValueInvalid', message: `Invalid value: "x": ${BAD_IP}` },
    ]);
    const live = await api().get(`${POD}/${name}`).expect(200);
    expect(live.body.status.podIP).toBeUndefined();
  });

  it('checks podIP alone through podIPs, which it defaults', async () => {
    const name = await createPod();
    await expectInvalid(name, { podIP: '10.0.0.256' }, [{ field: 'status.podIPs[0]', reason: 'FieldValueInvalid', message: `Invalid value: "10.0.0.256": ${BAD_IP}` }]);
    const ok = await patchStatus(name, { podIP: '10.0.0.7' }).expect(200);
    expect(ok.body.status).toMatchObject({ podIP: '10.0.0.7', podIPs: [{ ip: '10.0.0.7' }] });
  });

  it('takes podIP over a different podIPs[0], and podIP from podIPs[0]', async () => {
    const a = await createPod();
    const res = await patchStatus(a, { podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.2' }, { ip: 'fd00::2' }] }).expect(200);
    expect(res.body.status.podIP).toBe('10.0.0.1');
    expect(res.body.status.podIPs).toEqual([{ ip: '10.0.0.1' }]);
    const b = await createPod();
    const res2 = await patchStatus(b, { podIPs: [{ ip: 'fd00::3' }, { ip: '10.0.0.3' }] }).expect(200);
    expect(res2.body.status.podIP).toBe('fd00::3');
    expect(res2.body.status.podIPs).toEqual([{ ip: 'fd00::3' }, { ip: '10.0.0.3' }]);
  });

  it('accepts the sloppy forms upstream accepts (leading zeros)', async () => {
    const name = await createPod();
    await patchStatus(name, { podIP: '010.000.0.1' }).expect(200);
  });

  it('rejects two IPs of one family, and IPv4-mapped IPv6 counts as IPv4', async () => {
    const name = await createPod();
    await expectInvalid(name, { podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }] }, [
      { field: 'status.podIPs', reason: 'FieldValueInvalid', message: `Invalid value: []core.PodIP{core.PodIP{IP:"10.0.0.1"}, core.PodIP{IP:"10.0.0.2"}}: ${ONE_PER_FAMILY}` },
    ]);
    await expectInvalid(name, { podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }, { ip: '::ffff:10.0.0.2' }] }, [
      { field: 'status.podIPs', reason: 'FieldValueInvalid', message: `Invalid value: []core.PodIP{core.PodIP{IP:"10.0.0.1"}, core.PodIP{IP:"::ffff:10.0.0.2"}}: ${ONE_PER_FAMILY}` },
    ]);
  });

  it('rejects more than two, duplicates, and reports an unparsable entry as upstream does', async () => {
    const name = await createPod();
    await expectInvalid(name, { podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }, { ip: '10.0.0.2' }] }, [
      {
        field: 'status.podIPs',
        reason: 'FieldValueInvalid',
        message: `Invalid value: []core.PodIP{core.PodIP{IP:"10.0.0.1"}, core.PodIP{IP:"fd00::1"}, core.PodIP{IP:"10.0.0.2"}}: ${ONE_PER_FAMILY}`,
      },
    ]);
    await expectInvalid(name, { podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }, { ip: '10.0.0.1' }] }, [
      { field: 'status.podIPs', reason: 'FieldValueInvalid', message: `Invalid value: []core.PodIP{core.PodIP{IP:"10.0.0.1"}, core.PodIP{IP:"10.0.0.1"}}: ${ONE_PER_FAMILY}` },
      { field: 'status.podIPs[1]', reason: 'FieldValueDuplicate', message: 'Duplicate value: core.PodIP{IP:"10.0.0.1"}' },
    ]);
    await expectInvalid(name, { podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }, { ip: 'fe80::1%eth0' }] }, [
      { field: 'status.podIPs[1]', reason: 'FieldValueInvalid', message: `Invalid value: "fe80::1%eth0": ${BAD_IP}` },
      { field: 'status.podIPs', reason: 'InternalError', message: 'Internal error: failed to check for dual stack with error:invalid IP[1]: fe80::1%eth0' },
      { field: 'status.podIPs', reason: 'FieldValueInvalid', message: `Invalid value: []core.PodIP{core.PodIP{IP:"10.0.0.1"}, core.PodIP{IP:"fe80::1%eth0"}}: ${ONE_PER_FAMILY}` },
    ]);
  });
});

describe('status.hostIPs', () => {
  it('must start with hostIP and hold valid IPs, one per family', async () => {
    const name = await createPod();
    await expectInvalid(name, { hostIP: '10.1.0.1', hostIPs: [{ ip: '10.1.0.2' }] }, [
      { field: 'status.hostIPs[0].ip', reason: 'FieldValueInvalid', message: 'Invalid value: "10.1.0.2": must be equal to `hostIP`' },
    ]);
    await expectInvalid(name, { hostIP: 'h', hostIPs: [{ ip: 'h' }] }, [{ field: 'status.hostIPs[0]', reason: 'FieldValueInvalid', message: `Invalid value: "h": ${BAD_IP}` }]);
    await expectInvalid(name, { hostIP: '10.1.0.1', hostIPs: [{ ip: '10.1.0.1' }, { ip: '10.1.0.1' }] }, [
      { field: 'status.hostIPs[1]', reason: 'FieldValueDuplicate', message: 'Duplicate value: core.HostIP{IP:"10.1.0.1"}' },
      { field: 'status.hostIPs', reason: 'FieldValueInvalid', message: `Invalid value: []core.HostIP{core.HostIP{IP:"10.1.0.1"}, core.HostIP{IP:"10.1.0.1"}}: ${ONE_PER_FAMILY}` },
    ]);
    const ok = await patchStatus(name, { hostIP: '10.1.0.1', hostIPs: [{ ip: '10.1.0.1' }, { ip: 'fd01::1' }] }).expect(200);
    expect(ok.body.status.hostIPs).toEqual([{ ip: '10.1.0.1' }, { ip: 'fd01::1' }]);
  });
});

describe('other status rules', () => {
  it('nominatedNodeName must be a node name; qosClass is immutable; custom condition types are qualified names', async () => {
    const name = await createPod();
    await expectInvalid(name, { nominatedNodeName: 'Node_1' }, [
      {
        field: 'status.nominatedNodeName',
        reason: 'FieldValueInvalid',
        message:
          "Invalid value: \"Node_1\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      },
    ]);
    await patchStatus(name, { nominatedNodeName: 'node-2' }).expect(200);
    await expectInvalid(name, { qosClass: 'Guaranteed' }, [{ field: 'status.qosClass', reason: 'FieldValueInvalid', message: 'Invalid value: "Guaranteed": field is immutable' }]);
    await expectInvalid(name, { conditions: [{ type: 'bad type', status: 'True' }] }, [
      {
        field: 'metadata.conditions[0].Type',
        reason: 'FieldValueInvalid',
        message:
          "Invalid value: \"bad type\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      },
    ]);
    await patchStatus(name, { conditions: [{ type: 'example.com/Gate', status: 'True' }] }).expect(200);
  });

  const terminated = (exitCode: number) => [{ name: 'c', ready: false, restartCount: 0, image: 'nginx', imageID: '', state: { terminated: { exitCode, reason: exitCode ? 'Error' : 'Completed' } } }];
  const running = [{ name: 'c', ready: true, restartCount: 1, image: 'nginx', imageID: '', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }];

  it('a terminated container of a pod that does not restart stays terminated', async () => {
    const never = await createPod({ restartPolicy: 'Never' });
    await patchStatus(never, { containerStatuses: terminated(1) }).expect(200);
    await expectInvalid(never, { containerStatuses: running }, [
      { field: 'status.containerStatuses[0].state', reason: 'FieldValueForbidden', message: 'Forbidden: may not be transitioned to non-terminated state' },
    ]);
    const onFailure = await createPod({ restartPolicy: 'OnFailure' });
    await patchStatus(onFailure, { containerStatuses: terminated(0) }).expect(200);
    await expectInvalid(onFailure, { containerStatuses: running }, [
      { field: 'status.containerStatuses[0].state', reason: 'FieldValueForbidden', message: 'Forbidden: may not be transitioned to non-terminated state' },
    ]);
    const failed = await createPod({ restartPolicy: 'OnFailure' });
    await patchStatus(failed, { containerStatuses: terminated(2) }).expect(200);
    await patchStatus(failed, { containerStatuses: running }).expect(200);
    const always = await createPod();
    await patchStatus(always, { containerStatuses: terminated(0) }).expect(200);
    await patchStatus(always, { containerStatuses: running }).expect(200);
  });

  it('init containers: a sidecar (restartPolicy Always) may restart, a plain init container may not', async () => {
    const name = await createPod({
      restartPolicy: 'Never',
      initContainers: [
        { name: 'init', image: 'busybox' },
        { name: 'side', image: 'busybox', restartPolicy: 'Always' },
      ],
    });
    const st = (state: object) => [
      { name: 'init', ready: false, restartCount: 0, image: 'busybox', imageID: '', state },
      { name: 'side', ready: false, restartCount: 0, image: 'busybox', imageID: '', state },
    ];
    await patchStatus(name, { initContainerStatuses: st({ terminated: { exitCode: 0 } }) }).expect(200);
    await expectInvalid(name, { initContainerStatuses: st({ running: {} }) }, [
      { field: 'status.initContainerStatuses[0].state', reason: 'FieldValueForbidden', message: 'Forbidden: may not be transitioned to non-terminated state' },
    ]);
  });
});

describe('the endpoints controllers after a rejected pod IP', () => {
  it('stay healthy: the bad patch answers 422, the Endpoints keep the valid address and follow a valid change', async () => {
    const name = await createPod({}, { app: 'web' });
    await api()
      .post('/api/v1/namespaces/default/services')
      .send({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } })
      .expect(201);
    const ready = [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }];
    await patchStatus(name, { phase: 'Running', podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.9' }], conditions: ready }).expect(200);
    const epIPs = async () => {
      const res = await api().get('/api/v1/namespaces/default/endpoints/web');
      return res.status === 200 ? (res.body.subsets ?? []).flatMap((s: any) => (s.addresses ?? []).map((a: any) => a.ip)) : [];
    };
    const sliceIPs = async () => {
      const res = await api().get('/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb').expect(200);
      return res.body.items.flatMap((s: any) => (s.endpoints ?? []).flatMap((e: any) => e.addresses));
    };
    const poll = async (want: string) => {
      for (let i = 0; i < 200; i++) {
        await mgr.settled();
        if ((await epIPs()).includes(want) && (await sliceIPs()).includes(want)) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`endpoints never showed ${want}`);
    };
    await poll('10.244.0.9');

    await patchStatus(name, { podIP: 'x', podIPs: [{ ip: 'x' }] }).expect(422);
    await untilSettled(mgr, () => true, 2000);
    expect(await epIPs()).toEqual(['10.244.0.9']);

    await patchStatus(name, { podIP: '10.244.0.10', podIPs: [{ ip: '10.244.0.10' }] }).expect(200);
    await poll('10.244.0.10');
    expect(await epIPs()).toEqual(['10.244.0.10']);

    // a form pods/status accepts (with leading zeros) is one Endpoints and EndpointSlices accept too
    await patchStatus(name, { podIP: '010.244.0.11', podIPs: [{ ip: '010.244.0.11' }] }).expect(200);
    await poll('010.244.0.11');
    expect(await epIPs()).toEqual(['010.244.0.11']);
  });
});

describe('container status users and allocated resources', () => {
  it('checks user ids (upstream reports them under .linux), windows pods, and allocatedResourcesStatus', async () => {
    const name = await createPod({ containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '1' } } }] });
    const cs = (extra: object) => [{ name: 'c', ready: false, restartCount: 0, image: 'nginx', imageID: '', state: { waiting: {} }, ...extra }];
    await expectInvalid(name, { containerStatuses: cs({ user: { linux: { uid: -1, gid: 0 } } }) }, [
      { field: 'status.containerStatuses[0].linux.uid', reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be between 0 and 2147483647, inclusive' },
    ]);
    await expectInvalid(
      name,
      { containerStatuses: cs({ allocatedResourcesStatus: [{ name: 'example.com/gpu', resources: [{ resourceID: 'a', health: 'Fine' }, { resourceID: 'a', health: 'Healthy' }] }] }) },
      [
        { field: 'status.containerStatuses[0].allocatedResourcesStatus[0].name', reason: 'FieldValueInvalid', message: 'Invalid value: "example.com/gpu": must match one of the container\'s resource requests' },
        {
          field: 'status.containerStatuses[0].allocatedResourcesStatus[0].resources[0].health',
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "Fine": supported values: "Healthy", "Unhealthy", "Unknown"',
        },
        { field: 'status.containerStatuses[0].allocatedResourcesStatus[0].resources[1].resourceID', reason: 'FieldValueDuplicate', message: 'Duplicate value: "a"' },
      ],
    );
    await patchStatus(name, { containerStatuses: cs({ user: { linux: { uid: 1000, gid: 1000 } }, allocatedResourcesStatus: [{ name: 'cpu', resources: [{ resourceID: 'a', health: 'Healthy' }] }] }) }).expect(200);
    const win = await createPod({ os: { name: 'windows' } });
    await expectInvalid(win, { containerStatuses: cs({ user: { linux: { uid: 0, gid: 0 } } }) }, [
      { field: 'status.containerStatuses[0].linux', reason: 'FieldValueForbidden', message: 'Forbidden: cannot be set for a windows pod' },
    ]);
  });
});

describe('metadata through pods/status', () => {
  it('may change labels and annotations (podStatusStrategy keeps only spec, ownerReferences and deletionTimestamp)', async () => {
    const name = await createPod({}, { app: 'a' });
    const owner = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: '00000000-0000-0000-0000-000000000001' }];
    const res = await api()
      .patch(`${POD}/${name}/status`)
      .set('Content-Type', MERGE)
      .send(JSON.stringify({ metadata: { labels: { app: 'b' }, annotations: { note: 'x' }, ownerReferences: owner }, spec: { nodeName: 'elsewhere' }, status: { phase: 'Running' } }))
      .expect(200);
    expect(res.body.metadata.labels).toEqual({ app: 'b' });
    expect(res.body.metadata.annotations).toEqual({ note: 'x' });
    expect(res.body.metadata.ownerReferences).toBeUndefined();
    expect(res.body.spec.nodeName).toBe('node-1');
    expect(res.body.status.phase).toBe('Running');
  });

  it('runs the pod annotation rules and the object-meta rules', async () => {
    const name = await createPod();
    const patchMeta = (metadata: object) => api().patch(`${POD}/${name}/status`).set('Content-Type', MERGE).send(JSON.stringify({ metadata }));
    const res = await patchMeta({ annotations: { 'kubernetes.io/config.mirror': 'x' } }).expect(422);
    expect(res.body.details.causes).toEqual([
      { field: 'metadata.annotations[kubernetes.io/config.mirror]', reason: 'FieldValueForbidden', message: 'Forbidden: may not add mirror pod annotation' },
    ]);
    const cost = await patchMeta({ annotations: { 'controller.kubernetes.io/pod-deletion-cost': '+1' } }).expect(422);
    expect(cost.body.details.causes).toEqual([
      { field: 'metadata.annotations[controller.kubernetes.io/pod-deletion-cost]', reason: 'FieldValueInvalid', message: 'Invalid value: "+1": must be a 32bit integer' },
    ]);
    await patchMeta({ annotations: { 'controller.kubernetes.io/pod-deletion-cost': '-5' } }).expect(200);
    const lbl = await patchMeta({ labels: { 'a b': 'c' } }).expect(422);
    expect(lbl.body.details.causes[0]).toMatchObject({ field: 'metadata.labels', reason: 'FieldValueInvalid' });
    expect(lbl.body.details.causes[0].message).toMatch(/^Invalid value: "a b": name part must consist of alphanumeric characters/);
  });
});

describe('nodes/status addresses', () => {
  it('rejects a duplicate address but, as upstream, not a malformed one', async () => {
    await api().post('/api/v1/nodes').send({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-addr' } }).expect(201);
    const patch = (addresses: object[]) =>
      api().patch('/api/v1/nodes/node-addr/status').set('Content-Type', MERGE).send(JSON.stringify({ status: { addresses } }));
    await patch([{ type: 'InternalIP', address: 'not-an-ip' }]).expect(200);
    const res = await patch([
      { type: 'InternalIP', address: '10.0.0.5' },
      { type: 'InternalIP', address: '10.0.0.5' },
    ]).expect(422);
    expect(res.body.details.causes).toEqual([
      { field: 'status.addresses[1]', reason: 'FieldValueDuplicate', message: 'Duplicate value: core.NodeAddress{Type:"InternalIP", Address:"10.0.0.5"}' },
    ]);
  });
});
