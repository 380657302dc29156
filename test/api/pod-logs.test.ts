// pods/log: the container that answers and the kubelet's refusals (pkg/registry/core/pod/rest/log.go,
// pkg/kubelet/kubelet_pods.go validateContainerLogStatus), tail/since/timestamps/limitBytes, previous,
// and follow streaming until the container stops. The log is what the simulated container wrote
// (src/runtime/logs.ts): nginx's start-up lines, a shell main process's output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const POD = '/api/v1/namespaces/default/pods';
const MERGE = 'application/strategic-merge-patch+json';

beforeAll(async () => {
  emu = await startServer({ controllers: ['*'] });
});
afterAll(async () => emu.close());

async function until<T>(fn: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const getPod = async (name: string) => (await api().get(`${POD}/${name}`)).body;
const runningPod = (name: string, restarts = 0) =>
  until(async () => {
    const p = await getPod(name);
    const cs = p.status?.containerStatuses?.[0];
    return cs?.state?.running && cs.restartCount === restarts && p;
  });
async function createPod(name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) {
  await api()
    .post(POD)
    .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name, annotations }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], ...spec } })
    .expect(201);
}
const log = (name: string, query = '') => api().get(`${POD}/${name}/log${query}`).buffer(true).parse((res, cb) => {
  let s = '';
  res.on('data', (d: Buffer) => (s += d.toString()));
  res.on('end', () => cb(null, s));
});

