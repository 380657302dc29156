// E2E: kubectl rollout status / history / undo / restart on StatefulSets, the OnDelete update
// strategy and the Parallel pod management policy (fast pod stages, every controller).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { allRunning, getJSON, poll, podRows, startCluster, stsManifest, type Cluster } from './fixtures/sts/util.js';

const NS = 'roll';

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: StatefulSet rollouts', ({ bin }) => {
  let c: Cluster;
  let k: Kubectl;
  beforeAll(async () => {
    c = await startCluster();
    k = new Kubectl(bin, c.emu.url);
    await k.ok(['create', 'ns', NS]);
  });
  afterAll(async () => {
    await c?.emu.close();
  });

  const pods = (set: string, n: number) => Array.from({ length: n }, (_, i) => `${set}-${i}`);
  const images = async (set: string, n: number) => Promise.all(pods(set, n).map(async (p) => (await getJSON(k, ['pod', p, '-n', NS])).spec.containers[0].image));
  const uids = async (set: string, n: number) => Promise.all(pods(set, n).map(async (p) => (await getJSON(k, ['pod', p, '-n', NS])).metadata.uid));
  const history = async (set: string) => {
    const out = await k.ok(['rollout', 'history', 'sts', set, '-n', NS]);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`statefulset.apps/${set} `);
    expect(lines[1]).toMatch(/^REVISION\s+CHANGE-CAUSE$/);
    return lines.slice(2).filter(Boolean).map((l) => l.split(/\s+/));
  };
  /** rolled out: every pod Running at the update revision and the status says so */
  const settled = async (set: string, n: number, image: string) =>
    poll(
      async () => {
        const s = await getJSON(k, ['sts', set, '-n', NS]);
        if (s.status?.observedGeneration !== s.metadata.generation || s.status.updatedReplicas !== n || s.status.readyReplicas !== n) return false;
        if (!(await allRunning(k, NS, pods(set, n)))) return false;
        return (await images(set, n)).every((i) => i === image) && s;
      },
      `${set} rolled out to ${image}`,
    );

  it('rollout status waits and ends with upstream message; history lists the revisions', async () => {
    await k.ok(['apply', '-f', stsManifest(NS, 'web', 3, {}, 'nginx:1.25')]);
    const out = await k.ok(['rollout', 'status', 'sts', 'web', '-n', NS]);
    expect(out.trimEnd().split('\n').at(-1)).toBe('partitioned roll out complete: 3 new pods have been updated...');
    expect(await allRunning(k, NS, pods('web', 3))).toBe(true);
    expect(await history('web')).toEqual([['1', '<none>']]);
    // the set's annotations are copied into the revisions it creates: CHANGE-CAUSE
    await k.ok(['annotate', 'sts/web', '-n', NS, 'kubernetes.io/change-cause=to-1.26']);
    expect(await k.ok(['set', 'image', 'sts/web', '-n', NS, 'c=nginx:1.26'])).toBe('statefulset.apps/web image updated\n');
    const st = await k.ok(['rollout', 'status', 'sts', 'web', '-n', NS, '--timeout=20s']);
    expect(st.trimEnd().split('\n').at(-1)).toBe('partitioned roll out complete: 3 new pods have been updated...');
    await settled('web', 3, 'nginx:1.26');
    expect(await history('web')).toEqual([
      ['1', '<none>'],
      ['2', 'to-1.26'],
    ]);
    const rev2 = await k.ok(['rollout', 'history', 'sts', 'web', '-n', NS, '--revision=2']);
    expect(rev2).toMatch(/^statefulset\.apps\/web with revision #2\nPod Template:\n/);
    expect(rev2).toMatch(/Image:\s+nginx:1\.26/);
    const revs = JSON.parse(await k.ok(['get', 'controllerrevisions', '-n', NS, '-o', 'json'])).items;
    expect(revs.map((r: any) => r.revision).sort()).toEqual([1, 2]);
    for (const r of revs) expect(r.metadata.ownerReferences[0]).toMatchObject({ kind: 'StatefulSet', name: 'web', controller: true });
  });

  it('rollout undo rolls the pods back and renumbers the revision (history shows 2 and 3)', async () => {
    const before = await getJSON(k, ['sts', 'web', '-n', NS]);
    expect(await k.ok(['rollout', 'undo', 'sts', 'web', '-n', NS])).toBe('statefulset.apps/web rolled back\n');
    const s = await settled('web', 3, 'nginx:1.25');
    // a rollback only renumbers the old revision: its (absent) change-cause stays
    expect(await history('web')).toEqual([
      ['2', 'to-1.26'],
      ['3', '<none>'],
    ]);
    await k.ok(['annotate', 'sts/web', '-n', NS, 'kubernetes.io/change-cause-']);
    // the revision of the old template came back: same name, new number
    const revs = JSON.parse(await k.ok(['get', 'controllerrevisions', '-n', NS, '-o', 'json'])).items;
    const byName = Object.fromEntries(revs.map((r: any) => [r.metadata.name, r.revision]));
    expect(Object.keys(byName)).toHaveLength(2);
    expect(byName[s.status.updateRevision]).toBe(3);
    expect(byName[before.status.updateRevision]).toBe(2);
    expect(s.status.currentRevision).toBe(s.status.updateRevision);
    for (const p of pods('web', 3)) expect((await getJSON(k, ['pod', p, '-n', NS])).metadata.labels['controller-revision-hash']).toBe(s.status.updateRevision);
    // --to-revision picks an older one; undoing to the current revision changes nothing
    expect(await k.ok(['rollout', 'undo', 'sts', 'web', '-n', NS, '--to-revision=2'])).toBe('statefulset.apps/web rolled back\n');
    await settled('web', 3, 'nginx:1.26');
    expect((await history('web')).map((r) => r[0])).toEqual(['3', '4']);
    const r = await k.run(['rollout', 'undo', 'sts', 'web', '-n', NS, '--to-revision=9']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unable to find specified revision 9 in history');
  });

  it('rollout restart replaces every pod, the template carrying a restartedAt annotation', async () => {
    const old = await uids('web', 3);
    expect(await k.ok(['rollout', 'restart', 'sts', 'web', '-n', NS])).toBe('statefulset.apps/web restarted\n');
    const set = await getJSON(k, ['sts', 'web', '-n', NS]);
    const at = set.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'];
    expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await poll(async () => {
      const now = await uids('web', 3).catch(() => old);
      return now.every((u, i) => u !== old[i]) && (await allRunning(k, NS, pods('web', 3)));
    }, 'every pod replaced');
    for (const p of pods('web', 3)) expect((await getJSON(k, ['pod', p, '-n', NS])).metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBe(at);
    expect((await history('web')).map((r) => r[0])).toEqual(['3', '4', '5']);
    // the deletions went 2, 1, 0
    const ev = JSON.parse(await k.ok(['get', 'events', '-n', NS, '-o', 'json'])).items;
    const dels = ev.filter((e: any) => e.reason === 'SuccessfulDelete' && e.involvedObject.name === 'web').map((e: any) => e.message);
    expect(dels).toContain('delete Pod web-2 in StatefulSet web successful');
  });

  it('revisionHistoryLimit: old revisions beyond the limit are deleted', async () => {
    await k.ok(['apply', '-f', stsManifest(NS, 'lim', 1, { revisionHistoryLimit: 1 }, 'nginx:1.21')]);
    for (const v of ['1.22', '1.23', '1.24']) {
      await k.ok(['set', 'image', 'sts/lim', '-n', NS, `c=nginx:${v}`]);
      await settled('lim', 1, `nginx:${v}`);
    }
    await poll(async () => (await history('lim')).length === 2, 'the history truncated to 2');
    expect((await history('lim')).map((r) => r[0])).toEqual(['3', '4']);
  });

  it('OnDelete: a new template changes a pod only when the pod is deleted', async () => {
    await k.ok(['apply', '-f', stsManifest(NS, 'od', 2, { updateStrategy: { type: 'OnDelete' } }, 'nginx:1.25')]);
    await poll(() => allRunning(k, NS, pods('od', 2)), 'od pods Running');
    const old = await uids('od', 2);
    await k.ok(['set', 'image', 'sts/od', '-n', NS, 'c=nginx:1.26']);
    const s = await poll(async () => {
      const o = await getJSON(k, ['sts', 'od', '-n', NS]);
      return o.status.observedGeneration === o.metadata.generation && o.status.updateRevision !== o.status.currentRevision && o;
    }, 'the new revision observed');
    await c.emu.controllers.settled();
    expect(await uids('od', 2)).toEqual(old);
    expect(await images('od', 2)).toEqual(['nginx:1.25', 'nginx:1.25']);
    expect(s.status).toMatchObject({ replicas: 2, currentReplicas: 2 });
    expect(s.status.updatedReplicas ?? 0).toBe(0);
    // rollout status only knows RollingUpdate
    const st = await k.run(['rollout', 'status', 'sts', 'od', '-n', NS]);
    expect(st.code).not.toBe(0);
    expect(st.stderr).toContain('rollout status is only available for RollingUpdate strategy type');
    await k.ok(['delete', 'pod', 'od-1', '-n', NS]);
    await poll(async () => (await allRunning(k, NS, pods('od', 2))) && (await images('od', 2)).join() === 'nginx:1.25,nginx:1.26', 'od-1 re-created with the new image');
    expect((await uids('od', 2))[0]).toBe(old[0]);
    const after = await poll(async () => {
      const o = await getJSON(k, ['sts', 'od', '-n', NS]);
      return o.status.updatedReplicas === 1 && o;
    }, 'updatedReplicas 1');
    expect(after.status).toMatchObject({ currentReplicas: 1, updatedReplicas: 1, readyReplicas: 2 });
  });

  it('Parallel: all pods are created at once, without waiting for readiness; scale down removes them at once', async () => {
    // never-ready pods: OrderedReady would stop at pod 0
    const file = stsManifest(NS, 'par', 4, { podManagementPolicy: 'Parallel' });
    writeFileSync(file, readFileSync(file, 'utf8').replace('      labels: {app: par}', "      labels: {app: par}\n      annotations: {kube-emulator.io/never-ready: 'true'}"));
    await k.ok(['apply', '-f', file]);
    const rows = await poll(async () => {
      const r = await podRows(k, NS);
      return pods('par', 4).every((p) => r[p]?.STATUS === 'Running') && r;
    }, 'four par pods Running');
    for (const p of pods('par', 4)) expect(rows[p].READY).toBe('0/1');
    const s = await getJSON(k, ['sts', 'par', '-n', NS]);
    expect(s.spec.podManagementPolicy).toBe('Parallel');
    await poll(async () => (await getJSON(k, ['sts', 'par', '-n', NS])).status.replicas === 4, 'status.replicas 4');
    // the same with OrderedReady: only pod 0
    writeFileSync(file, readFileSync(file, 'utf8').replaceAll('par', 'ord').replace(/  podManagementPolicy: .*\n/, ''));
    await k.ok(['apply', '-f', file]);
    await poll(async () => (await podRows(k, NS))['ord-0']?.STATUS === 'Running', 'ord-0 Running');
    await c.emu.controllers.settled();
    expect(Object.keys(await podRows(k, NS)).filter((n) => n.startsWith('ord-'))).toEqual(['ord-0']);
    // Parallel scale-down does not wait for each pod to go
    await k.ok(['scale', 'sts', 'par', '-n', NS, '--replicas=1']);
    await poll(async () => Object.keys(await podRows(k, NS)).filter((n) => n.startsWith('par-')).join() === 'par-0', 'par scaled to 1');
  });
});
