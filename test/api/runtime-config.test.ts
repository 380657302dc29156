// The runtime's configuration in a server: --image-dir layers, --runtime-config (a custom web-server
// image, log lines, env, a port mapped to a local address), the port-forward annotation, hostPath
// volumes under the host-path root, and the web server's answers to odd requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import type { SimulatedRuntime } from '../../src/runtime/runtime.js';
import { startServer } from '../helpers/server.js';
import { captureStreams, standInParts, type MemoryLogs } from '../helpers/runtime-standins.js';

let emu: KubeEmulator;
let rt: SimulatedRuntime;
let logs: MemoryLogs;
let dir: string;
let echo: Server;
let echoPort: number;
const api = () => request(emu.app.server);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtcfg-'));
  mkdirSync(join(dir, 'images', 'myorg', 'site', 'v2', 'srv'), { recursive: true });
  writeFileSync(join(dir, 'images', 'myorg', 'site', 'v2', 'srv', 'index.html'), 'site v2\n');
  mkdirSync(join(dir, 'images', 'busybox', 'etc'), { recursive: true });
  writeFileSync(join(dir, 'images', 'busybox', 'etc', 'os-release'), 'NAME=BusyBox\n');
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as { port: number }).port;
  const parts = standInParts();
  logs = parts.logs;
  emu = await startServer({
    controllers: ['*'],
    runtimeOptions: {
      parts,
      imageDir: join(dir, 'images'),
      hostPathRoot: join(dir, 'host'),
      config: {
        images: [
          { image: 'myorg/site', serve: { type: 'http-static', root: '/srv', port: 8080, flavor: 'nginx' }, logs: ['site starting', 'site ready'], env: { SITE: 'yes' } },
          { image: 'myorg/db', forward: { 5432: `127.0.0.1:${echoPort}` } },
        ],
      },
    },
  });
  rt = emu.runtime as SimulatedRuntime;
  await api().post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cfg' } });
});
afterAll(async () => {
  await emu?.close();
  echo?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
async function runningPod(name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}) {
  await api().post('/api/v1/namespaces/cfg/pods').send({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec }).expect(201);
  return until(async () => {
    const p = (await api().get(`/api/v1/namespaces/cfg/pods/${name}`)).body;
    return p.status?.containerStatuses?.every((c: any) => c.ready) && p.status.podIP && p;
  });
}
async function run(pod: string, command: string[]) {
  const cap = captureStreams();
  const r = await rt.exec({ namespace: 'cfg', pod, container: 'c' }, command, cap.streams);
  return { ...r, stdout: cap.stdout(), stderr: cap.stderr() };
}
function raw(sock: Duplex, req: string): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    sock.on('data', (d: Buffer) => (s += d.toString()));
    sock.on('end', () => resolve(s));
    sock.write(req);
  });
}
const get = async (pod: string, port: number, path: string, method = 'GET') =>
  raw(await rt.portForward('cfg', pod, port), `${method} ${path} HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`);

