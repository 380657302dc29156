// The cluster DNS server: UDP and TCP (2-byte length prefix, RFC 1035 4.2.2) on one port,
// authoritative for the cluster zone and in-addr.arpa, answering from the informer caches.
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createTCPServer, type Server, type Socket as TCPSocket } from 'node:net';
import type { Logger } from 'pino';
import { AUTHORITATIVE_ANSWER, CHECKING_DISABLED, RECURSION_DESIRED, TRUNCATED_RESPONSE, decode, encode, type Answer, type Packet } from 'dns-packet';
import type { InformerFactory } from '../controllers/informer.js';
import { ClusterView } from './cluster.js';
import { Resolver, type Rcode } from './resolver.js';

export interface DNSServerOptions {
  informers: InformerFactory;
  host: string;
  /** 0 picks a free port (the same for UDP and TCP) */
  port: number;
  /** when `port` is in use: take a free one and log a warning instead of failing */
  fallbackToFree?: boolean;
  /** cluster domain (default cluster.local) */
  zone?: string;
  ttl?: number;
  logger: Logger;
}

/** The requested DNS port is taken (by UDP or TCP). */
export class DNSPortInUseError extends Error {
  readonly code = 'EADDRINUSE';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly protocol: 'udp' | 'tcp',
  ) {
    super(`cluster DNS: ${host}:${port} (${protocol}) is already in use`);
  }
}

export interface DNSServer {
  port: number;
  close(): Promise<void>;
}

const RCODE: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const MAX_UDP = 4096;
const TCP_IDLE_MS = 30_000;

function header(id: number, flags: number, rcode: Rcode): Packet {
  return { type: 'response', id, flags: (flags & ~0xf) | RCODE[rcode], questions: [], answers: [], authorities: [], additionals: [] };
}

/**
 * One query message in, one response message out (undefined: drop it). `udp` limits the size and
 * sets TC when the answer does not fit.
 */
export function handleMessage(resolver: Resolver, msg: Buffer, udp: boolean, logger?: Logger): Buffer | undefined {
  let q: ReturnType<typeof decode>;
  try {
    q = decode(msg);
  } catch {
    if (msg.length < 12 || msg.readUInt16BE(2) & 0x8000) return undefined;
    return encode(header(msg.readUInt16BE(0), 0, 'FORMERR'));
  }
  if (q.type === 'response') return undefined;
  const id = q.id ?? 0;
  const flagsIn = q.flags ?? 0;
  const echo = flagsIn & (RECURSION_DESIRED | CHECKING_DISABLED);
  const opcode = (q as any).opcode as string | undefined;
  const opt = (q.additionals ?? []).find((a) => a.type === 'OPT') as any;
  const withOpt = (p: Packet): Packet => (opt ? { ...p, additionals: [...(p.additionals ?? []), { name: '.', type: 'OPT', udpPayloadSize: MAX_UDP, flags: 0, options: [] } as any] } : p);
  if (opcode && opcode !== 'QUERY') return encode(withOpt({ ...header(id, echo | ((flagsIn >> 11) & 0xf) << 11, 'NOTIMP'), questions: q.questions }));
  if (!q.questions || q.questions.length !== 1) return encode(withOpt({ ...header(id, echo, 'FORMERR'), questions: q.questions ?? [] }));

  const question = q.questions[0];
  let res: Packet;
  try {
    const r = resolver.resolve(question);
    res = {
      ...header(id, echo | (r.aa ? AUTHORITATIVE_ANSWER : 0), r.rcode),
      questions: [question],
      answers: r.answers,
      authorities: r.authorities,
      additionals: r.additionals,
    };
  } catch (err) {
    logger?.warn({ err, question }, 'dns: lookup failed');
    res = { ...header(id, echo, 'SERVFAIL'), questions: [question] };
  }
  let out: Buffer;
  try {
    out = encode(withOpt(res));
  } catch (err) {
    logger?.warn({ err, question }, 'dns: cannot encode the answer');
    out = encode(withOpt({ ...header(id, echo, 'SERVFAIL'), questions: [question] }));
  }
  if (!udp) return out;
  const limit = opt ? Math.max(512, Math.min(Number(opt.udpPayloadSize) || 512, MAX_UDP)) : 512;
  if (out.length <= limit) return out;
  // drop the additional section first, then signal truncation (the client retries over TCP)
  const lean = encode(withOpt({ ...res, additionals: [] }));
  if (lean.length <= limit) return lean;
  const answers: Answer[] = [];
  return encode(withOpt({ ...res, flags: (res.flags ?? 0) | TRUNCATED_RESPONSE, answers, authorities: [], additionals: [] }));
}

function bindUDP(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
    sock.once('error', reject);
    sock.bind(port, host, () => {
      sock.off('error', reject);
      resolve(sock);
    });
  });
}

function listenTCP(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startDNSServer(opts: DNSServerOptions): Promise<DNSServer> {
  const logger = opts.logger.child({ component: 'dns' });
  const resolver = new Resolver(new ClusterView(opts.informers), { zone: opts.zone ?? 'cluster.local', ttl: opts.ttl });
  const conns = new Set<TCPSocket>();

  const tcp = createTCPServer((conn) => {
    conns.add(conn);
    conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
    let buf: Buffer = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = buf.subarray(2, 2 + len);
        buf = buf.subarray(2 + len);
        const out = handleMessage(resolver, msg, false, logger);
        if (!out) continue;
        const framed = Buffer.alloc(2 + out.length);
        framed.writeUInt16BE(out.length, 0);
        out.copy(framed, 2);
        conn.write(framed);
      }
    });
    conn.on('error', () => conn.destroy());
    conn.on('close', () => conns.delete(conn));
  });

  let udp: Socket | undefined;
  let want = opts.port;
  let port = want;
  for (let attempt = 0; ; attempt++) {
    let proto: 'udp' | 'tcp' = 'udp';
    try {
      udp = await bindUDP(opts.host, want);
      port = udp.address().port;
      proto = 'tcp';
      await listenTCP(tcp, opts.host, port);
      break;
    } catch (err: any) {
      udp?.close();
      udp = undefined;
      if (err?.code !== 'EADDRINUSE' || attempt >= 10) throw err;
      // a free UDP port whose TCP twin is taken: pick another when the caller let us choose
      if (want === 0) continue;
      if (!opts.fallbackToFree) throw new DNSPortInUseError(opts.host, want, proto);
      want = 0;
    }
  }
  if (port !== opts.port && opts.port !== 0)
    logger.warn({ host: opts.host, wanted: opts.port, port }, `cluster DNS port ${opts.port} is in use: serving cluster DNS on port ${port} instead (--dns-port chooses one)`);
  const sock = udp;
  sock.on('message', (msg, rinfo) => {
    const out = handleMessage(resolver, msg, true, logger);
    if (out) sock.send(out, rinfo.port, rinfo.address);
  });
  sock.on('error', (err) => logger.warn({ err }, 'dns: udp socket error'));
  logger.info({ host: opts.host, port, zone: resolver.zone }, 'cluster DNS listening (udp+tcp)');

  let closed = false;
  return {
    port,
    async close() {
      if (closed) return;
      closed = true;
      for (const c of conns) c.destroy();
      await Promise.all([new Promise<void>((r) => sock.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
