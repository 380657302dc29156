// E2E: a 500-replica Parallel StatefulSet on five simulated nodes (110 pods each at most), driven
// by real kubectl: how long until every pod is Ready, how the scheduler spreads them, and how long
// the namespace takes to go. Timings are printed for the record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { getJSON, poll, startCluster, stsManifest, type Cluster } from './fixtures/sts/util.js';

const NS = 'big';
const N = 500;

describe.each(availableKubectls([33]))('kubectl 1.$minor: 500 Parallel replicas', ({ minor, bin }) => {
  let c: Cluster;
  let k: Kubectl;
  beforeAll(async () => {
    c = await startCluster({ nodes: 5 });
    k = new Kubectl(bin, c.emu.url);
    await k.ok(['create', 'ns', NS]);
  });
  afterAll(async () => {
    await c?.emu.close();
  });

  it(`becomes fully Ready`, async () => {
    const t0 = Date.now();
    await k.ok(['apply', '-f', stsManifest(NS, 'big', N, { podManagementPolicy: 'Parallel' })]);
    const out = await k.ok(['rollout', 'status', 'sts', 'big', '-n', NS, '--timeout=60s']);
    const took = Date.now() - t0;
    console.info(`kubectl 1.${minor}: ${N} Parallel replicas on 5 nodes fully Ready in ${took} ms`);
    expect(out.trimEnd().split('\n').at(-1)).toBe(`partitioned roll out complete: ${N} new pods have been updated...`);
    const s = await getJSON(k, ['sts', 'big', '-n', NS]);
    expect(s.status).toMatchObject({ replicas: N, readyReplicas: N, availableReplicas: N, updatedReplicas: N });
    const pods = JSON.parse(await k.ok(['get', 'pods', '-n', NS, '-o', 'json'])).items;
    expect(pods).toHaveLength(N);
    const perNode = new Map<string, number>();
    for (const p of pods) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    expect(perNode.size).toBe(5);
    for (const n of perNode.values()) expect(n).toBeLessThanOrEqual(110);
    expect(new Set(pods.map((p: any) => p.status.podIP)).size).toBe(N);
    expect(new Set(pods.map((p: any) => p.metadata.name))).toEqual(new Set(Array.from({ length: N }, (_, i) => `big-${i}`)));
    const nodes = JSON.parse(await k.ok(['get', 'nodes', '-o', 'json'])).items;
    expect(nodes).toHaveLength(5);
    for (const n of nodes) expect(n.status.allocatable.pods).toBe('110');
  }, 60_000);

  it('one pod past 5 x 110 does not fit: it stays Pending (FailedScheduling)', async () => {
    await k.ok(['scale', 'sts', 'big', '-n', NS, `--replicas=${5 * 110 + 1}`]);
    const pending = await poll(async () => {
      const pods = JSON.parse(await k.ok(['get', 'pods', '-n', NS, '--field-selector=status.phase=Pending', '-o', 'json'])).items;
      return pods.length === 1 && pods;
    }, 'one pod Pending', 30_000);
    expect(pending[0].spec.nodeName).toBeUndefined();
    const ev = await poll(async () => {
      const items = JSON.parse(await k.ok(['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${pending[0].metadata.name}`, '-o', 'json'])).items;
      return items.find((e: any) => e.reason === 'FailedScheduling');
    }, 'a FailedScheduling event');
    expect(ev.message).toMatch(/^0\/5 nodes are available: 5 Too many pods\./);
  }, 60_000);

  it('the namespace goes', async () => {
    const t0 = Date.now();
    const r = await k.run(['delete', 'ns', NS], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    console.info(`kubectl 1.${minor}: delete ns with ${5 * 110 + 1} pods took ${Date.now() - t0} ms`);
    expect((await k.run(['get', 'ns', NS])).stderr).toContain('(NotFound)');
  }, 60_000);
});
