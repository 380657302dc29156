// Opt-in local exec mode (`--exec-mode local`, as kwok does): runs the real command on the host with
// child_process.spawn, cwd = the container root's host directory, env = the container's environment.
// UNSAFE: the command runs with the emulator's own rights and sees the whole host filesystem.
import { spawn } from 'node:child_process';
import { hostPathOf } from '../fs.js';
import type { RunCommand } from '../types.js';
import { execStartError } from './index.js';

export const localRunCommand: RunCommand = async (argv, ctx, streams) => {
  if (!argv.length) return { exitCode: 126, startError: execStartError('', 'notfound') };
  const cwd = (await hostPathOf(ctx.fs, ctx.cwd)) ?? (await hostPathOf(ctx.fs, '/')) ?? process.cwd();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: { exitCode: number; startError?: string }) => {
      if (settled) return;
      settled = true;
      streams.signal.removeEventListener('abort', onAbort);
      resolve(r);
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(argv[0]!, argv.slice(1), { cwd, env: ctx.env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch {
      done({ exitCode: 127, startError: execStartError(argv[0]!, 'notfound') });
      return;
    }
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
      killTimer.unref();
    };
    streams.signal.addEventListener('abort', onAbort, { once: true });
    if (streams.signal.aborted) onAbort();
    child.on('error', (e: NodeJS.ErrnoException) => {
      done({
        exitCode: e.code === 'EACCES' ? 126 : 127,
        startError: execStartError(argv[0]!, e.code === 'EACCES' ? 'denied' : argv[0]!.includes('/') ? 'nostat' : 'notfound'),
      });
    });
    if (streams.stdin) {
      streams.stdin.pipe(child.stdin!);
      child.stdin!.on('error', () => undefined);
    } else child.stdin!.end();
    const outStream = streams.stdout;
    const errStream = streams.tty ? streams.stdout : streams.stderr;
    if (outStream) child.stdout!.pipe(outStream, { end: false });
    else child.stdout!.resume();
    if (errStream) child.stderr!.pipe(errStream, { end: false });
    else child.stderr!.resume();
    child.on('close', (code, sig) => {
      clearTimeout(killTimer);
      if (streams.stdin) streams.stdin.unpipe(child.stdin!);
      const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
      done({ exitCode: code ?? 128 + (sig ? (signals[sig] ?? 1) : 1) });
    });
  });
};
