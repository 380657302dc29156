import { describe, it, expect } from 'vitest';
import { printers } from '../helpers/printers.js';

const NOW = Date.parse('2024-06-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const MIN = 60_000;

const pod = (status: any, spec: any = {}, meta: any = {}) => ({
  metadata: { name: 'p', creationTimestamp: ago(5 * MIN), ...meta },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
  status,
});
const p = printers.pods;
const cells = (o: any) => p.row(o, NOW) as any[];
const statusOf = (o: any) => cells(o)[2];

const running = { running: { startedAt: ago(MIN) } };

describe('pod columns', () => {
  it('has upstream names, types, formats and priorities', () => {
    expect(p.columns.map((c) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    expect(p.columns[0].format).toBe('name');
    expect(p.columns.map((c) => c.priority)).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1]);
    expect(p.columns.every((c) => c.type === 'string')).toBe(true);
    expect(p.columns.every((c) => c.description.length > 0)).toBe(true);
  });
  it('always renders the wide cells', () => {
    const c = cells(pod({ phase: 'Pending' }));
    expect(c).toEqual(['p', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
  });
  it('fills IP, Node, Nominated Node and Readiness Gates', () => {
    const o = pod(
      {
        phase: 'Running',
        podIPs: [{ ip: '10.0.0.5' }, { ip: 'fd00::5' }],
        nominatedNodeName: 'n2',
        conditions: [{ type: 'x/ok', status: 'True' }, { type: 'x/no', status: 'False' }],
        containerStatuses: [{ name: 'c', ready: true, state: running, restartCount: 0 }],
      },
      { nodeName: 'n1', readinessGates: [{ conditionType: 'x/ok' }, { conditionType: 'x/no' }, { conditionType: 'x/missing' }] },
    );
    expect(cells(o).slice(5)).toEqual(['10.0.0.5', 'n1', 'n2', '1/3']);
  });
});

describe('pod STATUS', () => {
  it('Pending (phase)', () => expect(statusOf(pod({ phase: 'Pending' }))).toBe('Pending'));
  it('status.reason wins over phase', () => expect(statusOf(pod({ phase: 'Failed', reason: 'Evicted' }))).toBe('Evicted'));
  it('ContainerCreating (waiting reason)', () => {
    expect(statusOf(pod({ phase: 'Pending', containerStatuses: [{ name: 'c', ready: false, state: { waiting: { reason: 'ContainerCreating' } } }] }))).toBe('ContainerCreating');
  });
  it('Running and READY', () => {
    const o = pod({ phase: 'Running', containerStatuses: [{ name: 'c', ready: true, state: running }] });
    expect(cells(o).slice(1, 3)).toEqual(['1/1', 'Running']);
  });
  it('Terminating with a deletionTimestamp', () => {
    const o = pod({ phase: 'Running', containerStatuses: [{ name: 'c', ready: true, state: running }] }, {}, { deletionTimestamp: ago(0) });
    expect(statusOf(o)).toBe('Terminating');
  });
  it('no Terminating for terminal phases; Unknown for NodeLost', () => {
    expect(statusOf(pod({ phase: 'Succeeded' }, {}, { deletionTimestamp: ago(0) }))).toBe('Succeeded');
    expect(statusOf(pod({ phase: 'Running', reason: 'NodeLost' }, {}, { deletionTimestamp: ago(0) }))).toBe('Unknown');
  });
  it('Completed and Error (terminated reasons)', () => {
    const done = pod({ phase: 'Succeeded', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] });
    expect(statusOf(done)).toBe('Completed');
    const err = pod({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 1, reason: 'Error' } } }] });
    expect(statusOf(err)).toBe('Error');
  });
  it('ExitCode:N and Signal:N without a reason', () => {
    expect(statusOf(pod({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 3 } } }] }))).toBe('ExitCode:3');
    expect(statusOf(pod({ phase: 'Failed', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 137, signal: 9 } } }] }))).toBe('Signal:9');
  });
  it('CrashLoopBackOff with restarts "N (Xm ago)"', () => {
    const o = pod({
      phase: 'Running',
      containerStatuses: [
        { name: 'c', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * MIN) } } },
      ],
    });
    expect(cells(o).slice(1, 4)).toEqual(['0/1', 'CrashLoopBackOff', '4 (2m ago)']);
  });
  it('restarts without a lastState time stay a plain number', () => {
    const o = pod({ phase: 'Running', containerStatuses: [{ name: 'c', ready: true, restartCount: 2, state: running }] });
    expect(cells(o)[3]).toBe('2');
  });
  it('containers are walked last to first: the first container decides', () => {
    const o = pod(
      {
        phase: 'Running',
        containerStatuses: [
          { name: 'a', state: { waiting: { reason: 'ImagePullBackOff' } } },
          { name: 'b', ready: true, state: running },
        ],
      },
      { containers: [{ name: 'a' }, { name: 'b' }] },
    );
    expect(cells(o).slice(1, 3)).toEqual(['1/2', 'ImagePullBackOff']);
  });
  it('NotReady / Running when one container completed and another runs', () => {
    const st = (ready: boolean) => ({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        { name: 'a', ready: true, state: running },
        { name: 'b', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
      ],
    });
    const spec = { containers: [{ name: 'a' }, { name: 'b' }] };
    expect(statusOf(pod(st(false), spec))).toBe('NotReady');
    expect(statusOf(pod(st(true), spec))).toBe('Running');
  });
  it('Init:0/1 while the init container runs', () => {
    const o = pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'i', state: running }], containerStatuses: [{ name: 'c', state: { waiting: { reason: 'PodInitializing' } } }] },
      { initContainers: [{ name: 'i' }] },
    );
    expect(cells(o).slice(1, 3)).toEqual(['0/1', 'Init:0/1']);
  });
  it('Init:Error, Init:ExitCode:N, Init:Signal:N and Init:<waiting reason>', () => {
    const spec = { initContainers: [{ name: 'i' }] };
    const withInit = (state: any) => pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state }] }, spec);
    expect(statusOf(withInit({ terminated: { exitCode: 1, reason: 'Error' } }))).toBe('Init:Error');
    expect(statusOf(withInit({ terminated: { exitCode: 2 } }))).toBe('Init:ExitCode:2');
    expect(statusOf(withInit({ terminated: { exitCode: 2, signal: 15 } }))).toBe('Init:Signal:15');
    expect(statusOf(withInit({ waiting: { reason: 'CrashLoopBackOff' } }))).toBe('Init:CrashLoopBackOff');
    expect(statusOf(withInit({ waiting: { reason: 'PodInitializing' } }))).toBe('Init:0/1');
  });
  it('a finished init container moves on to the next one', () => {
    const o = pod(
      { phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'i2', state: running }] },
      { initContainers: [{ name: 'i1' }, { name: 'i2' }] },
    );
    expect(statusOf(o)).toBe('Init:1/2');
  });
  it('SchedulingGated from the PodScheduled condition', () => {
    expect(statusOf(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }))).toBe('SchedulingGated');
  });
  it('READY counts started restartable (sidecar) init containers', () => {
    const o = pod(
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 'side', started: true, ready: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * MIN) } } }],
        containerStatuses: [{ name: 'c', ready: true, state: running, restartCount: 0 }],
      },
      { initContainers: [{ name: 'side', restartPolicy: 'Always' }] },
    );
    expect(cells(o).slice(1, 4)).toEqual(['2/2', 'Running', '1 (3m ago)']);
  });
  it('row conditions: Completed for Succeeded and Failed only', () => {
    expect(p.conditions!(pod({ phase: 'Succeeded' }))).toEqual([
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
    ]);
    expect((p.conditions!(pod({ phase: 'Failed' })) as any[])[0].reason).toBe('Failed');
    expect(p.conditions!(pod({ phase: 'Running' }))).toBeUndefined();
  });
  it('Age is <unknown> without a creationTimestamp', () => {
    expect(cells(pod({ phase: 'Pending' }, {}, { creationTimestamp: undefined }))[4]).toBe('<unknown>');
  });
});
