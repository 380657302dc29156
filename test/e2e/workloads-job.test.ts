// E2E: Jobs with real kubectl (1.29 and 1.33; 1.32+ sends `create job` as protobuf): create job,
// wait --for=condition=complete / failed, an Indexed Job, get -o wide, describe (every controller,
// zero-delay pod stages: the node agent finishes Job pods, kube-emulator.io/fail fails them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';

const NS = 'jobs';

function manifest(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'job-e2e-'));
  const f = join(dir, 'job.yaml');
  writeFileSync(f, yaml);
  return f;
}

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: Jobs', ({ minor, bin }) => {
  let emu: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    emu = await startServer({ controllers: ['*'], podStages: 'fast' });
    k = new Kubectl(bin, emu.url);
    await k.ok(['create', 'ns', NS]);
  });
  afterAll(async () => {
    await emu?.close();
  });

  const json = async (args: string[]) => JSON.parse(await k.ok([...args, '-o', 'json']));

  it('create job pi --image=busybox -- echo hi, then wait --for=condition=complete', async () => {
    expect(await k.ok(['create', 'job', 'pi', '-n', NS, '--image=busybox', '--', 'echo', 'hi'])).toBe('job.batch/pi created\n');
    expect(await k.ok(['wait', '--for=condition=complete', 'job/pi', '-n', NS, '--timeout=30s'])).toBe('job.batch/pi condition met\n');
    const j = await json(['get', 'job', 'pi', '-n', NS]);
    expect(j.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed' });
    expect(j.spec.template.spec.restartPolicy).toBe('Never');
    expect(j.spec.template.spec.containers[0]).toMatchObject({ name: 'pi', image: 'busybox', command: ['echo', 'hi'] });
    expect(j.status).toMatchObject({ succeeded: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    const pods = await json(['get', 'pods', '-n', NS, '-l', 'job-name=pi']);
    expect(pods.items).toHaveLength(1);
    expect(pods.items[0].status.phase).toBe('Succeeded');
  });

  it('create job sends protobuf from 1.32 on', async () => {
    const r = await k.run(['create', 'job', 'proto', '-n', NS, '--image=busybox', '-v=8', '--', 'true']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('job.batch/proto created\n');
    const sent = /Content-Type: (application\/[^\s"]+)/.exec(r.stderr.slice(r.stderr.indexOf('POST')))?.[1];
    expect(sent).toBe(minor >= 32 ? 'application/vnd.kubernetes.protobuf' : 'application/json');
  });

  it('completions 5 parallelism 2 completes; get jobs -o wide', async () => {
    const f = manifest(`apiVersion: batch/v1
kind: Job
metadata:
  name: five
  namespace: ${NS}
spec:
  completions: 5
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox:1.36
        command: ["sh", "-c", "echo done"]
`);
    expect(await k.ok(['apply', '-f', f])).toBe('job.batch/five created\n');
    await k.ok(['wait', '--for=condition=complete', 'job/five', '-n', NS, '--timeout=30s']);
    const j = await json(['get', 'job', 'five', '-n', NS]);
    expect(j.status.succeeded).toBe(5);
    const wide = (await k.ok(['get', 'jobs', 'five', '-n', NS, '-o', 'wide'])).trimEnd().split('\n');
    expect(wide[0].split(/\s{2,}/)).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    const cells = wide[1].split(/\s+/);
    expect(cells.slice(0, 3)).toEqual(['five', 'Complete', '5/5']);
    expect(cells[3]).toMatch(/^\d+s$/);
    expect(cells.slice(5)).toEqual(['work', 'busybox:1.36', `batch.kubernetes.io/controller-uid=${j.metadata.uid}`]);
    const pods = await json(['get', 'pods', '-n', NS, '-l', 'batch.kubernetes.io/job-name=five']);
    expect(pods.items.filter((p: any) => p.status.phase === 'Succeeded')).toHaveLength(5);
  });

  it('an Indexed Job: pods per index, completedIndexes', async () => {
    const f = manifest(`apiVersion: batch/v1
kind: Job
metadata:
  name: idx
  namespace: ${NS}
spec:
  completions: 3
  parallelism: 3
  completionMode: Indexed
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox
        command: ["sh", "-c", "echo $JOB_COMPLETION_INDEX"]
`);
    await k.ok(['apply', '-f', f]);
    await k.ok(['wait', '--for=condition=complete', 'job/idx', '-n', NS, '--timeout=30s']);
    const j = await json(['get', 'job', 'idx', '-n', NS]);
    expect(j.status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    const out = await k.ok([
      'get',
      'pods',
      '-n',
      NS,
      '-l',
      'job-name=idx',
      '-o',
      `jsonpath={range .items[*]}{.metadata.annotations.batch\\.kubernetes\\.io/job-completion-index} {.spec.hostname}{"\\n"}{end}`,
    ]);
    expect(out.trim().split('\n').sort()).toEqual(['0 idx-0', '1 idx-1', '2 idx-2']);
  });

  it('a failing Job reaches its backoffLimit: wait --for=condition=failed; describe job', async () => {
    const f = manifest(`apiVersion: batch/v1
kind: Job
metadata:
  name: boom
  namespace: ${NS}
spec:
  backoffLimit: 2
  template:
    metadata:
      annotations:
        kube-emulator.io/fail: "true"
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox
        command: ["false"]
`);
    await k.ok(['apply', '-f', f]);
    expect(await k.ok(['wait', '--for=condition=failed', 'job/boom', '-n', NS, '--timeout=30s'])).toBe('job.batch/boom condition met\n');
    const j = await json(['get', 'job', 'boom', '-n', NS]);
    expect(j.status.failed).toBe(3);
    expect(j.status.conditions.map((c: any) => [c.type, c.reason])).toEqual([
      ['FailureTarget', 'BackoffLimitExceeded'],
      ['Failed', 'BackoffLimitExceeded'],
    ]);
    const row = (await k.ok(['get', 'job', 'boom', '-n', NS, '--no-headers'])).split(/\s+/);
    expect(row.slice(0, 3)).toEqual(['boom', 'Failed', '0/1']);
    const d = await k.ok(['describe', 'job', 'boom', '-n', NS]);
    expect(d).toMatch(/^Name:\s+boom$/m);
    expect(d).toMatch(/^Completions:\s+1$/m);
    expect(d).toMatch(/^Completion Mode:\s+NonIndexed$/m);
    expect(d).toMatch(/^Pods Statuses:\s+0 Active \(0 Ready\) \/ 0 Succeeded \/ 3 Failed$/m);
    expect(d).toMatch(/Warning\s+BackoffLimitExceeded\s+.*job-controller\s+Job has reached the specified backoff limit/);
    expect(d).toMatch(/Normal\s+SuccessfulCreate\s+.*job-controller\s+Created pod: boom-[a-z0-9]{5}/);
  });

  it('suspend a running Job (pods deleted, Suspended), resume it (pods again)', async () => {
    const f = manifest(`apiVersion: batch/v1
kind: Job
metadata:
  name: pausable
  namespace: ${NS}
spec:
  parallelism: 2
  completions: 2
  template:
    metadata:
      annotations:
        kube-emulator.io/complete-after: 1h
    spec:
      restartPolicy: Never
      containers:
      - name: work
        image: busybox
`);
    await k.ok(['apply', '-f', f]);
    const running = async () => (await json(['get', 'pods', '-n', NS, '-l', 'job-name=pausable'])).items.filter((p: any) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp).length;
    for (let i = 0; i < 100 && (await running()) < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await running()).toBe(2);
    await k.ok(['patch', 'job', 'pausable', '-n', NS, '--type=merge', '-p', '{"spec":{"suspend":true}}']);
    expect(await k.ok(['wait', '--for=condition=suspended', 'job/pausable', '-n', NS, '--timeout=20s'])).toBe('job.batch/pausable condition met\n');
    for (let i = 0; i < 100 && (await json(['get', 'pods', '-n', NS, '-l', 'job-name=pausable'])).items.length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await json(['get', 'pods', '-n', NS, '-l', 'job-name=pausable'])).items).toEqual([]);
    const row = (await k.ok(['get', 'job', 'pausable', '-n', NS, '--no-headers'])).split(/\s+/);
    expect(row.slice(0, 3)).toEqual(['pausable', 'Suspended', '0/2']);
    await k.ok(['patch', 'job', 'pausable', '-n', NS, '--type=merge', '-p', '{"spec":{"suspend":false}}']);
    for (let i = 0; i < 100 && (await running()) < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await running()).toBe(2);
    const j = await json(['get', 'job', 'pausable', '-n', NS]);
    expect(j.status.conditions.find((c: any) => c.type === 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
  });

  it('explain knows the Job fields', async () => {
    const out = await k.ok(['explain', 'job.spec.podFailurePolicy.rules.action']);
    expect(out).toMatch(/^KIND:\s+Job$/m);
    expect(out).toMatch(/^GROUP:\s+batch$/m);
    expect(out).toMatch(/^VERSION:\s+v1$/m);
    expect(out).toMatch(/FailIndex/);
    const st = await k.ok(['explain', 'jobs.status.uncountedTerminatedPods']);
    expect(st).toMatch(/succeeded/);
  });

  it('describe a completed job', async () => {
    const d = await k.ok(['describe', 'job', 'pi', '-n', NS]);
    expect(d).toMatch(/^Selector:\s+batch\.kubernetes\.io\/controller-uid=/m);
    expect(d).toMatch(/^Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed$/m);
    expect(d).toMatch(/Normal\s+Completed\s+.*job-controller\s+Job completed/);
  });
});
