// pods/exec, pods/attach and pods/portforward: the apiserver's checks (pkg/registry/core/pod/strategy.go
// streamLocation / validateContainer, PortForwardLocation; pkg/registry/core/pod/rest/subresources.go),
// the kubelet's (its option parsing, then the runtime's check), then the upgrade: WebSocket (channel
// protocols; for port-forward also kubectl's SPDY tunnel) or SPDY/3.1.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { KObject, ResourceDef } from '../../resources/types.js';
import type { ContainerRuntime } from '../../runtime/types.js';
import { badRequest, StatusError } from '../../registry/errors.js';
import type { Registry } from '../../registry/registry.js';
import { takeUpgrade, wantsUpgrade } from './upgrade.js';
import { acceptWebSocket, ChannelConn, negotiate, offeredProtocols, PORTFORWARD_WS_PROTOCOLS, REMOTECOMMAND_WS_PROTOCOLS, SPDY_TUNNEL_PROTOCOL, webSocketDuplex } from './websocket.js';
import { REMOTECOMMAND_SPDY_PROTOCOLS, serveRemoteCommandSpdy, serveRemoteCommandWebSocket, type RemoteCommandRequest } from './remotecommand.js';
import { PORTFORWARD_PROTOCOL, servePortForwardSpdy, servePortForwardWebSocket, type PortForwardTarget } from './portforward.js';
import { SpdyConnection, type SpdyStream } from './spdy.js';
import type { Duplex } from 'node:stream';

export type StreamingOp = 'exec' | 'attach' | 'portforward';

export interface StreamingContext {
  registry: Registry;
  runtime?: ContainerRuntime;
  logger: Logger;
}

/** Go's http.Error, as the kubelet answers a request it cannot serve (the apiserver passes it on). */
function plainError(code: number, message: string): StatusError {
  const e = new StatusError(code, code === 403 ? 'Forbidden' : 'BadRequest', message);
  e.plainText = message + '\n';
  return e;
}

function containerNames(pod: KObject): string[] {
  // podutil.VisitContainers: init containers, containers, ephemeral containers
  const spec = pod.spec ?? {};
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].map((c: { name: string }) => c.name);
}

/** strategy.go validateContainer */
export function validateContainer(pod: KObject, container: string): string {
  const name = pod.metadata.name;
  if (!container) {
    const cs = pod.spec?.containers ?? [];
    if (cs.length === 1) return cs[0].name;
    if (cs.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containerNames(pod).join(' ')}]`);
  }
  if (!containerNames(pod).includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  return container;
}

function queryValues(url: string): URLSearchParams {
  const qi = url.indexOf('?');
  return new URLSearchParams(qi >= 0 ? url.slice(qi + 1) : '');
}

/** strconv.ParseBool, as the query conversion reads a boolean */
function boolParam(q: URLSearchParams, name: string, dflt: boolean): boolean {
  const v = q.get(name);
  if (v === null) return dflt;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False', ''].includes(v)) return false;
  throw badRequest(`strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
}

/** The `ports` query (repeated, or comma-separated as the apiserver sends it on to the kubelet). */
export function parsePorts(q: URLSearchParams): number[] {
  const out: number[] = [];
  for (const raw of [...q.getAll('ports'), ...q.getAll('port')]) {
    for (const p of raw.split(',')) {
      const s = p.trim();
      if (!s) continue;
      const n = Number(s);
      // kubelet portforward V4Options / apiserver conversion
      if (!/^\d+$/.test(s) || n > 65535) throw plainError(400, `unable to parse "${s}" as a port: strconv.ParseUint: parsing ${JSON.stringify(s)}: ${/^\d+$/.test(s) ? 'value out of range' : 'invalid syntax'}`);
      if (n < 1) throw plainError(400, `port "${s}" must be > 0`);
      out.push(n);
    }
  }
  return out;
}

