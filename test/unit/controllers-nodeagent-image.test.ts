// The node agent on a changed container image (the kubelet kills and restarts the container) and
// on failing image pulls (ErrImagePull / ImagePullBackOff, kube-emulator.io/image-pull-error).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startCluster, until, podManifest, eventsFor, type Cluster } from './controllers-node-helpers.js';
import { nodesController } from '../../src/controllers/nodes.js';
import { schedulerController } from '../../src/controllers/scheduler.js';
import { nodeAgentController } from '../../src/controllers/nodeagent/index.js';
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
const setImage = (name: string, image: string) =>
  c.emu.registry.modify(pods(), 'default', name, (live) => {
    live.spec.containers[0].image = image;
  });
const setAnnotation = (name: string, key: string, value: string | undefined) =>
  c.emu.registry.modify(pods(), 'default', name, (live) => {
    live.metadata.annotations = { ...(live.metadata.annotations ?? {}) };
    if (value === undefined) delete live.metadata.annotations[key];
    else live.metadata.annotations[key] = value;
  });
const running = (name: string) => get(name)?.status?.containerStatuses?.[0]?.state?.running && get(name)?.status?.containerStatuses?.[0]?.ready && get(name);
const ready = (p: KObject) => p.status.conditions.find((x: KObject) => x.type === 'Ready')?.status;
/** every status the pod goes through, as `<state>/<ready>/<restartCount>` of its first container */
function record(name: string): { seen: string[]; stop: () => void } {
  const seen: string[] = [];
  const stop = c.emu.registry.store.subscribe((ch) => {
    if (ch.entry.resource !== 'core/pods' || ch.entry.name !== name) return;
    const cs = JSON.parse(ch.entry.json).status?.containerStatuses?.[0];
    if (!cs) return;
    const state = Object.keys(cs.state ?? {})[0];
    const reason = cs.state?.[state]?.reason;
    const s = `${state}${reason ? `:${reason}` : ''}/${cs.ready}/${cs.restartCount}`;
    if (seen[seen.length - 1] !== s) seen.push(s);
  });
  return { seen, stop };
}

describe('a changed container image', () => {
  it('kills the container and starts it again with the new image (restartCount 1, new container and image ids)', async () => {
    create(podManifest('img'));
    const before = (await until(() => running('img'))).status.containerStatuses[0];
    expect(before.image).toBe('docker.io/library/nginx:1.27');
    const rec = record('img');
    setImage('img', 'nginx:1.26');
    const p = await until(() => get('img')?.status?.containerStatuses?.[0]?.restartCount === 1 && running('img'));
    rec.stop();
    const cs = p.status.containerStatuses[0];
    expect(cs.image).toBe('docker.io/library/nginx:1.26');
    expect(cs.imageID).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(cs.imageID).not.toBe(before.imageID);
    expect(cs.containerID).not.toBe(before.containerID);
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 0, reason: 'Completed', containerID: before.containerID, startedAt: before.state.running.startedAt });
    expect(cs.state.running.startedAt >= cs.lastState.terminated.finishedAt).toBe(true);
    // not ready while the old one is gone and the new one not started
    expect(rec.seen).toEqual(['running/true/0', 'terminated:Completed/false/0', 'running/true/1']);
    expect(p.status.phase).toBe('Running');
    expect(ready(p)).toBe('True');
    expect(summarizePod(p, Date.now()).restarts).toMatch(/^1 \(\d+m?s ago\)$/);
    const evs = eventsFor(c.emu, 'img').map((e) => `${e.reason}|${e.message}|${e.source?.component}|${e.source?.host}|${e.involvedObject?.fieldPath}`);
    const node = p.spec.nodeName;
    const after = evs.slice(evs.findIndex((e) => e.startsWith('Killing|')));
    expect(after[0]).toBe(`Killing|Container c definition changed, will be restarted|kubelet|${node}|spec.containers{c}`);
    expect(after.slice(1).map((e) => e.split('|')[0])).toEqual(['Pulling', 'Pulled']);
    expect(after[1]).toContain('Pulling image "nginx:1.26"');
    // the same Created/Started messages again: aggregated into the first events (count 2)
    const counts = Object.fromEntries(eventsFor(c.emu, 'img').map((e) => [e.reason, e.count]));
    expect(counts).toMatchObject({ Created: 2, Started: 2, Killing: 1 });
  });

  it('restarts the container whatever the restart policy', async () => {
    create(podManifest('imgnever', { spec: { restartPolicy: 'Never' } }));
    await until(() => running('imgnever'));
    const rec = record('imgnever');
    setImage('imgnever', 'nginx:1.25');
    const p = await until(() => get('imgnever')?.status?.containerStatuses?.[0]?.restartCount === 1 && running('imgnever'));
    rec.stop();
    // a terminated container of a Never pod may not run again: no terminated status in between
    expect(rec.seen).toEqual(['running/true/0', 'running/true/1']);
    expect(p.status.containerStatuses[0].lastState.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(p.status.containerStatuses[0].image).toBe('docker.io/library/nginx:1.25');
    expect(p.status.phase).toBe('Running');
  });

  it('leaves a container alone while its image is unchanged', async () => {
    create(podManifest('same'));
    await until(() => running('same'));
    setAnnotation('same', 'x', 'y');
    await new Promise((r) => setTimeout(r, 100));
    expect(get('same')!.status.containerStatuses[0].restartCount).toBe(0);
    expect(eventsFor(c.emu, 'same').some((e) => e.reason === 'Killing')).toBe(false);
  });
});

