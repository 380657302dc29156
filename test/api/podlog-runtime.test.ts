// pods/log through the simulated runtime's logs (src/runtime/logs.ts LogStore): what the container
// wrote, the current and the previous run, tail/since/timestamps/limitBytes, follow ending when the run
// ends, upstream's errors, and real kubectl (logs, -f, --previous, -c, --all-containers, --timestamps).
//
// Until the SimulatedRuntime is wired into the server, a front server here answers pods/log with
// servePodLog(…, store) and forwards everything else to the emulator; a stand-in runtime opens a log
// run per container start (status.restartCount) and ends it when the container stops, as the runtime
// will.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { StatusError } from '../../src/registry/errors.js';
import { servePodLog } from '../../src/server/podlog.js';
import { logParams } from '../../src/server/listoptions.js';
import { LogStore } from '../../src/runtime/logs.js';
import type { ContainerKey, ContainerLogSink } from '../../src/runtime/types.js';
import { startServer } from '../helpers/server.js';
import { availableKubectls, Kubectl } from '../helpers/kubectl.js';

let emu: KubeEmulator;
let front: FastifyInstance;
let frontURL: string;
const logs = new LogStore();
const POD = '/api/v1/namespaces/default/pods';
const MERGE = 'application/strategic-merge-patch+json';

/** What the SimulatedRuntime will do with the logs: a run per container start, ended at its stop. */
class StandInRuntime {
  /** `${uid}/${container}` -> the open run */
  readonly open = new Map<string, { restart: number; id: string; sink: ContainerLogSink; key: ContainerKey }>();
  stop: () => void = () => {};
  constructor(emu: KubeEmulator) {
    this.stop = emu.registry.store.subscribe((ch) => {
      const e = ch.entry;
      if (e.resource !== 'core/pods') return;
      const pod = JSON.parse(e.json);
      const uid = pod.metadata.uid;
      if (ch.type === 'DELETED') {
        for (const [k, run] of this.open) if (k.startsWith(`${uid}/`)) logs.end(run.key, run.restart);
        logs.remove(uid);
        return;
      }
      const all = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
      for (const s of all) {
        const k = `${uid}/${s.name}`;
        const cur = this.open.get(k);
        const key: ContainerKey = { namespace: pod.metadata.namespace, pod: pod.metadata.name, uid, container: s.name };
        if (cur && (cur.id !== s.containerID || !s.state?.running)) {
          cur.sink.write('stdout', `stopping ${cur.restart}\n`);
          logs.end(cur.key, cur.restart);
          this.open.delete(k);
        }
        if (s.state?.running && !this.open.has(k)) {
          const sink = logs.sink(key, s.restartCount ?? 0);
          this.open.set(k, { restart: s.restartCount ?? 0, id: s.containerID, sink, key });
          sink.write('stdout', `run ${s.restartCount ?? 0} of ${s.name}\n`);
        }
      }
    });
  }
  sink(pod: string, container = 'c'): ContainerLogSink {
    for (const run of this.open.values()) if (run.key.pod === pod && run.key.container === container) return run.sink;
    throw new Error(`no running ${pod}/${container}`);
  }
  run(pod: string, container = 'c') {
    for (const run of this.open.values()) if (run.key.pod === pod && run.key.container === container) return run;
    throw new Error(`no running ${pod}/${container}`);
  }
}
let rt: StandInRuntime;

