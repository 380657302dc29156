// The SPDY/3.1 codec and server connection (src/server/streaming/spdy.ts): every frame type
// round-trips, header blocks compressed with the SPDY/3 dictionary across one zlib stream (as Go's
// framer writes them) decode in order, frames split anywhere parse, malformed input is refused, and
// the connection answers streams, echoes pings, half-closes, resets and honours flow control.
import { PassThrough, Duplex } from 'node:stream';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeHeaders,
  encodeFrame,
  FLAG_FIN,
  FrameParser,
  HeaderCodec,
  SPDY3_DICTIONARY,
  SpdyConnection,
  SpdyProtocolError,
  type SpdyFrame,
  type SpdyStream,
} from '../../src/server/streaming/spdy.js';

async function parseAll(bytes: Buffer, codec = new HeaderCodec()): Promise<SpdyFrame[]> {
  const p = new FrameParser();
  const out: SpdyFrame[] = [];
  for (const f of p.push(bytes)) out.push(await decodeHeaders(f, codec));
  return out;
}

describe('frames', () => {
  it('the dictionary is the SPDY/3 one', () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1')).toBe('\0\0\0\x07options');
    expect(SPDY3_DICTIONARY.subarray(-6).toString()).toBe('enq=0.');
  });

  it('every frame type round-trips', async () => {
    const enc = new HeaderCodec();
    const frames: SpdyFrame[] = [
      { type: 'syn_stream', streamId: 1, associatedTo: 0, priority: 3, flags: 0, headers: { streamtype: ['error'], port: ['80'] } },
      { type: 'syn_reply', streamId: 1, flags: 0, headers: {} },
      { type: 'headers', streamId: 1, flags: FLAG_FIN, headers: { a: ['x', 'y'] } },
      { type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.from('hello') },
      { type: 'rst_stream', streamId: 3, status: 5 },
      { type: 'settings', flags: 0, entries: [{ flags: 0, id: 7, value: 1 << 20 }] },
      { type: 'ping', id: 7 },
      { type: 'goaway', lastGoodStreamId: 9, status: 0 },
      { type: 'window_update', streamId: 1, delta: 4096 },
    ];
    const bytes = Buffer.concat(frames.map((f) => encodeFrame(f, enc)));
    expect(await parseAll(bytes)).toEqual(frames);
  });

  it('frames split at any byte parse the same', async () => {
    const enc = new HeaderCodec();
    const bytes = Buffer.concat([
      encodeFrame({ type: 'syn_stream', streamId: 5, associatedTo: 0, priority: 0, flags: 0, headers: { streamtype: ['stdout'] } }, enc),
      encodeFrame({ type: 'data', streamId: 5, flags: 0, data: Buffer.alloc(300, 1) }, enc),
    ]);
    const p = new FrameParser();
    const got: SpdyFrame[] = [];
    for (let i = 0; i < bytes.length; i += 7) got.push(...p.push(bytes.subarray(i, i + 7)));
    expect(got.map((f) => f.type)).toEqual(['syn_stream', 'data']);
    expect((got[1] as { data: Buffer }).data.length).toBe(300);
  });

  it('header blocks a zlib stream with the dictionary wrote (one context, a sync flush per block) decode in order', async () => {
    const deflate = zlib.createDeflate({ dictionary: SPDY3_DICTIONARY });
    const block = (h: Record<string, string>) =>
      new Promise<Buffer>((resolve) => {
        const names = Object.keys(h);
        const parts = [u32(names.length)];
        for (const n of names) parts.push(u32(n.length), Buffer.from(n), u32(h[n].length), Buffer.from(h[n]));
        const chunks: Buffer[] = [];
        const on = (c: Buffer) => chunks.push(c);
        deflate.on('data', on);
        deflate.write(Buffer.concat(parts));
        deflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          deflate.off('data', on);
          resolve(Buffer.concat(chunks));
        });
      });
    const codec = new HeaderCodec();
    const b1 = await block({ streamtype: 'error' });
    const b2 = await block({ streamtype: 'stdout', requestid: '0' });
    const b3 = await block({ streamtype: 'data', port: '80', requestid: '0' });
    const [h1, h2, h3] = await Promise.all([codec.decode(b1), codec.decode(b2), codec.decode(b3)]);
    expect(h1).toEqual({ streamtype: ['error'] });
    expect(h2).toEqual({ streamtype: ['stdout'], requestid: ['0'] });
    expect(h3).toEqual({ streamtype: ['data'], port: ['80'], requestid: ['0'] });
  });

  it('our header blocks are one valid zlib stream', () => {
    const codec = new HeaderCodec();
    const all = Buffer.concat([codec.encode({ a: ['1'] }), codec.encode({ b: ['2', '3'] })]);
    const raw = zlib.inflateSync(all, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    expect(raw.includes(Buffer.from('a'))).toBe(true);
    expect(raw.toString('latin1')).toContain('2\u00003');
  });

  it('malformed input is refused', async () => {
    // a control frame of another SPDY version
    expect(() => new FrameParser().push(Buffer.from([0x80, 0x02, 0, 1, 0, 0, 0, 0]))).toThrow(SpdyProtocolError);
    // a RST_STREAM too short
    expect(() => new FrameParser().push(Buffer.from([0x80, 0x03, 0, 3, 0, 0, 0, 2, 0, 0]))).toThrow(SpdyProtocolError);
    // a header block that is not zlib
    const f = new FrameParser().push(Buffer.from([0x80, 0x03, 0, 2, 0, 0, 0, 8, 0, 0, 0, 1, 1, 2, 3, 4]));
    await expect(decodeHeaders(f[0], new HeaderCodec())).rejects.toThrow(SpdyProtocolError);
    // a header block announcing more than it holds
    const codec = new HeaderCodec();
    const lying = Buffer.concat([Buffer.from([0x78, 0x01, 0x00, 8, 0, 0xf7, 0xff]), u32(3), u32(100), Buffer.from([0, 0, 0, 0xff, 0xff])]);
    await expect(codec.decode(lying)).rejects.toThrow(SpdyProtocolError);
  });
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A client end: frames to the server, frames from it. */
function pair(onStream: (s: SpdyStream) => boolean | void) {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const transport = Duplex.from({ readable: toServer, writable: fromServer });
  const errors: Error[] = [];
  const conn = new SpdyConnection(transport, { onStream, onError: (e) => errors.push(e) });
  const enc = new HeaderCodec();
  const dec = new HeaderCodec();
  const parser = new FrameParser();
  const received: SpdyFrame[] = [];
  let pending = Promise.resolve();
  fromServer.on('data', (c: Buffer) => {
    for (const f of parser.push(c)) pending = pending.then(async () => void received.push(await decodeHeaders(f, dec)));
  });
  return {
    conn,
    errors,
    received,
    send: (f: SpdyFrame) => toServer.write(encodeFrame(f, enc)),
    raw: (b: Buffer) => toServer.write(b),
    settle: async () => {
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 5));
        await pending;
      }
    },
    fromServer,
  };
}

