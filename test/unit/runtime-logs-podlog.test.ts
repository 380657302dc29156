// Which run of a container pods/log reads from the runtime's logs (src/server/podlog.ts logRun): the
// current run is numbered by status.restartCount, `previous` (and lastState while the container waits to
// restart) is the newest run below it.
import { describe, expect, it } from 'vitest';
import { LogStore } from '../../src/runtime/logs.js';
import { logInstance, logRun } from '../../src/server/podlog.js';
import type { ContainerKey } from '../../src/runtime/types.js';

const key: ContainerKey = { namespace: 'default', pod: 'p', uid: 'u', container: 'c' };
const term = (id: string, code = 1) => ({ terminated: { containerID: id, exitCode: code, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z' } });
const pod = (status: Record<string, unknown>) => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u' },
  spec: { nodeName: 'n', containers: [{ name: 'c', image: 'busybox' }] },
  status: { containerStatuses: [{ name: 'c', ...status }] },
});

function store(runs: Array<[number, boolean]>) {
  const logs = new LogStore();
  for (const [r, ended] of runs) {
    logs.sink(key, r).write('stdout', `run ${r}\n`);
    if (ended) logs.end(key, r);
  }
  return logs;
}

function pick(p: any, logs: LogStore, previous: boolean) {
  const inst = logInstance(p, 'c', previous);
  if (typeof inst === 'string') return inst;
  return logRun(p, 'c', inst, logs, key);
}

describe('logRun', () => {
  it('running: the current run is restartCount, previous the one before', () => {
    const p = pod({ restartCount: 2, containerID: 'containerd://c2', state: { running: { startedAt: '2026-01-01T00:00:02Z' } }, lastState: term('containerd://c1') });
    const logs = store([[1, true], [2, false]]);
    expect(pick(p, logs, false)).toBe(2);
    expect(pick(p, logs, true)).toBe(1);
    // a current run the runtime has not opened yet is still the one followed
    expect(pick(p, store([[1, true]]), false)).toBe(2);
  });

  it('waiting to restart (CrashLoopBackOff): the last run, for both current and previous', () => {
    const p = pod({ restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: term('containerd://c1') });
    expect(pick(p, store([[0, true], [1, true]]), false)).toBe(1);
    expect(pick(p, store([[0, true], [1, true]]), true)).toBe(1);
    // the next run has just started in the runtime, the status does not say so yet: the ended one
    expect(pick(p, store([[1, true], [2, false]]), true)).toBe(1);
    // the kubelet's own numbering (restartCount not yet raised while waiting) picks the same run
    const upstream = pod({ restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: term('containerd://c1') });
    expect(pick(upstream, store([[0, true], [1, true]]), true)).toBe(1);
  });

  it('terminated: its own run; previous without one is the kubelet error', () => {
    const p = pod({ restartCount: 0, state: term('containerd://c0', 0) });
    expect(pick(p, store([[0, true]]), false)).toBe(0);
    expect(pick(p, store([[0, true]]), true)).toBe('previous terminated container "c" in pod "p" not found');
    // a previous run the store does not keep: nothing to read
    const q = pod({ restartCount: 3, containerID: 'containerd://c3', state: { running: {} }, lastState: term('containerd://c2') });
    expect(pick(q, store([[3, false]]), true)).toBeUndefined();
  });
});
