// pods/exec, attach and portforward over WebSocket with `ws` as the client, against a server given
// a test double runtime: the channel protocols (v5 / v4 / base64 / channel.k8s.io), the error
// channel's Status, stdin with v5's close signal, resize, the checks answered as plain HTTP before
// any upgrade, the kubelet's port-forward channel protocol, and a client going away.
// Upstream: pkg/kubelet/cri/streaming/remotecommand/websocket.go, portforward/websocket.go,
// apimachinery pkg/util/httpstream/wsstream/conn.go, pkg/registry/core/pod/strategy.go.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';
import { fakeRuntime, httpBackend, type FakeRuntime } from '../helpers/fakeruntime.js';

let emu: KubeEmulator;
let rt: FakeRuntime;
let backend: Awaited<ReturnType<typeof httpBackend>>;
const wsURL = (path: string) => emu.url.replace(/^http/, 'ws') + path;
const EXEC = '/api/v1/namespaces/default/pods/web/exec';

beforeAll(async () => {
  backend = await httpBackend();
  rt = fakeRuntime({ forwardTo: () => backend.port });
  emu = await startServer({ runtime: rt });
  const pod = (name: string, containers: string[], extra: Record<string, unknown> = {}) =>
    fetch(`${emu.url}/api/v1/namespaces/default/pods`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name }, spec: { containers: containers.map((c) => ({ name: c, image: 'nginx' })), ...extra } }),
    }).then((r) => expect(r.status).toBe(201));
  await pod('web', ['main'], { nodeName: 'node-1' });
  await pod('multi', ['main', 'side'], { nodeName: 'node-1', initContainers: [{ name: 'init', image: 'busybox' }] });
  await pod('unscheduled', ['main']);
  await pod('halted', ['stopped'], { nodeName: 'node-1' });
});
afterAll(async () => {
  await emu?.close();
  await backend?.close();
});

interface Session {
  protocol: string;
  messages: { data: Buffer; binary: boolean }[];
  closed: Promise<number>;
  ws: WebSocket;
}

function open(path: string, protocols: string[]): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsURL(path), protocols);
    const messages: Session['messages'] = [];
    ws.on('message', (data: Buffer, binary) => messages.push({ data, binary }));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('open', () => resolve({ protocol: ws.protocol, messages, closed, ws }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body, headers: res.headers })));
    });
    ws.on('error', reject);
  });
}

/** The channel frames of a binary-protocol session, data as text. */
const frames = (s: Session) => s.messages.map((m) => [m.data[0], m.data.subarray(1).toString()] as const);

