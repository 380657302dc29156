// pods/exec and portforward over SPDY/3.1 (HTTP/1.1 Upgrade, X-Stream-Protocol-Version
// negotiation) with a small client built on the codec, and the upgrade path on HTTPS with the
// security filters: 401 / 403 answered as normal HTTP before any upgrade, the admin certificate's
// WebSocket session working. Bad frames close the connection; the server goes on.
// Upstream: apimachinery pkg/util/httpstream/spdy/upgrade.go, httpstream.go Handshake,
// pkg/kubelet/cri/streaming/remotecommand/httpstream.go, portforward/httpstream.go.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';
import { fakeRuntime, httpBackend, type FakeRuntime } from '../helpers/fakeruntime.js';
import { decodeHeaders, encodeFrame, FLAG_FIN, FrameParser, HeaderCodec, type SpdyFrame } from '../../src/server/streaming/spdy.js';

let emu: KubeEmulator;
let rt: FakeRuntime;
let backend: Awaited<ReturnType<typeof httpBackend>>;

beforeAll(async () => {
  backend = await httpBackend();
  rt = fakeRuntime({ forwardTo: () => backend.port });
  emu = await startServer({ runtime: rt });
  const r = await fetch(`${emu.url}/api/v1/namespaces/default/pods`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ metadata: { name: 'web' }, spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'nginx' }] } }),
  });
  expect(r.status).toBe(201);
});
afterAll(async () => {
  await emu?.close();
  await backend?.close();
});

interface Client {
  head: string;
  frames: SpdyFrame[];
  send(f: SpdyFrame): void;
  raw(b: Buffer): void;
  closed: Promise<void>;
  until(pred: (frames: SpdyFrame[]) => boolean, ms?: number): Promise<void>;
}

/** Opens a SPDY/3.1 upgrade; resolves with the response head (and, on 101, a frame client). */
function spdy(path: string, versions: string[]): Promise<Client> {
  const { port } = new URL(emu.url);
  return new Promise((resolve) => {
    const sock = net.connect(Number(port), '127.0.0.1');
    const enc = new HeaderCodec();
    const dec = new HeaderCodec();
    const parser = new FrameParser();
    const frames: SpdyFrame[] = [];
    let head = '';
    let upgraded = false;
    let chain = Promise.resolve();
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    const client: Client = {
      get head() {
        return head;
      },
      frames,
      send: (f) => sock.write(encodeFrame(f, enc)),
      raw: (b) => sock.write(b),
      closed,
      async until(pred, ms = 3000) {
        const end = Date.now() + ms;
        while (!pred(frames)) {
          if (Date.now() > end) throw new Error(`timed out; frames: ${JSON.stringify(frames.map((f) => f.type))}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      },
    };
    sock.on('error', () => {});
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      if (upgraded) {
        for (const f of parser.push(d)) chain = chain.then(async () => void frames.push(await decodeHeaders(f, dec)));
        return;
      }
      buf = Buffer.concat([buf, d]);
      const i = buf.indexOf('\r\n\r\n');
      if (i < 0) return;
      head = buf.subarray(0, i).toString();
      const rest = buf.subarray(i + 4);
      if (head.startsWith('HTTP/1.1 101')) {
        upgraded = true;
        if (rest.length) for (const f of parser.push(rest)) chain = chain.then(async () => void frames.push(await decodeHeaders(f, dec)));
        resolve(client);
      } else {
        head += '\r\n\r\n' + rest.toString();
        sock.on('close', () => resolve(client));
        sock.on('data', (x) => (head += x));
      }
    });
    const h = versions.map((v) => `X-Stream-Protocol-Version: ${v}\r\n`).join('');
    sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${h}Content-Length: 0\r\n\r\n`);
  });
}

const syn = (id: number, headers: Record<string, string>): SpdyFrame => ({ type: 'syn_stream', streamId: id, associatedTo: 0, priority: 0, flags: 0, headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) });
const dataOf = (frames: SpdyFrame[], id: number) => Buffer.concat(frames.filter((f): f is Extract<SpdyFrame, { type: 'data' }> => f.type === 'data' && f.streamId === id).map((f) => f.data)).toString();
const finned = (frames: SpdyFrame[], id: number) => frames.some((f) => f.type === 'data' && f.streamId === id && f.flags & FLAG_FIN);

describe('exec over SPDY', () => {
  it('negotiates v4, then the streams the client opens: output, exit Status, FIN, GOAWAY', async () => {
    const c = await spdy('/api/v1/namespaces/default/pods/web/exec?command=fail&command=7&stdout=true&stderr=true', ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']);
    expect(c.head).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(c.head).toContain('Upgrade: SPDY/3.1');
    expect(c.head).toContain('X-Stream-Protocol-Version: v4.channel.k8s.io');
    c.send(syn(1, { streamtype: 'error' }));
    c.send(syn(3, { streamtype: 'stdout' }));
    c.send(syn(5, { streamtype: 'stderr' }));
    await c.until((f) => f.some((x) => x.type === 'goaway'));
    expect(c.frames.filter((f) => f.type === 'syn_reply').map((f) => (f as { streamId: number }).streamId)).toEqual([1, 3, 5]);
    expect(dataOf(c.frames, 3)).toBe('some output\n');
    expect(dataOf(c.frames, 5)).toBe('oops\n');
    expect(JSON.parse(dataOf(c.frames, 1))).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '7' }] } });
    expect([1, 3, 5].every((id) => finned(c.frames, id))).toBe(true);
    await c.closed;
  });

  it('v2: the error stream carries the message as text; stdin is half-closed by FIN', async () => {
    const c = await spdy('/api/v1/namespaces/default/pods/web/exec?command=cat&stdin=1&stdout=1&stderr=1', ['v2.channel.k8s.io']);
    expect(c.head).toContain('X-Stream-Protocol-Version: v2.channel.k8s.io');
    c.send(syn(1, { streamtype: 'error' }));
    c.send(syn(3, { streamtype: 'stdin' }));
    c.send(syn(5, { streamtype: 'stdout' }));
    c.send(syn(7, { streamtype: 'stderr' }));
    await c.until((f) => f.filter((x) => x.type === 'syn_reply').length === 4);
    c.send({ type: 'data', streamId: 3, flags: FLAG_FIN, data: Buffer.from('piped\n') });
    await c.until((f) => f.some((x) => x.type === 'goaway'));
    expect(dataOf(c.frames, 5)).toBe('piped\n');
    expect(dataOf(c.frames, 1)).toBe('');
  });

  it('no common protocol: 403 with upstream words', async () => {
    const c = await spdy('/api/v1/namespaces/default/pods/web/exec?command=ls', ['v9.channel.k8s.io']);
    expect(c.head).toMatch(/^HTTP\/1\.1 403/);
    expect(c.head).toContain('unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts [v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]');
  });

  it('a POST without upgrade headers: 400', async () => {
    const r = await fetch(`${emu.url}/api/v1/namespaces/default/pods/web/exec?command=ls`, { method: 'POST' });
    expect(r.status).toBe(400);
    expect(await r.text()).toMatch(/^unable to upgrade: missing upgrade headers in request: http\.Header\{/);
  });

  it('bad frames close the connection; the server goes on', async () => {
    const c = await spdy('/api/v1/namespaces/default/pods/web/exec?command=sleep&stdout=1&stderr=0', ['v4.channel.k8s.io']);
    c.send(syn(1, { streamtype: 'error' }));
    c.send(syn(3, { streamtype: 'stdout' }));
    await c.until((f) => f.filter((x) => x.type === 'syn_reply').length === 2);
    const before = rt.aborted;
    c.raw(Buffer.from([0x80, 0x07, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0xde, 0xad]));
    await c.closed;
    for (let i = 0; i < 100 && rt.aborted === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(rt.aborted).toBe(before + 1);
    expect((await fetch(`${emu.url}/healthz`)).status).toBe(200);
  });
});

