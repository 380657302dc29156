import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startCluster, until, podManifest, eventsFor, type Cluster } from './controllers-node-helpers.js';
import { nodesController } from '../../src/controllers/nodes.js';
import { schedulerController } from '../../src/controllers/scheduler.js';
import { nodeAgentController, parseDuration, goDuration, normalizeImage, imageID, crashBackOffMs } from '../../src/controllers/nodeagent/index.js';
import { summarizePod } from '../../src/printers/pods.js';
import type { KObject } from '../../src/resources/types.js';

let c: Cluster;
beforeAll(async () => {
  c = await startCluster([nodesController(), schedulerController(), nodeAgentController()]);
});
afterAll(async () => c?.close());

const pods = () => c.emu.registry.mustDef('', 'pods');
const get = (name: string) => c.emu.registry.tryGet(pods(), 'default', name);
const create = (m: KObject) => c.emu.registry.create(pods(), 'default', m).object;
const cells = (name: string) => summarizePod(get(name)!, Date.now());

describe('user controls', () => {
  it('crash-loop: restarts with CrashLoopBackOff, lastState Error and a growing restartCount', async () => {
    const seen = new Set<string>();
    const unsub = c.emu.registry.store.subscribe((ch) => {
      if (ch.entry.resource === 'core/pods' && ch.entry.name === 'crash') seen.add(summarizePod(JSON.parse(ch.entry.json), Date.now()).status);
    });
    create(podManifest('crash', { annotations: { 'kube-emulator.io/crash-loop': 'true' } }));
    const p = await until(() => (get('crash')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2 && get('crash'), 5000);
    unsub();
    expect(seen.has('CrashLoopBackOff')).toBe(true);
    expect(seen.has('Error')).toBe(true);
    expect(p.status.phase).toBe('Running');
    const cs = p.status.containerStatuses[0];
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    const backOff = eventsFor(c.emu, 'crash').find((e) => e.reason === 'BackOff');
    expect(backOff?.type).toBe('Warning');
    expect(backOff?.message).toBe(`Back-off restarting failed container c in pod crash_default(${p.metadata.uid})`);
    expect(cells('crash').restarts).toMatch(/^\d+ \(\d+[sm] ago\)$|^\d+$/);
  });

  it('fail with restartPolicy Never: the pod Fails (Error)', async () => {
    create(podManifest('fail', { annotations: { 'kube-emulator.io/fail': 'true' }, spec: { restartPolicy: 'Never' } }));
    const p = await until(() => get('fail')?.status?.phase === 'Failed' && get('fail'));
    expect(p.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(p.status.containerStatuses[0].restartCount).toBe(0);
    expect(cells('fail').status).toBe('Error');
    expect(p.status.conditions.find((x: KObject) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
  });

  it('fail with restartPolicy Always: CrashLoopBackOff', async () => {
    create(podManifest('failalways', { annotations: { 'kube-emulator.io/fail': 'true' } }));
    await until(() => get('failalways')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
    expect(get('failalways')!.status.phase).toBe('Running');
  });

  it('complete-after: containers exit 0 and the pod Succeeds (Completed), its IP is released', async () => {
    create(podManifest('job', { annotations: { 'kube-emulator.io/complete-after': '50ms' }, spec: { restartPolicy: 'OnFailure' } }));
    const p = await until(() => get('job')?.status?.phase === 'Succeeded' && get('job'));
    expect(p.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(cells('job')).toMatchObject({ status: 'Completed', ready: '0/1' });
    const byType = Object.fromEntries(p.status.conditions.map((x: KObject) => [x.type, `${x.status}/${x.reason ?? ''}`]));
    expect(byType).toMatchObject({ PodReadyToStartContainers: 'False/', Initialized: 'True/PodCompleted', Ready: 'False/PodCompleted', ContainersReady: 'False/PodCompleted' });
    // a terminal pod is removed at once on delete (grace 0)
    const r = c.emu.registry.delete(pods(), 'default', 'job', {});
    expect(r.deleted).toBe(true);
  });

  it('start-delay keeps the pod in ContainerCreating', async () => {
    create(podManifest('slow', { annotations: { 'kube-emulator.io/start-delay': '300ms' } }));
    await until(() => get('slow')?.status?.podIP);
    expect(cells('slow').status).toBe('ContainerCreating');
    const t = Date.now();
    await until(() => get('slow')?.status?.phase === 'Running', 3000);
    expect(Date.now() - t).toBeGreaterThan(150);
  });

  it('deleting a pod that never started removes it', async () => {
    create(podManifest('early', { annotations: { 'kube-emulator.io/start-delay': '10s' } }));
    await until(() => get('early')?.status?.podIP);
    c.emu.registry.delete(pods(), 'default', 'early', {});
    await until(() => !get('early'));
  });

  it('ignores pods bound to nodes that are not ours', async () => {
    create(podManifest('elsewhere', { spec: { nodeName: 'some-other-node' } }));
    await c.mgr.settled();
    expect(get('elsewhere')!.status.startTime).toBeUndefined();
  });
});

describe('runtime helpers', () => {
  it('parses and prints durations', () => {
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('1m30s')).toBe(90000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('3')).toBe(3000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(goDuration(850)).toBe('850ms');
    expect(goDuration(1500)).toBe('1.5s');
    expect(goDuration(300000)).toBe('5m0s');
    expect(goDuration(80000)).toBe('1m20s');
  });
  it('normalizes images like containerd', () => {
    expect(normalizeImage('nginx')).toBe('docker.io/library/nginx:latest');
    expect(normalizeImage('bitnami/redis:7')).toBe('docker.io/bitnami/redis:7');
    expect(normalizeImage('registry.k8s.io/pause:3.9')).toBe('registry.k8s.io/pause:3.9');
    expect(normalizeImage('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(imageID('nginx:1.27')).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(imageID('nginx:1.27')).toBe(imageID('docker.io/library/nginx:1.27'));
  });
  it('backs off like the kubelet', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(crashBackOffMs)).toEqual([10000, 20000, 40000, 80000, 160000, 300000, 300000]);
  });
});
