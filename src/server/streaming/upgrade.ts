// Upgrade requests (WebSocket, SPDY/3.1) go through fastify like any request, so that
// authentication, impersonation, authorization and RequestInfo run first and a refusal is an
// ordinary HTTP answer (the way @fastify/websocket routes them): on the node server's 'upgrade'
// event a ServerResponse is given the socket and the request is routed; the pods/exec, attach and
// portforward handler takes the socket (takeUpgrade) once its checks pass. Any other request that
// asked for an upgrade gets its normal response, and the connection closes after it.
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const UPGRADE = Symbol('upgrade');

interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
  res: ServerResponse;
  taken: boolean;
}
type UpgradeRequest = IncomingMessage & { [UPGRADE]?: PendingUpgrade };

export function installUpgrade(app: FastifyInstance<any, any, any, any>): void {
  const sockets = new Set<Duplex>();
  app.server.on('upgrade', (req: UpgradeRequest, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const res = new ServerResponse(req);
    res.assignSocket(socket as import('node:net').Socket);
    res.shouldKeepAlive = false;
    const pending: PendingUpgrade = { socket, head, res, taken: false };
    req[UPGRADE] = pending;
    res.once('finish', () => {
      if (!pending.taken) socket.end();
    });
    try {
      app.routing(req, res);
    } catch {
      socket.destroy();
    }
  });
  // upgraded connections are not the http server's: they go when the server closes
  app.addHook('preClose', (done) => {
    for (const s of sockets) s.destroy();
    done();
  });
}

/** The raw upgrade of a request that came through the 'upgrade' event (once), or undefined. */
export function takeUpgrade(req: FastifyRequest): { socket: Duplex; head: Buffer } | undefined {
  const p = (req.raw as UpgradeRequest)[UPGRADE];
  if (!p || p.taken) return undefined;
  p.taken = true;
  p.res.detachSocket(p.socket as import('node:net').Socket);
  return { socket: p.socket, head: p.head };
}

/** Whether a request asked to upgrade to `proto` (`websocket`, `spdy/3.1`). */
export function wantsUpgrade(req: FastifyRequest, proto: string): boolean {
  const conn = String(req.headers.connection ?? '').toLowerCase();
  const up = String(req.headers.upgrade ?? '').toLowerCase();
  return conn.includes('upgrade') && up.includes(proto);
}
