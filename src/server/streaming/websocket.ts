// The channel WebSocket protocols (apimachinery pkg/util/httpstream/wsstream/conn.go): every
// message's first byte is its channel (base64 protocols: a text message whose first character is
// the channel digit, then the data in base64); v5.channel.k8s.io adds the close signal (channel
// 255, data = the channel the client closed).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Duplex as DuplexStream } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';

export const CLOSE_CHANNEL = 255;

export interface ChannelProtocol {
  name: string;
  binary: boolean;
  /** v4+ status JSON on the error channel (remotecommand) */
  v4: boolean;
  /** v5: the close signal */
  v5: boolean;
}

/** The subprotocols the kubelet's remotecommand websocket handler accepts (pkg/kubelet/cri/streaming/remotecommand/websocket.go). */
export const REMOTECOMMAND_WS_PROTOCOLS: ChannelProtocol[] = [
  { name: 'v5.channel.k8s.io', binary: true, v4: true, v5: true },
  { name: 'v4.channel.k8s.io', binary: true, v4: true, v5: false },
  { name: 'v4.base64.channel.k8s.io', binary: false, v4: true, v5: false },
  { name: 'channel.k8s.io', binary: true, v4: false, v5: false },
  { name: 'base64.channel.k8s.io', binary: false, v4: false, v5: false },
  { name: '', binary: true, v4: false, v5: false },
];

/** The kubelet's portforward websocket subprotocols (pkg/kubelet/cri/streaming/portforward/websocket.go). */
export const PORTFORWARD_WS_PROTOCOLS: ChannelProtocol[] = [
  { name: 'v4.channel.k8s.io', binary: true, v4: true, v5: false },
  { name: 'v4.base64.channel.k8s.io', binary: false, v4: true, v5: false },
  { name: '', binary: true, v4: false, v5: false },
];

/** kubectl ≥1.31's port-forward: SPDY frames tunnelled in binary messages (apiserver pkg/util/proxy/streamtunnel.go). */
export const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** The client's offered subprotocols, in its order. */
export function offeredProtocols(req: { headers: IncomingMessage['headers'] }): string[] {
  const h = req.headers['sec-websocket-protocol'];
  const raw = Array.isArray(h) ? h.join(',') : (h ?? '');
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** wsstream's handshake: the first of the client's protocols the server supports ('' when none was offered). */
export function negotiate<T extends { name: string }>(offered: string[], supported: T[]): T | undefined {
  const list = offered.length ? offered : [''];
  for (const p of list) {
    const m = supported.find((s) => s.name === p);
    if (m) return m;
  }
  return undefined;
}

const CHOSEN = Symbol('chosenProtocol');
let wssPromise: Promise<WebSocketServer> | undefined;
/** One noServer WebSocketServer, loaded on first use (ws stays out of start-up). */
function webSocketServer(): Promise<WebSocketServer> {
  wssPromise ??= import('ws').then(
    ({ WebSocketServer }) =>
      new WebSocketServer({
        noServer: true,
        perMessageDeflate: false,
        maxPayload: 64 * 1024 * 1024,
        handleProtocols: (_offered, req) => (req as IncomingMessage & { [CHOSEN]?: string })[CHOSEN] || false,
      }),
  );
  return wssPromise;
}

/** Completes the WebSocket handshake with `protocol` (empty: none); undefined when it failed. */
export async function acceptWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket | undefined> {
  const wss = await webSocketServer();
  (req as IncomingMessage & { [CHOSEN]?: string })[CHOSEN] = protocol;
  return new Promise((resolve) => {
    let settled = false;
    const done = (ws?: WebSocket) => {
      if (settled) return;
      settled = true;
      resolve(ws);
    };
    socket.once('close', () => done(undefined));
    try {
      wss.handleUpgrade(req, socket, head, (ws) => done(ws));
    } catch {
      socket.destroy();
      done(undefined);
    }
  });
}

/** A channel connection over one WebSocket. */
export class ChannelConn {
  private handlers: ((channel: number, data: Buffer) => void)[] = [];
  private closeHandlers: ((channel: number) => void)[] = [];
  closed = false;

  constructor(
    readonly ws: WebSocket,
    readonly protocol: ChannelProtocol,
  ) {
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      let channel: number;
      let payload: Buffer;
      if (protocol.binary) {
        // text messages count as binary ones: upstream reads every message as bytes
        // (apimachinery wsstream conn.go handle: websocket.Message.Receive into a []byte), and the Python
        // client writes stdin as text messages (ws_client.py write_channel: OPCODE_TEXT for a str)
        void isBinary;
        if (buf.length === 0) return;
        channel = buf[0];
        payload = buf.subarray(1);
      } else {
        const text = buf.toString('latin1');
        if (text.length === 0) return;
        channel = text.charCodeAt(0) - 48;
        if (channel < 0 || channel > 9) return;
        payload = Buffer.from(text.slice(1), 'base64');
      }
      if (protocol.v5 && channel === CLOSE_CHANNEL) {
        if (payload.length === 1) for (const h of this.closeHandlers) h(payload[0]);
        return;
      }
      for (const h of this.handlers) h(channel, payload);
    });
    ws.on('close', () => (this.closed = true));
    ws.on('error', () => {});
  }

  onData(fn: (channel: number, data: Buffer) => void): void {
    this.handlers.push(fn);
  }

  onClose(fn: (channel: number) => void): void {
    this.closeHandlers.push(fn);
  }

  write(channel: number, data: Buffer, cb?: () => void): void {
    if (this.closed || this.ws.readyState !== 1) {
      cb?.();
      return;
    }
    if (this.protocol.binary) this.ws.send(Buffer.concat([Buffer.from([channel]), data]), { binary: true }, () => cb?.());
    else this.ws.send(String.fromCharCode(48 + channel) + data.toString('base64'), { binary: false }, () => cb?.());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.ws.close(1000);
      // then the FIN after it, as upstream's server closes (x/net/websocket Conn.Close: the close frame,
      // then the connection, without waiting for the client's close frame). A client that reads only when
      // select() says its socket is readable (the Python client over TLS, the close frame already in its
      // TLS buffer) would otherwise sit until the timer below.
      (this.ws as unknown as { _socket?: Duplex })._socket?.end();
    } catch {
      this.ws.terminate();
    }
    const t = setTimeout(() => this.ws.terminate(), 2000);
    t.unref();
    this.ws.once('close', () => clearTimeout(t));
  }
}

/** A WebSocket as a byte stream (binary messages), for the SPDY tunnel. */
export function webSocketDuplex(ws: WebSocket): Duplex {
  const d = new DuplexStream({
    allowHalfOpen: false,
    read() {},
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== 1) return cb();
      ws.send(chunk, { binary: true }, () => cb());
    },
    final(cb) {
      if (ws.readyState === 1) ws.close(1000);
      cb();
    },
    destroy(err, cb) {
      if (ws.readyState === 0 || ws.readyState === 1) ws.close(1000);
      const t = setTimeout(() => ws.terminate(), 2000);
      t.unref();
      ws.once('close', () => clearTimeout(t));
      cb(err);
    },
  });
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    // the tunnel carries binary messages only (client-go tunneling_connection.go)
    if (!isBinary) return d.destroy();
    d.push(Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data));
  });
  ws.on('close', () => {
    d.push(null);
    d.destroy();
  });
  ws.on('error', () => d.destroy());
  return d;
}
