// SPDY/3.1 framing (the draft spec's frame layout, as moby/spdystream speaks it for client-go's
// httpstream/spdy) and a small server-side connection: streams the client opens (SYN_STREAM),
// answered with SYN_REPLY, DATA both ways with FIN half-closes, RST_STREAM, PING echo, GOAWAY,
// SETTINGS, and flow-control windows. spdystream itself sends no WINDOW_UPDATE and ignores ours,
// so the send window is enforced only once the peer has shown it does flow control.
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';

export const SPDY_VERSION = 3;
export const TYPE = { SYN_STREAM: 1, SYN_REPLY: 2, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, HEADERS: 8, WINDOW_UPDATE: 9 } as const;
export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
/** RST_STREAM status codes */
export const RST = { PROTOCOL_ERROR: 1, INVALID_STREAM: 2, REFUSED_STREAM: 3, CANCEL: 5, INTERNAL_ERROR: 6, FLOW_CONTROL_ERROR: 7, STREAM_IN_USE: 8, STREAM_ALREADY_CLOSED: 9 } as const;
export const SETTINGS_INITIAL_WINDOW_SIZE = 7;
export const DEFAULT_WINDOW = 64 * 1024;
/** the largest frame payload accepted (the 24-bit length allows 16 MB; spdystream sends small frames) */
export const MAX_FRAME_PAYLOAD = 16 * 1024 * 1024 - 1;
/** the DATA chunk size written */
const DATA_CHUNK = 32 * 1024;

/** The SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00 §2.6.10.1). */
export const SPDY3_DICTIONARY = Buffer.from(
  'AAAAB29wdGlvbnMAAAAEaGVhZAAAAARwb3N0AAAAA3B1dAAAAAZkZWxldGUAAAAFdHJhY2UAAAAGYWNjZXB0AAAADmFjY2VwdC1jaGFyc2V0AAAAD2FjY2VwdC1lbmNvZGluZwAAAA9hY2NlcHQtbGFuZ3VhZ2UAAAANYWNjZXB0LXJhbmdlcwAAAANhZ2UAAAAFYWxsb3cAAAANYXV0aG9yaXphdGlvbgAAAA1jYWNoZS1jb250cm9sAAAACmNvbm5lY3Rpb24AAAAMY29udGVudC1iYXNlAAAAEGNvbnRlbnQtZW5jb2RpbmcAAAAQY29udGVudC1sYW5ndWFnZQAAAA5jb250ZW50LWxlbmd0aAAAABBjb250ZW50LWxvY2F0aW9uAAAAC2NvbnRlbnQtbWQ1AAAADWNvbnRlbnQtcmFuZ2UAAAAMY29udGVudC10eXBlAAAABGRhdGUAAAAEZXRhZwAAAAZleHBlY3QAAAAHZXhwaXJlcwAAAARmcm9tAAAABGhvc3QAAAAIaWYtbWF0Y2gAAAARaWYtbW9kaWZpZWQtc2luY2UAAAANaWYtbm9uZS1tYXRjaAAAAAhpZi1yYW5nZQAAABNpZi11bm1vZGlmaWVkLXNpbmNlAAAADWxhc3QtbW9kaWZpZWQAAAAIbG9jYXRpb24AAAAMbWF4LWZvcndhcmRzAAAABnByYWdtYQAAABJwcm94eS1hdXRoZW50aWNhdGUAAAATcHJveHktYXV0aG9yaXphdGlvbgAAAAVyYW5nZQAAAAdyZWZlcmVyAAAAC3JldHJ5LWFmdGVyAAAABnNlcnZlcgAAAAJ0ZQAAAAd0cmFpbGVyAAAAEXRyYW5zZmVyLWVuY29kaW5nAAAAB3VwZ3JhZGUAAAAKdXNlci1hZ2VudAAAAAR2YXJ5AAAAA3ZpYQAAAAd3YXJuaW5nAAAAEHd3dy1hdXRoZW50aWNhdGUAAAAGbWV0aG9kAAAAA2dldAAAAAZzdGF0dXMAAAAGMjAwIE9LAAAAB3ZlcnNpb24AAAAISFRUUC8xLjEAAAADdXJsAAAABnB1YmxpYwAAAApzZXQtY29va2llAAAACmtlZXAtYWxpdmUAAAAGb3JpZ2luMTAwMTAxMjAxMjAyMjA1MjA2MzAwMzAyMzAzMzA0MzA1MzA2MzA3NDAyNDA1NDA2NDA3NDA4NDA5NDEwNDExNDEyNDEzNDE0NDE1NDE2NDE3NTAyNTA0NTA1MjAzIE5vbi1BdXRob3JpdGF0aXZlIEluZm9ybWF0aW9uMjA0IE5vIENvbnRlbnQzMDEgTW92ZWQgUGVybWFuZW50bHk0MDAgQmFkIFJlcXVlc3Q0MDEgVW5hdXRob3JpemVkNDAzIEZvcmJpZGRlbjQwNCBOb3QgRm91bmQ1MDAgSW50ZXJuYWwgU2VydmVyIEVycm9yNTAxIE5vdCBJbXBsZW1lbnRlZDUwMyBTZXJ2aWNlIFVuYXZhaWxhYmxlSmFuIEZlYiBNYXIgQXByIE1heSBKdW4gSnVsIEF1ZyBTZXB0IE9jdCBOb3YgRGVjIDAwOjAwOjAwIE1vbiwgVHVlLCBXZWQsIFRodSwgRnJpLCBTYXQsIFN1biwgR01UY2h1bmtlZCx0ZXh0L2h0bWwsaW1hZ2UvcG5nLGltYWdlL2pwZyxpbWFnZS9naWYsYXBwbGljYXRpb24veG1sLGFwcGxpY2F0aW9uL3hodG1sK3htbCx0ZXh0L3BsYWluLHRleHQvamF2YXNjcmlwdCxwdWJsaWNwcml2YXRlbWF4LWFnZT1nemlwLGRlZmxhdGUsc2RjaGNoYXJzZXQ9dXRmLThjaGFyc2V0PWlzby04ODU5LTEsdXRmLSwqLGVucT0wLg==',
  'base64',
);

