// A container's main process (issue 16): its command and args run with the runtime's RunCommand when the
// container starts; what it writes goes to the container's log, and to every `kubectl attach` session
// from the moment it attaches (the runtime's attach gives output from then on, no replay).
//
// - stdin (`stdin: true` in the container's spec): the attached sessions' stdin feeds the process's stdin;
//   with `stdinOnce` the process's stdin closes once the first session that attached with stdin goes
//   (ContainerConfig.stdin_once in the CRI: "stdin will be closed after the first attach session
//   disconnects"), and likewise when that session closes its stdin. Without `stdin`, the process reads an
//   empty stdin (/dev/null).
// - tty: the process runs with a terminal: stderr and stdout are the same device (both reach the
//   sessions' stdout and the log's stdout), resizes from attached sessions reach it.
// - attach settles when the process exits or when the session goes first, always with exit code 0: the
//   kubelet's ServeAttach (pkg/kubelet/cri/streaming/remotecommand/attach.go) answers Success whenever
//   the attach ends without an error, so `kubectl attach` exits 0 (kubectl run --attach reads the
//   container's exit code from the pod's status instead). The process's own result is `exited`.
// - stop: SIGTERM (the run's abort signal), then after the grace period SIGKILL: the result is 143 when
//   the process ends within the grace period, 137 otherwise.
import { PassThrough, Writable } from 'node:stream';
import type { ContainerLogSink, MainProcess, ProcessContext, ProcessResult, RunCommand, SessionStreams, StartMainProcess } from './types.js';

/** 128 + SIGTERM / SIGKILL */
export const EXIT_SIGTERM = 143;
export const EXIT_SIGKILL = 137;
/** the kubelet's default terminationGracePeriodSeconds */
const DEFAULT_GRACE_MS = 30_000;

interface Session {
  stdout?: Writable;
  stderr?: Writable;
}

function safeWrite(w: Writable | undefined, chunk: Buffer): void {
  if (!w || w.destroyed || w.writableEnded) return;
  try {
    w.write(chunk);
  } catch {
    // a session's stream that broke: that session stops receiving
  }
}

export const startMainProcess: StartMainProcess = (argv: string[], ctx: ProcessContext, opts: { stdin: boolean; stdinOnce: boolean; tty: boolean; log: ContainerLogSink; run: RunCommand }): MainProcess => {
  const ac = new AbortController();
  const sessions = new Set<Session>();
  const resizers = new Set<(size: { width: number; height: number }) => void>();
  let result: ProcessResult | undefined;
  let stopping = false;
  let settle!: (r: ProcessResult) => void;
  const exited = new Promise<ProcessResult>((resolve) => (settle = resolve));
  const finish = (r: ProcessResult) => {
    if (result) return;
    result = r;
    if (!procStdin.writableEnded) procStdin.end();
    settle(r);
  };

  const log = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
    try {
      opts.log.write(stream, chunk);
    } catch {
      // the log never stops the process
    }
  };
  const output = (stream: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        if (!result) {
          const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          // a terminal is one device: what the process writes on stderr shows on stdout
          const s = opts.tty ? 'stdout' : stream;
          log(s, b);
          for (const x of sessions) safeWrite(s === 'stdout' ? x.stdout : (x.stderr ?? undefined), b);
        }
        cb();
      },
    });

  // the process's stdin: fed by attached sessions (an empty, closed stdin without `stdin: true`)
  const procStdin = new PassThrough();
  if (!opts.stdin) procStdin.end();
  let stdinTaken = false;
  const closeStdin = () => {
    if (!procStdin.writableEnded) procStdin.end();
  };

  const streams: SessionStreams = {
    stdin: procStdin,
    stdout: output('stdout'),
    stderr: output('stderr'),
    tty: opts.tty,
    onResize: (fn) => void resizers.add(fn),
    signal: ac.signal,
  };

  if (!argv.length) {
    // nothing to run: the container idles until it is stopped
    ac.signal.addEventListener('abort', () => finish({ exitCode: EXIT_SIGTERM }), { once: true });
  } else {
    let p: Promise<ProcessResult>;
    try {
      p = Promise.resolve(opts.run(argv, ctx, streams));
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (r) => {
        const code = Number.isInteger(r?.exitCode) ? r.exitCode : 1;
        if (stopping) return finish({ exitCode: code >= 128 ? code : EXIT_SIGTERM });
        finish(r?.startError ? { exitCode: code, startError: r.startError } : { exitCode: code });
      },
      (err) => {
        if (!stopping) log('stderr', Buffer.from(`${err instanceof Error ? err.message : String(err)}\n`));
        finish({ exitCode: stopping ? EXIT_SIGTERM : 1 });
      },
    );
  }

  const attach = (s: SessionStreams): Promise<ProcessResult> => {
    if (result) return Promise.resolve({ exitCode: 0 });
    return new Promise<ProcessResult>((resolve) => {
      const session: Session = { stdout: s.stdout, stderr: opts.tty ? undefined : s.stderr };
      sessions.add(session);
      const feedsStdin = opts.stdin && !!s.stdin && !procStdin.writableEnded && !stdinTaken;
      // with stdinOnce the first session with stdin owns it: the process's stdin closes when it goes
      const owner = feedsStdin && opts.stdinOnce;
      if (owner) stdinTaken = true;
      const onData = (d: Buffer | string) => {
        if (!procStdin.writableEnded) procStdin.write(d);
      };
      const onEnd = () => {
        if (owner) closeStdin();
      };
      if (opts.stdin && s.stdin && !procStdin.writableEnded) {
        s.stdin.on('data', onData);
        s.stdin.once('end', onEnd);
        s.stdin.on('error', onEnd);
      }
      if (opts.tty) s.onResize?.((size) => {
        for (const fn of resizers) {
          try {
            fn(size);
          } catch {
            // a resize the process refused
          }
        }
      });
      let done = false;
      const leave = (r: ProcessResult) => {
        if (done) return;
        done = true;
        sessions.delete(session);
        s.stdin?.off('data', onData);
        s.stdin?.off('end', onEnd);
        s.stdin?.off('error', onEnd);
        s.signal.removeEventListener('abort', onAbort);
        if (owner) closeStdin();
        resolve(r);
      };
      const onAbort = () => leave({ exitCode: 0 });
      if (s.signal.aborted) return onAbort();
      s.signal.addEventListener('abort', onAbort, { once: true });
      void exited.then(() => leave({ exitCode: 0 }));
    });
  };

  let stopped: Promise<ProcessResult> | undefined;
  const stop = (graceMs = DEFAULT_GRACE_MS): Promise<ProcessResult> => {
    if (result) return Promise.resolve(result);
    if (stopped) return stopped;
    stopping = true;
    ac.abort(new Error('SIGTERM'));
    stopped = new Promise<ProcessResult>((resolve) => {
      if (result) return resolve(result);
      const timer = setTimeout(() => finish({ exitCode: EXIT_SIGKILL }), Math.max(0, graceMs));
      void exited.then((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    return stopped;
  };

  return { attach, exited, stop };
};
