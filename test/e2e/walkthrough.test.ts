// E2E: the acceptance story (/work/shared/seed/WALKTHROUGH.md steps 1-9) with the seed manifests
// and real kubectl, on a full cluster (every controller, fast pod stages, cluster DNS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { PV_HEADER, POD_HEADER, AGE, parseTable } from './fixtures/util.js';
import { CANARY_YAML, PV_YAML, STS_YAML, STS, PodWatch, allRunning, claim, dedupe, getJSON, pod, poll, podRows, records, resolveA, startCluster, type Cluster } from './fixtures/sts/util.js';

const NS = 'sts';
/** E2E_POD_STAGES=default runs the story at the default (100-500 ms per kubelet step) pace */
const STAGES = process.env.E2E_POD_STAGES === 'default' ? 'default' : 'fast';
const PVS = [0, 1, 2, 3, 4, 5, 6].map((i) => `sts-pv-v${i}`);

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: the seed walkthrough', ({ minor, bin }) => {
  let c: Cluster;
  let k: Kubectl;
  let watch: PodWatch;
  let started = 0;
  /** pod 1's claim and PV before step 5 */
  const pvOf: Record<string, string> = {};

  beforeAll(async () => {
    c = await startCluster({ podStages: STAGES });
    k = new Kubectl(bin, c.emu.url);
    started = Date.now();
  });
  afterAll(async () => {
    watch?.stop();
    if (started) console.info(`kubectl 1.${minor}: walkthrough steps 1-9 (${STAGES} pod stages) took ${Date.now() - started} ms`);
    await c?.emu.close();
  });

  const pvRows = async () => Object.fromEntries(records(await k.ok(['get', 'pv'])).map((r) => [r.NAME, r]));
  const pvcRows = async () => Object.fromEntries(records(await k.ok(['get', 'pvc', '-n', NS])).map((r) => [r.NAME, r]));

  it('step 1: apply pv.yaml creates the namespace and seven PVs (their namespace dropped)', async () => {
    const out = await k.ok(['apply', '-f', PV_YAML]);
    expect(out).toBe(['namespace/sts created', ...PVS.map((p) => `persistentvolume/${p} created`)].join('\n') + '\n');
    const pv = await getJSON(k, ['pv', 'sts-pv-v0']);
    expect(pv.metadata.namespace).toBeUndefined();
    expect(pv.metadata.selfLink).toBeUndefined();
  });

  it('step 2: get pv -n sts lists seven Available 5G RWO Retain volumes', async () => {
    const out = await k.ok(['get', 'pv', '-n', NS]);
    const t = parseTable(out);
    expect(t.header).toEqual(PV_HEADER);
    expect(t.rows.map((r) => r[0])).toEqual(PVS);
    for (const r of records(out)) {
      expect(r).toMatchObject({ CAPACITY: '5G', 'ACCESS MODES': 'RWO', 'RECLAIM POLICY': 'Retain', STATUS: 'Available', CLAIM: '', STORAGECLASS: '' });
      expect(r.AGE).toMatch(AGE);
    }
  });

  it('step 3: apply sts.yaml; pod 0 then pod 1 (only once 0 is Running and Ready); both 1/1 Running', async () => {
    watch = await PodWatch.start(k, c.emu, NS);
    expect(await k.ok(['apply', '-f', STS_YAML])).toBe(`service/sts-service created\nstatefulset.apps/${STS} created\n`);
    await poll(() => allRunning(k, NS, [pod(0), pod(1)]), 'both pods 1/1 Running');
    const t = parseTable(await k.ok(['get', 'pods', '-n', NS]));
    expect(t.header).toEqual(POD_HEADER);
    // the watch saw pod 0 become 1/1 Running before pod 1 was ADDED
    await poll(() => watch.of(pod(1)).some((l) => l.status === 'Running'), 'the watch to report pod 1 Running');
    const firstAdd1 = watch.lines.findIndex((l) => l.name === pod(1) && l.event === 'ADDED');
    const ready0 = watch.lines.findIndex((l) => l.name === pod(0) && l.ready === '1/1' && l.status === 'Running');
    expect(watch.lines[0]).toMatchObject({ event: 'ADDED', name: pod(0) });
    expect(ready0).toBeGreaterThan(0);
    expect(firstAdd1).toBeGreaterThan(ready0);
    // and the API agrees: pod 1 was created no earlier than pod 0 turned Ready
    const p0 = await getJSON(k, ['pod', pod(0), '-n', NS]);
    const p1 = await getJSON(k, ['pod', pod(1), '-n', NS]);
    const readyAt = p0.status.conditions.find((x: any) => x.type === 'Ready').lastTransitionTime;
    expect(Date.parse(p1.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Date.parse(readyAt));
    const sts = await getJSON(k, ['sts', STS, '-n', NS]);
    expect(sts.status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2, currentReplicas: 2, updatedReplicas: 2 });
  });

  it('step 4: each claim is Bound to its own PV; the PV rows show the claim; capacity is 5G', async () => {
    const claims = await poll(async () => {
      const rows = await pvcRows();
      return [0, 1].every((i) => rows[claim(i)]?.STATUS === 'Bound') && rows;
    }, 'both claims Bound');
    expect(Object.keys(claims).sort()).toEqual([claim(0), claim(1)]);
    const pvs = await pvRows();
    const used = new Set<string>();
    for (const i of [0, 1]) {
      const r = claims[claim(i)];
      expect(r).toMatchObject({ STATUS: 'Bound', CAPACITY: '5G', 'ACCESS MODES': 'RWO' });
      expect(PVS).toContain(r.VOLUME);
      used.add(r.VOLUME);
      expect(pvs[r.VOLUME]).toMatchObject({ STATUS: 'Bound', CLAIM: `${NS}/${claim(i)}`, CAPACITY: '5G' });
      pvOf[claim(i)] = r.VOLUME;
    }
    expect(used.size).toBe(2);
    expect(Object.values(pvs).filter((r) => r.STATUS === 'Available')).toHaveLength(5);
  });

  it('step 5: a deleted pod comes back under the same name with the same claim (same PV)', async () => {
    const before = await getJSON(k, ['pod', pod(1), '-n', NS]);
    expect(await k.ok(['delete', 'pod', '-n', NS, pod(1)])).toBe(`pod "${pod(1)}" deleted\n`);
    const after = await poll(async () => {
      const p = (await k.run(['get', 'pod', pod(1), '-n', NS, '-o', 'json'])).stdout;
      const o = p ? JSON.parse(p) : undefined;
      return o && o.metadata.uid !== before.metadata.uid && o.status?.phase === 'Running' && o;
    }, 'pod 1 to be re-created and Running');
    const vol = (p: any) => p.spec.volumes.find((v: any) => v.name === 'sts-pvc').persistentVolumeClaim.claimName;
    expect(vol(before)).toBe(claim(1));
    expect(vol(after)).toBe(claim(1));
    expect((await pvcRows())[claim(1)]).toMatchObject({ STATUS: 'Bound', VOLUME: pvOf[claim(1)] });
    await poll(() => allRunning(k, NS, [pod(0), pod(1)]), 'both pods 1/1 Running again');
  });

  it('step 6: scale --replicas=4 adds pods 2 and 3 whose claims bind to two of the remaining PVs', async () => {
    expect(await k.ok(['scale', '--replicas=4', '-n', NS, 'statefulset', STS])).toBe(`statefulset.apps/${STS} scaled\n`);
    await poll(() => allRunning(k, NS, [0, 1, 2, 3].map(pod)), 'four pods Running');
    const claims = await poll(async () => {
      const rows = await pvcRows();
      return [0, 1, 2, 3].every((i) => rows[claim(i)]?.STATUS === 'Bound') && rows;
    }, 'four claims Bound');
    const vols = [2, 3].map((i) => claims[claim(i)].VOLUME);
    expect(new Set(vols).size).toBe(2);
    for (const v of vols) expect(PVS.filter((p) => !Object.values(pvOf).includes(p))).toContain(v);
    for (const i of [0, 1]) expect(claims[claim(i)].VOLUME).toBe(pvOf[claim(i)]);
    const pvs = await pvRows();
    for (const i of [2, 3]) expect(pvs[claims[claim(i)].VOLUME]).toMatchObject({ STATUS: 'Bound', CLAIM: `${NS}/${claim(i)}` });
    expect(Object.values(pvs).filter((r) => r.STATUS === 'Available')).toHaveLength(3);
  });

  it('step 7: set image rolls the pods one at a time, highest ordinal first', async () => {
    const from = watch.lines.length;
    const oldRev = (await getJSON(k, ['sts', STS, '-n', NS])).status.currentRevision;
    expect(await k.ok(['set', 'image', 'sts', '-n', NS, STS, 'containers=ikubernetes/myapp:v2'])).toBe(`statefulset.apps/${STS} image updated\n`);
    const status = await k.ok(['rollout', 'status', 'sts', '-n', NS, STS]);
    expect(status.trimEnd().split('\n').at(-1)).toBe('partitioned roll out complete: 4 new pods have been updated...');
    await poll(() => allRunning(k, NS, [0, 1, 2, 3].map(pod)), 'four pods Running');
    const sts = await getJSON(k, ['sts', STS, '-n', NS]);
    expect(sts.status.updateRevision).not.toBe(oldRev);
    expect(sts.status.currentRevision).toBe(sts.status.updateRevision);
    for (const i of [0, 1, 2, 3]) {
      const p = await getJSON(k, ['pod', pod(i), '-n', NS]);
      expect(p.spec.containers[0].image).toBe('ikubernetes/myapp:v2');
      expect(p.metadata.labels['controller-revision-hash']).toBe(sts.status.updateRevision);
    }
    // order: 3, 2, 1, 0; each back to 1/1 Running before the next one goes Terminating
    await poll(() => watch.of(pod(0), from).some((l) => l.event !== 'DELETED' && l.ready === '1/1' && watch.of(pod(0), from).some((d) => d.event === 'DELETED')), 'the watch to see pod 0 back');
    const seq = watch.lines.slice(from);
    const firstTerminating = (n: string) => seq.findIndex((l) => l.name === n && l.status === 'Terminating');
    const backRunning = (n: string) => {
      const del = seq.findIndex((l) => l.name === n && l.event === 'DELETED');
      return seq.findIndex((l, i) => i > del && l.name === n && l.ready === '1/1' && l.status === 'Running');
    };
    const order = [3, 2, 1, 0].map(pod);
    for (let j = 0; j < order.length; j++) {
      expect(firstTerminating(order[j])).toBeGreaterThanOrEqual(0);
      expect(backRunning(order[j])).toBeGreaterThan(firstTerminating(order[j]));
      if (j + 1 < order.length) expect(firstTerminating(order[j + 1])).toBeGreaterThan(backRunning(order[j]));
    }
    // each pod went Terminating -> (gone) -> Pending -> ... -> Running
    for (const n of order) {
      const st = dedupe(seq.filter((l) => l.name === n).map((l) => (l.event === 'DELETED' ? 'DELETED' : l.status)));
      expect(st[0]).toBe('Terminating');
      expect(st).toContain('DELETED');
      expect(st.slice(st.indexOf('DELETED') + 1)[0]).toBe('Pending');
      expect(st.at(-1)).toBe('Running');
    }
  });

  it('step 8: sts-canary.yaml (partition 1), then a new image: only ordinals >= 1 are updated', async () => {
    const v2rev = (await getJSON(k, ['sts', STS, '-n', NS])).status.updateRevision;
    // apply's three-way merge also restores the manifest's image (v1) and replicas (2)
    expect(await k.ok(['apply', '-f', CANARY_YAML])).toBe(`service/sts-service unchanged\nstatefulset.apps/${STS} configured\n`);
    const applied = await getJSON(k, ['sts', STS, '-n', NS]);
    expect(applied.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { partition: 1 } });
    expect(await k.ok(['set', 'image', 'sts', '-n', NS, STS, 'containers=ikubernetes/myapp:v3'])).toBe(`statefulset.apps/${STS} image updated\n`);
    const out = await k.ok(['rollout', 'status', 'sts', '-n', NS, STS]);
    expect(out.trimEnd().split('\n').at(-1)).toBe('partitioned roll out complete: 1 new pods have been updated...');
    const sts = await poll(async () => {
      const s = await getJSON(k, ['sts', STS, '-n', NS]);
      const p1 = await getJSON(k, ['pod', pod(1), '-n', NS]);
      return s.status.observedGeneration === s.metadata.generation && p1.metadata.labels['controller-revision-hash'] === s.status.updateRevision && s;
    }, 'pod 1 at the update revision');
    await poll(() => allRunning(k, NS, [pod(0), pod(1)]), 'pods 0 and 1 Running (2 and 3 scaled away)');
    const p0 = await getJSON(k, ['pod', pod(0), '-n', NS]);
    const p1 = await getJSON(k, ['pod', pod(1), '-n', NS]);
    expect(p1.spec.containers[0].image).toBe('ikubernetes/myapp:v3');
    expect(p0.spec.containers[0].image).toBe('ikubernetes/myapp:v2');
    expect(p0.metadata.labels['controller-revision-hash']).toBe(v2rev);
    expect(sts.status.updateRevision).not.toBe(v2rev);
    expect(sts.status).toMatchObject({ replicas: 2, updatedReplicas: 1, currentReplicas: 1, currentRevision: v2rev });
    // the claims of the scaled-away pods stay
    expect(Object.keys(await pvcRows()).sort()).toEqual([0, 1, 2, 3].map(claim));
  });

  it('step 9: the pod DNS name of the headless service resolves to pod 1', async () => {
    const ip = (await getJSON(k, ['pod', pod(1), '-n', NS])).status.podIP;
    expect(ip).toMatch(/^10\.244\./);
    await poll(async () => (await resolveA(c.dnsPort, `${pod(1)}.sts-service.${NS}.svc.cluster.local`)).join() === ip, 'the DNS answer for pod 1');
    const ip0 = (await getJSON(k, ['pod', pod(0), '-n', NS])).status.podIP;
    expect(await resolveA(c.dnsPort, `sts-service.${NS}.svc.cluster.local`)).toEqual([ip, ip0].sort());
    const rows = await podRows(k, NS);
    expect(Object.keys(rows).sort()).toEqual([pod(0), pod(1)]);
  });
});