/** Header names (lower case) to values (a SPDY value holds several separated by NUL). */
export type SpdyHeaders = Record<string, string[]>;

export type SpdyFrame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedTo: number; priority: number; flags: number; headers: SpdyHeaders; headerBlock?: Buffer }
  | { type: 'syn_reply'; streamId: number; flags: number; headers: SpdyHeaders; headerBlock?: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'headers'; streamId: number; flags: number; headers: SpdyHeaders; headerBlock?: Buffer }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number };

export class SpdyProtocolError extends Error {}

/**
 * The header compression of one connection end. Outgoing blocks are deflate *stored* blocks in one
 * zlib stream (valid SPDY: the reader's dictionary is simply unused, and it needs no asynchronous
 * compressor); incoming blocks go through one inflate context with the SPDY dictionary, in order.
 */
export class HeaderCodec {
  private inflater?: zlib.Inflate;
  private started = false;
  private chain: Promise<unknown> = Promise.resolve();
  private failed?: Error;

  encode(headers: SpdyHeaders): Buffer {
    const raw = serializeHeaders(headers);
    const parts: Buffer[] = [];
    if (!this.started) {
      this.started = true;
      parts.push(Buffer.from([0x78, 0x01]));
    }
    for (let off = 0; off === 0 || off < raw.length; off += 0xffff) {
      const piece = raw.subarray(off, off + 0xffff);
      const h = Buffer.alloc(5);
      h[0] = 0; // BFINAL 0, BTYPE 00 (stored), then byte-aligned
      h.writeUInt16LE(piece.length, 1);
      h.writeUInt16LE(~piece.length & 0xffff, 3);
      parts.push(h, piece);
    }
    // and the empty stored block a sync flush ends with: Go's inflater hands the block's bytes over
    // when it meets it, without reading past the frame
    parts.push(Buffer.from([0, 0, 0, 0xff, 0xff]));
    return Buffer.concat(parts);
  }

  /** Inflates one header block (blocks are decoded in the order given). */
  decode(block: Buffer): Promise<SpdyHeaders> {
    const run = this.chain.then(() => this.inflate(block)).then(parseHeaderBlock);
    this.chain = run.catch(() => {});
    return run;
  }