beforeAll(async () => {
  emu = await startServer({ controllers: ['*'] });
  rt = new StandInRuntime(emu);
  const target = new URL(emu.url);
  front = Fastify({ logger: false });
  front.removeAllContentTypeParsers();
  front.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  front.setErrorHandler((err: any, _req, reply) => {
    if (err instanceof StatusError) return reply.code(err.code).header('Content-Type', 'application/json').send(JSON.stringify(err.toStatus()));
    return reply.code(500).send(String(err));
  });
  const podDef = emu.registry.defAt('', 'v1', 'pods')!;
  front.get('/api/v1/namespaces/:ns/pods/:name/log', async (req, reply) => {
    const { ns, name } = req.params as { ns: string; name: string };
    return servePodLog(emu.registry, podDef, ns, name, logParams(req.query as Record<string, unknown>, name), req, reply, logs);
  });
  // everything else goes to the emulator as it is
  front.all('/*', (req, reply) => {
    reply.hijack();
    const up = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.raw.url, headers: { ...req.headers, host: target.host } },
      (res) => {
        reply.raw.writeHead(res.statusCode ?? 502, res.headers);
        res.pipe(reply.raw);
      },
    );
    up.on('error', () => reply.raw.destroy());
    if (req.body) up.end(req.body as Buffer);
    else up.end();
  });
  await front.listen({ host: '127.0.0.1', port: 0 });
  frontURL = `http://127.0.0.1:${(front.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  rt?.stop();
  await front?.close();
  await emu?.close();
});

const api = () => request(frontURL);
async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const getPod = async (name: string) => (await request(emu.app.server).get(`${POD}/${name}`)).body;
const runningPod = (name: string, restarts = 0) =>
  until(async () => {
    const p = await getPod(name);
    const cs = p.status?.containerStatuses ?? [];
    return cs.length && cs.every((s: any) => s.state?.running && s.restartCount === restarts) && p;
  });
async function createPod(name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) {
  await request(emu.app.server)
    .post(POD)
    .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name, annotations }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], ...spec } })
    .expect(201);
}
const log = (name: string, query = '') =>
  api()
    .get(`${POD}/${name}/log${query}`)
    .buffer(true)
    .parse((res, cb) => {
      let s = '';
      res.on('data', (d: Buffer) => (s += d.toString()));
      res.on('end', () => cb(null, s));
    });
const text = async (name: string, query = '') => String((await log(name, query).expect(200)).body);

function follow(name: string, query = '') {
  const chunks: string[] = [];
  const { port } = front.server.address() as AddressInfo;
  let req!: http.ClientRequest;
  const ended = new Promise<number>((resolve, reject) => {
    req = http.get({ host: '127.0.0.1', port, path: `${POD}/${name}/log?follow=true${query}` }, (res) => {
      res.on('data', (d: Buffer) => chunks.push(d.toString()));
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  return { ended, text: () => chunks.join(''), abort: () => req.destroy() };
}

describe('pods/log from the runtime', () => {
  it('what the container wrote, with timestamps, tail, limitBytes, sinceSeconds and sinceTime', async () => {
    await createPod('web');
    await runningPod('web');
    await until(() => rt.open.size && rt.run('web'));
    rt.sink('web').write('stdout', 'hello\n');
    rt.sink('web').write('stderr', 'an error\n');
    const r = await log('web').expect(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    expect(String(r.body)).toBe('run 0 of c\nhello\nan error\n');
    const ts = (await text('web', '?timestamps=true')).trimEnd().split('\n');
    expect(ts).toHaveLength(3);
    for (const l of ts) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z \S/);
    expect(ts[1]).toMatch(/Z hello$/);
    expect(await text('web', '?tailLines=1')).toBe('an error\n');
    expect(await text('web', '?limitBytes=13')).toBe('run 0 of c\nhe');
    expect(await text('web', `?sinceTime=${new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z')}`)).toBe('');
    expect(await text('web', '?sinceSeconds=3600')).toBe('run 0 of c\nhello\nan error\n');
    // sinceTime between two lines, with a fraction: only the later one
    const second = ts[1].split(' ')[0];
    expect(await text('web', `?sinceTime=${second}`)).toBe('hello\nan error\n');
  });

  it("upstream's errors: unknown container, no container named, no previous run, waiting to start", async () => {
    let r = await api().get(`${POD}/web/log?container=nope`).expect(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400, message: 'container nope is not valid for pod web' });
    r = await api().get(`${POD}/web/log?previous=true`).expect(400);
    expect(r.body.message).toBe('previous terminated container "c" in pod "web" not found');
    await createPod('two', { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx' }] });
    r = await api().get(`${POD}/two/log`).expect(400);
    expect(r.body.message).toBe('a container name must be specified for pod two, choose one of: [a b]');
    await createPod('slow', {}, { 'kube-emulator.io/start-delay': '10s' });
    await until(async () => (await getPod('slow')).status?.containerStatuses);
    r = await api().get(`${POD}/slow/log`).expect(400);
    expect(r.body.message).toBe('container "c" in pod "slow" is waiting to start: ContainerCreating');
    await api().get(`${POD}/missing/log`).expect(404);
  });

  it('previous: the run before the restart; the current run has its own log', async () => {
    await createPod('restarted');
    await runningPod('restarted');
    await until(() => rt.open.size && rt.run('restarted'));
    rt.sink('restarted').write('stdout', 'first life\n');
    await request(emu.app.server).patch(`${POD}/restarted`).set('Content-Type', MERGE).send({ spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } }).expect(200);
    await runningPod('restarted', 1);
    await until(() => rt.run('restarted').restart === 1);
    rt.sink('restarted').write('stdout', 'second life\n');
    expect(await text('restarted', '?previous=true')).toBe('run 0 of c\nfirst life\nstopping 0\n');
    expect(await text('restarted')).toBe('run 1 of c\nsecond life\n');
    // follow on the previous run returns at once
    const f = follow('restarted', '&previous=true');
    expect(await f.ended).toBe(200);
    expect(f.text()).toBe('run 0 of c\nfirst life\nstopping 0\n');
  });

  it('follow streams what the container writes and ends when the run ends (the container stops)', async () => {
    await createPod('followed');
    await runningPod('followed');
    await until(() => rt.open.size && rt.run('followed'));
    const f = follow('followed');
    await until(() => f.text().includes('run 0 of c\n'));
    rt.sink('followed').write('stdout', 'tick 1\n');
    await until(() => f.text().includes('tick 1\n'));
    let finished = false;
    void f.ended.then(() => (finished = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(finished).toBe(false);
    rt.sink('followed').write('stdout', 'last words');
    const run = rt.run('followed');
    logs.end(run.key, run.restart);
    expect(await f.ended).toBe(200);
    expect(f.text()).toBe('run 0 of c\ntick 1\nlast words');
  });

  it('follow with tailLines and limitBytes; the limit ends the stream', async () => {
    await createPod('limited');
    await runningPod('limited');
    await until(() => rt.open.size && rt.run('limited'));
    rt.sink('limited').write('stdout', 'a\nb\n');
    const f = follow('limited', '&tailLines=1&limitBytes=8');
    await until(() => f.text() === 'b\n');
    rt.sink('limited').write('stdout', 'cccc\ndddd\n');
    expect(await f.ended).toBe(200);
    expect(f.text()).toBe('b\ncccc\nd');
  });

  it('follow ends when the pod is deleted', async () => {
    await createPod('gone');
    await runningPod('gone');
    await until(() => rt.open.size && rt.run('gone'));
    const f = follow('gone');
    await until(() => f.text().includes('run 0'));
    await request(emu.app.server).delete(`${POD}/gone`).expect(200);
    expect(await f.ended).toBe(200);
    expect(f.text()).toBe('run 0 of c\nstopping 0\n');
  });

  it('a client that goes away stops its follow (no leak)', async () => {
    const f = follow('web');
    await until(() => f.text().includes('hello'));
    f.abort();
    void f.ended.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    // the follower was woken and went: writing to the run reaches nobody and breaks nothing
    rt.sink('web').write('stdout', 'after\n');
    // the server still answers
    expect(await text('web', '?tailLines=1')).toBe('after\n');
  });
});