describe('runtime configuration', () => {
  it('--image-dir: the image layer per repository and tag; a configured web server, its log lines and env', async () => {
    const p = await runningPod('site', { containers: [{ name: 'c', image: 'myorg/site:v2' }] });
    expect(await get('site', 8080, '/')).toMatch(/^HTTP\/1\.1 200 OK[\s\S]*\r\n\r\nsite v2\n$/);
    expect(logs.text(p.metadata.uid, 'c')).toMatch(/^site starting\nsite ready\n127\.0\.0\.1 - - /);
    expect((await run('site', ['env'])).stdout).toContain('SITE=yes\n');
    await runningPod('box', { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', 'infinity'] }] });
    expect((await run('box', ['cat', '/etc/os-release'])).stdout).toBe('NAME=BusyBox\n');
  });

  it('port-forward to a local address: from the config and from the pod annotation', async () => {
    await runningPod('db', { containers: [{ name: 'c', image: 'myorg/db:1' }] });
    const s = await rt.portForward('cfg', 'db', 5432);
    const answer = await new Promise<string>((resolve) => {
      s.once('data', (d: Buffer) => resolve(d.toString()));
      s.write('hello');
    });
    s.destroy();
    expect(answer).toBe('hello');
    await runningPod('ann', { containers: [{ name: 'c', image: 'redis' }] }, { annotations: { 'kube-emulator.io/port-forward': `6379=127.0.0.1:${echoPort}` } });
    const s2 = await rt.portForward('cfg', 'ann', 6379);
    const a2 = await new Promise<string>((resolve) => {
      s2.once('data', (d: Buffer) => resolve(d.toString()));
      s2.write('PING');
    });
    s2.destroy();
    expect(a2).toBe('PING');
    await expect(rt.portForward('cfg', 'ann', 80)).rejects.toThrow(/connection refused/);
  });

  it('hostPath volumes live under the host-path root, never the host path', async () => {
    await runningPod('hp', { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '1h'], volumeMounts: [{ name: 'h', mountPath: '/host' }] }], volumes: [{ name: 'h', hostPath: { path: '/etc', type: 'Directory' } }] });
    expect((await run('hp', ['ls', '/host'])).stdout).toBe('\n');
    expect(existsSync(join(dir, 'host', 'etc'))).toBe(true);
  });

  it('subPath: a configMap key as a file; a symlink out of the volume is refused', async () => {
    await api().post('/api/v1/namespaces/cfg/configmaps').send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { 'app.conf': 'x=1\n' } }).expect(201);
    const p = await runningPod('sp', {
      containers: [
        { name: 'c', image: 'busybox', command: ['sleep', '1h'], volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }, { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' }] },
        { name: 'd', image: 'busybox', command: ['sleep', '1h'], volumeMounts: [{ name: 'scratch', mountPath: '/esc', subPath: 'esc' }, { name: 'scratch', mountPath: '/ok', subPath: 'ok/dir' }] },
      ],
      volumes: [{ name: 'scratch', emptyDir: {} }, { name: 'cfg', configMap: { name: 'app' } }],
    });
    const catConf = await run('sp', ['cat', '/etc/app.conf']);
    expect(catConf.stderr).toBe('');
    expect(catConf.stdout).toBe('x=1\n');
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/etc', join(rt.root, 'pods', p.metadata.uid, 'volumes', 'scratch', 'esc'));
    const cap = captureStreams();
    await rt.exec({ namespace: 'cfg', pod: 'sp', container: 'd' }, ['ls', '/esc'], cap.streams);
    expect(cap.stdout()).not.toContain('passwd');
    const ctx = await rt.contextOf({ namespace: 'cfg', pod: 'sp', container: 'd' });
    await ctx.fs.writeFile('/ok/f', 'in');
    expect((await run('sp', ['cat', '/scratch/ok/dir/f'])).stdout).toBe('in');
  });

  it('the web server: redirects, forbidden directories, 404, 405, climbing above the root, HEAD', async () => {
    const p = await runningPod('ng', { containers: [{ name: 'c', image: 'nginx:1.25.5', volumeMounts: [{ name: 'v', mountPath: '/usr/share/nginx/html/sub' }] }], volumes: [{ name: 'v', emptyDir: {} }] });
    const redirect = await get('ng', 80, '/sub');
    expect(redirect).toMatch(/^HTTP\/1\.1 301 Moved Permanently\r\n/);
    expect(redirect).toContain('Location: http://localhost:80/sub/\r\n');
    const forbidden = await get('ng', 80, '/sub/');
    expect(forbidden).toMatch(/^HTTP\/1\.1 403 Forbidden\r\n/);
    expect(forbidden).toContain('<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx/1.25.5</center>');
    expect(await get('ng', 80, '/nope')).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(await get('ng', 80, '/', 'POST')).toMatch(/^HTTP\/1\.1 405 Not Allowed\r\n/);
    expect(await get('ng', 80, '/../../etc/passwd')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    const head = await get('ng', 80, '/index.html', 'HEAD');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toContain('Content-Length: 615');
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    const log = logs.text(p.metadata.uid, 'c');
    expect(log).toContain('"GET /sub HTTP/1.1" 301 169');
    expect(log).toContain('"HEAD /index.html HTTP/1.1" 200 0');
    expect(log).toMatch(/\[error\] 29#29: \*1 directory index of "\/usr\/share\/nginx\/html\/sub\/" is forbidden, client: 127\.0\.0\.1/);
  });
});