describe('the server connection', () => {
  it('replies to a stream, carries data both ways, half-closes with FIN', async () => {
    let stream: SpdyStream | undefined;
    const c = pair((s) => {
      stream = s;
      s.on('data', (d: Buffer) => s.write(Buffer.from(d.toString().toUpperCase())));
      s.on('end', () => s.end());
    });
    c.send({ type: 'syn_stream', streamId: 1, associatedTo: 0, priority: 0, flags: 0, headers: { streamtype: ['stdin'] } });
    c.send({ type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.from('abc') });
    await c.settle();
    expect(stream?.header('streamtype')).toBe('stdin');
    expect(c.received).toEqual([
      { type: 'syn_reply', streamId: 1, flags: 0, headers: {} },
      { type: 'data', streamId: 1, flags: 0, data: Buffer.from('ABC') },
      { type: 'data', streamId: 1, flags: FLAG_FIN, data: Buffer.alloc(0) },
    ]);
    expect(c.conn.streamCount).toBe(0);
  });

  it('a refused stream is reset; even or reused stream ids are protocol errors', async () => {
    const c = pair(() => false);
    c.send({ type: 'syn_stream', streamId: 1, associatedTo: 0, priority: 0, flags: 0, headers: {} });
    c.send({ type: 'syn_stream', streamId: 2, associatedTo: 0, priority: 0, flags: 0, headers: {} });
    await c.settle();
    expect(c.received.map((f) => f.type)).toEqual(['syn_reply', 'rst_stream', 'rst_stream']);
    expect((c.received[1] as { status: number }).status).toBe(3);
    expect((c.received[2] as { status: number }).status).toBe(1);
  });

  it('echoes client pings, and a reset ends the stream', async () => {
    let stream: SpdyStream | undefined;
    const c = pair((s) => void (stream = s));
    c.send({ type: 'ping', id: 1 });
    c.send({ type: 'syn_stream', streamId: 1, associatedTo: 0, priority: 0, flags: 0, headers: {} });
    c.send({ type: 'rst_stream', streamId: 1, status: 5 });
    await c.settle();
    expect(c.received[0]).toEqual({ type: 'ping', id: 1 });
    expect(stream?.remoteClosed && stream.localClosed).toBe(true);
  });

  it('once the peer does flow control, writes wait for its window', async () => {
    let stream: SpdyStream | undefined;
    const c = pair((s) => void (stream = s));
    c.send({ type: 'syn_stream', streamId: 1, associatedTo: 0, priority: 0, flags: 0, headers: {} });
    c.send({ type: 'settings', flags: 0, entries: [{ flags: 0, id: 7, value: 10 }] });
    c.send({ type: 'window_update', streamId: 1, delta: 0 });
    await c.settle();
    stream!.write(Buffer.alloc(25, 0x61));
    await c.settle();
    const dataBytes = () => c.received.filter((f) => f.type === 'data').reduce((n, f) => n + (f as { data: Buffer }).data.length, 0);
    expect(dataBytes()).toBe(10);
    c.send({ type: 'window_update', streamId: 1, delta: 100 });
    await c.settle();
    expect(dataBytes()).toBe(25);
  });

  it('garbage closes the connection with GOAWAY, and its streams end', async () => {
    let stream: SpdyStream | undefined;
    const c = pair((s) => void (stream = s));
    c.send({ type: 'syn_stream', streamId: 1, associatedTo: 0, priority: 0, flags: 0, headers: {} });
    await c.settle();
    c.raw(Buffer.from([0x80, 0x09, 0, 1, 0, 0, 0, 0]));
    await c.settle();
    expect(c.conn.closed).toBe(true);
    expect(c.received.at(-1)).toMatchObject({ type: 'goaway', lastGoodStreamId: 1, status: 1 });
    expect(stream?.readableEnded || stream?.remoteClosed).toBe(true);
    expect(c.errors.length).toBe(1);
  });
});