  private inflate(block: Buffer): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    const z = (this.inflater ??= zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const onData = (c: Buffer) => chunks.push(c);
      const onError = (err: Error) => {
        z.off('data', onData);
        this.failed = new SpdyProtocolError(`bad header block: ${err.message}`);
        reject(this.failed);
      };
      z.on('data', onData);
      z.once('error', onError);
      z.write(block);
      z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        z.off('data', onData);
        z.off('error', onError);
        if (this.failed) return reject(this.failed);
        resolve(Buffer.concat(chunks));
      });
    });
  }

  close(): void {
    this.inflater?.on('error', () => {});
    this.inflater?.close();
  }
}

function serializeHeaders(headers: SpdyHeaders): Buffer {
  const parts: Buffer[] = [];
  const names = Object.keys(headers);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(names.length);
  parts.push(count);
  for (const name of names) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(headers[name].join('\0'));
    const ln = Buffer.alloc(4);
    ln.writeUInt32BE(n.length);
    const lv = Buffer.alloc(4);
    lv.writeUInt32BE(v.length);
    parts.push(ln, n, lv, v);
  }
  return Buffer.concat(parts);
}

function parseHeaderBlock(raw: Buffer): SpdyHeaders {
  const bad = () => new SpdyProtocolError('malformed header block');
  if (raw.length < 4) throw bad();
  const n = raw.readUInt32BE(0);
  let off = 4;
  const out: SpdyHeaders = {};
  for (let i = 0; i < n; i++) {
    if (off + 4 > raw.length) throw bad();
    const ln = raw.readUInt32BE(off);
    off += 4;
    if (off + ln + 4 > raw.length) throw bad();
    const name = raw.subarray(off, off + ln).toString('latin1').toLowerCase();
    off += ln;
    const lv = raw.readUInt32BE(off);
    off += 4;
    if (off + lv > raw.length) throw bad();
    const value = raw.subarray(off, off + lv).toString('utf8');
    off += lv;
    out[name] = [...(out[name] ?? []), ...value.split('\0')];
  }
  return out;
}

/** First value of a header. */
export function header(h: SpdyHeaders, name: string): string | undefined {
  return h[name.toLowerCase()]?.[0];
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  b.writeUInt16BE(type, 2);
  b.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  payload.copy(b, 8);
  return b;
}

