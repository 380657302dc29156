// Port forwarding as the kubelet serves it (pkg/kubelet/cri/streaming/portforward): over SPDY
// (`portforward.k8s.io`: per forwarded connection the client opens an error and a data stream
// carrying `port` and `requestID` headers; kubectl ≥1.31 sends the same SPDY frames tunnelled in
// WebSocket binary messages) and over the channel WebSocket protocol (two channels per requested
// port, the first message of each starting with the port in two little-endian bytes).
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ContainerRuntime } from '../../runtime/types.js';
import type { ChannelConn } from './websocket.js';
import type { SpdyConnection, SpdyStream } from './spdy.js';
import { STREAM_CREATION_TIMEOUT_MS } from './remotecommand.js';

export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  /** what the kubelet's message names the pod by (the CRI sandbox) */
  podID: string;
}

/** kubelet portforward/httpstream.go: the message on the error stream when forwarding fails. */
export function forwardError(t: PortForwardTarget, port: number, err: unknown): string {
  return `error forwarding port ${port} to pod ${t.podID}, uid : ${(err as Error)?.message ?? String(err)}`;
}

/** Pipes a pod connection and a client stream both ways; settles when both directions are done. */
function splice(client: Duplex, pod: Duplex, onError: (err: Error) => void): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve();
    };
    let clientDone = false;
    let podDone = false;
    client.on('data', (d: Buffer) => {
      if (!pod.destroyed && !pod.write(d)) {
        client.pause();
        pod.once('drain', () => client.resume());
      }
    });
    pod.on('data', (d: Buffer) => {
      if (!client.destroyed && !client.writableEnded && !client.write(d)) {
        pod.pause();
        client.once('drain', () => pod.resume());
      }
    });
    client.once('end', () => {
      clientDone = true;
      if (!pod.destroyed) pod.end();
      if (podDone) finish();
    });
    pod.once('end', () => {
      podDone = true;
      if (!client.writableEnded) client.end();
      if (clientDone) finish();
    });
    pod.once('error', (err) => {
      onError(err);
      if (!client.writableEnded) client.end();
      finish();
    });
    pod.once('close', () => {
      if (!client.writableEnded) client.end();
      finish();
    });
    client.once('reset', () => {
      pod.destroy();
      finish();
    });
    client.once('close', () => {
      pod.destroy();
      finish();
    });
  });
}

/** Port-forward over SPDY (directly, or in the WebSocket tunnel). */
export function servePortForwardSpdy(start: (onStream: (s: SpdyStream) => boolean) => SpdyConnection, runtime: ContainerRuntime, target: PortForwardTarget, logger: Logger): SpdyConnection {
  const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer: NodeJS.Timeout }>();
  const conn = start((s) => {
    const type = s.header('streamtype');
    const id = s.header('requestid') ?? '';
    const portText = s.header('port') ?? '';
    if (type !== 'data' && type !== 'error') return false;
    let pair = pairs.get(id);
    if (!pair) {
      const timer = setTimeout(() => {
        // one of the pair never came (kubelet: "timed out waiting for streams")
        const p = pairs.get(id);
        pairs.delete(id);
        p?.data?.destroy();
        p?.error?.destroy();
      }, STREAM_CREATION_TIMEOUT_MS);
      timer.unref();
      pair = { timer };
      pairs.set(id, pair);
    }
    if (pair[type]) return false;
    pair[type] = s;
    if (type === 'error') s.resume();
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(id);
      void forward(pair.data, pair.error, portText);
    }
    return true;
  });
  conn.once('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
  });

  async function forward(data: SpdyStream, error: SpdyStream, portText: string): Promise<void> {
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      error.end(`invalid port header: ${JSON.stringify(portText)}`);
      data.end();
      return;
    }
    let pod: Duplex;
    try {
      pod = await runtime.portForward(target.namespace, target.pod, port);
    } catch (err) {
      logger.debug({ err, port }, 'port-forward failed');
      error.end(forwardError(target, port, err));
      data.end();
      return;
    }
    if (data.destroyed || conn.closed) {
      pod.destroy();
      return;
    }
    await splice(data, pod, (err) => {
      if (!error.writableEnded) error.write(forwardError(target, port, err));
    });
    if (!error.writableEnded) error.end();
  }
  return conn;
}

/** Port-forward over the channel WebSocket protocol (client libraries). */
export function servePortForwardWebSocket(conn: ChannelConn, runtime: ContainerRuntime, target: PortForwardTarget, ports: number[], logger: Logger): void {
  let open = ports.length;
  const sockets: (Duplex | undefined)[] = [];
  const pending: Buffer[][] = ports.map(() => []);
  const ended = () => {
    if (--open <= 0) conn.close();
  };
  conn.ws.once('close', () => {
    for (const s of sockets) s?.destroy();
  });
  conn.onData((channel, data) => {
    const i = channel >> 1;
    if (channel % 2 !== 0 || i >= ports.length) return;
    const s = sockets[i];
    if (s) s.write(data);
    else pending[i].push(data);
  });
  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    conn.write(i * 2, portBytes);
    conn.write(i * 2 + 1, portBytes);
    runtime.portForward(target.namespace, target.pod, port).then(
      (sock) => {
        if (conn.closed) return sock.destroy();
        sockets[i] = sock;
        for (const d of pending[i].splice(0)) sock.write(d);
        sock.on('data', (d: Buffer) => conn.write(i * 2, d));
        sock.once('error', (err) => conn.write(i * 2 + 1, Buffer.from(forwardError(target, port, err))));
        sock.once('close', ended);
      },
      (err) => {
        logger.debug({ err, port }, 'port-forward failed');
        conn.write(i * 2 + 1, Buffer.from(forwardError(target, port, err)));
        ended();
      },
    );
  });
}
