// E2E with real kubectl: the cluster-wide commands that walk every workload kind —
// `apply --prune` without an allowlist (kubectl's default prune set names Deployments, ReplicaSets,
// DaemonSets, StatefulSets, Jobs and CronJobs: each must answer) and `cluster-info dump`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';

const CM = (ns: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: keep, namespace: ${ns}, labels: {suite: prune}}
data: {a: "1"}
`;
const DEPLOY = (ns: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: gone, namespace: ${ns}, labels: {suite: prune}}
spec:
  replicas: 1
  selector: {matchLabels: {app: gone}}
  template:
    metadata: {labels: {app: gone}}
    spec: {containers: [{name: c, image: nginx:1.25}]}
`;
const JOB = (ns: string) => `apiVersion: batch/v1
kind: Job
metadata: {name: gone-job, namespace: ${ns}, labels: {suite: prune}}
spec:
  template:
    spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}
`;

describe.each(availableKubectls([29, 33]))('kubectl 1.$minor: cluster-wide workload commands', ({ minor, bin }) => {
  let emu: KubeEmulator;
  let k: Kubectl;
  const ns = `cw${minor}`;
  beforeAll(async () => {
    emu = await startServer({ controllers: ['*'] });
    k = new Kubectl(bin, emu.url);
    await k.ok(['create', 'ns', ns]);
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('apply --prune without an allowlist prunes a Deployment and a Job no longer in the set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prune-'));
    writeFileSync(join(dir, 'all.yaml'), `${CM(ns)}---\n${DEPLOY(ns)}---\n${JOB(ns)}`);
    writeFileSync(join(dir, 'cm.yaml'), CM(ns));
    await k.ok(['apply', '-f', join(dir, 'all.yaml')]);
    const r = await k.run(['apply', '--prune', '-l', 'suite=prune', '-f', join(dir, 'cm.yaml')]);
    expect(r.stderr).not.toMatch(/error|could not find/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('configmap/keep unchanged');
    expect(r.stdout).toContain('deployment.apps/gone pruned');
    expect(r.stdout).toContain('job.batch/gone-job pruned');
    const left = await k.ok(['get', 'deploy,jobs', '-n', ns, '-o', 'name']);
    expect(left.trim()).toBe('');
  }, 60_000);

  it('cluster-info dump lists every workload kind and the pods', async () => {
    await k.ok(['create', 'deployment', 'dumped', '-n', ns, '--image=nginx:1.25']);
    await k.ok(['rollout', 'status', 'deploy/dumped', '-n', ns, '--timeout=30s']);
    const r = await k.run(['cluster-info', 'dump', '--namespaces', ns]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const kind of ['NodeList', 'EventList', 'ReplicationControllerList', 'ServiceList', 'DaemonSetList', 'DeploymentList', 'ReplicaSetList', 'PodList'])
      expect(r.stdout).toContain(`"kind": "${kind}"`);
    expect(r.stdout).toMatch(/"name": "dumped-[a-z0-9]+-[a-z0-9]{5}"/);
  }, 60_000);
});