function u32s(...vals: number[]): Buffer {
  const b = Buffer.alloc(vals.length * 4);
  vals.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** Encodes one frame (header blocks through `codec`, which keeps the connection's deflate context). */
export function encodeFrame(f: SpdyFrame, codec: HeaderCodec): Buffer {
  switch (f.type) {
    case 'data': {
      const b = Buffer.alloc(8 + f.data.length);
      b.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      b.writeUInt32BE(((f.flags & 0xff) << 24) | f.data.length, 4);
      f.data.copy(b, 8);
      return b;
    }
    case 'syn_stream': {
      const head = Buffer.alloc(10);
      head.writeUInt32BE(f.streamId & 0x7fffffff, 0);
      head.writeUInt32BE(f.associatedTo & 0x7fffffff, 4);
      head[8] = (f.priority & 7) << 5;
      return control(TYPE.SYN_STREAM, f.flags, Buffer.concat([head, codec.encode(f.headers)]));
    }
    case 'syn_reply':
      return control(TYPE.SYN_REPLY, f.flags, Buffer.concat([u32s(f.streamId & 0x7fffffff), codec.encode(f.headers)]));
    case 'headers':
      return control(TYPE.HEADERS, f.flags, Buffer.concat([u32s(f.streamId & 0x7fffffff), codec.encode(f.headers)]));
    case 'rst_stream':
      return control(TYPE.RST_STREAM, 0, u32s(f.streamId & 0x7fffffff, f.status));
    case 'settings': {
      const parts = [u32s(f.entries.length)];
      for (const e of f.entries) parts.push(u32s(((e.flags & 0xff) << 24) | (e.id & 0xffffff), e.value));
      return control(TYPE.SETTINGS, f.flags, Buffer.concat(parts));
    }
    case 'ping':
      return control(TYPE.PING, 0, u32s(f.id));
    case 'goaway':
      return control(TYPE.GOAWAY, 0, u32s(f.lastGoodStreamId & 0x7fffffff, f.status));
    case 'window_update':
      return control(TYPE.WINDOW_UPDATE, 0, u32s(f.streamId & 0x7fffffff, f.delta & 0x7fffffff));
    default:
      throw new Error(`cannot encode ${f.type}`);
  }
}

/**
 * Splits a byte stream into frames; throws SpdyProtocolError on a malformed one. Header blocks are
 * left in `headerBlock`: `decodeHeaders` fills `headers`, in order, through the connection's codec.
 */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): SpdyFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: SpdyFrame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) break;
      const frame = this.buf.subarray(0, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      out.push(this.parse(frame, len));
    }
    return out;
  }

  private parse(b: Buffer, len: number): SpdyFrame {
    const flags = b[4];
    const p = b.subarray(8);
    if (!(b[0] & 0x80)) return { type: 'data', streamId: b.readUInt32BE(0) & 0x7fffffff, flags, data: Buffer.from(p) };
    const version = b.readUInt16BE(0) & 0x7fff;
    if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
    const type = b.readUInt16BE(2);
    const need = (n: number) => {
      if (len < n) throw new SpdyProtocolError(`control frame ${type} too short`);
    };
    switch (type) {
      case TYPE.SYN_STREAM:
        need(10);
        return { type: 'syn_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, associatedTo: p.readUInt32BE(4) & 0x7fffffff, priority: p[8] >> 5, flags, headers: {}, headerBlock: Buffer.from(p.subarray(10)) };
      case TYPE.SYN_REPLY:
        need(4);
        return { type: 'syn_reply', streamId: p.readUInt32BE(0) & 0x7fffffff, flags, headers: {}, headerBlock: Buffer.from(p.subarray(4)) };
      case TYPE.HEADERS:
        need(4);
        return { type: 'headers', streamId: p.readUInt32BE(0) & 0x7fffffff, flags, headers: {}, headerBlock: Buffer.from(p.subarray(4)) };
      case TYPE.RST_STREAM:
        need(8);
        return { type: 'rst_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
      case TYPE.SETTINGS: {
        need(4);
        const n = p.readUInt32BE(0);
        if (len !== 4 + n * 8) throw new SpdyProtocolError('malformed SETTINGS frame');
        const entries = [];
        for (let i = 0; i < n; i++) {
          const fi = p.readUInt32BE(4 + i * 8);
          entries.push({ flags: fi >>> 24, id: fi & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
        }
        return { type: 'settings', flags, entries };
      }
      case TYPE.PING:
        need(4);
        return { type: 'ping', id: p.readUInt32BE(0) };
      case TYPE.GOAWAY:
        need(8);
        return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
      case TYPE.WINDOW_UPDATE:
        need(8);
        return { type: 'window_update', streamId: p.readUInt32BE(0) & 0x7fffffff, delta: p.readUInt32BE(4) & 0x7fffffff };
      default:
        return { type: 'unknown', frameType: type };
    }
  }
}

/** Fills a parsed frame's headers from its header block. */
export async function decodeHeaders(f: SpdyFrame, codec: HeaderCodec): Promise<SpdyFrame> {
  if ((f.type === 'syn_stream' || f.type === 'syn_reply' || f.type === 'headers') && f.headerBlock) {
    f.headers = await codec.decode(f.headerBlock);
    delete f.headerBlock;
  }
  return f;
}

/** One stream of a SpdyConnection: readable = the peer's DATA, writable = ours (end() sends FIN). */
export class SpdyStream extends Duplex {
  /** our send window (bytes the peer accepts before a WINDOW_UPDATE) */
  sendWindow: number;
  private unacked = 0;
  private waiting?: () => void;
  remoteClosed = false;
  localClosed = false;

  constructor(
    private readonly conn: SpdyConnection,
    readonly id: number,
    readonly headers: SpdyHeaders,
  ) {
    super({ allowHalfOpen: true });
    this.sendWindow = conn.initialSendWindow;
  }

  header(name: string): string | undefined {
    return header(this.headers, name);
  }

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.sendChunks(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk), cb);
  }

  private sendChunks(data: Buffer, cb: (err?: Error | null) => void): void {
    if (this.conn.closed || this.localClosed) return cb();
    let off = 0;
    const next = (): void => {
      while (off < data.length) {
        if (this.conn.closed || this.localClosed) return cb();
        let n = Math.min(DATA_CHUNK, data.length - off);
        if (this.conn.peerFlowControl) {
          if (this.sendWindow <= 0) {
            this.waiting = next;
            return;
          }
          n = Math.min(n, this.sendWindow);
          this.sendWindow -= n;
        }
        this.conn.send({ type: 'data', streamId: this.id, flags: 0, data: data.subarray(off, off + n) });
        off += n;
      }
      this.conn.afterFlush(cb);
    };
    next();
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.localClosed && !this.conn.closed) this.conn.send({ type: 'data', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) });
    this.localClosed = true;
    this.conn.maybeForget(this);
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // destroyed while open in either direction: the peer is told (RST_STREAM CANCEL)
    if (!(this.localClosed && this.remoteClosed)) this.conn.send({ type: 'rst_stream', streamId: this.id, status: RST.CANCEL });
    this.localClosed = this.remoteClosed = true;
    this.conn.forget(this);
    cb(err);
  }

  /** @internal */
  onData(data: Buffer, fin: boolean): void {
    if (this.remoteClosed) return;
    if (data.length) {
      this.push(data);
      this.unacked += data.length;
      if (this.unacked >= DEFAULT_WINDOW / 2) {
        this.conn.send({ type: 'window_update', streamId: this.id, delta: this.unacked });
        this.unacked = 0;
      }
    }
    if (fin) this.onRemoteClose();
  }

  /** @internal */
  onRemoteClose(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
    this.conn.maybeForget(this);
  }

  /** @internal */
  onWindow(delta: number): void {
    this.sendWindow += delta;
    const w = this.waiting;
    if (w && this.sendWindow > 0) {
      this.waiting = undefined;
      w();
    }
  }

  /** @internal: the peer reset the stream, or the connection went */
  onReset(): void {
    this.remoteClosed = true;
    this.localClosed = true;
    this.push(null);
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
    this.conn.forget(this);
    this.emit('reset');
  }
}