describe('exec over the channel protocols', () => {
  it('v5.channel.k8s.io: output, then the Success status, then a close', async () => {
    const s = await open(`${EXEC}?command=echo&command=hello&command=world&stdout=true&stderr=true`, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    expect(s.protocol).toBe('v5.channel.k8s.io');
    expect(await s.closed).toBe(1000);
    expect(frames(s)).toEqual([
      [1, ''],
      [1, 'hello world\n'],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
  });

  it('v4: a non-zero exit as the NonZeroExitCode Status, stderr on channel 2', async () => {
    const s = await open(`${EXEC}?command=fail&command=2&stdout=1&stderr=1`, ['v4.channel.k8s.io']);
    await s.closed;
    const f = frames(s);
    expect(f.slice(0, 3)).toEqual([
      [1, ''],
      [1, 'some output\n'],
      [2, 'oops\n'],
    ]);
    expect(JSON.parse(f[3][1])).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [fail 2], exit code 2',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '2' }] },
    });
  });

  it('a process that cannot start: its message in the Status', async () => {
    const s = await open(`${EXEC}?command=nosuch&stdout=1`, ['v4.channel.k8s.io']);
    await s.closed;
    const st = JSON.parse(frames(s).at(-1)![1]);
    expect(st).toMatchObject({ status: 'Failure', reason: 'InternalError', code: 500 });
    expect(st.message).toContain('exec: "nosuch": executable file not found in $PATH');
  });

  it('v4.base64.channel.k8s.io: text messages, channel digit then base64', async () => {
    const s = await open(`${EXEC}?command=echo&command=b64&stdout=1`, ['v4.base64.channel.k8s.io']);
    await s.closed;
    expect(s.messages.every((m) => !m.binary)).toBe(true);
    const text = s.messages.map((m) => m.data.toString());
    expect(text[0]).toBe('1');
    expect(text[1]).toBe('1' + Buffer.from('b64\n').toString('base64'));
    expect(Buffer.from(text[2].slice(1), 'base64').toString()).toBe('{"metadata":{},"status":"Success"}');
  });

  it('channel.k8s.io (before v4): the failure message as text, nothing on success', async () => {
    const s = await open(`${EXEC}?command=fail&command=5&stdout=1`, ['channel.k8s.io']);
    await s.closed;
    expect(frames(s).at(-1)).toEqual([3, 'command terminated with non-zero exit code: error executing command [fail 5], exit code 5']);
    const ok = await open(`${EXEC}?command=echo&command=x&stdout=1`, ['channel.k8s.io']);
    await ok.closed;
    expect(frames(ok).filter(([c]) => c === 3)).toEqual([]);
  });

  it('v5: stdin, ended by the close signal', async () => {
    const s = await open(`${EXEC}?command=cat&stdin=true&stdout=true&stderr=true`, ['v5.channel.k8s.io']);
    s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('typed in\n')]));
    s.ws.send(Buffer.from([255, 0]));
    await s.closed;
    expect(frames(s).slice(1)).toEqual([
      [1, 'typed in\n'],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
  });

  it('v4.channel.k8s.io: stdin sent as text messages is data too (the Python client writes a str as text)', async () => {
    // apimachinery wsstream conn.go handle: every message is read as bytes, text or binary
    const s = await open(`${EXEC}?command=cat&stdin=true&stdout=true&stderr=true`, ['v4.channel.k8s.io']);
    s.ws.send('\u0000as text\n', { binary: false });
    s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('as binary\n')]));
    await new Promise<void>((r) => {
      const check = () => (s.messages.length >= 3 ? r() : setTimeout(check, 10));
      check();
    });
    s.ws.close();
    await s.closed;
    expect(frames(s).slice(1, 3)).toEqual([
      [1, 'as text\n'],
      [1, 'as binary\n'],
    ]);
  });

  it('a tty: no stderr, resize events from channel 4', async () => {
    const s = await open(`${EXEC}?command=size&stdin=1&stdout=1&stderr=1&tty=1`, ['v5.channel.k8s.io']);
    s.ws.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":120,"Height":40}')]));
    await s.closed;
    expect(frames(s)[1]).toEqual([1, 'size 120x40\n']);
    expect(rt.calls.filter((c) => c.op === 'exec').at(-1)).toMatchObject({ command: ['size'], tty: true });
  });

  it('attach: the container main process', async () => {
    const s = await open('/api/v1/namespaces/default/pods/web/attach?stdin=1&stdout=1', ['v5.channel.k8s.io']);
    s.ws.send(Buffer.from([255, 0]));
    await s.closed;
    expect(frames(s)).toEqual([
      [1, ''],
      [1, 'attached\n'],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
  });

  it('a client that goes away aborts the session', async () => {
    const before = rt.aborted;
    const s = await open(`${EXEC}?command=sleep&stdout=1`, ['v5.channel.k8s.io']);
    await new Promise((r) => setTimeout(r, 50));
    s.ws.terminate();
    for (let i = 0; i < 100 && rt.aborted === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(rt.aborted).toBe(before + 1);
  });
});

describe('refused before the upgrade, as plain HTTP answers', () => {
  const refused = async (path: string, protocols = ['v5.channel.k8s.io']) => {
    try {
      await open(path, protocols);
    } catch (err) {
      const e = err as { status: number; body: string };
      let body: any = e.body;
      try {
        body = JSON.parse(e.body);
      } catch {
        // text
      }
      return { status: e.status, body };
    }
    throw new Error('upgraded');
  };

  it('an unknown pod: 404', async () => {
    const r = await refused('/api/v1/namespaces/default/pods/ghost/exec?command=ls');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'pods "ghost" not found' });
  });

  it('container checks: not valid, or to be chosen', async () => {
    expect((await refused(`${EXEC}?command=ls&container=nope`)).body).toMatchObject({ code: 400, reason: 'BadRequest', message: 'container nope is not valid for pod web' });
    expect((await refused('/api/v1/namespaces/default/pods/multi/exec?command=ls')).body.message).toBe('a container name must be specified for pod multi, choose one of: [init main side]');
    // init containers are valid names
    const s = await open('/api/v1/namespaces/default/pods/multi/exec?command=echo&command=i&container=init&stdout=1', ['v5.channel.k8s.io']);
    await s.closed;
  });

  it('a pod without a node: 400', async () => {
    expect((await refused('/api/v1/namespaces/default/pods/unscheduled/exec?command=ls')).body).toMatchObject({ code: 400, message: 'pod unscheduled does not have a host assigned' });
  });

  it('no command, or no stream: the kubelet answer', async () => {
    const r = await refused(`${EXEC}?stdout=1`);
    expect(r).toEqual({ status: 400, body: 'cmd cannot be empty\n' });
    const r2 = await refused(`${EXEC}?command=ls&stdout=0&stderr=0`);
    expect(r2).toEqual({ status: 400, body: 'you must specify at least 1 of stdin, stdout, stderr\n' });
  });

  it("the runtime's check: its StatusError", async () => {
    const r = await refused('/api/v1/namespaces/default/pods/halted/exec?command=ls');
    expect(r.status).toBe(500);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'InternalError', message: 'Internal error occurred: unable to upgrade connection: container not found ("stopped")' });
  });

  it('an unsupported subprotocol: 403', async () => {
    const r = await refused(`${EXEC}?command=ls`, ['v9.channel.k8s.io']);
    expect(r.status).toBe(403);
    expect(r.body).toContain('requested protocol(s) are not supported');
  });

  it('another request asking for an upgrade gets its normal answer', async () => {
    const net = await import('node:net');
    const { port } = new URL(emu.url);
    const text = await new Promise<string>((resolve) => {
      const sock = net.connect(Number(port), '127.0.0.1', () => sock.write('GET /api/v1/namespaces/default/pods/web HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n'));
      let b = '';
      sock.on('data', (d) => (b += d));
      sock.on('close', () => resolve(b));
    });
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain('"name":"web"');
  });
});