describe('image pull failures (kube-emulator.io/image-pull-error)', () => {
  it('ErrImagePull, then ImagePullBackOff and back, Pending and not ready; a good image recovers', async () => {
    const rec = record('bad');
    create({ ...podManifest('bad', { annotations: { 'kube-emulator.io/image-pull-error': 'nginx:bad' } }), spec: { containers: [{ name: 'c', image: 'nginx:bad' }] } });
    const errPull = await until(() => get('bad')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull' && get('bad'));
    const ref = 'docker.io/library/nginx:bad';
    const err = `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;
    expect(errPull.status.containerStatuses[0]).toMatchObject({ image: 'nginx:bad', imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull', message: err } } });
    expect(errPull.status.containerStatuses[0].containerID).toBeUndefined();
    expect(summarizePod(errPull, Date.now()).status).toBe('ErrImagePull');
    // alternates: ErrImagePull -> ImagePullBackOff -> ErrImagePull (fast profile: 100 ms back-off)
    await until(() => rec.seen.filter((s) => s.startsWith('waiting:ErrImagePull')).length >= 2 && rec.seen.some((s) => s.startsWith('waiting:ImagePullBackOff')), 5000);
    const backing = await until(() => get('bad')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' && get('bad'));
    expect(backing.status.containerStatuses[0].state.waiting.message).toBe(`Back-off pulling image "nginx:bad": ErrImagePull: ${err}`);
    expect(backing.status.phase).toBe('Pending');
    expect(ready(backing)).toBe('False');
    expect(summarizePod(backing, Date.now()).status).toBe('ImagePullBackOff');
    const evs = eventsFor(c.emu, 'bad');
    const msg = (reason: string) => evs.filter((e) => e.reason === reason).map((e) => `${e.type}|${e.message}`);
    expect(msg('Failed')).toEqual(expect.arrayContaining([`Warning|Failed to pull image "nginx:bad": ${err}`, 'Warning|Error: ErrImagePull', 'Warning|Error: ImagePullBackOff']));
    expect(msg('BackOff')).toContain('Normal|Back-off pulling image "nginx:bad"');
    expect(msg('Pulling')[0]).toBe('Normal|Pulling image "nginx:bad"');
    expect(evs.every((e) => e.source?.component === 'kubelet' && e.involvedObject?.fieldPath === 'spec.containers{c}' || e.reason === 'Scheduled')).toBe(true);

    setImage('bad', 'nginx:1.27');
    const p = await until(() => running('bad'));
    rec.stop();
    expect(p.status.containerStatuses[0]).toMatchObject({ image: 'docker.io/library/nginx:1.27', restartCount: 0, ready: true });
    expect(p.status.phase).toBe('Running');
  });

  it('"true" fails every image; removing the annotation lets the next pull succeed', async () => {
    create(podManifest('allbad', { annotations: { 'kube-emulator.io/image-pull-error': 'true' } }));
    await until(() => get('allbad')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff');
    setAnnotation('allbad', 'kube-emulator.io/image-pull-error', undefined);
    const p = await until(() => running('allbad'), 5000);
    expect(p.status.containerStatuses[0].image).toBe('docker.io/library/nginx:1.27');
  });

  it('set image to a failing one on a running pod: the old container stops, the new one cannot be pulled', async () => {
    create(podManifest('tobad', { annotations: { 'kube-emulator.io/image-pull-error': 'nginx:nope' } }));
    const before = (await until(() => running('tobad'))).status.containerStatuses[0];
    setImage('tobad', 'nginx:nope');
    const p = await until(() => get('tobad')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' && get('tobad'));
    const cs = p.status.containerStatuses[0];
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 0, reason: 'Completed', containerID: before.containerID });
    expect(cs.restartCount).toBe(1);
    expect(p.status.phase).toBe('Running');
    expect(ready(p)).toBe('False');
    setImage('tobad', 'nginx:1.27');
    const ok = await until(() => running('tobad'));
    expect(ok.status.containerStatuses[0].restartCount).toBe(1);
  });

  it('an init container whose image cannot be pulled: Init:ErrImagePull / Init:ImagePullBackOff, then it runs once fixed', async () => {
    const seen = new Set<string>();
    const stop = c.emu.registry.store.subscribe((ch) => {
      if (ch.entry.resource === 'core/pods' && ch.entry.name === 'initbad') seen.add(summarizePod(JSON.parse(ch.entry.json), Date.now()).status);
    });
    create(podManifest('initbad', { annotations: { 'kube-emulator.io/image-pull-error': 'busybox:nope' }, spec: { initContainers: [{ name: 'init', image: 'busybox:nope' }] } }));
    await until(() => seen.has('Init:ErrImagePull') && seen.has('Init:ImagePullBackOff'), 5000);
    const p = get('initbad')!;
    expect(p.status.phase).toBe('Pending');
    expect(p.status.containerStatuses[0].state.waiting.reason).toBe('PodInitializing');
    expect(eventsFor(c.emu, 'initbad').some((e) => e.reason === 'Failed' && e.message === 'Error: ErrImagePull' && e.involvedObject.fieldPath === 'spec.initContainers{init}')).toBe(true);
    c.emu.registry.modify(pods(), 'default', 'initbad', (live) => {
      live.spec.initContainers[0].image = 'busybox:1.36';
    });
    const ok = await until(() => running('initbad'));
    stop();
    expect(ok.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('deleting a pod whose image cannot be pulled: ContainerStatusUnknown, then removed', async () => {
    create(podManifest('gone', { annotations: { 'kube-emulator.io/image-pull-error': 'true' } }));
    await until(() => get('gone')?.status?.containerStatuses?.[0]?.state?.waiting);
    c.emu.registry.delete(pods(), 'default', 'gone', {});
    await until(() => !get('gone'), 5000);
  });
});

describe('before 1.32', () => {
  it('the ImagePullBackOff message does not carry the pull error', async () => {
    const old = await startCluster([nodesController(), schedulerController(), nodeAgentController()], { minor: 31 });
    try {
      const def = old.emu.registry.mustDef('', 'pods');
      old.emu.registry.create(def, 'default', podManifest('b', { annotations: { 'kube-emulator.io/image-pull-error': 'true' } }));
      const p = await until(() => {
        const x = old.emu.registry.tryGet(def, 'default', 'b');
        return x?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' && x;
      });
      expect(p.status.containerStatuses[0].state.waiting.message).toBe('Back-off pulling image "nginx:1.27"');
    } finally {
      await old.close();
    }
  });
});
