// The 413 for a body over the limit, delivered so the client can read it. Node would answer and
// then destroy the socket while the client is still sending: the unread bytes make the kernel
// send a reset, and a reset drops the answer from the client's receive buffer before the client
// reads it. Go's server instead half-closes after the answer and waits before closing
// (net/http server.go closeWriteAndWait, rstAvoidanceDelay), which this does too, reading and
// discarding what still arrives for a bounded time.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StatusError } from '../registry/errors.js';

/** How long the half-closed connection goes on swallowing the rest of the body before it is closed. */
const LINGER_MS = 2000;

export function sendTooLarge(req: FastifyRequest, reply: FastifyReply, err: StatusError): void {
  const socket = req.raw.socket;
  const body = JSON.stringify(err.toStatus()) + '\n';
  reply.hijack();
  // for the request log: the status this connection answered
  reply.raw.statusCode = err.code;
  if (!socket || socket.destroyed || !socket.writable) {
    socket?.destroy();
    return;
  }
  const head =
    `HTTP/1.1 ${err.code} Request Entity Too Large\r\n` +
    'Cache-Control: no-cache, private\r\n' +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `Date: ${new Date().toUTCString()}\r\n` +
    'Connection: close\r\n\r\n';
  // the rest of the request body goes nowhere: the HTTP parser stays attached, so let the request
  // stream flow and drop its chunks
  req.raw.removeAllListeners('data');
  req.raw.on('data', () => {});
  req.raw.on('error', () => {});
  req.raw.resume();
  socket.on('error', () => {});
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  // answer, then FIN: the client reads the Status and sees the end of the stream
  socket.end(head + body);
}