export interface SpdyConnectionOptions {
  /** a stream the client opened: return false to refuse it (RST_STREAM REFUSED_STREAM) */
  onStream(stream: SpdyStream): boolean | void;
  /** a malformed frame or a transport error (the connection closes) */
  onError?(err: Error): void;
}

/** The server end of a SPDY/3.1 connection over `transport` (a socket, or a WebSocket tunnel). */
export class SpdyConnection extends EventEmitter {
  readonly codec = new HeaderCodec();
  private readonly parser = new FrameParser();
  private queue: Promise<void> = Promise.resolve();
  private readonly streams = new Map<number, SpdyStream>();
  private lastStreamId = 0;
  private nextPingId = 2;
  closed = false;
  peerFlowControl = false;
  initialSendWindow = DEFAULT_WINDOW;

  constructor(
    private readonly transport: Duplex,
    private readonly opts: SpdyConnectionOptions,
  ) {
    super();
    transport.on('data', (chunk: Buffer) => this.onBytes(chunk));
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
    transport.on('error', (err) => {
      this.opts.onError?.(err);
      this.close();
    });
  }

  get streamCount(): number {
    return this.streams.size;
  }

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    let frames: SpdyFrame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      this.opts.onError?.(err as Error);
      this.goAway(1);
      return;
    }
    for (const raw of frames) {
      // frames are handled in order; a header block is inflated first (asynchronously)
      const needsHeaders = (raw.type === 'syn_stream' || raw.type === 'syn_reply' || raw.type === 'headers') && raw.headerBlock;
      const step = async () => {
        if (this.closed) return;
        const f = needsHeaders ? await decodeHeaders(raw, this.codec) : raw;
        if (this.closed) return;
        this.onFrame(f);
      };
      this.queue = this.queue.then(step).catch((err) => {
        this.opts.onError?.(err as Error);
        this.goAway(1);
      });
    }
  }

  private onFrame(f: SpdyFrame): void {
    switch (f.type) {
      case 'syn_stream': {
        // client streams are odd and increase (SPDY/3 §2.3.2)
        if (f.streamId % 2 === 0 || f.streamId <= this.lastStreamId) {
          this.send({ type: 'rst_stream', streamId: f.streamId, status: this.streams.has(f.streamId) ? RST.STREAM_IN_USE : RST.PROTOCOL_ERROR });
          return;
        }
        this.lastStreamId = f.streamId;
        const s = new SpdyStream(this, f.streamId, f.headers);
        this.streams.set(s.id, s);
        s.on('error', () => {});
        let accept: boolean | void;
        try {
          accept = this.opts.onStream(s);
        } catch {
          accept = false;
        }
        if (accept === false) {
          this.send({ type: 'syn_reply', streamId: s.id, flags: 0, headers: {} });
          this.send({ type: 'rst_stream', streamId: s.id, status: RST.REFUSED_STREAM });
          s.onReset();
          return;
        }
        // kubelet's httpstream/spdy connection replies to every accepted stream with empty headers
        this.send({ type: 'syn_reply', streamId: s.id, flags: 0, headers: {} });
        if (f.flags & (FLAG_FIN | FLAG_UNIDIRECTIONAL)) s.onRemoteClose();
        return;
      }
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        s.onData(f.data, !!(f.flags & FLAG_FIN));
        return;
      }
      case 'headers': {
        const s = this.streams.get(f.streamId);
        if (s && f.flags & FLAG_FIN) s.onRemoteClose();
        return;
      }
      case 'rst_stream':
        this.streams.get(f.streamId)?.onReset();
        return;
      case 'settings':
        for (const e of f.entries) {
          if (e.id === SETTINGS_INITIAL_WINDOW_SIZE) {
            const delta = e.value - this.initialSendWindow;
            this.initialSendWindow = e.value;
            for (const s of this.streams.values()) s.onWindow(delta);
          }
        }
        return;
      case 'ping':
        // the client's pings are odd: echo them; ours (even) come back
        if (f.id % 2 === 1) this.send({ type: 'ping', id: f.id });
        return;
      case 'goaway':
        this.close();
        return;
      case 'window_update': {
        this.peerFlowControl = true;
        this.streams.get(f.streamId)?.onWindow(f.delta);
        return;
      }
      case 'syn_reply':
      case 'unknown':
        return;
    }
  }

  /** @internal */
  send(f: SpdyFrame): void {
    if (this.closed || this.transport.destroyed || this.transport.writableEnded) return;
    this.transport.write(encodeFrame(f, this.codec));
  }

  /** @internal: cb once the transport has taken what was written (backpressure for stream writes) */
  afterFlush(cb: () => void): void {
    if (this.closed || !this.transport.writableNeedDrain) return cb();
    const done = () => {
      this.transport.off('drain', done);
      this.off('close', done);
      cb();
    };
    this.transport.once('drain', done);
    this.once('close', done);
  }

  /** @internal */
  maybeForget(s: SpdyStream): void {
    if (s.localClosed && s.remoteClosed) this.forget(s);
  }

  /** @internal */
  forget(s: SpdyStream): void {
    this.streams.delete(s.id);
  }

  ping(): void {
    this.send({ type: 'ping', id: this.nextPingId });
    this.nextPingId += 2;
  }

  /** GOAWAY, then closes the transport once written. */
  goAway(status = 0): void {
    if (this.closed) return;
    this.send({ type: 'goaway', lastGoodStreamId: this.lastStreamId, status });
    this.close();
  }

  /** Closes the connection: every open stream ends (as a reset) and the transport is ended. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) s.onReset();
    this.streams.clear();
    if (!this.transport.destroyed) {
      this.transport.end();
      // a peer that never closes its side does not keep the socket
      const t = setTimeout(() => this.transport.destroy(), 2000);
      t.unref();
      this.transport.once('close', () => clearTimeout(t));
    }
    this.codec.close();
    this.emit('close');
  }
}
