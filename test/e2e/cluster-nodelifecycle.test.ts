// E2E (real kubectl): a Node created by hand, as test harnesses do, has no kubelet behind it: once
// the node lifecycle controller's grace period (shortened here) has passed, kubectl shows it
// NotReady with upstream's Unknown conditions and the unreachable taints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { startServer, testControllerOptions } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { nodeLifecycleController } from '../../src/controllers/nodes/lifecycle.js';
import { manifest, poll, records } from './fixtures/util.js';

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: a node without a kubelet goes NotReady', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let mgr: ControllerManager;
  let k: Kubectl;
  beforeAll(async () => {
    srv = await startServer({ controllers: [] });
    mgr = new ControllerManager(srv.registry, pino({ level: 'silent' }), testControllerOptions(), [nodeLifecycleController({ gracePeriodMs: 300, startupGracePeriodMs: 300, monitorPeriodMs: 100 })]);
    mgr.start(['*']);
    k = new Kubectl(bin, srv.url);
  });
  afterAll(async () => {
    mgr?.stop();
    await srv?.close();
  });

  it('kubectl create a Node: NotReady after the grace period, conditions Unknown, tainted unreachable', async () => {
    const file = manifest(`node-${minor}.yaml`, 'apiVersion: v1\nkind: Node\nmetadata:\n  name: fake-node\n');
    expect(await k.ok(['create', '-f', file])).toBe('node/fake-node created\n');
    const row = await poll(async () => {
      const r = records(await k.ok(['get', 'nodes']))[0];
      return r?.STATUS === 'NotReady' ? r : undefined;
    }, 'the node to be NotReady', 5000);
    expect(row).toMatchObject({ NAME: 'fake-node', STATUS: 'NotReady' });
    await poll(async () => (await k.ok(['get', 'node', 'fake-node', '-o', 'jsonpath={.spec.taints[*].key}'])).trim() !== '', 'taints', 5000);
    const d = await k.ok(['describe', 'node', 'fake-node']);
    expect(d).toMatch(/^Taints:\s+node\.kubernetes\.io\/unreachable:NoExecute\n\s+node\.kubernetes\.io\/unreachable:NoSchedule$/m);
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'])
      expect(d).toMatch(new RegExp(`^\\s+${type}\\s+Unknown\\s+.*NodeStatusNeverUpdated\\s+Kubelet never posted node status\\.$`, 'm'));
  });
});
