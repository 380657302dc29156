// A container's main process (src/runtime/mainprocess.ts), with a stand-in RunCommand (a few shell
// words: echo, sleep, cat, exit, read-loop) in place of the built-in shell: its output reaches the log,
// attach sees what it writes from then on and feeds its stdin, stdinOnce, tty, stop's exit codes.
import { describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import { LogStore } from '../../src/runtime/logs.js';
import { startMainProcess, EXIT_SIGKILL, EXIT_SIGTERM } from '../../src/runtime/mainprocess.js';
import type { ContainerKey, ProcessContext, ProcessResult, RunCommand, SessionStreams } from '../../src/runtime/types.js';

const ctx = {} as ProcessContext;
const key: ContainerKey = { namespace: 'default', pod: 'p', uid: 'u', container: 'c' };
const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `sh -c 'a; b'` with echo, echo-err, sleep, cat, exit, ignore-term (a process that ignores SIGTERM) */
const standIn: RunCommand = async (argv, _ctx, io) => {
  const script = argv[0] === 'sh' && argv[1] === '-c' ? argv[2] : argv.join(' ');
  for (const cmd of script.split(';').map((c) => c.trim()).filter(Boolean)) {
    const [w, ...args] = cmd.split(/\s+/);
    if (w === 'echo') io.stdout?.write(`${args.join(' ')}\n`);
    else if (w === 'echo-err') io.stderr?.write(`${args.join(' ')}\n`);
    else if (w === 'sleep') {
      if (!(await sleep(Number(args[0]) * 1000, io.signal))) return { exitCode: 143 };
    } else if (w === 'ignore-term') await new Promise(() => {});
    else if (w === 'exit') return { exitCode: Number(args[0]) };
    else if (w === 'cat') {
      const stdin = io.stdin;
      if (!stdin) continue;
      const ok = await new Promise<boolean>((resolve) => {
        const onAbort = () => resolve(false);
        io.signal.addEventListener('abort', onAbort, { once: true });
        stdin.on('data', (d) => io.stdout?.write(d));
        stdin.once('end', () => {
          io.signal.removeEventListener('abort', onAbort);
          resolve(true);
        });
      });
      if (!ok) return { exitCode: 143 };
    } else if (w === 'tty?') io.stdout?.write(`${io.tty}\n`);
    else if (w === 'throw') throw new Error('the shell broke');
    else {
      io.stderr?.write(`sh: ${w}: not found\n`);
      return { exitCode: 127 };
    }
  }
  return { exitCode: 0 };
};

function sessionOut() {
  let text = '';
  const w = new Writable({
    write(c, _e, cb) {
      text += c.toString();
      cb();
    },
  });
  return { w, text: () => text };
}

function setup(argv: string[], o: Partial<{ stdin: boolean; stdinOnce: boolean; tty: boolean }> = {}) {
  const logs = new LogStore();
  const proc = startMainProcess(argv, ctx, { stdin: false, stdinOnce: false, tty: false, ...o, log: logs.sink(key, 0), run: standIn });
  return { logs, proc, log: () => logs.read(key, 0).toString() };
}

describe('main process', () => {
  it("sh -c 'echo hello; sleep 3600': the log shows hello; stop ends it with 143", async () => {
    const { proc, log } = setup(['sh', '-c', 'echo hello; sleep 3600']);
    await tick();
    expect(log()).toBe('hello\n');
    const r = await proc.stop(1000);
    expect(r).toEqual({ exitCode: EXIT_SIGTERM });
    expect(await proc.exited).toEqual({ exitCode: EXIT_SIGTERM });
  });

  it('a process that exits: exited has its code, stderr goes to the log too; stop then answers the same', async () => {
    const { proc, log } = setup(['sh', '-c', 'echo out; echo-err err; exit 3']);
    expect(await proc.exited).toEqual({ exitCode: 3 });
    expect(log()).toBe('out\nerr\n');
    expect(await proc.stop()).toEqual({ exitCode: 3 });
  });

  it('a process that ignores SIGTERM is killed after the grace period: 137', async () => {
    const { proc } = setup(['ignore-term']);
    const t0 = Date.now();
    expect(await proc.stop(50)).toEqual({ exitCode: EXIT_SIGKILL });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
  });

  it('an empty command idles until stopped; a RunCommand that throws never throws out', async () => {
    const idle = setup([]);
    let done = false;
    void idle.proc.exited.then(() => (done = true));
    await tick(20);
    expect(done).toBe(false);
    expect(await idle.proc.stop(10)).toEqual({ exitCode: EXIT_SIGTERM });
    const broken = setup(['throw']);
    expect(await broken.proc.exited).toEqual({ exitCode: 1 });
    expect(broken.log()).toBe('the shell broke\n');
    const sync = startMainProcess(['x'], ctx, {
      stdin: false,
      stdinOnce: false,
      tty: false,
      log: { write() {} },
      run: () => {
        throw new Error('sync');
      },
    });
    expect(await sync.exited).toEqual({ exitCode: 1 });
  });

  it('attach sees the output written after attaching, not before; detaching answers exit code 0', async () => {
    const { proc } = setup(['sh', '-c', 'echo before; sleep 0.1; echo after; echo-err warn; sleep 3600']);
    await tick();
    const out = sessionOut();
    const err = sessionOut();
    const ac = new AbortController();
    const attached = proc.attach({ stdout: out.w, stderr: err.w, tty: false, signal: ac.signal });
    await tick(200);
    expect(out.text()).toBe('after\n');
    expect(err.text()).toBe('warn\n');
    ac.abort();
    expect(await attached).toEqual({ exitCode: 0 });
    await proc.stop(100);
  });

  it('attach settles when the process exits while attached, with Success (as ServeAttach); exited has the code', async () => {
    const { proc } = setup(['sh', '-c', 'sleep 0.05; echo bye; exit 2']);
    const out = sessionOut();
    const r = await proc.attach({ stdout: out.w, tty: false, signal: new AbortController().signal });
    expect(r).toEqual({ exitCode: 0 });
    expect(out.text()).toBe('bye\n');
    expect(await proc.exited).toEqual({ exitCode: 2 });
    expect(await proc.attach({ tty: false, signal: new AbortController().signal })).toEqual({ exitCode: 0 });
  });

  it('stdin: the attached session feeds the process; with stdinOnce its stdin closes when the first session closes stdin', async () => {
    const { proc, log } = setup(['cat'], { stdin: true, stdinOnce: true });
    const stdin = new PassThrough();
    const out = sessionOut();
    const attached = proc.attach({ stdin, stdout: out.w, tty: false, signal: new AbortController().signal });
    stdin.write('typed\n');
    await tick();
    expect(out.text()).toBe('typed\n');
    expect(log()).toBe('typed\n');
    stdin.end();
    // cat saw the end of its stdin and exited: the session gets its result
    expect(await attached).toEqual({ exitCode: 0 });
    expect(await proc.exited).toEqual({ exitCode: 0 });
  });

  it('stdinOnce: the first session detaching closes the process stdin; without stdinOnce a second session can type', async () => {
    const once = setup(['cat'], { stdin: true, stdinOnce: true });
    const ac = new AbortController();
    void once.proc.attach({ stdin: new PassThrough(), tty: false, signal: ac.signal });
    ac.abort();
    expect(await once.proc.exited).toEqual({ exitCode: 0 });

    const many = setup(['cat'], { stdin: true, stdinOnce: false });
    const first = new PassThrough();
    const ac1 = new AbortController();
    const a1 = many.proc.attach({ stdin: first, tty: false, signal: ac1.signal });
    first.write('one\n');
    first.end();
    await tick();
    ac1.abort();
    expect(await a1).toEqual({ exitCode: 0 });
    const second = new PassThrough();
    const out = sessionOut();
    const a2 = many.proc.attach({ stdin: second, stdout: out.w, tty: false, signal: new AbortController().signal });
    second.write('two\n');
    await tick();
    expect(out.text()).toBe('two\n');
    expect(many.log()).toBe('one\ntwo\n');
    expect(await many.proc.stop(100)).toEqual({ exitCode: EXIT_SIGTERM });
    expect(await a2).toEqual({ exitCode: 0 });
  });

  it('without stdin: true the process reads an empty stdin and the session stdin is ignored', async () => {
    const { proc } = setup(['sh', '-c', 'cat; echo done'], { stdin: false });
    const stdin = new PassThrough();
    const out = sessionOut();
    void proc.attach({ stdin, stdout: out.w, tty: false, signal: new AbortController().signal });
    stdin.write('ignored\n');
    expect(await proc.exited).toEqual({ exitCode: 0 });
  });

  it('tty: the process has a terminal, its stderr shows on stdout (log and session), resizes reach it', async () => {
    const sizes: Array<{ width: number; height: number }> = [];
    const logs = new LogStore();
    let resizeFn: ((s: { width: number; height: number }) => void) | undefined;
    const run: RunCommand = async (argv, c, io) => {
      io.onResize?.((sz) => sizes.push(sz));
      await new Promise((r) => setTimeout(r, 30));
      io.stdout?.write(`tty=${io.tty}\n`);
      io.stderr?.write('err\n');
      await sleep(3_600_000, io.signal);
      return { exitCode: 143 };
    };
    const proc = startMainProcess(['sh'], ctx, { stdin: true, stdinOnce: false, tty: true, log: logs.sink(key, 0), run });
    const out = sessionOut();
    const streams: SessionStreams = {
      stdin: new PassThrough(),
      stdout: out.w,
      tty: true,
      onResize: (fn) => (resizeFn = fn),
      signal: new AbortController().signal,
    };
    void proc.attach(streams);
    resizeFn?.({ width: 80, height: 24 });
    await tick(60);
    expect(sizes).toEqual([{ width: 80, height: 24 }]);
    expect(out.text()).toBe('tty=true\nerr\n');
    expect(logs.read(key, 0).toString()).toBe('tty=true\nerr\n');
    const r: ProcessResult = await proc.stop(100);
    expect(r.exitCode).toBe(EXIT_SIGTERM);
  });
});
