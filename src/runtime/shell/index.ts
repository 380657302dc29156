// runCommand (issue 16): runs argv in a simulated container — the built-in shell (`sh -c`, scripts,
// interactive with a busybox prompt on a tty), a built-in command (`cat`, `/bin/cat`), or a script in
// the container's filesystem. A missing executable is a start error worded as containerd/runc report
// it (the kubelet puts it in the error channel's Status). Never throws: errors become stderr + status.
import { randomBytes } from 'node:crypto';
import { normalizePath } from '../fs.js';
import type { ProcessResult, RunCommand } from '../types.js';
import { COMMANDS } from './commands/index.js';
import { known } from './commands/sys.js';
import { Aborted, Input, makeTerminal, nullSink, write } from './io.js';
import { builtinName, isShellName, runShell, Shell, toolPath, type Io, type ShellBase } from './interp.js';

known.has = (n) => Object.hasOwn(COMMANDS, n);
known.path = toolPath;

/** containerd's wording for an exec whose executable cannot be started (runc: libcontainer/standard_init_linux.go) */
export function execStartError(argv0: string, why: 'notfound' | 'nostat' | 'denied'): string {
  const id = randomBytes(32).toString('hex');
  const reason =
    why === 'notfound'
      ? `exec: "${argv0}": executable file not found in $PATH`
      : why === 'nostat'
        ? `exec: "${argv0}": stat ${argv0}: no such file or directory`
        : `exec: "${argv0}": permission denied`;
  return `failed to exec in container: failed to start exec "${id}": OCI runtime exec failed: exec failed: unable to start container process: ${reason}: unknown`;
}

/** busybox ash's default root prompt (PS1='\w \$ '): `/ # `, `~ # ` in HOME */
export function prompt(cwd: string, home: string | undefined): string {
  let w = cwd;
  if (home && home !== '/' && (cwd === home || cwd.startsWith(home + '/'))) w = '~' + cwd.slice(home.length);
  return `${w} # `;
}

export const runCommand: RunCommand = async (argv, ctx, streams) => {
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  if (streams.signal.aborted) ac.abort();
  streams.signal.addEventListener('abort', onAbort, { once: true });
  const term = streams.tty ? makeTerminal(streams.stdin, streams.stdout) : undefined;
  const io: Io = term
    ? { stdin: new Input(term.input), stdout: term.output, stderr: term.output }
    : { stdin: new Input(streams.stdin), stdout: streams.stdout ?? nullSink(), stderr: streams.stderr ?? nullSink() };
  for (const w of [io.stdout, io.stderr]) w.on('error', () => undefined);
  const env = { ...ctx.env };
  if (streams.tty && !env.TERM) env.TERM = 'xterm';
  const base: ShellBase = { fs: ctx.fs, hostname: ctx.hostname, network: ctx.network, tty: streams.tty };
  let offInterrupt: (() => void) | undefined;
  try {
    if (!argv.length || argv[0] === '') return { exitCode: 126, startError: execStartError('', 'notfound') };
    const name = argv[0]!;
    if (isShellName(name)) {
      const interactiveTty = term && !argv.slice(1).some((a) => a === '-c' || /^-[a-z]*c/.test(a) || !a.startsWith('-'));
      if (term && !interactiveTty) offInterrupt = term.onInterrupt(() => ac.abort());
      const code = await runShell(
        base,
        argv,
        env,
        ctx.cwd,
        io,
        ac.signal,
        interactiveTty ? { prompt: (sh) => prompt(sh.cwd, sh.vars.get('HOME')), interrupts: (fn) => term!.onInterrupt(fn) } : undefined,
      );
      return { exitCode: code };
    }
    if (term) offInterrupt = term.onInterrupt(() => ac.abort());
    const sh = new Shell(base, env, ctx.cwd, ac.signal);
    sh.tty = streams.tty;
    const tool = builtinName(name);
    if (tool) return { exitCode: await runTool(sh, tool, argv, io, env) };
    // a file in the container (a script)
    let path: string | undefined;
    if (name.includes('/')) {
      path = normalizePath(name, ctx.cwd);
      const st = await ctx.fs.stat(path).catch(() => undefined);
      if (!st) return { exitCode: 127, startError: execStartError(name, 'nostat') };
      if (st.type !== 'file' || (st.mode & 0o111) === 0) return { exitCode: 126, startError: execStartError(name, 'denied') };
    } else {
      for (const dir of (env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
        if (!dir) continue;
        const cand = normalizePath(name, normalizePath(dir, '/'));
        const st = await ctx.fs.stat(cand).catch(() => undefined);
        if (st?.type === 'file' && st.mode & 0o111) {
          path = cand;
          break;
        }
      }
      if (!path) return { exitCode: 127, startError: execStartError(name, 'notfound') };
    }
    return { exitCode: await sh.runScript(path, name, argv, io, env) };
  } catch (e) {
    if (e instanceof Aborted || ac.signal.aborted) return { exitCode: 130 };
    await write(io.stderr, `${argv[0] ?? 'sh'}: ${(e as Error)?.message ?? String(e)}\n`).catch(() => undefined);
    return { exitCode: 1 } satisfies ProcessResult;
  } finally {
    offInterrupt?.();
    streams.signal.removeEventListener('abort', onAbort);
    // background jobs of this session stop with it
    ac.abort();
  }
};

async function runTool(sh: Shell, tool: string, argv: string[], io: Io, env: Record<string, string>): Promise<number> {
  try {
    return await sh.runTool(tool, argv, io, env);
  } catch (e) {
    if (e instanceof Aborted) return 130;
    throw e;
  }
}
