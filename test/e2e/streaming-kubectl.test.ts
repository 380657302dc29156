// E2E of the streaming transports with real kubectl against a server given a test double runtime:
// 1.29 speaks SPDY/3.1 for exec and port-forward, 1.33 WebSocket v5 for exec (SPDY with
// KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false) and the SPDY-over-WebSocket tunnel for port-forward.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { startServer } from '../helpers/server.js';
import { fakeRuntime, httpBackend, type FakeRuntime } from '../helpers/fakeruntime.js';
import type { KubeEmulator } from '../../src/server/app.js';

const POD = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  nodeName: node-1
  containers:
  - {name: main, image: nginx}
  - {name: side, image: busybox}
`;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: exec and port-forward', ({ minor, bin }) => {
  let emu: KubeEmulator;
  let k: Kubectl;
  let rt: FakeRuntime;
  let backend: Awaited<ReturnType<typeof httpBackend>>;
  const upgrades: string[] = [];
  beforeAll(async () => {
    backend = await httpBackend();
    rt = fakeRuntime({ forwardTo: () => backend.port });
    emu = await startServer({ runtime: rt });
    emu.app.server.prependListener('upgrade', (req: http.IncomingMessage) => upgrades.push(`${req.headers.upgrade} ${req.headers['sec-websocket-protocol'] ?? req.headers['x-stream-protocol-version'] ?? ''}`));
    k = new Kubectl(bin, emu.url);
    await k.ok(['apply', '-f', '-'], { input: POD });
    // kubectl port-forward wants a Running pod (no kubelet here: the status is set as it would)
    await k.ok(['patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}']);
  });
  afterAll(async () => {
    await emu?.close();
    await backend?.close();
  });

  it('exec prints the command output, exit code 0', async () => {
    upgrades.length = 0;
    const r = await k.run(['exec', 'web', '-c', 'main', '--', 'echo', 'hello', 'world']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hello world\n');
    expect(r.code).toBe(0);
    expect(upgrades[0]).toMatch(minor >= 30 ? /^websocket v5\.channel\.k8s\.io/ : /^SPDY\/3\.1 /);
  });

  it('a non-zero exit code and stderr', async () => {
    const r = await k.run(['exec', 'web', '-c', 'main', '--', 'fail', '3']);
    expect(r.stdout).toBe('some output\n');
    expect(r.stderr).toBe('oops\ncommand terminated with exit code 3\n');
    expect(r.code).toBe(3);
  });

  it('a command that cannot start: the runtime message', async () => {
    const r = await k.run(['exec', 'web', '-c', 'main', '--', 'nosuch']);
    expect(r.stderr).toContain('exec: "nosuch": executable file not found in $PATH');
    expect(r.code).not.toBe(0);
  });

  it('-i with stdin piped', async () => {
    const r = await k.run(['exec', '-i', 'web', '-c', 'main', '--', 'cat'], { input: 'line one\nline two\n' });
    expect(r.stdout).toBe('line one\nline two\n');
    expect(r.code).toBe(0);
  });

  it('a large output arrives whole', async () => {
    const r = await k.run(['exec', 'web', '-c', 'main', '--', 'big', String(3 * 1024 * 1024 + 7)]);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(3 * 1024 * 1024 + 7);
  });

  it('-it in a terminal: a tty session without stderr', async () => {
    const r = await runInTerminal(bin, k, ['exec', '-it', 'web', '-c', 'main', '--', 'tty']);
    expect(r).toContain('tty=true stderr=false');
  });

  it('no container named with several: kubectl defaults to the first', async () => {
    const r = await k.run(['exec', 'web', '--', 'echo', 'x']);
    expect(r.stdout).toBe('x\n');
    expect(rt.calls.filter((c) => c.op === 'exec').at(-1)?.ref?.container).toBe('main');
  });

  it('an unknown container and pod: upstream errors', async () => {
    const r = await k.run(['exec', 'web', '-c', 'nope', '--', 'echo']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container nope is not valid for pod web');
    const r2 = await k.run(['exec', 'ghost', '--', 'echo']);
    expect(r2.stderr).toContain('pods "ghost" not found');
  });

  it('attach -i: the main process, with stdin', async () => {
    const r = await k.run(['attach', '-i', 'web', '-c', 'main'], { input: 'to the main process\n' });
    expect(r.stdout).toBe('attached\nto the main process\n');
    expect(r.code).toBe(0);
  });

  it('a completed pod: kubectl refuses before connecting', async () => {
    await k.ok(['apply', '-f', '-'], { input: POD.replace('name: web', 'name: done') });
    await k.ok(['patch', 'pod', 'done', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Succeeded"}}']);
    const r = await k.run(['exec', 'done', '-c', 'main', '--', 'echo']);
    expect(r.stderr).toContain('cannot exec into a container in a completed pod; current phase is Succeeded');
    expect(r.code).toBe(1);
  });

  if (minor >= 30) {
    it('KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false: SPDY', async () => {
      upgrades.length = 0;
      const env = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
      const r = await k.run(['exec', 'web', '-c', 'main', '--', 'fail', '2'], { env });
      expect(r.stdout).toBe('some output\n');
      expect(r.stderr).toBe('oops\ncommand terminated with exit code 2\n');
      expect(r.code).toBe(2);
      const r2 = await k.run(['exec', '-i', 'web', '-c', 'main', '--', 'cat'], { input: 'via spdy\n', env });
      expect(r2.stdout).toBe('via spdy\n');
      expect(upgrades.every((u) => u.startsWith('SPDY/3.1'))).toBe(true);
    });
  }

  it('port-forward and an HTTP GET through it', async () => {
    upgrades.length = 0;
    const child = spawn(bin, ['--kubeconfig', k.kubeconfig, '--cache-dir', k.cacheDir, 'port-forward', 'pod/web', ':80'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`no forwarding line: ${out}`)), 15000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 80/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(Number(m[1]));
          }
        });
        child.stderr.on('data', (d) => (out += d));
      });
      for (let i = 0; i < 2; i++) {
        const body = await get(port);
        expect(body).toBe('hello from the pod\n');
      }
      expect(upgrades[0]).toMatch(minor >= 31 ? /^websocket SPDY\/3\.1\+portforward\.k8s\.io/ : /^SPDY\/3\.1 portforward\.k8s\.io/);
    } finally {
      child.kill();
    }
  });

  it('port-forward to a port nothing serves: the error stream message', async () => {
    const child = spawn(bin, ['--kubeconfig', k.kubeconfig, '--cache-dir', k.cacheDir, 'port-forward', 'pod/web', ':81'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        const t = setTimeout(() => reject(new Error(`no forwarding line: ${out}`)), 15000);
        child.stdout.on('data', (d) => {
          out += d;
          const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 81/.exec(out);
          if (m) {
            clearTimeout(t);
            resolve(Number(m[1]));
          }
        });
      });
      await get(port).catch(() => '');
      for (let i = 0; i < 100 && !err.includes('error forwarding port 81'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(err).toMatch(/error forwarding port 81 to pod [0-9a-f]+, uid : failed to connect to localhost:81/);
    } finally {
      child.kill();
    }
  });
});

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      })
      .on('error', reject);
  });
}

/** Runs kubectl under script(1), so that its stdin is a terminal. */
function runInTerminal(bin: string, k: Kubectl, args: string[]): Promise<string> {
  const cmd = [bin, '--kubeconfig', k.kubeconfig, '--cache-dir', k.cacheDir, ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const t = setTimeout(() => child.kill(), 15000);
    child.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
  });
}

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor over HTTPS (client certificate, RBAC)', ({ bin }) => {
  let emu: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    emu = await startServer({ security: {}, runtime: fakeRuntime() });
    k = new Kubectl(bin, emu.url, emu.kubeconfig());
    await k.ok(['apply', '-f', '-'], { input: POD });
  });
  afterAll(() => emu?.close());

  it('exec, its exit code and stdin', async () => {
    const r = await k.run(['exec', 'web', '-c', 'main', '--', 'fail', '4']);
    expect(r.stdout).toBe('some output\n');
    expect(r.stderr).toBe('oops\ncommand terminated with exit code 4\n');
    expect(r.code).toBe(4);
    expect(await k.ok(['exec', '-i', 'web', '-c', 'main', '--', 'cat'], { input: 'secure\n' })).toBe('secure\n');
  });
});
