// The fast pod-stage profile still takes a moment to stop a deleted pod's containers: a pod that
// vanished (and was re-created by its StatefulSet) within ms of its DELETE left `kubectl delete pod`
// waiting forever (it GETs the old pod, then lists the new one and waits for a Deleted event).
import { describe, it, expect } from 'vitest';
import { stageDelayMs } from '../../src/controllers/nodeagent/agent.js';
import { DEFAULT_STAGES, PROFILES } from '../../src/controllers/nodeagent/index.js';

const kill = DEFAULT_STAGES.find((s) => s.next === 'kill')!;
const create = DEFAULT_STAGES.find((s) => s.next === 'create')!;
const pod = (annotations?: Record<string, string>) => ({ metadata: { name: 'p', annotations }, spec: { containers: [{ name: 'c' }] } });

describe('node agent stop delay', () => {
  it('fast profile: a graceful stop takes minStopMs, other steps none', () => {
    expect(PROFILES.fast.minStopMs).toBeGreaterThanOrEqual(100);
    expect(stageDelayMs(kill.delay, pod(), undefined, PROFILES.fast)).toBe(PROFILES.fast.minStopMs);
    expect(stageDelayMs(create.delay, pod(), undefined, PROFILES.fast)).toBe(0);
  });

  it('the stop-delay annotation still wins', () => {
    expect(stageDelayMs(kill.delay, pod({ 'kube-emulator.io/stop-delay': '0s' }), undefined, PROFILES.fast)).toBe(0);
    expect(stageDelayMs(kill.delay, pod({ 'kube-emulator.io/stop-delay': '2s' }), undefined, PROFILES.fast)).toBe(2000);
  });

  it('default profile: 100-500 ms', () => {
    for (let i = 0; i < 20; i++) {
      const d = stageDelayMs(kill.delay, pod(), undefined, PROFILES.default);
      expect(d).toBeGreaterThanOrEqual(100);
      expect(d).toBeLessThan(500);
    }
  });
});