describe('portforward over the channel protocol', () => {
  it('two channels per port, each starting with the port; data both ways', async () => {
    const s = await open('/api/v1/namespaces/default/pods/web/portforward?ports=80', ['v4.channel.k8s.io']);
    s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]));
    await s.closed;
    const f = s.messages.map((m) => m.data);
    expect(f[0]).toEqual(Buffer.from([0, 80, 0]));
    expect(f[1]).toEqual(Buffer.from([1, 80, 0]));
    const body = Buffer.concat(f.slice(2).filter((b) => b[0] === 0).map((b) => b.subarray(1))).toString();
    expect(body).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(body).toContain('hello from the pod');
  });

  it('no port: 400 before the upgrade', async () => {
    await expect(open('/api/v1/namespaces/default/pods/web/portforward', ['v4.channel.k8s.io'])).rejects.toMatchObject({ status: 400, body: 'query parameter "port" is required\n' });
    await expect(open('/api/v1/namespaces/default/pods/web/portforward?ports=0', ['v4.channel.k8s.io'])).rejects.toMatchObject({ status: 400, body: 'port "0" must be > 0\n' });
  });

  it('a port nothing listens on: the error channel', async () => {
    const s = await open('/api/v1/namespaces/default/pods/web/portforward?ports=81', ['v4.channel.k8s.io']);
    await s.closed;
    const err = s.messages.map((m) => m.data).filter((b) => b[0] === 1).slice(1).map((b) => b.subarray(1).toString()).join('');
    expect(err).toMatch(/^error forwarding port 81 to pod [0-9a-f]+, uid : failed to connect to localhost:81 inside namespace/);
  });
});

describe('without a runtime', () => {
  it("keeps today's 400", async () => {
    const bare = await startServer();
    try {
      await fetch(`${bare.url}/api/v1/namespaces/default/pods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'p' }, spec: { nodeName: 'n', containers: [{ name: 'c', image: 'x' }] } }) });
      const r = await fetch(`${bare.url}/api/v1/namespaces/default/pods/p/exec?command=ls`, { method: 'POST' });
      expect(r.status).toBe(400);
      expect((await r.json()).message).toBe('exec is not available: kube-emulator simulates pods and has no container runtime (pod p)');
    } finally {
      await bare.close();
    }
  });
});
