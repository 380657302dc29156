// The runtime's cost at pod start (1,000 replicas: a record each, no directory, no listener), a
// crash-looping container's new run per restart, attach to a container without a main process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { SimulatedRuntime } from '../../src/runtime/runtime.js';
import { startServer } from '../helpers/server.js';
import { captureStreams, httpGet, memoryLogs, standInParts } from '../helpers/runtime-standins.js';

let emu: KubeEmulator;
const serverLogs = memoryLogs();
const api = () => request(emu.app.server);

beforeAll(async () => {
  emu = await startServer({ controllers: ['*'], runtimeOptions: { parts: standInParts(serverLogs) } });
});
afterAll(async () => emu?.close());

async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function fakePod(i: number, image: string, command?: string[]) {
  return {
    metadata: { namespace: 'scale', name: `p-${i}`, uid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}` },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image, ...(command ? { command } : {}) }] },
    status: {
      phase: 'Running',
      podIP: `10.244.${Math.floor(i / 250)}.${(i % 250) + 2}`,
      containerStatuses: [{ name: 'c', restartCount: 0, containerID: `containerd://${i}`, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }],
    },
  };
}

describe('SimulatedRuntime cost', () => {
  it('1,000 web-server and 1,000 shell containers start without touching the disk', async () => {
    const logs = memoryLogs();
    const rt = new SimulatedRuntime({
      ...standInParts(logs),
      createFS: standInParts().createFS!,
      runCommand: standInParts().runCommand!,
      registry: emu.registry,
      informers: emu.controllers.informers,
      logger: emu.logger,
      volumesDir: '/nonexistent',
    });
    try {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 1000; i++) rt.syncPod(fakePod(i, 'nginx'));
      const t1 = process.hrtime.bigint();
      for (let i = 1000; i < 2000; i++) rt.syncPod(fakePod(i, 'busybox', ['sh', '-c', 'echo hi']));
      const t2 = process.hrtime.bigint();
      const web = Number(t1 - t0) / 1e6 / 1000;
      const shell = Number(t2 - t1) / 1e6 / 1000;
      // eslint-disable-next-line no-console
      console.log(`runtime cost per pod start: web server ${web.toFixed(3)} ms, shell main process ${shell.toFixed(3)} ms`);
      expect(rt.runningContainers()).toHaveLength(2000);
      // (well under 1 ms on an idle machine; the bound leaves room for a busy one)
      expect(web).toBeLessThan(5);
      expect(existsSync(join(rt.root, 'pods'))).toBe(false);
      // the first connection sets up that one pod
      const ctx = await rt.contextOf({ namespace: 'scale', pod: 'p-1500', container: 'c' });
      expect((await httpGet(ctx, 'http://10.244.0.7/')).body).toContain('Welcome to nginx!');
      expect(existsSync(join(rt.root, 'pods', fakePod(5, 'nginx').metadata.uid))).toBe(true);
      expect(existsSync(join(rt.root, 'pods', fakePod(6, 'nginx').metadata.uid))).toBe(false);
      rt.syncPod({ ...fakePod(5, 'nginx'), status: { phase: 'Succeeded', podIP: '10.244.0.7', containerStatuses: [{ name: 'c', state: { terminated: { exitCode: 0 } } }] } });
      await expect(ctx.network.connect('10.244.0.7', 80)).rejects.toMatchObject({ code: 'EHOSTUNREACH' });
      // odd pods never throw
      for (const odd of [null, {}, { metadata: { uid: 'x' } }, { metadata: { uid: 'y' }, status: { containerStatuses: [null, { name: 'c', state: { running: {} } }] } }]) {
        rt.syncPod(odd as any);
        rt.podDeleted(odd as any);
      }
    } finally {
      await rt.close();
    }
    expect(existsSync(rt.root)).toBe(false);
  });
});

describe('SimulatedRuntime restarts and attach', () => {
  it('a crash-looping container: a new run (restart count) with a log of its own', async () => {
    await api().post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'crash' } });
    await api()
      .post('/api/v1/namespaces/crash/pods')
      .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cl', annotations: { 'kube-emulator.io/crash-loop': 'true' } }, spec: { containers: [{ name: 'c', image: 'busybox', command: ['echo', 'run'] }] } })
      .expect(201);
    const rt = emu.runtime as SimulatedRuntime;
    const uid = (await api().get('/api/v1/namespaces/crash/pods/cl')).body.metadata.uid;
    // each run has its log (the main process echoes), the run before ends
    await until(() => serverLogs.text(uid, 'c', 0) === 'run\n' && serverLogs.text(uid, 'c', 1) === 'run\n' && serverLogs.ended.includes(`${uid}/c/0`), 15000);
    const now = rt.runningContainers().find((c) => c.key.uid === uid);
    if (now) expect(now.key).toEqual({ namespace: 'crash', pod: 'cl', uid, container: 'c' });
  }, 20000);

  it('attach to a web server: its access log lines from then on; ends when the client goes', async () => {
    await api().post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'att' } });
    await api().post('/api/v1/namespaces/att/pods').send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'w' }, spec: { containers: [{ name: 'c', image: 'httpd:2.4.62' }] } }).expect(201);
    const rt = emu.runtime as SimulatedRuntime;
    const p = await until(async () => {
      const x = (await api().get('/api/v1/namespaces/att/pods/w')).body;
      return x.status?.containerStatuses?.[0]?.ready && x;
    });
    const cap = captureStreams();
    rt.check({ namespace: 'att', pod: 'w', container: 'c' }, 'attach');
    const done = rt.attach({ namespace: 'att', pod: 'w', container: 'c' }, cap.streams);
    const ctx = await rt.contextOf({ namespace: 'att', pod: 'w', container: 'c' });
    const r = await httpGet(ctx, `http://${p.status.podIP}/`);
    expect(r.body).toBe('<html><body><h1>It works!</h1></body></html>\n');
    await until(() => cap.stdout().includes('"GET / HTTP/1.1" 200 45'));
    expect(cap.stdout()).toMatch(/^\S+ - - \[[^\]]+\] "GET \/ HTTP\/1\.1" 200 45\n$/);
    cap.abort();
    expect(await done).toEqual({ exitCode: 0 });
  });
});
