// E2E: OrderedReady creation and the rolling update as a user sees them in `kubectl get pods -w`,
// with the DEFAULT pod-stage profile (100-500 ms per kubelet step), so every intermediate status
// (Pending, ContainerCreating, Running; Terminating) is visible. One kubectl version: it is slow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { PV_YAML, STS_YAML, STS, PodWatch, allRunning, dedupe, getJSON, pod, poll, startCluster, type Cluster } from './fixtures/sts/util.js';

const NS = 'sts';

describe.each(availableKubectls([33]))('kubectl 1.$minor: StatefulSet ordering with the default pod stages', ({ bin }) => {
  let c: Cluster;
  let k: Kubectl;
  let watch: PodWatch;
  beforeAll(async () => {
    c = await startCluster({ podStages: 'default' });
    k = new Kubectl(bin, c.emu.url);
    await k.ok(['apply', '-f', PV_YAML]);
    watch = await PodWatch.start(k, c.emu, NS);
  });
  afterAll(async () => {
    watch?.stop();
    await c?.emu.close();
  });

  /** the distinct STATUS values one pod showed (DELETED marks the end of an incarnation) */
  const statuses = (name: string, from = 0) => dedupe(watch.of(name, from).map((l) => (l.event === 'DELETED' ? 'DELETED' : `${l.ready} ${l.status}`)));

  it('creates pod 0, waits for it to be Running and Ready, then creates pod 1', async () => {
    const t0 = Date.now();
    await k.ok(['apply', '-f', STS_YAML]);
    const status = await k.ok(['rollout', 'status', 'sts', '-n', NS, STS]);
    const took = Date.now() - t0;
    // kubectl polled a StatefulSet that was not ready yet
    expect(status).toMatch(/^Waiting for [12] pods to be ready\.\.\.$/m);
    expect(status.trimEnd().split('\n').at(-1)).toBe('partitioned roll out complete: 2 new pods have been updated...');
    await poll(() => watch.of(pod(1)).some((l) => l.status === 'Running'), 'the watch to show pod 1 Running');
    for (const n of [pod(0), pod(1)]) {
      const s = statuses(n);
      expect(s[0]).toBe('0/1 Pending');
      expect(s).toContain('0/1 ContainerCreating');
      expect(s.at(-1)).toBe('1/1 Running');
      expect(s.indexOf('0/1 ContainerCreating')).toBeLessThan(s.indexOf('1/1 Running'));
    }
    const ready0 = watch.lines.findIndex((l) => l.name === pod(0) && l.status === 'Running' && l.ready === '1/1');
    const added1 = watch.lines.findIndex((l) => l.name === pod(1) && l.event === 'ADDED');
    expect(added1).toBeGreaterThan(ready0);
    // the kubelet steps take 100-500 ms each: pod 1 appears a while after pod 0
    expect(watch.lines[added1].at - watch.lines[0].at).toBeGreaterThanOrEqual(200);
    expect(took).toBeGreaterThanOrEqual(400);
    const events = JSON.parse(await k.ok(['get', 'events', '-n', NS, '-o', 'json'])).items;
    const creates = events
      .filter((e: any) => e.reason === 'SuccessfulCreate' && /^create Pod /.test(e.message))
      .sort((a: any, b: any) => Date.parse(a.firstTimestamp) - Date.parse(b.firstTimestamp))
      .map((e: any) => e.message);
    expect(creates).toEqual([0, 1].map((i) => `create Pod ${pod(i)} in StatefulSet ${STS} successful`));
  });

  it('rolls a new image out highest ordinal first, each pod Terminating, Pending, ContainerCreating, Running before the next', async () => {
    await k.ok(['scale', 'sts', '-n', NS, STS, '--replicas=3']);
    await poll(() => allRunning(k, NS, [0, 1, 2].map(pod)), 'three pods Running', 20_000);
    await poll(async () => (await getJSON(k, ['sts', STS, '-n', NS])).status.readyReplicas === 3, 'readyReplicas 3');
    const from = watch.lines.length;
    await k.ok(['set', 'image', 'sts', '-n', NS, STS, 'containers=ikubernetes/myapp:v2']);
    const status = await k.ok(['rollout', 'status', 'sts', '-n', NS, STS]);
    expect(status).toMatch(/^Waiting for partitioned roll out to finish: [0-2] out of 3 new pods have been updated\.\.\.$/m);
    expect(status.trimEnd().split('\n').at(-1)).toBe('partitioned roll out complete: 3 new pods have been updated...');
    await poll(() => statuses(pod(0), from).at(-1) === '1/1 Running' && statuses(pod(0), from).includes('DELETED'), 'the watch to show pod 0 back', 20_000);
    const seq = watch.lines.slice(from);
    const order = [2, 1, 0].map(pod);
    let last = -1;
    for (const n of order) {
      const s = statuses(n, from);
      const del = s.indexOf('DELETED');
      expect(s[0]).toBe('1/1 Terminating');
      expect(del).toBeGreaterThan(0);
      expect(s.slice(del + 1)).toEqual(expect.arrayContaining(['0/1 Pending', '0/1 ContainerCreating', '1/1 Running']));
      expect(s.slice(del + 1)[0]).toBe('0/1 Pending');
      expect(s.at(-1)).toBe('1/1 Running');
      // this pod's first line comes after the previous pod is back to Running
      const first = seq.findIndex((l) => l.name === n);
      expect(first).toBeGreaterThan(last);
      const delAt = seq.findIndex((l) => l.name === n && l.event === 'DELETED');
      last = seq.findIndex((l, i) => i > delAt && l.name === n && l.ready === '1/1' && l.status === 'Running');
    }
    for (const i of [0, 1, 2]) expect((await getJSON(k, ['pod', pod(i), '-n', NS])).spec.containers[0].image).toBe('ikubernetes/myapp:v2');
  });
});