describe('port-forward over SPDY', () => {
  it('a data and an error stream per request; failures on the error stream', async () => {
    const c = await spdy('/api/v1/namespaces/default/pods/web/portforward', ['portforward.k8s.io']);
    expect(c.head).toContain('X-Stream-Protocol-Version: portforward.k8s.io');
    c.send(syn(1, { streamtype: 'error', port: '80', requestid: '0' }));
    c.send(syn(3, { streamtype: 'data', port: '80', requestid: '0' }));
    c.send({ type: 'data', streamId: 3, flags: 0, data: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n') });
    c.send(syn(5, { streamtype: 'error', port: '81', requestid: '1' }));
    c.send(syn(7, { streamtype: 'data', port: '81', requestid: '1' }));
    await c.until((f) => finned(f, 3) && finned(f, 5));
    expect(dataOf(c.frames, 3)).toContain('hello from the pod');
    expect(dataOf(c.frames, 5)).toMatch(/^error forwarding port 81 to pod [0-9a-f]+, uid : failed to connect to localhost:81/);
  });
});

describe('on HTTPS, with authentication and RBAC', () => {
  let sec: KubeEmulator;
  beforeAll(async () => {
    sec = await startServer({ security: {}, runtime: rt });
  });
  afterAll(() => sec?.close());

  const attempt = (creds: Record<string, string | undefined>, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: any; protocol?: string; frames?: Buffer[] }>((resolve, reject) => {
      const ws = new WebSocket(sec.url.replace(/^https/, 'wss') + '/api/v1/namespaces/default/pods/web/exec?command=echo&command=tls&stdout=1', ['v5.channel.k8s.io'], { ca: sec.ca, ...creds, headers });
      const frames: Buffer[] = [];
      ws.on('message', (d: Buffer) => frames.push(d));
      ws.on('close', () => resolve({ status: 101, body: undefined, protocol: ws.protocol, frames }));
      ws.on('unexpected-response', (_q, res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(b) }));
      });
      ws.on('error', reject);
    });

  it('a bad token: 401 before any upgrade', async () => {
    const r = await attempt({}, { Authorization: 'Bearer nope' });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('anonymous: 403 for the pods/exec subresource', async () => {
    const r = await attempt({});
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('pods "web" is forbidden: User "system:anonymous" cannot get resource "pods/exec" in API group "" in the namespace "default"');
  });

  it('the admin certificate: a session over wss', async () => {
    // (the pod is created through the registry: no client TLS setup needed here)
    sec.registry.create(sec.registry.defAt('', 'v1', 'pods')!, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'nginx' }] } } as any);
    const r = await attempt({ cert: sec.adminCert, key: sec.adminKey });
    expect(r.status).toBe(101);
    expect(r.protocol).toBe('v5.channel.k8s.io');
    expect(r.frames!.map((f) => f.subarray(1).toString())).toEqual(['', 'tls\n', '{"metadata":{},"status":"Success"}']);
  });
});