/** Handles a pods/exec|attach|portforward request (GET or POST). */
export async function serveStreaming(ctx: StreamingContext, def: ResourceDef, op: StreamingOp, ns: string, name: string, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const pod = ctx.registry.get(def, ns, name);
  const q = queryValues(req.url);
  let container = '';
  if (op !== 'portforward') container = validateContainer(pod, q.get('container') ?? '');
  if (!pod.spec?.nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  const runtime = ctx.runtime;
  if (!runtime) throw new StatusError(400, 'BadRequest', `${op} is not available: kube-emulator simulates pods and has no container runtime (pod ${name})`);

  const isWS = wantsUpgrade(req, 'websocket');
  const isSpdy = !isWS && wantsUpgrade(req, 'spdy/3.1');
  let rc: RemoteCommandRequest | undefined;
  let ports: number[] = [];
  if (op === 'portforward') {
    ports = parsePorts(q);
    runtime.check({ namespace: ns, pod: name, container: pod.spec?.containers?.[0]?.name ?? '' }, op);
  } else {
    const command = q.getAll('command');
    // PodExecOptions / PodAttachOptions defaults: stdout and stderr on
    const stdin = boolParam(q, 'stdin', false);
    const stdout = boolParam(q, 'stdout', true);
    const tty = boolParam(q, 'tty', false);
    let stderr = boolParam(q, 'stderr', true);
    // kubelet remotecommand NewOptions: a tty has no stderr
    if (tty) stderr = false;
    if (!stdin && !stdout && !stderr) throw plainError(400, 'you must specify at least 1 of stdin, stdout, stderr');
    if (op === 'exec' && command.length === 0) throw plainError(400, 'cmd cannot be empty');
    rc = { op, ref: { namespace: ns, pod: name, container }, command, stdin, stdout, stderr, tty };
    runtime.check(rc.ref, op);
  }

  if (!isWS && !isSpdy) throw plainError(400, `unable to upgrade: missing upgrade headers in request: ${goHeader(req)}`);
  const log = ctx.logger.child({ component: 'streaming', op, pod: `${ns}/${name}` });
  const target: PortForwardTarget = { namespace: ns, pod: name, podID: String(pod.metadata.uid ?? name).replace(/-/g, '') };

  if (isWS) {
    const offered = offeredProtocols(req);
    let protocol: string;
    let tunnel = false;
    let channel: (typeof REMOTECOMMAND_WS_PROTOCOLS)[number] | undefined;
    if (op === 'portforward' && offered.includes(SPDY_TUNNEL_PROTOCOL)) {
      protocol = SPDY_TUNNEL_PROTOCOL;
      tunnel = true;
    } else {
      // kubelet portforward NewV4Options: the channel protocol needs its ports up front
      if (op === 'portforward' && ports.length === 0) throw plainError(400, 'query parameter "port" is required');
      channel = negotiate(offered, op === 'portforward' ? PORTFORWARD_WS_PROTOCOLS : REMOTECOMMAND_WS_PROTOCOLS);
      if (!channel) {
        const supported = (op === 'portforward' ? PORTFORWARD_WS_PROTOCOLS : REMOTECOMMAND_WS_PROTOCOLS).map((p) => p.name);
        throw plainError(403, `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${supported.join(' ')}]`);
      }
      protocol = channel.name;
    }
    const up = takeUpgrade(req);
    if (!up) throw plainError(400, 'unable to upgrade: the connection cannot be upgraded');
    reply.hijack();
    const ws = await acceptWebSocket(req.raw, up.socket, up.head, protocol);
    if (!ws) return;
    if (tunnel) {
      servePortForwardSpdy((onStream) => spdyOver(webSocketDuplex(ws), onStream, log), runtime, target, log);
      return;
    }
    const conn = new ChannelConn(ws, channel!);
    if (op === 'portforward') servePortForwardWebSocket(conn, runtime, target, ports, log);
    else serveRemoteCommandWebSocket(conn, runtime, rc!, log);
    return;
  }

  // SPDY/3.1: protocol negotiation (httpstream.Handshake), then 101
  const clientVersions = headerList(req.headers['x-stream-protocol-version']);
  const supported = op === 'portforward' ? [PORTFORWARD_PROTOCOL] : REMOTECOMMAND_SPDY_PROTOCOLS;
  let version = '';
  if (clientVersions.length) {
    version = clientVersions.find((v) => supported.includes(v)) ?? '';
    if (!version) throw plainError(403, `unable to upgrade: unable to negotiate protocol: client supports [${clientVersions.join(' ')}], server accepts [${supported.join(' ')}]`);
  }
  const up = takeUpgrade(req);
  if (!up) throw plainError(400, 'unable to upgrade: the connection cannot be upgraded');
  reply.hijack();
  const { socket, head } = up;
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${version ? `X-Stream-Protocol-Version: ${version}\r\n` : ''}\r\n`);
  if (head.length) socket.unshift(head);
  const start = (onStream: (s: SpdyStream) => boolean) => spdyOver(socket, onStream, log);
  if (op === 'portforward') servePortForwardSpdy(start, runtime, target, log);
  else serveRemoteCommandSpdy(start, version, runtime, rc!, log);
  return;
}

function spdyOver(transport: Duplex, onStream: (s: SpdyStream) => boolean, log: Logger): SpdyConnection {
  if ('setNoDelay' in transport && typeof transport.setNoDelay === 'function') transport.setNoDelay(true);
  return new SpdyConnection(transport, { onStream, onError: (err) => log.debug({ err }, 'SPDY connection error') });
}

function headerList(h: string | string[] | undefined): string[] {
  const all = Array.isArray(h) ? h : h ? [h] : [];
  return all.flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean);
}

/** the request's headers as Go's %#v of http.Header prints them (the kubelet's missing-upgrade message) */
function goHeader(req: FastifyRequest): string {
  const parts: string[] = [];
  for (let i = 0; i < req.raw.rawHeaders.length; i += 2) {
    const k = req.raw.rawHeaders[i].toLowerCase().replace(/(^|-)([a-z])/g, (_m, d, c) => d + c.toUpperCase());
    parts.push(`"${k}":[]string{"${req.raw.rawHeaders[i + 1]}"}`);
  }
  return `http.Header{${parts.join(', ')}}`;
}
