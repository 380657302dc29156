// exec and attach sessions as the kubelet serves them (pkg/kubelet/cri/streaming/remotecommand:
// httpstream.go over SPDY, websocket.go over the channel protocols): the streams the client asked
// for, the runtime's process, then the exit status on the error stream (v4+: a metav1.Status in
// JSON; older protocols: the failure's message as text, nothing on success) and the end.
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { ContainerRef, ContainerRuntime, ProcessResult, SessionStreams } from '../../runtime/types.js';
import { ChannelConn } from './websocket.js';
import type { SpdyConnection, SpdyStream } from './spdy.js';

export interface RemoteCommandRequest {
  op: 'exec' | 'attach';
  ref: ContainerRef;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface StatusObject {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: { reason?: string; message: string }[] };
  code?: number;
}

export const SUCCESS: StatusObject = { metadata: {}, status: 'Success' };

/** remotecommand's NonZeroExitCode Status (kubectl: `command terminated with exit code N`). */
export function exitStatus(command: string[], code: number): StatusObject {
  return {
    metadata: {},
    status: 'Failure',
    // containerd's CodeExitError message, as `%v` of the kubelet's ExitError
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

/** apierrors.NewInternalError, as written on the error stream. */
export function internalStatus(message: string): StatusObject {
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
}

export function resultStatus(req: RemoteCommandRequest, r: ProcessResult): StatusObject {
  if (r.startError !== undefined) return { metadata: {}, status: 'Failure', message: r.startError, reason: 'InternalError', details: { causes: [{ message: r.startError }] }, code: 500 };
  if (req.op === 'attach' || r.exitCode === 0) return SUCCESS;
  return exitStatus(req.command, r.exitCode);
}

/** The status as the error stream carries it for the protocol (v1-v3: the message only, or nothing). */
export function encodeStatus(s: StatusObject, v4: boolean): Buffer | undefined {
  if (v4) return Buffer.from(JSON.stringify(s));
  return s.status === 'Success' ? undefined : Buffer.from(s.message ?? '');
}

interface Channels {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  onResize?(fn: (size: { width: number; height: number }) => void): void;
  writeStatus(s: StatusObject): void;
  end(): void;
  signal: AbortSignal;
}

async function endWritable(w: Writable | undefined): Promise<void> {
  if (!w || w.destroyed) return;
  if (!w.writableEnded) w.end();
  if (w.writableFinished) return;
  await new Promise<void>((resolve) => {
    w.once('finish', resolve);
    w.once('close', resolve);
    w.once('error', resolve);
  });
}

async function runSession(runtime: ContainerRuntime, req: RemoteCommandRequest, ch: Channels, logger: Logger): Promise<void> {
  const streams: SessionStreams = { stdin: ch.stdin, stdout: ch.stdout, stderr: req.tty ? undefined : ch.stderr, tty: req.tty, onResize: ch.onResize, signal: ch.signal };
  let status: StatusObject;
  try {
    const r = req.op === 'exec' ? await runtime.exec(req.ref, req.command, streams) : await runtime.attach(req.ref, streams);
    status = resultStatus(req, r);
  } catch (err) {
    logger.warn({ err, op: req.op, pod: `${req.ref.namespace}/${req.ref.pod}` }, 'runtime failed');
    const msg = (err as Error)?.message ?? String(err);
    status = internalStatus(req.op === 'exec' ? `error executing command in container: ${msg}` : `error attaching to container: ${msg}`);
  }
  if (!ch.signal.aborted) {
    await Promise.all([endWritable(ch.stdout), endWritable(ch.stderr)]);
    ch.writeStatus(status);
  }
  ch.end();
}

/** Parses the resize stream (a sequence of JSON TerminalSize objects, {"Width":..,"Height":..}). */
export function resizeDecoder(fn: (size: { width: number; height: number }) => void): (chunk: Buffer) => void {
  let buf = '';
  return (chunk) => {
    buf += chunk.toString('utf8');
    if (buf.length > 65536) buf = '';
    for (;;) {
      const start = buf.indexOf('{');
      if (start < 0) {
        buf = '';
        return;
      }
      const end = buf.indexOf('}', start);
      if (end < 0) {
        buf = buf.slice(start);
        return;
      }
      const text = buf.slice(start, end + 1);
      buf = buf.slice(end + 1);
      try {
        const o = JSON.parse(text);
        const width = Number(o.Width ?? o.width);
        const height = Number(o.Height ?? o.height);
        if (Number.isFinite(width) && Number.isFinite(height)) fn({ width, height });
      } catch {
        // not a size: ignored, as the kubelet logs and goes on
      }
    }
  };
}

function resizeHub(): { on(fn: (s: { width: number; height: number }) => void): void; emit(s: { width: number; height: number }): void } {
  const fns: ((s: { width: number; height: number }) => void)[] = [];
  const pending: { width: number; height: number }[] = [];
  return {
    on(fn) {
      fns.push(fn);
      for (const s of pending.splice(0)) fn(s);
    },
    emit(s) {
      if (!fns.length) pending.push(s);
      for (const f of fns) f(s);
    },
  };
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;

/** A session over the channel WebSocket protocols. */
export function serveRemoteCommandWebSocket(conn: ChannelConn, runtime: ContainerRuntime, req: RemoteCommandRequest, logger: Logger): void {
  const abort = new AbortController();
  let done = false;
  conn.ws.once('close', () => {
    if (!done) abort.abort();
    stdin?.end();
  });
  const stdin = req.stdin ? new PassThrough() : undefined;
  stdin?.on('error', () => {});
  const writer = (channel: number) => {
    const w = new Writable({
      write(chunk: Buffer, _enc, cb) {
        conn.write(channel, chunk, cb);
      },
    });
    // a process writing after the session ended must not take the server down
    w.on('error', () => {});
    return w;
  };
  const stdout = req.stdout ? writer(STDOUT) : undefined;
  const stderr = req.stderr && !req.tty ? writer(STDERR) : undefined;
  const resize = resizeHub();
  const decodeResize = resizeDecoder((s) => resize.emit(s));
  conn.onData((channel, data) => {
    if (channel === STDIN) {
      if (stdin && !stdin.writableEnded) stdin.write(data);
    } else if (channel === RESIZE) decodeResize(data);
  });
  conn.onClose((channel) => {
    if (channel === STDIN) stdin?.end();
  });
  // the kubelet's first message: an empty one on the lowest writable channel (the connection is up)
  conn.write(req.stdout ? STDOUT : stderr ? STDERR : ERROR, Buffer.alloc(0));
  void runSession(
    runtime,
    req,
    {
      stdin,
      stdout,
      stderr,
      onResize: req.tty ? (fn) => resize.on(fn) : undefined,
      signal: abort.signal,
      writeStatus: (s) => {
        const b = encodeStatus(s, conn.protocol.v4);
        if (b) conn.write(ERROR, b);
      },
      end: () => {
        done = true;
        conn.close();
      },
    },
    logger,
  );
}

/** SPDY remotecommand protocol versions (X-Stream-Protocol-Version), the server's preference order. */
export const REMOTECOMMAND_SPDY_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** How long the client has to open its streams (the kubelet's streamCreationTimeout default). */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

/** A session over a SPDY connection: the client opens one stream per `streamtype`. */
export function serveRemoteCommandSpdy(start: (onStream: (s: SpdyStream) => boolean) => SpdyConnection, version: string, runtime: ContainerRuntime, req: RemoteCommandRequest, logger: Logger): void {
  const expected = new Set<string>(['error']);
  if (req.stdin) expected.add('stdin');
  if (req.stdout) expected.add('stdout');
  if (req.stderr && !req.tty) expected.add('stderr');
  // the resize stream came with v3 (older clients never open it)
  if (req.tty && version !== 'v2.channel.k8s.io' && version !== 'channel.k8s.io' && version !== '') expected.add('resize');
  const got = new Map<string, SpdyStream>();
  const abort = new AbortController();
  let started = false;
  let done = false;
  const resize = resizeHub();
  const conn = start((s) => {
    const type = s.header('streamtype') ?? '';
    if (started || got.has(type) || !['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type)) return false;
    got.set(type, s);
    if (type === 'resize') s.on('data', resizeDecoder((sz) => resize.emit(sz)));
    if (type === 'stdout' || type === 'stderr' || type === 'error') s.resume();
    if ([...expected].every((t) => got.has(t))) setImmediate(begin);
    return true;
  });
  const timer = setTimeout(() => {
    if (!started) {
      logger.debug('timed out waiting for the client to create streams');
      conn.close();
    }
  }, STREAM_CREATION_TIMEOUT_MS);
  timer.unref();
  conn.once('close', () => {
    clearTimeout(timer);
    if (!done) abort.abort();
  });
  function begin(): void {
    if (started || conn.closed) return;
    started = true;
    clearTimeout(timer);
    const error = got.get('error')!;
    const stdin = got.get('stdin');
    // a stream the client resets or the connection losing it ends the session
    void runSession(
      runtime,
      req,
      {
        stdin,
        stdout: got.get('stdout'),
        stderr: got.get('stderr'),
        onResize: req.tty ? (fn) => resize.on(fn) : undefined,
        signal: abort.signal,
        writeStatus: (s) => {
          const b = encodeStatus(s, version === 'v4.channel.k8s.io');
          if (b) error.write(b);
        },
        end: () => {
          done = true;
          error.end();
          for (const s of got.values()) if (!s.writableEnded) s.end();
          // after the FINs: GOAWAY and the connection closes (kubelet: conn.Close())
          setImmediate(() => conn.goAway());
        },
      },
      logger,
    );
  }
}