const kubectls = availableKubectls([29, 33]);
describe.skipIf(!kubectls.length)('kubectl logs through the runtime', () => {
  for (const { minor, bin } of kubectls) {
    it(`kubectl 1.${minor}: logs, --timestamps, --tail, -c, --all-containers, --previous, -f until the run ends`, async () => {
      const k = new Kubectl(bin, frontURL);
      expect(await k.ok(['logs', 'web'])).toBe('run 0 of c\nhello\nan error\nafter\n');
      expect(await k.ok(['logs', 'web', '--tail=1'])).toBe('after\n');
      expect((await k.ok(['logs', 'web', '--timestamps'])).split('\n')[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z run 0 of c$/);
      expect(await k.ok(['logs', 'web', '--limit-bytes=5'])).toBe('run 0');
      expect(await k.ok(['logs', 'web', '--since=1h'])).toBe('run 0 of c\nhello\nan error\nafter\n');
      expect(await k.ok(['logs', 'web', `--since-time=${new Date(Date.now() + 60_000).toISOString()}`])).toBe('');
      expect(await k.ok(['logs', 'restarted', '--previous'])).toBe('run 0 of c\nfirst life\nstopping 0\n');
      let r = await k.run(['logs', 'web', '--previous']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('previous terminated container "c" in pod "web" not found');

      await until(() => rt.open.size && rt.run('two', 'a') && rt.run('two', 'b'));
      expect(await k.ok(['logs', 'two', '-c', 'b'])).toBe('run 0 of b\n');
      expect((await k.ok(['logs', 'two', '--all-containers'])).trimEnd().split('\n').sort()).toEqual(['run 0 of a', 'run 0 of b']);
      // (the order is kubectl's: newer ones fetch the containers in parallel)
      const prefixed = (await k.ok(['logs', 'two', '--all-containers', '--prefix'])).trimEnd().split('\n').sort();
      expect(prefixed).toEqual(['[pod/two/a] run 0 of a', '[pod/two/b] run 0 of b']);
      r = await k.run(['logs', 'web', '-c', 'nope']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('container nope is not valid for pod web');

      // -f: exits 0 once the run ends
      const name = `f${minor}`;
      await createPod(name);
      await runningPod(name);
      await until(() => rt.open.size && rt.run(name));
      const pending = k.run(['logs', '-f', name], { timeoutMs: 15_000 });
      await new Promise((res) => setTimeout(res, 500));
      rt.sink(name).write('stdout', 'followed\n');
      await new Promise((res) => setTimeout(res, 300));
      const run = rt.run(name);
      logs.end(run.key, run.restart);
      r = await pending;
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('run 0 of c\nfollowed\n');

      // -f --all-containers: one stream per container, all ending with their runs
      const two = k.run(['logs', '-f', 'two', '--all-containers'], { timeoutMs: 15_000 });
      await new Promise((res) => setTimeout(res, 500));
      for (const c of ['a', 'b']) {
        const x = rt.run('two', c);
        logs.end(x.key, x.restart);
      }
      r = await two;
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').sort().join('\n')).toBe('\nrun 0 of a\nrun 0 of b');
    }, 60_000);
  }
});
