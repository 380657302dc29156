// TTL-after-finished controller on a FakeClock: finished Jobs are deleted ttlSecondsAfterFinished
// after their Complete/Failed condition's lastTransitionTime (foreground, so the garbage collector
// removes them), unfinished ones and ones without a TTL stay, a TTL raised before expiry is honoured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, testControllerOptions } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { ttlAfterFinishedController } from '../../src/controllers/ttlafterfinished/index.js';
import { garbageCollectorController } from '../../src/controllers/garbagecollector.js';
import { FakeClock, rfc3339 } from '../../src/controllers/runtime/index.js';
import type { KObject } from '../../src/resources/types.js';

const NS = 'default';
let emu: KubeEmulator;
let mgr: ControllerManager;
const clock = new FakeClock(Date.now());

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions({ clock }), [ttlAfterFinishedController, garbageCollectorController()]);
  mgr.start(['*']);
});
afterAll(async () => {
  mgr.stop();
  await emu.close();
});

const jobDef = () => emu.registry.mustDef('batch', 'jobs');
const exists = (name: string) => emu.registry.list(jobDef(), NS).items.some((j: KObject) => j.metadata.name === name);

function createJob(name: string, ttl?: number): void {
  emu.registry.create(jobDef(), NS, {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: { ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }), template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
  });
}

function finish(name: string, ok = true): void {
  const t = rfc3339(clock.now());
  const cond = (type: string) => ({ type, status: 'True', lastProbeTime: t, lastTransitionTime: t, reason: type, message: type });
  emu.registry.modify(
    jobDef(),
    NS,
    name,
    (j) => {
      j.status = ok
        ? { startTime: t, completionTime: t, succeeded: 1, conditions: [cond('SuccessCriteriaMet'), cond('Complete')] }
        : { startTime: t, failed: 1, conditions: [cond('FailureTarget'), cond('Failed')] };
    },
    { subresource: 'status' },
  );
}

async function advance(ms: number): Promise<void> {
  await mgr.settled();
  clock.advance(ms);
  await mgr.settled();
}

describe('ttl-after-finished controller', () => {
  it('deletes a finished Job once its TTL has run out, not before', async () => {
    createJob('short', 30);
    createJob('failed', 10);
    createJob('no-ttl');
    createJob('running', 0);
    finish('short');
    finish('failed', false);
    finish('no-ttl');
    await advance(9_000);
    expect(exists('failed')).toBe(true);
    await advance(2_000);
    expect(exists('failed')).toBe(false);
    expect(exists('short')).toBe(true);
    await advance(20_000);
    expect(exists('short')).toBe(false);
    await advance(3_600_000);
    expect(exists('no-ttl')).toBe(true);
    expect(exists('running')).toBe(true);
  });

  it('a TTL of 0 deletes the Job as soon as it finishes', async () => {
    createJob('zero', 0);
    await advance(1000);
    expect(exists('zero')).toBe(true);
    finish('zero');
    await advance(0);
    expect(exists('zero')).toBe(false);
  });

  it('honours a TTL raised before the old one expired', async () => {
    createJob('raised', 5);
    finish('raised');
    await advance(1000);
    emu.registry.modify(jobDef(), NS, 'raised', (j) => void (j.spec.ttlSecondsAfterFinished = 60));
    await advance(10_000);
    expect(exists('raised')).toBe(true);
    await advance(50_000);
    expect(exists('raised')).toBe(false);
  });
});