describe('pods/log', () => {
  it('a running container: what it wrote, with timestamps, tail and limitBytes', async () => {
    await createPod('web');
    const p = await runningPod('web');
    const r = await until(async () => {
      const x = await log('web').expect(200);
      return String(x.body).includes('start worker processes') && x;
    });
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    const full = String(r.body);
    const lines = full.trimEnd().split('\n');
    // nginx's image entrypoint, then nginx itself
    expect(lines[0]).toBe('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration');
    const ts = String((await log('web', '?timestamps=true').expect(200)).body).split('\n')[0];
    // RFC3339Nano: Go drops the fraction's trailing zeros (and the dot when it is all zeros)
    expect(ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z \/docker-entrypoint\.sh: /);
    expect(Math.abs(Date.parse(ts.split(' ')[0]) - Date.parse(p.status.containerStatuses[0].state.running.startedAt))).toBeLessThan(3000);
    expect(String((await log('web', '?tailLines=1').expect(200)).body)).toBe(`${lines[lines.length - 1]}\n`);
    expect(String((await log('web', '?limitBytes=13').expect(200)).body)).toBe(full.slice(0, 13));
    // sinceTime after the lines: nothing
    expect(String((await log('web', `?sinceTime=${new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z')}`).expect(200)).body)).toBe('');
    expect(String((await log('web', '?sinceSeconds=3600').expect(200)).body)).toBe(full);
  });

  it('errors worded as upstream: unknown container, several containers, no previous container, waiting to start', async () => {
    let r = await api().get(`${POD}/web/log?container=nope`).expect(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400, message: 'container nope is not valid for pod web' });
    r = await api().get(`${POD}/web/log?previous=true`).expect(400);
    expect(r.body.message).toBe('previous terminated container "c" in pod "web" not found');
    await createPod('two', { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx' }], initContainers: [{ name: 'i', image: 'busybox', command: ['sh', '-c', 'echo init done'] }] });
    r = await api().get(`${POD}/two/log`).expect(400);
    expect(r.body.message).toBe('a container name must be specified for pod two, choose one of: [a b] or one of the init containers: [i]');
    await createPod('slow', {}, { 'kube-emulator.io/start-delay': '10s' });
    await until(async () => (await getPod('slow')).status?.containerStatuses);
    r = await api().get(`${POD}/slow/log`).expect(400);
    expect(r.body.message).toBe('container "c" in pod "slow" is waiting to start: ContainerCreating');
    await createPod('badimg', {}, { 'kube-emulator.io/image-pull-error': 'true' });
    await until(async () => (await getPod('badimg')).status?.containerStatuses?.[0]?.state?.waiting?.reason?.match(/ErrImagePull|ImagePullBackOff/));
    r = await api().get(`${POD}/badimg/log`).expect(400);
    expect(r.body.message).toMatch(/^container "c" in pod "badimg" is waiting to start: (image can't be pulled|trying and failing to pull image)$/);
    await api().get(`${POD}/missing/log`).expect(404);
  });

  it('an init container has its own log; a pod not yet on a node answers an empty log', async () => {
    await until(async () => (await getPod('two')).status?.initContainerStatuses?.[0]?.state?.terminated);
    const r = await until(async () => {
      const x = await log('two', '?container=i').expect(200);
      return String(x.body) ? x : undefined;
    });
    expect(String(r.body)).toBe('init done\n');
    await createPod('unbound', { schedulerName: 'nobody' });
    expect(String((await log('unbound').expect(200)).body)).toBe('');
  });

  it('a crash-looping container: --previous gives the instance that exited with code 1', async () => {
    await createPod('crash', {}, { 'kube-emulator.io/crash-loop': 'true' });
    await until(async () => (await getPod('crash')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff');
    const p = await getPod('crash');
    const r = await log('crash', '?previous=true').expect(200);
    expect(String(r.body).split('\n')[0]).toBe('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration');
    expect(p.status.containerStatuses[0].lastState.terminated.exitCode).toBe(1);
  });

  it('previous: the log of the container before a restart', async () => {
    const script = (v: string) => ({ containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', `echo run ${v}; sleep 3600`] }] });
    await createPod('restarted', script('one'));
    const before = await runningPod('restarted');
    await until(async () => String((await log('restarted').expect(200)).body) === 'run one\n');
    await api().patch(`${POD}/restarted`).set('Content-Type', MERGE).send({ spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'echo run two; sleep 3600'] }] } }).expect(422);
    // the command of a pod cannot change (only the image): the image changes, the run restarts
    await api().patch(`${POD}/restarted`).set('Content-Type', MERGE).send({ spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } }).expect(200);
    const after = await runningPod('restarted', 1);
    const prev = String((await log('restarted', '?previous=true&timestamps=true').expect(200)).body).trimEnd().split('\n');
    expect(prev).toHaveLength(1);
    expect(prev[0]).toMatch(/^\S+Z run one$/);
    expect(Math.abs(Date.parse(prev[0].split(' ')[0]) - Date.parse(before.status.containerStatuses[0].state.running.startedAt))).toBeLessThan(3000);
    await until(async () => String((await log('restarted').expect(200)).body) === 'run one\n');
    expect(after.status.containerStatuses[0].lastState.terminated.containerID).toBe(before.status.containerStatuses[0].containerID);
  });

  it('follow streams while the container runs and ends when the pod is deleted', async () => {
    await createPod('followed');
    await runningPod('followed');
    const { port } = emu.app.server.address() as AddressInfo;
    const chunks: string[] = [];
    const ended = new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: `${POD}/followed/log?follow=true` }, (res) => {
          res.on('data', (d: Buffer) => chunks.push(d.toString()));
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
        .on('error', reject);
    });
    await until(async () => chunks.join('').includes('start worker processes'));
    // still open: nothing ends it while the container runs
    await new Promise((r) => setTimeout(r, 200));
    let finished = false;
    void ended.then(() => (finished = true));
    await new Promise((r) => setTimeout(r, 0));
    expect(finished).toBe(false);
    await api().delete(`${POD}/followed`).expect(200);
    expect(await ended).toBe(200);
  });

  it('follow on a container that has exited returns at once', async () => {
    await createPod('done', { restartPolicy: 'Never' }, { 'kube-emulator.io/complete-after': '10ms' });
    await until(async () => (await getPod('done')).status?.phase === 'Succeeded');
    const t0 = Date.now();
    const r = await log('done', '?follow=true').expect(200);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(String(r.body).split('\n')[0]).toBe('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration');
  });

  it('follow ends when the container is replaced (image change)', async () => {
    await createPod('swap');
    await runningPod('swap');
    const pending = log('swap', '?follow=true');
    const done = pending.then((r) => r);
    await new Promise((r) => setTimeout(r, 100));
    await api().patch(`${POD}/swap`).set('Content-Type', MERGE).send({ spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } }).expect(200);
    const r = await done;
    expect(String(r.body)).toContain('start worker processes');
  });
});
