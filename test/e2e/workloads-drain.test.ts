// E2E: kubectl cordon / drain / uncordon on a two-node cluster, a 3-replica StatefulSet guarded by
// a PodDisruptionBudget (minAvailable 2): drain evicts through pods/eviction, is refused with 429
// while the budget allows no disruption ("error when evicting ... (will retry after 5s)"), and
// finishes once the evicted pod's replacement is Ready on the other node (fast pod stages, every
// controller including the disruption controller).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { allRunning, getJSON, poll, records, startCluster, stsManifest, type Cluster } from './fixtures/sts/util.js';

const NS = 'drain';

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: drain and PodDisruptionBudgets', ({ bin }) => {
  let c: Cluster;
  let k: Kubectl;
  beforeAll(async () => {
    c = await startCluster({ nodes: 2 });
    k = new Kubectl(bin, c.emu.url);
    await k.ok(['create', 'ns', NS]);
  });
  afterAll(async () => {
    await c?.emu.close();
  });

  const pods = ['web-0', 'web-1', 'web-2'];
  const nodeOf = async () => {
    const list = (await getJSON(k, ['pods', '-n', NS])).items as any[];
    return Object.fromEntries(list.map((p) => [p.metadata.name, p.spec.nodeName]));
  };
  const pdbRow = async () => records(await k.ok(['get', 'pdb', 'web', '-n', NS]))[0];

  it('a PodDisruptionBudget over the StatefulSet shows ALLOWED DISRUPTIONS 1', async () => {
    await k.ok(['apply', '-f', stsManifest(NS, 'web', 3, { podManagementPolicy: 'Parallel' })]);
    await poll(async () => allRunning(k, NS, pods), 'web-0..2 Running', 20_000);
    expect(await k.ok(['create', 'pdb', 'web', '-n', NS, '--selector=app=web', '--min-available=2'])).toBe('poddisruptionbudget.policy/web created\n');
    const row = await poll(async () => {
      const r = await pdbRow();
      return r['ALLOWED DISRUPTIONS'] === '1' && r;
    }, 'the disruption controller allows 1');
    expect(row).toMatchObject({ NAME: 'web', 'MIN AVAILABLE': '2', 'MAX UNAVAILABLE': 'N/A', 'ALLOWED DISRUPTIONS': '1' });
    const st = (await getJSON(k, ['pdb', 'web', '-n', NS])).status;
    expect(st).toMatchObject({ currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1, observedGeneration: 1 });
    expect(st.conditions).toEqual([expect.objectContaining({ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' })]);
    const d = await k.ok(['describe', 'pdb', 'web', '-n', NS]);
    expect(d).toMatch(/^Min available:\s+2$/m);
    expect(d).toMatch(/^Selector:\s+app=web$/m);
    expect(d).toMatch(/^Status:\n\s+Allowed disruptions:\s+1\n\s+Current:\s+3\n\s+Desired:\s+2\n\s+Total:\s+3$/m);
  });

  it('cordon and uncordon mark the node unschedulable and back', async () => {
    const node = Object.values(await nodeOf())[0] as string;
    expect(await k.ok(['cordon', node])).toBe(`node/${node} cordoned\n`);
    const rows = Object.fromEntries(records(await k.ok(['get', 'nodes'])).map((r) => [r.NAME, r]));
    expect(rows[node].STATUS).toBe('Ready,SchedulingDisabled');
    expect((await getJSON(k, ['node', node])).spec.unschedulable).toBe(true);
    expect(await k.ok(['uncordon', node])).toBe(`node/${node} uncordoned\n`);
    expect((await getJSON(k, ['node', node])).spec.unschedulable).toBeUndefined();
  });

  it('drain --dry-run=server evicts nothing and leaves the budget as it was', async () => {
    const before = await nodeOf();
    const node = before['web-0'];
    const r = await k.run(['drain', node, '--ignore-daemonsets', '--dry-run=server', '--timeout=20s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`node/${node} cordoned (server dry run)`);
    for (const p of pods.filter((p) => before[p] === node)) expect(r.stdout).toContain(`evicting pod ${NS}/${p} (server dry run)`);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`node/${node} drained (server dry run)`);
    expect((await getJSON(k, ['node', node])).spec.unschedulable).toBeUndefined();
    for (const p of pods) expect((await getJSON(k, ['pod', p, '-n', NS])).metadata.deletionTimestamp).toBeUndefined();
    const st = (await getJSON(k, ['pdb', 'web', '-n', NS])).status;
    expect(st.disruptionsAllowed).toBe(1);
    expect(st.disruptedPods).toBeUndefined();
  });

  it('drain evicts, is held back by the budget (429, retried), then completes', async () => {
    const before = await nodeOf();
    // the node holding two of the three pods: evicting both at once would leave one
    const counts: Record<string, number> = {};
    for (const n of Object.values(before) as string[]) counts[n] = (counts[n] ?? 0) + 1;
    const [node] = Object.entries(counts).sort((a, b) => b[1] - a[1])[0];
    const onNode = pods.filter((p) => before[p] === node);
    expect(onNode.length).toBeGreaterThanOrEqual(2);
    const uids = Object.fromEntries(((await getJSON(k, ['pods', '-n', NS])).items as any[]).map((p) => [p.metadata.name, p.metadata.uid]));

    const r = await k.run(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=60s'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`node/${node} cordoned`);
    for (const p of onNode) {
      expect(r.stdout).toContain(`evicting pod ${NS}/${p}`);
      expect(r.stdout).toContain(`pod/${p} evicted`);
    }
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`node/${node} drained`);
    // one of the two was refused while the other's replacement was not Ready yet
    expect(r.stderr).toMatch(
      new RegExp(`error when evicting pods/"(${onNode.join('|')})" -n "${NS}" \\(will retry after 5s\\): Cannot evict pod as it would violate the pod's disruption budget\\.`),
    );

    // the replacements run on the other node; the node is unschedulable
    await poll(async () => allRunning(k, NS, pods), 'web-0..2 Running again', 20_000);
    const after = await nodeOf();
    for (const p of pods) expect(after[p]).not.toBe(node);
    const newUids = Object.fromEntries(((await getJSON(k, ['pods', '-n', NS])).items as any[]).map((p) => [p.metadata.name, p.metadata.uid]));
    for (const p of onNode) expect(newUids[p]).not.toBe(uids[p]);
    expect((await getJSON(k, ['node', node])).spec.unschedulable).toBe(true);
    // the evicted pods were recorded and then forgotten once gone; the budget is whole again
    await poll(async () => (await pdbRow())['ALLOWED DISRUPTIONS'] === '1', 'the budget recovers');
    expect((await getJSON(k, ['pdb', 'web', '-n', NS])).status.disruptedPods).toBeUndefined();
    expect(await k.ok(['uncordon', node])).toBe(`node/${node} uncordoned\n`);
  });

  it('a budget allowing nothing stops the drain at its timeout', async () => {
    await k.ok(['patch', 'pdb', 'web', '-n', NS, '--type=merge', '-p', '{"spec":{"minAvailable":3}}']);
    await poll(async () => (await pdbRow())['ALLOWED DISRUPTIONS'] === '0', 'no disruption allowed');
    const node = (await nodeOf())['web-0'];
    const r = await k.run(['drain', node, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=3s'], { timeoutMs: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`error when evicting pods/"web-0" -n "${NS}" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.`);
    expect(r.stderr).toContain('global timeout reached: 3s');
    // nothing was evicted
    expect((await getJSON(k, ['pod', 'web-0', '-n', NS])).metadata.deletionTimestamp).toBeUndefined();
    await k.ok(['uncordon', node]);
  });
});
