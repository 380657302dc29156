import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startCluster, until, podManifest, eventsFor, type Cluster } from './controllers-node-helpers.js';
import { nodesController } from '../../src/controllers/nodes.js';
import { schedulerController } from '../../src/controllers/scheduler.js';
import { nodeAgentController } from '../../src/controllers/nodeagent/index.js';
import { serviceAccountController } from '../../src/controllers/serviceaccount.js';
import { summarizePod } from '../../src/printers/pods.js';
import type { KObject } from '../../src/resources/types.js';

let c: Cluster;
beforeAll(async () => {
  // with the ServiceAccount controller (and so the admission plugin): pods carry the projected kube-api-access volume
  c = await startCluster([nodesController(), schedulerController(), nodeAgentController(), serviceAccountController()]);
});
afterAll(async () => c?.close());

const pods = () => c.emu.registry.mustDef('', 'pods');
const get = (name: string, ns = 'default') => c.emu.registry.tryGet(pods(), ns, name);
const create = (m: KObject, ns = 'default') => c.emu.registry.create(pods(), ns, m).object;

describe('node agent (fast profile)', () => {
  it('takes a pod from Pending through ContainerCreating to Running with kubelet fields', async () => {
    const seen: string[] = [];
    const unsub = c.emu.registry.store.subscribe((ch) => {
      if (ch.entry.resource !== 'core/pods' || ch.entry.name !== 'web') return;
      const s = summarizePod(JSON.parse(ch.entry.json), Date.now());
      const cell = `${s.ready} ${s.status}`;
      if (seen[seen.length - 1] !== cell) seen.push(cell);
    });
    create(podManifest('web'));
    const pod = await until(() => get('web')?.status?.conditions?.find((x: KObject) => x.type === 'Ready' && x.status === 'True') && get('web'));
    unsub();
    expect(seen).toContain('0/1 ContainerCreating');
    expect(seen[seen.length - 1]).toBe('1/1 Running');
    expect(seen.indexOf('0/1 ContainerCreating')).toBeLessThan(seen.indexOf('1/1 Running'));
    const st = pod.status;
    expect(pod.spec.nodeName).toBe('kube-emulator-node');
    expect(st.phase).toBe('Running');
    expect(st.hostIP).toBe('172.18.0.2');
    expect(st.hostIPs).toEqual([{ ip: '172.18.0.2' }]);
    expect(st.podIP).toMatch(/^10\.244\.0\.\d+$/);
    expect(st.podIPs).toEqual([{ ip: st.podIP }]);
    expect(st.startTime).toMatch(/Z$/);
    expect(st.qosClass).toBe('BestEffort');
    expect(st.conditions.map((x: KObject) => `${x.type}=${x.status}`)).toEqual([
      'PodReadyToStartContainers=True',
      'Initialized=True',
      'Ready=True',
      'ContainersReady=True',
      'PodScheduled=True',
    ]);
    for (const cond of st.conditions) {
      expect(cond.lastProbeTime).toBeNull();
      expect(cond.lastTransitionTime).toMatch(/Z$/);
    }
    const cs = st.containerStatuses[0];
    expect(cs).toMatchObject({ name: 'c', ready: true, started: true, restartCount: 0, image: 'docker.io/library/nginx:1.27', lastState: {} });
    expect(cs.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(cs.imageID).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(cs.state.running.startedAt).toMatch(/Z$/);
    expect(cs.volumeMounts?.[0]).toMatchObject({ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true, recursiveReadOnly: 'Disabled' });

    const evs = eventsFor(c.emu, 'web');
    const byReason = (r: string) => evs.find((e) => e.reason === r);
    expect(byReason('Scheduled')).toMatchObject({ type: 'Normal', message: 'Successfully assigned default/web to kube-emulator-node', source: { component: 'default-scheduler' } });
    expect(byReason('Pulling')).toMatchObject({ message: 'Pulling image "nginx:1.27"', source: { component: 'kubelet', host: 'kube-emulator-node' } });
    expect(byReason('Pulling')!.involvedObject.fieldPath).toBe('spec.containers{c}');
    expect(byReason('Pulled')!.message).toMatch(/^Successfully pulled image "nginx:1\.27" in [0-9.]+m?s \([0-9.]+m?s including waiting\)\. Image size: \d+ bytes\.$/);
    expect(byReason('Created')!.message).toBe('Created container: c');
    expect(byReason('Started')!.message).toBe('Started container c');
  });

  it('reports the image as present for the second pod on the node', async () => {
    create(podManifest('web2'));
    await until(() => get('web2')?.status?.phase === 'Running');
    const pulled = eventsFor(c.emu, 'web2').find((e) => e.reason === 'Pulled');
    expect(pulled?.message).toBe('Container image "nginx:1.27" already present on machine');
  });

  it('gives every pod a unique IP in the node CIDR', async () => {
    for (let i = 0; i < 5; i++) create(podManifest(`ip-${i}`));
    const ips = await until(() => {
      const all = [0, 1, 2, 3, 4].map((i) => get(`ip-${i}`)?.status?.podIP);
      return all.every(Boolean) && all;
    });
    const everyone = c.emu.registry.list(pods(), undefined).items.map((p: KObject) => p.status?.podIP).filter(Boolean);
    expect(new Set(everyone).size).toBe(everyone.length);
    for (const ip of ips) expect(ip).toMatch(/^10\.244\.0\.([2-9]|[1-9]\d|1\d\d|2[0-4]\d|25[0-4])$/);
  });

  it('deletes gracefully: Terminating, containers stopped, then the kubelet removes the pod', async () => {
    create(podManifest('bye'));
    await until(() => get('bye')?.status?.phase === 'Running');
    const ip = get('bye')!.status.podIP;
    const phases: string[] = [];
    const unsub = c.emu.registry.store.subscribe((ch) => {
      if (ch.entry.resource !== 'core/pods' || ch.entry.name !== 'bye') return;
      const p = JSON.parse(ch.entry.json);
      phases.push(`${ch.type}:${p.metadata.deletionTimestamp ? 'deleting' : ''}:${p.status.phase}`);
    });
    const r = c.emu.registry.delete(pods(), 'default', 'bye', {});
    expect(r.deleted).toBe(false);
    expect(summarizePod(r.object, Date.now()).status).toBe('Terminating');
    await until(() => !get('bye'));
    unsub();
    expect(phases[0]).toBe('MODIFIED:deleting:Running');
    expect(phases).toContain('MODIFIED:deleting:Succeeded');
    expect(phases[phases.length - 1]).toBe('DELETED:deleting:Succeeded');
    expect(eventsFor(c.emu, 'bye').find((e) => e.reason === 'Killing')?.message).toBe('Stopping container c');
    // the IP is free again
    expect(ip).toMatch(/^10\.244\.0\./);
  });

  it('runs init containers first (Init:0/1) and then the app containers', async () => {
    const seen: string[] = [];
    const unsub = c.emu.registry.store.subscribe((ch) => {
      if (ch.entry.resource !== 'core/pods' || ch.entry.name !== 'init') return;
      const s = summarizePod(JSON.parse(ch.entry.json), Date.now()).status;
      if (seen[seen.length - 1] !== s) seen.push(s);
    });
    create(podManifest('init', { spec: { initContainers: [{ name: 'setup', image: 'busybox:1.36' }] } }));
    const pod = await until(() => get('init')?.status?.phase === 'Running' && get('init'));
    unsub();
    expect(seen).toContain('Init:0/1');
    expect(seen).toContain('PodInitializing');
    expect(seen[seen.length - 1]).toBe('Running');
    expect(pod.status.initContainerStatuses[0]).toMatchObject({ name: 'setup', ready: true, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
  });

  it('waits for the readiness probe delay and honours never-ready', async () => {
    create(podManifest('probe', { spec: { containers: [{ name: 'c', image: 'nginx:1.27', readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 5 } }] } }));
    await until(() => get('probe')?.status?.containerStatuses?.[0]?.ready === true);
    create(podManifest('never', { annotations: { 'kube-emulator.io/never-ready': 'true' } }));
    const p = await until(() => get('never')?.status?.phase === 'Running' && get('never'));
    await c.mgr.settled();
    expect(get('never')!.status.containerStatuses[0].ready).toBe(false);
    expect(summarizePod(p, Date.now()).ready).toBe('0/1');
    const ready = get('never')!.status.conditions.find((x: KObject) => x.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [c]' });
  });
});
